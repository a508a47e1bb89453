package lvs

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// applyGlobals sets lvs_timeouts and the checker-managed sync daemon of p,
// undoing those of old (nil at start) that p no longer has.
func (m *Manager) applyGlobals(old, p *plan) {
	a, _ := m.k.(admin)
	var oldT config.LVSTimeouts
	if old != nil {
		oldT = old.global.Timeouts
	}
	if t := p.global.Timeouts; t != oldT {
		switch {
		case a == nil:
			m.log.Debug("kernel has no timeouts; lvs_timeouts ignored")
		case t != (config.LVSTimeouts{}):
			if m.origTimeouts == nil {
				if cur, err := a.Timeouts(); err == nil {
					m.origTimeouts = &cur
				}
			}
			want := ipvs.Timeouts{TCP: t.TCP, TCPFin: t.TCPFin, UDP: t.UDP}
			// keepalived sets the unset ones back to what they were.
			if o := m.origTimeouts; o != nil {
				want.TCP, want.TCPFin, want.UDP = or(want.TCP, o.TCP), or(want.TCPFin, o.TCPFin), or(want.UDP, o.UDP)
			}
			if err := a.SetTimeouts(want); err != nil {
				m.log.Warn("failed to set IPVS timeouts", "err", err)
			}
		case m.origTimeouts != nil:
			if err := a.SetTimeouts(*m.origTimeouts); err != nil {
				m.log.Warn("failed to restore IPVS timeouts", "err", err)
			}
		}
	}
	want := p.global.SyncDaemon
	if want != nil && want.Instance != "" {
		want = nil // the VRRP side drives it (SyncDaemonRole)
	}
	if sameSyncd(m.syncd, want) && old != nil {
		return
	}
	if a == nil {
		if want != nil {
			m.log.Debug("kernel has no sync daemon; lvs_sync_daemon ignored")
		}
		return
	}
	if m.syncd != nil || (old == nil && want != nil) {
		// Also clears one left running by an earlier, killed instance.
		_ = a.StopSyncDaemon(ipvs.SyncMaster)
		_ = a.StopSyncDaemon(ipvs.SyncBackup)
		m.syncd = nil
	}
	if want != nil {
		for _, st := range []ipvs.SyncState{ipvs.SyncMaster, ipvs.SyncBackup} {
			if err := a.StartSyncDaemon(syncDaemon(want, st, 0)); err != nil {
				m.log.Info(startDaemonError(err))
			}
		}
		w := *want
		m.syncd = &w
	}
}

func or(a, b uint32) uint32 {
	if a != 0 {
		return a
	}
	return b
}

func sameSyncd(a, b *config.SyncDaemon) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func syncDaemon(c *config.SyncDaemon, st ipvs.SyncState, defaultID uint8) ipvs.SyncDaemon {
	d := ipvs.SyncDaemon{State: st, Interface: c.Interface, SyncID: c.SyncID, MaxLen: c.MaxLen, Port: c.Port, TTL: c.TTL, Group: c.Group}
	if !c.SyncIDSet {
		d.SyncID = defaultID
	}
	return d
}

// SyncDaemonRole switches an lvs_sync_daemon that follows a VRRP instance to
// master or backup, as keepalived's VRRP process does on each transition
// (stop the other role, start this one). defaultID is the instance's
// virtual_router_id, used when no sync id is configured. It does nothing
// when no such daemon is configured.
func (m *Manager) SyncDaemonRole(st ipvs.SyncState, defaultID uint8) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.plan.global.SyncDaemon
	if c == nil || c.Instance == "" || m.k == nil {
		return nil
	}
	a, ok := m.k.(admin)
	if !ok {
		return nil
	}
	other := ipvs.SyncBackup
	if st == ipvs.SyncBackup {
		other = ipvs.SyncMaster
	}
	_ = a.StopSyncDaemon(other)
	_ = a.StopSyncDaemon(st)
	return a.StartSyncDaemon(syncDaemon(c, st, defaultID))
}

// startDaemonError is keepalived's ipvs_talk line for a sync daemon that
// would not start: libipvs's words for the errno, else strerror's (glibc's
// are Go's with a capital).
func startDaemonError(err error) string {
	const head = "IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: "
	var en syscall.Errno
	if !errors.As(err, &en) {
		return head + err.Error()
	}
	msg, ok := libipvsErrors[en]
	if !ok {
		if msg = en.Error(); msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
	}
	return fmt.Sprintf("%s%s(%d)", head, msg, int(en))
}

// libipvsErrors is ipvs_strerror's table for ipvs_start_daemon.
var libipvsErrors = map[syscall.Errno]string{
	syscall.EEXIST:       "Daemon has already run",
	syscall.ESRCH:        "No such service",
	syscall.EPERM:        "Permission denied (you must be root)",
	syscall.EINVAL:       "Invalid operation.  Possibly wrong module version, address not unicast, ...",
	syscall.ENOPROTOOPT:  "Protocol not available",
	syscall.ENOMEM:       "Memory allocation problem",
	syscall.EOPNOTSUPP:   "Operation not supported with IPv6",
	syscall.EAFNOSUPPORT: "Operation not supported with specified address family",
	syscall.EMSGSIZE:     "Module is wrong version",
}
