package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/vrrp"
)

type fakeLVS struct {
	mu    sync.Mutex
	roles []ipvs.SyncState
	ids   []uint8
}

func (f *fakeLVS) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (f *fakeLVS) Reload(*config.Config) error   { return nil }
func (f *fakeLVS) SyncDaemonRole(st ipvs.SyncState, id uint8) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles = append(f.roles, st)
	f.ids = append(f.ids, id)
	return nil
}

func (f *fakeLVS) got() ([]ipvs.SyncState, []uint8) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ipvs.SyncState(nil), f.roles...), append([]uint8(nil), f.ids...)
}

func TestSyncDaemonFollowsInstance(t *testing.T) {
	cfg := &config.Config{}
	cfg.Global.LVS.SyncDaemon = &config.SyncDaemon{Interface: "eth0", Instance: "VI_1"}
	cfg.VRRP.Instances = []config.Instance{{Name: "VI_1", VRID: 42}, {Name: "VI_2", VRID: 43}}
	f := &fakeLVS{}
	var s syncFollower
	s.set(f, cfg)
	for _, ev := range []vrrp.Event{
		{Name: "VI_1", State: vrrp.StateBackup},
		{Name: "VI_2", State: vrrp.StateMaster}, // another instance
		{Name: "G", Group: true, State: vrrp.StateMaster},
		{Name: "VI_1", Kind: vrrp.EventMasterRxLowerPri, State: vrrp.StateMaster},
		{Name: "VI_1", State: vrrp.StateMaster},
		{Name: "VI_1", State: vrrp.StateFault},
	} {
		s.Notify(ev)
	}
	want := []ipvs.SyncState{ipvs.SyncBackup, ipvs.SyncMaster, ipvs.SyncBackup}
	deadline := time.Now().Add(10 * time.Second)
	for {
		roles, ids := f.got()
		if len(roles) == len(want) {
			for i := range want {
				if roles[i] != want[i] || ids[i] != 42 {
					t.Fatalf("roles %v ids %v, want %v with id 42", roles, ids, want)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("roles %v, want %v", roles, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSyncDaemonStateBeforeLVS: the VRRP side starts, and enters BACKUP,
// before the LVS side exists; the follower still starts the backup sync
// daemon once the LVS side is set (a BACKUP director used to run none, so
// it had no connection to take over), and a reload does not restart it.
func TestSyncDaemonStateBeforeLVS(t *testing.T) {
	cfg := &config.Config{}
	cfg.Global.LVS.SyncDaemon = &config.SyncDaemon{Interface: "eth0", Instance: "VI_1"}
	cfg.VRRP.Instances = []config.Instance{{Name: "VI_1", VRID: 42}}
	f := &fakeLVS{}
	var s syncFollower
	s.Notify(vrrp.Event{Name: "VI_1", State: vrrp.StateBackup})
	s.set(f, cfg)
	s.set(f, cfg) // a reload
	deadline := time.Now().Add(10 * time.Second)
	for {
		roles, _ := f.got()
		if len(roles) == 1 && roles[0] == ipvs.SyncBackup {
			time.Sleep(50 * time.Millisecond)
			if roles, _ := f.got(); len(roles) != 1 {
				t.Fatalf("roles %v: the reload restarted the daemon", roles)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("roles %v, want [backup]", roles)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestIPVSForSyncDaemon: with lvs_sync_daemon and no IPVS in the kernel
// (this host's; the VM has it), the VRRP side does not start: keepalived's
// VRRP child logs "IPVS: Can't initialize ipvs: No such file or
// directory" and exits FATAL, which stops the daemon with status 1.
func TestIPVSForSyncDaemon(t *testing.T) {
	if c, err := ipvs.Dial(); err == nil {
		c.Close()
		t.Skip("IPVS is available here")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	c := &config.Config{}
	if err := ipvsForSyncDaemon(c, log); err != nil {
		t.Fatalf("no sync daemon: %v", err)
	}
	// Without an instance to follow the VRRP side needs no IPVS (062).
	c.Global.LVS.SyncDaemon = &config.SyncDaemon{Interface: "eth0"}
	if err := ipvsForSyncDaemon(c, log); err != nil {
		t.Fatalf("sync daemon without instance: %v", err)
	}
	c.Global.LVS.SyncDaemon.Instance = "VI_1"
	err := ipvsForSyncDaemon(c, log)
	if !errors.Is(err, daemon.ErrFatal) || !strings.Contains(buf.String(), "IPVS: Can't initialize ipvs: No such file or directory") {
		t.Fatalf("err %v, log %s", err, buf.String())
	}
}
