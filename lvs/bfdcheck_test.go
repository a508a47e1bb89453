package lvs

import (
	"context"
	"log/slog"
	"testing"
	"time"
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
