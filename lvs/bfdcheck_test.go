package lvs

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// TestBFDCheck: BFD_CHECK follows the BFD side's session state, polled
// every second; without a BFD side it fails.
func TestBFDCheck(t *testing.T) {
	cfg := parse(t, `bfd_instance B1 {
  neighbor_ip 10.0.1.1
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    BFD_CHECK {
      name B1
    }
  }
}`)
	if len(cfg.LVS.VirtualServers[0].RealServers[0].Checkers) == 0 {
		t.Fatal("the parser dropped BFD_CHECK")
	}
	up := false
	p, err := translate(cfg, slog.New(slog.DiscardHandler), func(name string) bool { return name == "B1" && up })
	if err != nil {
		t.Fatal(err)
	}
	c := p.vss[0].Reals[0].Checkers[0]
	if r := c.Probe.Check(context.Background()); r.OK() {
		t.Error("BFD_CHECK passed with the session Down")
	}
	up = true
	if r := c.Probe.Check(context.Background()); !r.OK() {
		t.Errorf("BFD_CHECK failed with the session Up: %v", r.Err)
	}
	if c.Timing.DelayLoop != time.Second || c.Kind != "BFD_CHECK" {
		t.Errorf("BFD_CHECK %s polled every %v, want 1s", c.Kind, c.Timing.DelayLoop)
	}
	p, err = translate(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.vss[0].Reals[0].Checkers[0].Probe.Check(context.Background()); r.OK() {
		t.Error("BFD_CHECK passed without a BFD side")
	}
}

// TestBFDCheckEvent: a BFD event reaches BFD_CHECK at once, without
// waiting for the checker's period (synctest: no time passes between the
// event and the removal), and the checker follows the event, not the
// session's state read later (a peer's AdminDown sends none).
func TestBFDCheckEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := parse(t, `bfd_instance B1 {
  neighbor_ip 10.0.1.1
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    BFD_CHECK {
      name B1
    }
  }
  real_server 10.0.1.2 80 {
  }
}`)
		k := &ipvs.Memory{}
		var sessionUp atomic.Bool
		sessionUp.Store(true)
		m, err := New(cfg, Options{Kernel: k, KeepOnExit: true, Resync: -1, RunScript: func(*config.Command) {},
			BFDUp: func(string) bool { return sessionUp.Load() }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = m.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		in := func() bool { return slices.Contains(table(t, k), "-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 1") }
		if !in() {
			t.Fatalf("real server not in IPVS with its session Up: %v", table(t, k))
		}
		// Between two periods: the event alone must remove it.
		time.Sleep(200 * time.Millisecond)
		m.BFDState("B1", false)
		synctest.Wait()
		if in() {
			t.Fatalf("real server still in IPVS after the Down event: %v", table(t, k))
		}
		m.BFDState("B1", true)
		synctest.Wait()
		if !in() {
			t.Fatalf("real server not back after the Up event: %v", table(t, k))
		}
		// The session falls without an event (peer AdminDown): the checker
		// keeps the last event, as keepalived's.
		sessionUp.Store(false)
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if !in() {
			t.Fatalf("real server removed without a BFD event: %v", table(t, k))
		}
	})
}

// TestBFDCheckDisabledInstance: a BFD_CHECK on a bfd_instance keepalived's
// BFD process disables (no neighbor) never hears an event, so keepalived
// keeps the checker in its initial state: the real server stays in IPVS
// (alpha: stays out), and no "BFD check of" line is logged (corpus 047,
// 070; keepalived-go took the servers out, lost quorum and added the
// sorry server).
func TestBFDCheckDisabledInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := parse(t, `bfd_instance B1 {
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    BFD_CHECK {
      name B1
    }
  }
  real_server 10.0.1.2 80 {
    BFD_CHECK {
      name B1
      alpha
    }
  }
}`)
		k := &ipvs.Memory{}
		m, err := New(cfg, Options{Kernel: k, KeepOnExit: true, Resync: -1, RunScript: func(*config.Command) {},
			BFDUp: func(string) bool { return false }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = m.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		got := table(t, k)
		if !slices.Contains(got, "-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 1") ||
			slices.Contains(got, "-a TCP 10.0.0.1:80 -r 10.0.1.2:80 NAT weight 1") {
			t.Errorf("IPVS %v: want 10.0.1.1 (initially up) in and 10.0.1.2 (alpha) out", got)
		}
		m.BFDState("B1", false)
		synctest.Wait()
		if !slices.Contains(table(t, k), "-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 1") {
			t.Error("a disabled instance's checker ran")
		}
	})
}
