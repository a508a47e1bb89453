package main

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/internal/strerror"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/vrrp"
)

// syncDaemonRoler is implemented by an LVS side that runs keepalived's
// lvs_sync_daemon (*lvs.Manager does).
type syncDaemonRoler interface {
	SyncDaemonRole(st ipvs.SyncState, defaultID uint8) error
}

// syncFollower moves the IPVS sync daemon between master and backup as the
// VRRP instance named in lvs_sync_daemon changes state, as keepalived's
// VRRP process does. It is a vrrp.Notifier: the engine calls it with its
// lock held, so the switch itself runs on a goroutine of its own, in event
// order.
type syncFollower struct {
	mu       sync.Mutex
	target   syncDaemonRoler
	instance string
	vrid     uint8
	queue    []ipvs.SyncState
	running  bool
	// last is each instance's latest state: the VRRP side starts (and
	// enters BACKUP) before the LVS side exists to follow it.
	last map[string]vrrp.State
}

func (s *syncFollower) set(l syncDaemonRoler, cfg *config.Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prevTarget, prevInstance := s.target, s.instance
	s.target, s.instance = nil, ""
	if l == nil || cfg == nil || cfg.Global.LVS.SyncDaemon == nil {
		return
	}
	sd := cfg.Global.LVS.SyncDaemon
	s.target, s.instance = l, sd.Instance
	if in := cfg.VRRP.Instance(sd.Instance); in != nil {
		s.vrid = uint8(in.VRID)
	}
	// A first start (or another instance to follow) takes the role of
	// the instance's current state; a reload keeps the running daemon.
	if st, ok := s.last[sd.Instance]; ok && (prevTarget == nil || prevInstance != sd.Instance) {
		s.enqueue(st)
	}
}

func (s *syncFollower) Notify(ev vrrp.Event) {
	if ev.Group || ev.Kind != vrrp.EventState {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]vrrp.State{}
	}
	s.last[ev.Name] = ev.State
	if s.target == nil || ev.Name != s.instance {
		return
	}
	s.enqueue(ev.State)
}

// enqueue queues the sync daemon role of a VRRP state (s.mu held).
func (s *syncFollower) enqueue(state vrrp.State) {
	switch state {
	case vrrp.StateMaster:
		s.queue = append(s.queue, ipvs.SyncMaster)
	case vrrp.StateBackup, vrrp.StateFault:
		s.queue = append(s.queue, ipvs.SyncBackup)
	default:
		return
	}
	if !s.running {
		s.running = true
		go s.drain()
	}
}

func (s *syncFollower) drain() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.target == nil {
			s.queue, s.running = nil, false
			s.mu.Unlock()
			return
		}
		st := s.queue[0]
		s.queue = s.queue[1:]
		t, id := s.target, s.vrid
		s.mu.Unlock()
		_ = t.SyncDaemonRole(st, id)
	}
}

// ipvsForSyncDaemon is keepalived's VRRP child's ipvs_start for
// lvs_sync_daemon (vrrp_ipvs_needed: an interface and an instance to
// follow): without IPVS in the kernel the daemon terminates with its
// FATAL error.
func ipvsForSyncDaemon(c *config.Config, log *slog.Logger) error {
	if sd := c.Global.LVS.SyncDaemon; sd == nil || sd.Interface == "" || sd.Instance == "" {
		return nil
	}
	log.Debug("Initializing ipvs")
	conn, err := ipvs.Dial()
	if err != nil {
		log.Info(fmt.Sprintf("IPVS: Can't initialize ipvs: %s", strerror.Text(err)))
		return fmt.Errorf("lvs_sync_daemon: %w: %w", daemon.ErrFatal, err)
	}
	return conn.Close()
}
