package main

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/dsas/keepalived-go/control"
)

// daemonAddr names a daemon the way keepalived names its pid files.
type daemonAddr struct {
	namespace, instance, pidFile string
	usePIDDir                    bool
}

// socket is the daemon's control socket. Without any flag, a keepalivectl
// run inside a named network namespace (ip netns exec NS) prefers the
// socket of a daemon started with -s NS when there is one, else the
// host-wide default.
func (a daemonAddr) socket(currentNS string) string {
	switch {
	case a.pidFile != "":
		return control.SocketFor(a.pidFile)
	case a.instance != "" || a.namespace != "" || a.usePIDDir:
		// keepalived: the instance name wins over the namespace's.
		name := a.instance
		if name == "" {
			name = a.namespace
		}
		return control.SocketFor(control.MainPIDFile(name, a.usePIDDir))
	case currentNS != "":
		p := control.SocketFor(control.MainPIDFile(currentNS, false))
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return control.DefaultSocket
}

// currentNamespace is the name under /run/netns of this thread's network
// namespace, as `ip netns identify` finds it, or "".
func currentNamespace() string {
	var self syscall.Stat_t
	if syscall.Stat("/proc/thread-self/ns/net", &self) != nil {
		return ""
	}
	names, _ := filepath.Glob("/run/netns/*")
	for _, n := range names {
		var st syscall.Stat_t
		if syscall.Stat(n, &st) == nil && st.Dev == self.Dev && st.Ino == self.Ino {
			return filepath.Base(n)
		}
	}
	return ""
}
