package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/control"
)

// reloadResult is `keepalivectl reload --json`.
type reloadResult struct {
	ConfigFile  string `json:"config_file"`
	CheckOK     bool   `json:"check_ok"`
	CheckOutput string `json:"check_output,omitempty"`
	Signalled   bool   `json:"signalled"`
	// Applied and Error are the daemon's verdict on the reload; absent
	// when it was not signalled or did not answer in time.
	Applied *bool  `json:"applied,omitempty"`
	Error   string `json:"error,omitempty"`
}

// reloadCmd checks the running daemon's configuration file with that
// daemon's own executable (`-t`), so an edit it would refuse never reaches
// it; then it sends SIGHUP and waits for the daemon's verdict.
func reloadCmd(c *cli) int {
	st, code := c.fetch()
	if st == nil {
		return code
	}
	res := reloadResult{ConfigFile: st.ConfigFile}
	res.CheckOutput, res.CheckOK = checkConfig(st.PID, st.ConfigFile)
	if !res.CheckOK {
		return c.reloadDone(res, exitFailed)
	}
	before := uint64(0)
	if st.Reloads != nil {
		before = st.Reloads.Total
	}
	if err := syscall.Kill(st.PID, syscall.SIGHUP); err != nil {
		res.Error = fmt.Sprintf("signalling pid %d: %v", st.PID, err)
		return c.reloadDone(res, exitFailed)
	}
	res.Signalled = true
	r, err := c.waitReload(before)
	if err != nil {
		res.Error = err.Error()
		return c.reloadDone(res, exitFailed)
	}
	applied := r.LastOK
	res.Applied, res.Error = &applied, r.LastError
	if !applied {
		return c.reloadDone(res, exitFailed)
	}
	return c.reloadDone(res, exitOK)
}

// checkConfig runs the daemon's executable with -t on file. It returns
// the check's output (or why it could not run) and whether it passed.
func checkConfig(pid int, file string) (string, bool) {
	if file == "" {
		return "the daemon did not say which configuration file it runs", false
	}
	// /proc/PID/exe is the daemon's own binary even after a package
	// upgrade replaced the file: the check must judge the file the way the
	// process that reloads it will.
	exe := "/proc/" + strconv.Itoa(pid) + "/exe"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-t", "-f", file)
	// The daemon runs from /, so relative include paths resolve there on
	// its reload; the check must resolve them the same way.
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return text, false
		}
		return fmt.Sprintf("running %s -t: %v", exe, err), false
	}
	return text, true
}

// waitReload polls the daemon until it has recorded one more reload than
// before, or the timeout passes.
func (c *cli) waitReload(before uint64) (*control.Reloads, error) {
	deadline := time.Now().Add(c.timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := c.client.Status(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("waiting for the reload: %w", err)
		}
		if r := st.Reloads; r != nil && r.Total > before {
			return r, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the daemon did not report the reload within %v", c.timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reloadDone prints the outcome and returns code.
func (c *cli) reloadDone(res reloadResult, code int) int {
	if c.asJSON {
		if c.printJSON(res) != exitOK {
			return exitFailed
		}
		return code
	}
	verdict := "OK"
	if !res.CheckOK {
		verdict = "REFUSED"
	}
	fmt.Fprintf(c.stdout, "configuration test (%s -t): %s\n", res.ConfigFile, verdict)
	if res.CheckOutput != "" && !res.CheckOK {
		fmt.Fprintln(c.stdout, res.CheckOutput)
	}
	switch {
	case !res.CheckOK:
		fmt.Fprintln(c.stdout, "not reloaded: the daemon keeps its running configuration")
	case !res.Signalled || res.Applied == nil:
		fmt.Fprintf(c.stdout, "reload: %s\n", res.Error)
	case *res.Applied:
		fmt.Fprintln(c.stdout, "reload: applied")
	default:
		fmt.Fprintf(c.stdout, "reload: REFUSED by the daemon, running configuration kept: %s\n", res.Error)
	}
	return code
}
