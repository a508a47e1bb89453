package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// ScriptRunner runs a script as user:group (empty: the default script
// user) and waits up to timeout; it returns the exit code and the error
// of a script that did not succeed. vrrpside.RunScript is one.
type ScriptRunner func(ctx context.Context, argv []string, user, group string, timeout time.Duration) (int, error)

// runGlobalScript runs global_defs' startup_script or shutdown_script and
// waits for it (up to its timeout), as keepalived's parent does before
// starting and after stopping its children.
func runGlobalScript(log *slog.Logger, run ScriptRunner, detail bool, what string, c *config.Command, g *config.Global, timeout time.Duration) {
	if c == nil {
		return
	}
	argv := c.Argv
	if c.Shell {
		argv = []string{"/bin/sh", "-c", c.Raw}
	}
	if len(argv) == 0 {
		return
	}
	if detail {
		log.Info(fmt.Sprintf("Running %s script %s", what, argv[0]))
	}
	if run == nil {
		log.Warn(fmt.Sprintf("%s script %s not run: no script runner in this build", what, argv[0]))
		return
	}
	user, group := c.User, c.Group
	if user == "" {
		user, group = g.ScriptUser, g.ScriptGroup
	}
	if code, err := run(context.Background(), argv, user, group, timeout); err != nil || code != 0 {
		log.Info(fmt.Sprintf("Call of %s script %s failed", what, argv[0]), "exit", code, "err", err)
	}
}
