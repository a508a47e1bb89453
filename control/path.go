package control

import (
	"path/filepath"
	"strings"
)

// SocketFor is the control socket of the daemon whose main pid file is
// pidFile: the same directory and name, with keepalived-go's ".sock". Two
// daemons that keepalived would let run side by side (an instance name, a
// network namespace, -p) so get two sockets, and the host-wide default
// stays DefaultSocket:
//
//	/run/keepalived.pid                 -> /run/keepalived-go.sock
//	/run/keepalived/keepalived_ns1.pid  -> /run/keepalived/keepalived-go_ns1.sock
//	/var/run/lb.pid                     -> /var/run/lb.sock
func SocketFor(pidFile string) string {
	if pidFile == "" {
		return DefaultSocket
	}
	dir, base := filepath.Split(pidFile)
	base = strings.TrimSuffix(base, ".pid")
	if rest, ok := strings.CutPrefix(base, "keepalived"); ok {
		base = "keepalived-go" + rest
	}
	return filepath.Join(dir, base+".sock")
}

// MainPIDFile is keepalived's main pid file for an instance name (global
// instance, else the network namespace) and use_pid_dir, as keepalived
// derives it when -p is not given.
func MainPIDFile(instance string, usePIDDir bool) string {
	switch {
	case instance != "":
		return "/run/keepalived/keepalived_" + instance + ".pid"
	case usePIDDir:
		return "/run/keepalived/keepalived.pid"
	}
	return "/run/keepalived.pid"
}
