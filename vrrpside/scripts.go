package vrrpside

import (
	"context"
	"fmt"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/vrrp/notify"
	"github.com/dsas/keepalived-go/vrrp/script"
	"github.com/dsas/keepalived-go/vrrp/track"
	"github.com/dsas/keepalived-go/vrrpconf"
)

func (v *Side) newDispatcher(res *vrrpconf.Result) (*notify.Dispatcher, error) {
	nc := res.Notify
	nc.Logger = v.log
	nc.Run = runner(res.Users)
	return notify.New(nc)
}

func (v *Side) trackConfig(res *vrrpconf.Result) track.Config {
	tc := res.Track
	tc.Run = runner(res.Users)
	return tc
}

// defaultScriptUser is keepalived's user for scripts when neither the
// script line nor script_user names one: keepalived_script if it exists,
// else the daemon's own user.
const defaultScriptUser = "keepalived_script"

// runner runs scripts as the user the configuration names for them.
func runner(users map[string]vrrpconf.User) func(ctx context.Context, argv []string, timeout time.Duration) script.Result {
	var def *syscall.Credential
	if _, err := user.Lookup(defaultScriptUser); err == nil {
		def, _ = credential(vrrpconf.User{User: defaultScriptUser})
	}
	return func(ctx context.Context, argv []string, timeout time.Duration) script.Result {
		cred := def
		if len(argv) > 0 {
			if u, ok := users[argv[0]]; ok {
				c, err := credential(u)
				if err != nil {
					return script.Result{ExitCode: -1, Err: err}
				}
				cred = c
			}
		}
		return script.RunAs(ctx, argv, timeout, cred)
	}
}

func credential(u vrrpconf.User) (*syscall.Credential, error) {
	pw, err := user.Lookup(u.User)
	if err != nil {
		return nil, fmt.Errorf("script user %s: %w", u.User, err)
	}
	uid, _ := strconv.Atoi(pw.Uid)
	gid, _ := strconv.Atoi(pw.Gid)
	if u.Group != "" {
		g, err := user.LookupGroup(u.Group)
		if err != nil {
			return nil, fmt.Errorf("script group %s: %w", u.Group, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if uid == syscall.Getuid() && gid == syscall.Getgid() {
		return nil, nil
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// startFIFOScripts starts the notify_fifo readers keepalived starts.
func (v *Side) startFIFOScripts(res *vrrpconf.Result) []*exec.Cmd {
	var out []*exec.Cmd
	for _, argv := range res.FIFOScripts {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		u, ok := res.Users[argv[0]]
		if !ok {
			if _, err := user.Lookup(defaultScriptUser); err == nil {
				u, ok = vrrpconf.User{User: defaultScriptUser}, true
			}
		}
		if ok {
			if c, err := credential(u); err == nil {
				cmd.SysProcAttr.Credential = c
			}
		}
		if err := cmd.Start(); err != nil {
			v.log.Warn(fmt.Sprintf("Unable to start notify fifo script %s", argv[0]), "err", err)
			continue
		}
		go cmd.Wait()
		out = append(out, cmd)
	}
	return out
}

func stopCmds(cmds []*exec.Cmd) {
	for _, c := range cmds {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
		}
	}
}

// RunScript runs argv as the VRRP side runs its scripts: as user and group
// when user is set, else as keepalived_script when that user exists, else
// as the daemon's own user; it waits up to timeout. It returns the exit
// code and the error of a script that did not succeed (startup_script and
// shutdown_script).
func RunScript(ctx context.Context, argv []string, user, group string, timeout time.Duration) (int, error) {
	users := map[string]vrrpconf.User{}
	if user != "" && len(argv) > 0 {
		users[argv[0]] = vrrpconf.User{User: user, Group: group}
	}
	r := runner(users)(ctx, argv, timeout)
	if r.OK() {
		return 0, nil
	}
	return r.ExitCode, r.Err
}
