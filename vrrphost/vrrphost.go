// Package vrrphost is the production side of the VRRP engine's ports: the
// vrrp.Network that changes this host (addresses, routes and rules over
// rtnetlink, gratuitous ARP and unsolicited NA), the vrrp.Listener that
// opens the shared raw sockets, and the link watcher that feeds interface
// up/down events back to the engine.
//
// Everything works in the network namespace of the thread that creates it,
// which for keepalived-go is the namespace the daemon was started in.
package vrrphost

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/dsas/keepalived-go/announce"
	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/vrrp"
)

// Host implements vrrp.Network on this host.
type Host struct {
	nl       *ifaddr.Conn
	ann      announce.Announcer
	noAccept noAccept // no_accept filter (noaccept.go)

	mu sync.Mutex
	// present holds the host's addresses while the engine starts (see
	// BeginStartup); nil otherwise.
	present map[netip.Addr]bool
}

var _ vrrp.Network = (*Host)(nil)

// New opens the rtnetlink connection.
func New() (*Host, error) {
	c, err := ifaddr.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("vrrphost: %w", err)
	}
	h := &Host{nl: c}
	h.noAccept.open()
	return h, nil
}

// Close releases the netlink and packet sockets.
func (h *Host) Close() error {
	return errors.Join(h.closeNoAccept(), h.nl.Close(), h.ann.Close())
}

// BeginStartup reads the host's addresses once (one netlink dump), so
// that the engine's start-up, which removes every VIP in case a previous
// run killed with -9 left it behind, asks the kernel to delete only the
// VIPs actually present: two netlink round trips per VIP (the link's
// index, then the deletion) made up most of the start-up of 512
// instances, under the engine's lock. The outcome is keepalived's: no
// VIP left behind. EndStartup goes back to asking the kernel every time.
func (h *Host) BeginStartup() error {
	addrs, err := h.nl.Addresses()
	if err != nil {
		return fmt.Errorf("vrrphost: %w", err)
	}
	present := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		present[a] = true
	}
	h.mu.Lock()
	h.present = present
	h.mu.Unlock()
	return nil
}

// EndStartup ends what BeginStartup began.
func (h *Host) EndStartup() {
	h.mu.Lock()
	h.present = nil
	h.mu.Unlock()
}

// absent reports an address known not to be on the host (during the
// start-up only).
func (h *Host) absent(a vrrp.Address) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.present != nil && !h.present[a.Prefix.Addr().Unmap()]
}

// added notes, during the start-up, an address about to be added (an
// address owner goes MASTER at once).
func (h *Host) added(a vrrp.Address) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.present != nil {
		h.present[a.Prefix.Addr().Unmap()] = true
	}
}

// AddAddress implements vrrp.Network.
func (h *Host) AddAddress(_ context.Context, a vrrp.Address) error {
	h.added(a)
	// A filter failure must not cost the VIP: failover comes first.
	ferr := h.filter(a)
	err := h.nl.AddAddress(toAddr(a))
	if ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

// DelAddress implements vrrp.Network.
func (h *Host) DelAddress(_ context.Context, a vrrp.Address) error {
	var err error
	if !h.absent(a) {
		err = h.nl.DelAddress(toAddr(a))
	}
	if ferr := h.unfilter(a); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

// AddRoute implements vrrp.Network.
func (h *Host) AddRoute(_ context.Context, r vrrp.Route) error {
	return h.nl.AddRoute(toRoute(r))
}

// DelRoute implements vrrp.Network.
func (h *Host) DelRoute(_ context.Context, r vrrp.Route) error {
	return h.nl.DelRoute(toRoute(r))
}

// AddRule implements vrrp.Network.
func (h *Host) AddRule(_ context.Context, r vrrp.Rule) error {
	return h.nl.AddRule(toRule(r))
}

// DelRule implements vrrp.Network.
func (h *Host) DelRule(_ context.Context, r vrrp.Rule) error {
	return h.nl.DelRule(toRule(r))
}

// GratuitousARP implements vrrp.Network.
func (h *Host) GratuitousARP(ifname string, ip netip.Addr) error {
	return h.ann.GratuitousARP(ifname, ip)
}

// UnsolicitedNA implements vrrp.Network.
func (h *Host) UnsolicitedNA(ifname string, ip netip.Addr) error {
	return h.ann.UnsolicitedNA(ifname, ip)
}

// LinkUp implements vrrp.Network.
func (h *Host) LinkUp(ifname string) (bool, error) {
	return h.nl.LinkUp(ifname)
}

// Link exposes the interface state, for the daemon's logs.
func (h *Host) Link(ifname string) (ifaddr.Link, error) { return h.nl.Link(ifname) }
