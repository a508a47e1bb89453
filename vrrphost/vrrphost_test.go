package vrrphost

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/vrrp"
)

func TestConversions(t *testing.T) {
	a := toAddr(vrrp.Address{Prefix: netip.MustParsePrefix("fd00::1/128"), Dev: "eth0", Scope: 253, NoDAD: true, PreferredLft: 0})
	if a.Link != "eth0" || a.Scope != ifaddr.ScopeLink || !a.NoDAD || a.PreferredLft == nil || *a.PreferredLft != 0 {
		t.Errorf("IPv6 address %+v", a)
	}
	if a := toAddr(vrrp.Address{Prefix: netip.MustParsePrefix("10.0.0.1/24"), PreferredLft: -1}); a.PreferredLft != nil || a.Scope != ifaddr.ScopeUniverse {
		t.Errorf("IPv4 address %+v", a)
	}
	routes := []struct {
		in   vrrp.Route
		want ifaddr.Route
	}{
		{vrrp.Route{Dst: netip.MustParsePrefix("192.168.0.0/24"), Via: netip.MustParseAddr("10.0.0.254"), Table: 100, Metric: 5},
			ifaddr.Route{ExactScope: true, Dst: netip.MustParsePrefix("192.168.0.0/24"), Gateway: netip.MustParseAddr("10.0.0.254"), Table: 100, Metric: 5}},
		{vrrp.Route{Dst: netip.MustParsePrefix("192.168.9.0/24"), Type: vrrp.RouteBlackhole, Protocol: 18, Scope: 254, HasScope: true},
			ifaddr.Route{ExactScope: true, Dst: netip.MustParsePrefix("192.168.9.0/24"), Type: ifaddr.RouteBlackhole, Protocol: 18, Scope: ifaddr.ScopeHost}},
		{vrrp.Route{Dst: netip.MustParsePrefix("::/0"), Via: netip.MustParseAddr("fd00::1")},
			ifaddr.Route{ExactScope: true, Dst: netip.MustParsePrefix("::/0"), Gateway: netip.MustParseAddr("fd00::1")}},
		{vrrp.Route{Dst: netip.MustParsePrefix("10.93.0.0/16"), Metrics: vrrp.RouteMetrics{}.With(vrrp.MetricMTU, 1400), Tos: 4, Realms: 20, HasTTLPropagate: true,
			Nexthops: []vrrp.Nexthop{{Via: netip.MustParseAddr("192.0.2.254"), Dev: "d0", Weight: 2}, {Via: netip.MustParseAddr("192.0.2.253"), Dev: "d0"}}},
			ifaddr.Route{ExactScope: true, Dst: netip.MustParsePrefix("10.93.0.0/16"), Metrics: ifaddr.RouteMetrics{Values: [18]uint32{2: 1400}, Set: 1 << 2}, Tos: 4, Realms: 20, HasTTLPropagate: true,
				NextHops: []ifaddr.NextHop{{Gateway: netip.MustParseAddr("192.0.2.254"), Link: "d0", Weight: 2}, {Gateway: netip.MustParseAddr("192.0.2.253"), Link: "d0"}}}},
	}
	for _, tc := range routes {
		if got := toRoute(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("toRoute(%+v) = %+v; want %+v", tc.in, got, tc.want)
		}
	}
	ru := toRule(vrrp.Rule{From: netip.MustParsePrefix("10.0.0.3/32"), Table: 100, Priority: 200})
	if ru.Action != ifaddr.RuleToTable || ru.Table != 100 || ru.Priority != 200 {
		t.Errorf("rule %+v", ru)
	}
	if ru := toRule(vrrp.Rule{Action: vrrp.RuleGoto, Goto: 7}); ru.Action != ifaddr.RuleGoto || ru.Goto != 7 {
		t.Errorf("goto rule %+v", ru)
	}
	in := vrrp.Rule{L3MDev: true, UIDStart: 10000, UIDEnd: 19999, HasUIDRange: true, Realms: 30<<16 | 20}
	if ru := toRule(in); !ru.L3MDev || !ru.HasUIDRange || ru.UIDStart != 10000 || ru.UIDEnd != 19999 || ru.Realms != in.Realms {
		t.Errorf("l3mdev rule %+v", ru)
	}
}

type linkRec struct {
	mu sync.Mutex
	ev []string
}

func (l *linkRec) add(ev string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, ev)
}

func (l *linkRec) LinkChanged(ifname string, up bool) {
	l.add(ifname + map[bool]string{true: " up", false: " down"}[up])
}

func (l *linkRec) LinkReplaced(ifname string) { l.add(ifname + " replaced") }
func (l *linkRec) LinkDeleted(ifname string)  { l.add(ifname + " deleted") }

func (l *linkRec) AddressAdded(string, netip.Addr) {}

func (l *linkRec) AddressRemoved(ifname string, a netip.Addr, present func() bool) {
	l.add(fmt.Sprintf("%s -%s present=%v", ifname, a, present()))
}

func (l *linkRec) RouteRemoved(r vrrp.Route, present func() bool) {
	l.add(fmt.Sprintf("route -%s table %d metric %d present=%v", r.Dst, r.Table, r.Metric, present()))
}

func (l *linkRec) RuleRemoved(r vrrp.Rule, present func() bool) {
	l.add(fmt.Sprintf("rule -%d from %s table %d present=%v", r.Priority, r.From, r.Table, present()))
}

func (l *linkRec) SourceChanged(ifname string, ipv6 bool, src netip.Addr) {
	l.add(fmt.Sprintf("%s source v6=%v %v", ifname, ipv6, src))
}

// waitFor waits until every event in want has been seen.
func (l *linkRec) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		missing := ""
		for _, w := range want {
			if !l.has(w) {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("event %q never seen; got %q", missing, l.ev)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *linkRec) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.ev {
		if e == s {
			return true
		}
	}
	return false
}

// TestHostInNamespace drives the adapter against a real kernel: VIPs come
// and go, a link going down and up reaches the sink, the primary address
// is found.
func TestHostInNamespace(t *testing.T) {
	netns.SkipUnlessRoot(t)
	ns := netns.New(t, "vhost")
	ns.MustRun(t, "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ns.MustRun(t, "ip", "link", "set", "v0", "up")
	ns.MustRun(t, "ip", "link", "set", "v1", "up")
	ns.MustRun(t, "ip", "addr", "add", "10.66.0.1/24", "dev", "v0")
	var h *Host
	var w *Watcher
	rec := &linkRec{}
	ns.MustDo(t, func() error {
		var err error
		if h, err = New(); err != nil {
			return err
		}
		if w, err = Watch(rec, nil); err != nil {
			return err
		}
		if got := PrimaryAddr("v0", false); got != netip.MustParseAddr("10.66.0.1") {
			t.Errorf("PrimaryAddr %v", got)
		}
		return nil
	})
	defer h.Close()
	defer w.Close()
	vip := vrrp.Address{Prefix: netip.MustParsePrefix("10.66.0.100/24"), Dev: "v0", PreferredLft: -1}
	ctx := context.Background()
	if err := h.AddAddress(ctx, vip); err != nil {
		t.Fatal(err)
	}
	if out := ns.MustRun(t, "ip", "-o", "addr", "show", "dev", "v0"); !strings.Contains(out, "10.66.0.100/24") {
		t.Fatalf("VIP not added:\n%s", out)
	}
	if err := h.DelAddress(ctx, vip); err != nil {
		t.Fatal(err)
	}
	if err := h.DelAddress(ctx, vip); err != nil {
		t.Fatalf("deleting an absent VIP: %v", err)
	}
	if out := ns.MustRun(t, "ip", "-o", "addr", "show", "dev", "v0"); strings.Contains(out, "10.66.0.100") {
		t.Fatalf("VIP not removed:\n%s", out)
	}
	// At start-up only the VIPs actually present are deleted: one left
	// behind goes, the absent one costs no netlink request, and one added
	// meanwhile is known to be there.
	ns.MustRun(t, "ip", "addr", "add", "10.66.0.100/24", "dev", "v0")
	if err := h.BeginStartup(); err != nil {
		t.Fatal(err)
	}
	if !h.absent(vrrp.Address{Prefix: netip.MustParsePrefix("10.66.0.101/24")}) || h.absent(vip) {
		t.Fatal("start-up snapshot of the addresses is wrong")
	}
	if err := h.DelAddress(ctx, vip); err != nil {
		t.Fatal(err)
	}
	if out := ns.MustRun(t, "ip", "-o", "addr", "show", "dev", "v0"); strings.Contains(out, "10.66.0.100") {
		t.Fatalf("stale VIP not removed at start-up:\n%s", out)
	}
	vip2 := vrrp.Address{Prefix: netip.MustParsePrefix("10.66.0.102/24"), Dev: "v0", PreferredLft: -1}
	if err := h.AddAddress(ctx, vip2); err != nil {
		t.Fatal(err)
	}
	if err := h.DelAddress(ctx, vip2); err != nil {
		t.Fatal(err)
	}
	h.EndStartup()
	if out := ns.MustRun(t, "ip", "-o", "addr", "show", "dev", "v0"); strings.Contains(out, "10.66.0.102") {
		t.Fatalf("VIP added at start-up not removed:\n%s", out)
	}
	// The packet sockets are opened on first use, in the caller's
	// namespace (the daemon's, in production).
	ns.MustDo(t, func() error { return h.GratuitousARP("v0", netip.MustParseAddr("10.66.0.100")) })
	if up, err := h.LinkUp("v0"); err != nil || !up {
		t.Fatalf("LinkUp %v %v", up, err)
	}
	// v0 loses its carrier; wait for it before the carrier returns: the
	// kernel's linkwatch batches carrier changes, and a quick down-up can
	// reach v0's listeners as no change at all.
	ns.MustRun(t, "ip", "link", "set", "v1", "down")
	rec.waitFor(t, "v0 down")
	ns.MustRun(t, "ip", "link", "set", "v1", "up")
	rec.waitFor(t, "v0 up")
}

// TestWatcherFollowsTheHost drives the watcher against a real kernel: an
// interface deleted and created again, renamed away and back, an address
// deleted, the primary address going and coming back.
func TestWatcherFollowsTheHost(t *testing.T) {
	netns.SkipUnlessRoot(t)
	ns := netns.New(t, "vwatch")
	veth := func() {
		ns.MustRun(t, "ip", "link", "add", "w0", "type", "veth", "peer", "name", "w1")
		ns.MustRun(t, "ip", "link", "set", "w1", "up")
		ns.MustRun(t, "ip", "link", "set", "w0", "up")
	}
	veth()
	ns.MustRun(t, "ip", "addr", "add", "10.67.0.1/24", "dev", "w0")
	ns.MustRun(t, "ip", "addr", "add", "10.67.0.100/24", "dev", "w0")
	var w *Watcher
	rec := &linkRec{}
	ns.MustDo(t, func() error {
		var err error
		w, err = Watch(rec, nil)
		return err
	})
	defer w.Close()

	ns.MustRun(t, "ip", "addr", "del", "10.67.0.100/24", "dev", "w0")
	rec.waitFor(t, "w0 -10.67.0.100 present=false")
	ns.MustRun(t, "ip", "addr", "del", "10.67.0.1/24", "dev", "w0")
	rec.waitFor(t, "w0 source v6=false invalid IP")
	ns.MustRun(t, "ip", "addr", "add", "10.67.0.2/24", "dev", "w0")
	rec.waitFor(t, "w0 source v6=false 10.67.0.2")

	// Only keepalived's routes and rules (protocol 18) are reported.
	ns.MustRun(t, "ip", "route", "add", "192.0.2.0/24", "dev", "w0", "table", "100", "proto", "18", "metric", "5")
	ns.MustRun(t, "ip", "route", "add", "198.51.100.0/24", "dev", "w0", "table", "100")
	ns.MustRun(t, "ip", "rule", "add", "from", "10.67.0.2/32", "table", "100", "pref", "300", "proto", "18")
	ns.MustRun(t, "ip", "route", "del", "198.51.100.0/24", "dev", "w0", "table", "100")
	ns.MustRun(t, "ip", "route", "del", "192.0.2.0/24", "dev", "w0", "table", "100", "metric", "5")
	ns.MustRun(t, "ip", "rule", "del", "pref", "300")
	rec.waitFor(t, "route -192.0.2.0/24 table 100 metric 5 present=false", "rule -300 from 10.67.0.2/32 table 100 present=false")
	if rec.has("route -198.51.100.0/24 table 100 metric 0 present=false") {
		t.Error("a route of another protocol was reported")
	}

	ns.MustRun(t, "ip", "link", "del", "w0")
	rec.waitFor(t, "w0 down", "w0 deleted")
	veth()
	rec.waitFor(t, "w0 replaced", "w0 up")

	rec.mu.Lock()
	rec.ev = nil
	rec.mu.Unlock()
	ns.MustRun(t, "ip", "link", "set", "w0", "name", "w0x")
	rec.waitFor(t, "w0 down")
	ns.MustRun(t, "ip", "link", "set", "w0x", "name", "w0")
	rec.waitFor(t, "w0 replaced", "w0 up")
}
