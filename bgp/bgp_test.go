package bgp

import (
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"testing"
)

type fakeSpeaker struct {
	ops    []string
	refuse map[netip.Prefix]bool
}

func (f *fakeSpeaker) Announce(p netip.Prefix) error {
	if f.refuse[p] {
		return errors.New("refused")
	}
	f.ops = append(f.ops, "+"+p.String())
	return nil
}

func (f *fakeSpeaker) Withdraw(p netip.Prefix) error {
	if f.refuse[p] {
		return errors.New("refused")
	}
	f.ops = append(f.ops, "-"+p.String())
	return nil
}

var (
	vip1 = netip.MustParsePrefix("192.0.2.10/32")
	vip2 = netip.MustParsePrefix("192.0.2.11/32")
	vip6 = netip.MustParsePrefix("2001:db8::10/128")
)

func TestAnnouncer(t *testing.T) {
	sp := &fakeSpeaker{refuse: map[netip.Prefix]bool{}}
	a := New(slog.New(slog.NewTextHandler(io.Discard, nil)), sp, []Source{
		{Key: "vrrp VI_1", Prefixes: []netip.Prefix{vip1, vip6}},
		{Key: "vs web", Prefixes: []netip.Prefix{vip1, vip2}},
	})
	steps := []struct {
		name string
		h    Health
		ops  []string
		want []netip.Prefix
	}{
		{"nothing healthy", Health{}, nil, nil},
		{"VRRP healthy", Health{"vrrp VI_1": true}, []string{"+192.0.2.10/32", "+2001:db8::10/128"}, []netip.Prefix{vip1, vip6}},
		{"both healthy", Health{"vrrp VI_1": true, "vs web": true}, []string{"+192.0.2.11/32"}, []netip.Prefix{vip1, vip2, vip6}},
		{"VRRP down: the shared VIP stays", Health{"vs web": true}, []string{"-2001:db8::10/128"}, []netip.Prefix{vip1, vip2}},
		{"all down", Health{"vs web": false}, []string{"-192.0.2.10/32", "-192.0.2.11/32"}, nil},
		{"unknown keys announce nothing", Health{"vrrp VI_9": true}, nil, nil},
	}
	for _, s := range steps {
		sp.ops = nil
		a.Reconcile(s.h)
		if !slices.Equal(sp.ops, s.ops) || !slices.Equal(a.Announced(), s.want) {
			t.Errorf("%s: ops %v announced %v, want %v %v", s.name, sp.ops, a.Announced(), s.ops, s.want)
		}
	}
}

func TestAnnouncerDrainAndRetry(t *testing.T) {
	sp := &fakeSpeaker{refuse: map[netip.Prefix]bool{vip2: true}}
	a := New(slog.New(slog.NewTextHandler(io.Discard, nil)), sp, []Source{{Key: "k", Prefixes: []netip.Prefix{vip1, vip2}}})
	a.Reconcile(Health{"k": true})
	if got := a.Announced(); !slices.Equal(got, []netip.Prefix{vip1}) {
		t.Fatalf("refused prefix counted as announced: %v", got)
	}
	delete(sp.refuse, vip2)
	a.Reconcile(Health{"k": true})
	if got := a.Announced(); !slices.Equal(got, []netip.Prefix{vip1, vip2}) {
		t.Fatalf("refused prefix not retried: %v", got)
	}
	a.Drain()
	a.Reconcile(Health{"k": true})
	if got := a.Announced(); len(got) != 0 || !a.Draining() || a.LastChange().IsZero() {
		t.Fatalf("after drain: %v draining %v", got, a.Draining())
	}
}
