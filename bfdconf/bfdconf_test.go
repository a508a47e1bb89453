package bfdconf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/config"
)

func TestSpec(t *testing.T) {
	for _, c := range []struct {
		in   config.BFDInstance
		want bfd.Spec
	}{{
		config.BFDInstance{Name: "B1", Neighbor: netip.MustParseAddr("::ffff:10.0.0.2"), Source: netip.MustParseAddr("10.0.0.1"),
			MinRx: 50 * time.Millisecond, MinTx: 20 * time.Millisecond, IdleTx: 2 * time.Second, Multiplier: 3, Passive: true, TTL: 255},
		bfd.Spec{Config: bfd.Config{Name: "B1", MinRx: 50 * time.Millisecond, MinTx: 20 * time.Millisecond, IdleTx: 2 * time.Second, Multiplier: 3, Passive: true},
			Neighbor: netip.MustParseAddr("10.0.0.2"), Source: netip.MustParseAddr("10.0.0.1"), TTL: 255},
	}, {
		config.BFDInstance{Name: "B6", Neighbor: netip.MustParseAddr("fd00::2"), MinRx: 10 * time.Millisecond, MinTx: 10 * time.Millisecond, IdleTx: time.Second, Multiplier: 5, TTL: 64, MaxHops: -1},
		bfd.Spec{Config: bfd.Config{Name: "B6", MinRx: 10 * time.Millisecond, MinTx: 10 * time.Millisecond, IdleTx: time.Second, Multiplier: 5},
			Neighbor: netip.MustParseAddr("fd00::2"), TTL: 64, MaxHops: 255},
	}} {
		if got := Spec(c.in); got != c.want {
			t.Errorf("%s: got %+v\nwant %+v", c.in.Name, got, c.want)
		}
	}
}
