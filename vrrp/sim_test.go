package vrrp_test

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// sim is a LAN of routers on a fake clock.
type sim struct {
	t    testing.TB
	clk  *vrrptest.Clock
	lan  *vrrptest.LAN
	rec  map[string]*vrrptest.Recorder
	h    map[string]*vrrptest.Host
	logs map[string]*msgLog
	t0   time.Time
	// options, when set, adjusts a host's router options before New.
	options func(name string, o *vrrp.Options)
}

// msgLog records the messages a router logs.
type msgLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *msgLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *msgLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *msgLog) WithGroup(string) slog.Handler            { return l }
func (l *msgLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}

// take returns the messages logged since the last take.
func (l *msgLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

func newSim(t testing.TB) *sim {
	clk := vrrptest.NewClock()
	return &sim{t: t, clk: clk, lan: vrrptest.NewLAN(clk), rec: map[string]*vrrptest.Recorder{}, h: map[string]*vrrptest.Host{}, logs: map[string]*msgLog{}, t0: clk.Now()}
}

var hostAddrs = map[string][2]string{
	"h1": {"10.77.0.11", "fe80::11"},
	"h2": {"10.77.0.12", "fe80::12"},
	"h3": {"10.77.0.13", "fe80::13"},
}

// add creates a host and its router. Instances without SrcIP get the
// host's address of their family.
func (s *sim) add(name string, cfg vrrp.Config) *vrrptest.Host {
	s.t.Helper()
	a := hostAddrs[name]
	h := s.lan.AddHost(name, a[0], a[1])
	for i := range cfg.Instances {
		ic := &cfg.Instances[i]
		if !ic.SrcIP.IsValid() {
			ic.SrcIP = h.Addr4
			if ic.IPv6 {
				ic.SrcIP = h.Addr6
			}
		}
	}
	rec := &vrrptest.Recorder{}
	logs := &msgLog{}
	s.logs[name] = logs
	opt := vrrp.Options{Listen: h.Listen, ListenAH: h.ListenAH, Network: h.Net, Notifier: rec, Clock: s.clk, Logger: slog.New(logs)}
	if s.options != nil {
		s.options(name, &opt)
	}
	r, err := vrrp.New(vrrpconf.Complete(cfg), opt)
	if err != nil {
		s.t.Fatal(err)
	}
	h.Router = r
	s.rec[name], s.h[name] = rec, h
	return h
}

func (s *sim) start(names ...string) {
	s.t.Helper()
	for _, n := range names {
		if err := s.h[n].Router.Start(); err != nil {
			s.t.Fatal(err)
		}
	}
	s.lan.Flush()
}

// at advances to the given offset from the simulation start.
func (s *sim) at(d time.Duration) {
	s.t.Helper()
	now := s.clk.Now().Sub(s.t0)
	if d < now {
		s.t.Fatalf("time goes forward only: at %v, now %v", d, now)
	}
	s.clk.Advance(d - now)
}

func (s *sim) elapsed() time.Duration { return s.clk.Now().Sub(s.t0) }

func (s *sim) status(host, inst string) vrrp.InstanceStatus {
	s.t.Helper()
	st, ok := s.h[host].Router.InstanceStatus(inst)
	if !ok {
		s.t.Fatalf("%s: no instance %s", host, inst)
	}
	return st
}

func (s *sim) state(host, inst string) vrrp.State { return s.status(host, inst).State }

func (s *sim) wantState(host, inst string, want vrrp.State) {
	s.t.Helper()
	if got := s.state(host, inst); got != want {
		s.t.Fatalf("at %v %s/%s is %v, want %v (history %+v)", s.elapsed(), host, inst, got, want, s.status(host, inst).History)
	}
}

// becameMasterAt is when the last transition to MASTER happened.
func (s *sim) becameMasterAt(host, inst string) time.Duration {
	h := s.status(host, inst).History
	for _, t := range slices.Backward(h) {
		if t.To == vrrp.StateMaster {
			return t.At.Sub(s.t0)
		}
	}
	s.t.Fatalf("%s/%s never became MASTER", host, inst)
	return 0
}

func vi(name string, vrid uint8, prio int, state vrrp.State, vips ...string) vrrp.InstanceConfig {
	ic := vrrp.InstanceConfig{Name: name, Interface: "eth0", VRID: vrid, Priority: prio, InitialState: state}
	for _, v := range vips {
		p := netip.MustParsePrefix(v)
		ic.VIPs = append(ic.VIPs, vrrp.Address{Prefix: p})
		ic.IPv6 = p.Addr().Is6()
	}
	return ic
}

func one(ic vrrp.InstanceConfig) vrrp.Config {
	return vrrp.Config{Instances: []vrrp.InstanceConfig{ic}}
}

// pair is the baseline lab: h1 MASTER 150, h2 BACKUP 100, VRID 51.
func pair(t testing.TB, mod func(*vrrp.InstanceConfig)) *sim {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
	b := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	if mod != nil {
		mod(&a)
		mod(&b)
	}
	s.add("h1", one(a))
	s.add("h2", one(b))
	return s
}
