package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// runGlobalScript runs global_defs' startup_script or shutdown_script and
// waits for it (up to its timeout), as keepalived's parent does before
// starting and after stopping its children.
func runGlobalScript(log *slog.Logger, detail bool, what string, c *config.Command, g *config.Global, timeout time.Duration) {
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
	u := vrrpconf.User{User: c.User, Group: c.Group}
	if u.User == "" {
		u = vrrpconf.User{User: g.ScriptUser, Group: g.ScriptGroup}
	}
	users := map[string]vrrpconf.User{}
	if u.User != "" {
		users[argv[0]] = u
	}
	if r := runner(users)(context.Background(), argv, timeout); !r.OK() {
		log.Info(fmt.Sprintf("Call of %s script %s failed", what, argv[0]), "exit", r.ExitCode, "err", r.Err)
	}
}
