package main

import (
	"fmt"
	"net/netip"

	"github.com/dsas/keepalived-go/bfdrun"
	"github.com/dsas/keepalived-go/config"
)

// bfdGate ties BGP sessions to BFD sessions (`neighbor ADDR … bfd NAME`):
// while the named bfd_instance is not Up the session is shut down, so the
// router drops our paths within the BFD detection time instead of the BGP
// hold time. Guarded by bgpSide.mu.
type bfdGate struct {
	// enabled is the state last set on the running speaker per neighbour.
	enabled map[netip.Addr]bool
	// sub is the BFD side whose events kick the loop.
	sub *bfdrun.Runner
}

// gateBFD applies the BFD state to the speaker's sessions; the loop runs
// it after each reconcile.
func (b *bgpSide) gateBFD() {
	d := b.get()
	if d == nil {
		return
	}
	cfg := d.Config()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.speaker == nil || b.cfg == nil || cfg == nil {
		return
	}
	if r := d.BFD(); r != nil && r != b.gate.sub {
		// A BFD event reaches the loop at once, not at its next poll.
		r.Subscribe(func(string, bool) { b.kickLocked() })
		b.gate.sub = r
	}
	if b.gate.enabled == nil {
		b.gate.enabled = map[netip.Addr]bool{}
	}
	for _, n := range b.cfg.Neighbors {
		if n.BFD == "" || !hasBFD(cfg, n.BFD) {
			continue
		}
		up := d.BFDUp(n.BFD)
		if prev, ok := b.gate.enabled[n.Addr]; ok && prev == up || !ok && up {
			b.gate.enabled[n.Addr] = up
			continue
		}
		if err := b.speaker.SetEnabled(n.Addr, up); err != nil {
			b.log.Error(fmt.Sprintf("BGP neighbor %s: %v", n.Addr, err))
			continue
		}
		b.gate.enabled[n.Addr] = up
		if up {
			b.log.Info(fmt.Sprintf("BGP neighbor %s: BFD %s is Up - session enabled", n.Addr, n.BFD))
		} else {
			b.log.Warn(fmt.Sprintf("BGP neighbor %s: BFD %s is not Up - session shut down", n.Addr, n.BFD))
		}
	}
}

func hasBFD(cfg *config.Config, name string) bool {
	for _, i := range cfg.VRRP.BFDs {
		if i.Name == name && !i.Disabled {
			return true
		}
	}
	return false
}

// bfdWarnings names the neighbours whose bfd is no bfd_instance: they run
// without it.
func bfdWarnings(cfg *config.Config) []string {
	if cfg == nil || cfg.BGP == nil {
		return nil
	}
	var out []string
	for _, n := range cfg.BGP.Neighbors {
		if n.BFD != "" && !hasBFD(cfg, n.BFD) {
			out = append(out, fmt.Sprintf("bgp_speaker: neighbor %s: bfd %s is no bfd_instance - the session runs without it", n.Addr, n.BFD))
		}
	}
	return out
}
