// Package script runs keepalived's external commands: notify scripts and
// vrrp_script checks. Commands are argv vectors executed without a shell
// (keepalived execve()s its tokenised command line), each in its own
// process group so a timeout kills the whole tree.
package script

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// KillGrace is how long a timed-out command gets between SIGTERM and
// SIGKILL, as keepalived allows.
const KillGrace = 2 * time.Second

// ErrTimeout marks a command that was killed for running too long.
var ErrTimeout = errors.New("script: timed out")

// Result is the outcome of one run.
type Result struct {
	ExitCode int // -1 when killed by a signal or not started
	Signal   int // the signal that ended it, when one did (not a timeout)
	Err      error
}

// OK reports keepalived's notion of success: exit status 0.
func (r Result) OK() bool { return r.Err == nil && r.ExitCode == 0 }

// Run executes argv and waits for it. timeout <= 0 means no limit other
// than ctx. On timeout (or ctx end) the process group gets SIGTERM, then
// SIGKILL KillGrace later.
func Run(ctx context.Context, argv []string, timeout time.Duration) Result {
	return RunAs(ctx, argv, timeout, nil)
}

// RunAs is Run as another user (script_user, or the user named on the
// script line); a nil cred runs as the daemon's own user.
func RunAs(ctx context.Context, argv []string, timeout time.Duration, cred *syscall.Credential) Result {
	if len(argv) == 0 {
		return Result{ExitCode: -1, Err: errors.New("script: empty command")}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// Like keepalived's PDEATHSIG: scripts do not outlive us.
		Pdeathsig:  syscall.SIGTERM,
		Credential: cred,
	}
	if err := cmd.Start(); err != nil {
		return Result{ExitCode: -1, Err: fmt.Errorf("script %s: %w", argv[0], err)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	var err error
	timedOut := false
	select {
	case err = <-done:
	case <-expire:
		timedOut = true
	case <-ctx.Done():
		timedOut = true
	}
	if timedOut {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		kill := time.NewTimer(KillGrace)
		select {
		case <-done:
		case <-kill.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
		kill.Stop()
		// The leader may be gone while children linger.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return Result{ExitCode: -1, Err: fmt.Errorf("script %s: %w", argv[0], ErrTimeout)}
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r := Result{ExitCode: ee.ExitCode()}
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				r.Signal = int(ws.Signal())
			}
			return r
		}
		return Result{ExitCode: -1, Err: fmt.Errorf("script %s: %w", argv[0], err)}
	}
	return Result{ExitCode: 0}
}
