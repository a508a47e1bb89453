package vrrplab_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// variant is one way of running a VRRP pair: protocol version, advert
// interval, address family and transport.
type variant struct {
	version int
	adv     string // advert_int
	ipv6    bool
	unicast bool
}

func (v variant) String() string {
	s := fmt.Sprintf("v%d", v.version)
	if v.ipv6 {
		s += "-ipv6"
	} else {
		s += "-ipv4"
	}
	if v.unicast {
		s += "-unicast"
	} else {
		s += "-multicast"
	}
	return s
}

// vrid of every pair test; the instance is VI_51, as in the shared netlab.
const vrid = 51

const inst = "VI_51"

func (v variant) vip() netip.Prefix {
	if v.ipv6 {
		return vrrplab.VIP6
	}
	return vrrplab.VIP4
}

// wait is a generous deadline for anything that should take a few
// Master_Down_Intervals: start-up, failover, preemption.
func (v variant) wait() time.Duration {
	if v.adv == "1" || v.adv == "" {
		return 20 * time.Second
	}
	return 10 * time.Second
}

// config returns the configuration of lab host self with peer as its unicast
// partner (when unicast).
func (v variant) config(e *vrrplab.Env, self, peer, prio int, state string, extra ...string) vrrplab.Config {
	in := vrrplab.Instance{
		VRID: vrid, Priority: prio, State: state, AdvertInt: v.adv,
		VIPs: []netip.Prefix{v.vip()}, Extra: extra,
	}
	if v.unicast {
		if v.ipv6 {
			in.UnicastSrc, in.Peers = e.Host(self).IPv6.Addr(), []netip.Addr{e.Host(peer).IPv6.Addr()}
		} else {
			in.UnicastSrc, in.Peers = e.Host(self).IPv4.Addr(), []netip.Addr{e.Host(peer).IPv4.Addr()}
		}
	}
	return vrrplab.Config{Version: v.version, Instances: []vrrplab.Instance{in}}
}

// pair is the common lab: h1 (priority 150, state MASTER) and h2 (priority
// 100, BACKUP) running the given daemons, h3 a client. It returns once h1
// is master, h2 backup and the client reaches the VIP at h1.
type pair struct {
	v      variant
	e      *vrrplab.Env
	r1, r2 *vrrplab.Router
}

func newPair(t *testing.T, v variant, d1, d2 vrrplab.Daemon, extra1, extra2 []string) *pair {
	t.Helper()
	e := vrrplab.New(t, 3)
	p := &pair{v: v, e: e}
	p.r1 = e.Router(t, 1, d1, v.config(e, 1, 2, 150, "MASTER", extra1...))
	p.r2 = e.Router(t, 2, d2, v.config(e, 2, 1, 100, "BACKUP", extra2...))
	p.r2.Start(t)
	p.r1.Start(t)
	p.r1.WaitState(t, inst, "MASTER", v.wait())
	p.r2.WaitState(t, inst, "BACKUP", v.wait())
	p.reach(t, p.r1)
	return p
}

// reach waits until the client reaches the VIP at r's MAC and logs how long
// that took.
func (p *pair) reach(t *testing.T, r *vrrplab.Router) {
	t.Helper()
	d := vrrplab.ReachVIP(t, p.e.Host(3), p.v.vip().Addr(), r.MAC(), p.v.wait())
	t.Logf("client reaches %s at %s (%s) after %v", p.v.vip().Addr(), r.Name, r.Daemon, d.Round(time.Millisecond))
}

// takeover waits for r to become master after an action taken at t0 and
// logs the time to its first advert and first GARP/NA on the wire.
func (p *pair) takeover(t *testing.T, r *vrrplab.Router, mark int, t0 time.Time, what string) {
	t.Helper()
	r.WaitState(t, inst, "MASTER", p.v.wait())
	s := p.e.Sniffer
	adv, okA := s.WaitFor(mark, 2*time.Second, vrrplab.From(r.MAC()), vrrplab.VRID(vrid))
	ann, okG := s.WaitFor(mark, 2*time.Second, vrrplab.From(r.MAC()), vrrplab.Announce())
	if !okA || !okG {
		t.Errorf("%s master but no advert (%v) or GARP/NA (%v) from it on the wire", r.Name, okA, okG)
		return
	}
	t.Logf("%s: %s (%s) first advert after %v, first %s after %v", what, r.Name, r.Daemon,
		adv.Time.Sub(t0).Round(100*time.Microsecond), ann.Kind, ann.Time.Sub(t0).Round(100*time.Microsecond))
}

// crashAndBack kills h1 with SIGKILL, checks that h2 takes over and the
// client follows, then restarts h1 and checks that it preempts h2 again.
func (p *pair) crashAndBack(t *testing.T) {
	t.Helper()
	mark, t0 := p.e.Sniffer.Mark(), time.Now()
	p.r1.Kill(t)
	p.takeover(t, p.r2, mark, t0, "kill -9 of h1")
	p.reach(t, p.r2)

	mark, t0 = p.e.Sniffer.Mark(), time.Now()
	p.r1.Start(t)
	p.takeover(t, p.r1, mark, t0, "restart of h1 (preemption)")
	p.r2.WaitState(t, inst, "BACKUP", p.v.wait())
	p.reach(t, p.r1)
}

// termOver stops h1 gracefully (SIGTERM): its priority-0 advert must make
// h2 take over after Skew_Time, and the client follow.
func (p *pair) termOver(t *testing.T) {
	t.Helper()
	mark, t0 := p.e.Sniffer.Mark(), time.Now()
	p.r1.Term(t)
	if f, ok := p.e.Sniffer.WaitFor(mark, 5*time.Second, vrrplab.From(p.r1.MAC()), vrrplab.Prio(0)); !ok {
		t.Errorf("no priority-0 advert from h1 (%s) after SIGTERM", p.r1.Daemon)
	} else {
		t.Logf("h1 (%s) sent priority 0 %v after SIGTERM", p.r1.Daemon, f.Time.Sub(t0).Round(100*time.Microsecond))
	}
	p.takeover(t, p.r2, mark, t0, "SIGTERM of h1")
	p.reach(t, p.r2)
}
