package lvs

import (
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/nftfilter"
)

// nftPlan is the nftables_ipvs side of a plan (keepalived's
// check_nftables.c): a virtual_server_group made only of addresses is
// marked by nftables, one fwmark per group and protocol counted up from
// nftables_ipvs_start_fwmark in the order the virtual servers come, and
// balanced by one IPVS fwmark service per address family.
type nftPlan struct {
	cfg nftfilter.IPVSConfig
	// entries are the map elements in the order keepalived adds them.
	entries []nftfilter.IPVSEntry
	// marks are the fwmarks given so far, kept across reloads as
	// keepalived keeps a group's auto_fwmark; next is the next free one.
	marks map[groupProto]uint32
	next  uint32
	// done are the groups whose elements this plan already holds.
	done map[groupProto]bool
}

type groupProto struct {
	group string
	proto ipvs.Protocol
}

// newNFTPlan returns nil without nftables_ipvs.
func newNFTPlan(cfg *config.Config, prev *plan) *nftPlan {
	nf := cfg.Global.LVS.NFTables
	if nf == nil {
		return nil
	}
	p := &nftPlan{
		cfg: nftfilter.IPVSConfig{
			Table:    nf.Table,
			Priority: nf.Priority,
			Counters: cfg.Global.VRRP.Firewall.NFTablesCounters,
		},
		marks: map[groupProto]uint32{},
		next:  nf.StartFwmark,
		done:  map[groupProto]bool{},
	}
	if prev != nil && prev.nft != nil {
		for k, v := range prev.nft.marks {
			p.marks[k] = v
		}
		p.next = max(p.next, prev.nft.next)
	}
	return p
}

// marksGroup reports whether g is programmed through nftables: only a
// group of addresses is (keepalived's ipvs_cmd wants no fwmark entry).
func (p *nftPlan) marksGroup(g *config.VirtualServerGroup) bool {
	return p != nil && len(g.Fwmarks) == 0 && len(g.Ranges) > 0
}

// group returns g's fwmark for proto and which families its addresses
// have, adding its elements on the first virtual server that uses it.
func (p *nftPlan) group(g *config.VirtualServerGroup, proto ipvs.Protocol) (mark uint32, v4, v6 bool) {
	k := groupProto{g.Name, proto}
	mark, ok := p.marks[k]
	if !ok {
		mark = p.next
		p.next++
		p.marks[k] = mark
	}
	for _, r := range g.Ranges {
		if r.First.Unmap().Is4() {
			v4 = true
		} else {
			v6 = true
		}
		if !p.done[k] {
			p.entries = append(p.entries, nftfilter.IPVSEntry{
				Protocol: uint8(proto), First: r.First, Last: r.Last, Port: r.Port, Mark: mark,
			})
		}
	}
	p.done[k] = true
	return mark, v4, v6
}

// applyMarks brings the nftables_ipvs table to the plan: elements of
// groups removed go, new ones come. A table whose name changed, or
// nftables_ipvs removed, is deleted (keepalived refuses such a reload;
// docs/compat.md). mu is held.
func (m *Manager) applyMarks() {
	nf := m.plan.nft
	if m.marks != nil && (nf == nil || nf.cfg.Table != m.marksCfg.Table) {
		if err := m.marks.Close(); err != nil {
			m.log.Warn("cannot delete the nftables_ipvs table", "table", m.marksCfg.Table, "err", err)
		}
		m.marks = nil
	}
	if nf == nil {
		return
	}
	if m.marks == nil {
		if len(nf.entries) == 0 {
			return
		}
		open := m.opt.Marks
		if open == nil {
			if m.opt.Kernel != nil {
				m.log.Debug("nftables_ipvs: no nftables with a given IPVS kernel")
				return
			}
			open = func(c nftfilter.IPVSConfig) (MarkTable, error) { return nftfilter.NewIPVS(c) }
		}
		t, err := open(nf.cfg)
		if err != nil {
			m.log.Error("nftables_ipvs: cannot open nftables", "err", err)
			return
		}
		m.marks, m.marksCfg = t, nf.cfg
	}
	if err := m.marks.Set(nf.entries); err != nil {
		m.log.Error("nftables_ipvs: group entries not marked", "table", nf.cfg.Table, "err", err)
	}
}
