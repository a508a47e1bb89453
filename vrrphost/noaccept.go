package vrrphost

import (
	"errors"
	"fmt"
	"sync"

	"github.com/dsas/keepalived-go/nftfilter"
	"github.com/dsas/keepalived-go/vrrp"
)

// noAccept enforces vrrp.Address.NoAccept with keepalived's nftables
// table. The connection is opened with the Host, so it lives in the same
// network namespace; the table itself only appears with the first
// no_accept address, so a host whose instances all accept never sees it,
// as with keepalived.
type noAccept struct {
	mu    sync.Mutex
	f     *nftfilter.Filter
	err   error // why f is nil
	vmacs map[string]vmacEntry
}

func (n *noAccept) open() {
	n.f, n.err = nftfilter.New(nftfilter.DefaultConfig())
}

// SetNoAcceptFilter sets the table name, chain priority and counters
// (global_defs nftables, nftables_priority, nftables_counters). It only
// shapes a table not yet created; like keepalived, a reload does not
// rebuild one that exists.
func (h *Host) SetNoAcceptFilter(cfg nftfilter.Config) {
	h.noAccept.mu.Lock()
	defer h.noAccept.mu.Unlock()
	if h.noAccept.f != nil {
		h.noAccept.f.Configure(cfg)
	}
}

// filter makes the host drop traffic to a before the address is added:
// keepalived sets the drop rule before it adds the VIPs on becoming
// MASTER, so the address never answers unfiltered.
func (h *Host) filter(a vrrp.Address) error {
	if !a.NoAccept {
		return nil
	}
	n := &h.noAccept
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.f == nil {
		return fmt.Errorf("vrrphost: no_accept %s: %w", a.Prefix.Addr(), n.err)
	}
	if a.FilterByName {
		return n.f.AddName(a.Prefix.Addr(), a.Dev)
	}
	return n.f.Add(a.Prefix.Addr(), h.ifindex(a))
}

// unfilter lifts the filter after the address is gone, in keepalived's
// order on leaving MASTER.
func (h *Host) unfilter(a vrrp.Address) error {
	if !a.NoAccept {
		return nil
	}
	n := &h.noAccept
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.f == nil {
		return nil
	}
	if a.FilterByName {
		return n.f.DelName(a.Prefix.Addr(), a.Dev)
	}
	return n.f.Del(a.Prefix.Addr(), h.ifindex(a))
}

// closeNoAccept deletes the table at shutdown, as keepalived does whatever
// happens to the VIPs.
func (h *Host) closeNoAccept() error {
	n := &h.noAccept
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.f == nil {
		return nil
	}
	err := n.f.Close()
	n.f, n.err = nil, fmt.Errorf("closed")
	return err
}

// ifindex is the interface of a link-local IPv6 VIP, which keepalived's
// vips_link_local set is keyed by; other addresses need none.
func (h *Host) ifindex(a vrrp.Address) int {
	ip := a.Prefix.Addr()
	if !ip.Is6() || !ip.IsLinkLocalUnicast() || a.Dev == "" {
		return 0
	}
	l, err := h.nl.Link(a.Dev)
	if err != nil {
		return 0
	}
	return l.Index
}

// vmacEntry is a VMAC as the filter knows it, by interface index.
type vmacEntry struct {
	index, parent int
	ipv6          bool
	// both: the VMAC carries addresses of the other family too (an
	// IPv4 instance's IPv6 eVIPs), so it is in both families' maps, as
	// keepalived's nft_add_vmac with other_family.
	both bool
}

// families are the ipv6 values of the maps e is in.
func (e vmacEntry) families() []bool {
	if e.both {
		return []bool{e.ipv6, !e.ipv6}
	}
	return []bool{e.ipv6}
}

// AddVMAC puts a VMAC in keepalived's VMAC map (its IGMP/MLD reports go
// out of the parent, its router solicitations are dropped), replacing the
// entry of an earlier interface of that name.
func (h *Host) AddVMAC(name, parent string, ipv6, otherFamily bool) error {
	v, err := h.nl.Link(name)
	if err != nil {
		return fmt.Errorf("vrrphost: VMAC %s: %w", name, err)
	}
	p, err := h.nl.Link(parent)
	if err != nil {
		return fmt.Errorf("vrrphost: VMAC %s parent %s: %w", name, parent, err)
	}
	n := &h.noAccept
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.f == nil {
		return fmt.Errorf("vrrphost: VMAC %s: %w", name, n.err)
	}
	e := vmacEntry{v.Index, p.Index, ipv6, otherFamily}
	if old, ok := n.vmacs[name]; ok {
		if old == e {
			return nil
		}
		for _, fam := range old.families() {
			_ = n.f.DelVMAC(old.index, old.parent, fam)
		}
	}
	for _, fam := range e.families() {
		if err := n.f.AddVMAC(e.index, e.parent, fam); err != nil {
			return err
		}
	}
	if n.vmacs == nil {
		n.vmacs = map[string]vmacEntry{}
	}
	n.vmacs[name] = e
	return nil
}

// DelVMAC takes a VMAC out of the map (before it is deleted).
func (h *Host) DelVMAC(name string) error {
	n := &h.noAccept
	n.mu.Lock()
	defer n.mu.Unlock()
	old, ok := n.vmacs[name]
	if !ok || n.f == nil {
		return nil
	}
	delete(n.vmacs, name)
	var errs []error
	for _, fam := range old.families() {
		errs = append(errs, n.f.DelVMAC(old.index, old.parent, fam))
	}
	return errors.Join(errs...)
}
