// Package bfdconf maps the parsed bfd_instance blocks to the BFD engine's
// session specs, as keepalived's BFD process reads them.
package bfdconf

import (
	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/config"
)

// Specs returns one spec per bfd_instance the BFD side runs (not those
// keepalived's BFD child disables).
func Specs(cfg *config.Config) []bfd.Spec {
	var out []bfd.Spec
	for _, b := range cfg.VRRP.BFDs {
		if !b.Disabled {
			out = append(out, Spec(b))
		}
	}
	return out
}

// Spec maps one bfd_instance.
func Spec(b config.BFDInstance) bfd.Spec {
	return bfd.Spec{
		Config: bfd.Config{
			Name:       b.Name,
			MinRx:      b.MinRx,
			MinTx:      b.MinTx,
			IdleTx:     b.IdleTx,
			Multiplier: uint8(b.Multiplier),
			Passive:    b.Passive,
		},
		Neighbor: b.Neighbor.Unmap(),
		Source:   b.Source.Unmap(),
		TTL:      b.TTL,
		MaxHops:  maxHops(b.MaxHops),
	}
}

// maxHops: keepalived stores max_hops -1 in a byte, so it reads 255,
// which turns the TTL check off.
func maxHops(n int) int {
	if n < 0 {
		return 255
	}
	return n
}
