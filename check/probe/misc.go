package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultKillGrace is how long a timed-out MISC_CHECK group gets between
// SIGTERM and SIGKILL (keepalived waits 2 s).
const DefaultKillGrace = 2 * time.Second

// Misc is MISC_CHECK: run argv without a shell; exit 0 is up, 1 down, and
// with Dynamic 2..255 is up with weight status-2. The script runs in its own
// process group which is killed as a whole when Timeout (misc_timeout)
// expires, so grandchildren cannot outlive it.
type Misc struct {
	Argv    []string
	Timeout time.Duration
	Dynamic bool
	// Credential runs the script as another user (misc `user`); nil keeps ours.
	Credential *syscall.Credential
	// KillGrace overrides DefaultKillGrace (tests).
	KillGrace time.Duration
}

// command builds the process; keepalived's one exception to "no shell" is a
// command starting with `</`, which it hands to system().
func (m *Misc) command() (*exec.Cmd, error) {
	if len(m.Argv) == 0 || m.Argv[0] == "" {
		return nil, errors.New("misc: empty command")
	}
	var cmd *exec.Cmd
	if strings.HasPrefix(m.Argv[0], "</") {
		cmd = exec.Command("/bin/sh", "-c", strings.Join(m.Argv, " "))
	} else {
		cmd = exec.Command(m.Argv[0], m.Argv[1:]...)
	}
	// Stdin/Stdout/Stderr stay nil (/dev/null) so no pipe can keep Wait
	// blocked on a grandchild that inherited it.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGTERM,
		Credential: m.Credential,
	}
	return cmd, nil
}

// Check implements Prober.
func (m *Misc) Check(ctx context.Context) Result {
	cmd, err := m.command()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("misc %s: %w", m.Argv[0], err))
	}
	pid := cmd.Process.Pid
	// Wait for the leader's exit without reaping it: while it is a zombie its
	// pid (= the group id) cannot be reused, so killing the group is safe.
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		var info unix.Siginfo
		for {
			err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
			if err != unix.EINTR {
				return
			}
		}
	}()
	ctx, cancel := deadline(ctx, m.Timeout)
	defer cancel()
	timedOut := false
	select {
	case <-exited:
	case <-ctx.Done():
		timedOut = true
		m.killGroup(pid, exited)
	}
	werr := cmd.Wait()
	if timedOut {
		return fail(fmt.Errorf("misc %s: timed out after %s, process group killed", m.Argv[0], m.Timeout))
	}
	return m.verdict(cmd.ProcessState, werr)
}

func (m *Misc) killGroup(pid int, exited <-chan struct{}) {
	grace := m.KillGrace
	if grace <= 0 {
		grace = DefaultKillGrace
	}
	_ = unix.Kill(-pid, unix.SIGTERM)
	t := time.NewTimer(grace)
	select {
	case <-exited:
	case <-t.C:
	}
	t.Stop()
	// Children that ignored SIGTERM, or outlived a leader that obeyed it.
	_ = unix.Kill(-pid, unix.SIGKILL)
	<-exited
}

func (m *Misc) verdict(ps *os.ProcessState, werr error) Result {
	if ps == nil {
		return fail(fmt.Errorf("misc %s: %w", m.Argv[0], werr))
	}
	ws, _ := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return fail(fmt.Errorf("misc %s: killed by %s", m.Argv[0], ws.Signal()))
	}
	code := ps.ExitCode()
	switch {
	case code == 0 && m.Dynamic:
		// exit 0 under misc_dynamic keeps the configured weight.
		return Result{Mode: WeightRelative, Weight: 0}
	case code == 0:
		return Result{}
	case m.Dynamic && code >= 2 && code <= 255:
		return Result{Mode: WeightAbsolute, Weight: int64(code - 2)}
	}
	return fail(fmt.Errorf("misc %s: exit status %d", m.Argv[0], code))
}
