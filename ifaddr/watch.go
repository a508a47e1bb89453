package ifaddr

import (
	"fmt"
	"net/netip"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// AddrEvent is one address added to or removed from an interface
// (RTM_NEWADDR / RTM_DELADDR).
type AddrEvent struct {
	Index int
	// Addr is the local address (IFA_LOCAL, else IFA_ADDRESS).
	Addr    netip.Addr
	Scope   Scope
	Deleted bool
}

// Event is one change; exactly one field is set.
type Event struct {
	Link *Link
	Addr *AddrEvent
	// RouteDeleted and RuleDeleted report a keepalived route or rule
	// (protocol ProtoKeepalived) deleted.
	RouteDeleted *RouteKey
	RuleDeleted  *RuleKey
	// RouteAdded reports a keepalived route added (or replaced).
	RouteAdded *RouteAdd
}

// Watcher delivers link and address changes from one subscription, in
// the kernel's order: an interface's removal and the removal of its
// addresses arrive as they happened.
type Watcher struct {
	c       *netlink.Conn
	pending []Event
}

// Watch subscribes to link events, IPv4 and IPv6 address events and the
// deletion of keepalived's routes and rules. cfg
// may be nil; cfg.NetNS selects another namespace. Read the initial state
// after subscribing, so that no change falls between the two.
func Watch(cfg *netlink.Config) (*Watcher, error) {
	var c netlink.Config
	if cfg != nil {
		c = *cfg
	}
	c.Groups |= unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR | routeGroups
	nl, err := netlink.Dial(unix.NETLINK_ROUTE, &c)
	if err != nil {
		return nil, fmt.Errorf("ifaddr: subscribe to link and address events: %w", err)
	}
	// A burst of address changes (a master adding thousands of VIPs) must
	// not overflow the socket: a lost deletion is a VIP never restored.
	_ = nl.SetReadBuffer(4 << 20)
	return &Watcher{c: nl}, nil
}

// Next blocks until the next event. After an ENOBUFS error (the socket
// overflowed) the caller must re-read what it tracks.
func (w *Watcher) Next() (Event, error) {
	for len(w.pending) == 0 {
		msgs, err := w.c.Receive()
		if err != nil {
			return Event{}, fmt.Errorf("ifaddr: receive event: %w", err)
		}
		for _, m := range msgs {
			if ev, ok := eventOf(m); ok {
				w.pending = append(w.pending, ev)
			}
		}
	}
	ev := w.pending[0]
	w.pending = w.pending[1:]
	return ev, nil
}

// Close stops the subscription; a blocked Next returns an error.
func (w *Watcher) Close() error { return w.c.Close() }

// eventOf decodes one notification; anything else (or a message too
// short to decode) is skipped.
func eventOf(m netlink.Message) (Event, bool) {
	switch typ := m.Header.Type; typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK:
		var lm rtnetlink.LinkMessage
		if lm.UnmarshalBinary(m.Data) != nil {
			return Event{}, false
		}
		l := linkOf(&lm)
		l.Deleted = typ == unix.RTM_DELLINK
		return Event{Link: &l}, true
	case unix.RTM_NEWADDR, unix.RTM_DELADDR:
		var am rtnetlink.AddressMessage
		if am.UnmarshalBinary(m.Data) != nil {
			return Event{}, false
		}
		a, ok := addrEventOf(&am)
		a.Deleted = typ == unix.RTM_DELADDR
		return Event{Addr: &a}, ok
	}
	return routeEvent(m)
}

func addrEventOf(m *rtnetlink.AddressMessage) (AddrEvent, bool) {
	if m.Attributes == nil {
		return AddrEvent{}, false
	}
	ip := m.Attributes.Local
	if ip == nil {
		ip = m.Attributes.Address
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return AddrEvent{}, false
	}
	return AddrEvent{Index: int(m.Index), Addr: a.Unmap(), Scope: Scope(m.Scope)}, true
}

// Addrs lists the addresses of one family on the interface with index
// idx, in the kernel's order (an IPv4 primary before its secondaries).
func (c *Conn) Addrs(idx int, ipv6 bool) ([]AddrEvent, error) {
	family := uint8(unix.AF_INET)
	if ipv6 {
		family = unix.AF_INET6
	}
	msgs, err := c.rt.Execute(&rtnetlink.AddressMessage{Family: family, Index: uint32(idx)}, unix.RTM_GETADDR, netlink.Request|netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("ifaddr: list addresses of %d: %w", idx, err)
	}
	var out []AddrEvent
	for _, m := range msgs {
		am, ok := m.(*rtnetlink.AddressMessage)
		// Without strict checking the kernel dumps every interface.
		if !ok || int(am.Index) != idx || am.Family != family {
			continue
		}
		if a, ok := addrEventOf(am); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// AddrsByIndex lists the addresses of one family on every interface in
// one dump, by interface index, each list in the kernel's order. A
// watcher's initial view asked Addrs for each interface, and without
// strict checking each of those is a dump of the whole namespace: links
// x addresses (2 000 VMACs: 0.6 s of CPU at start).
func (c *Conn) AddrsByIndex(ipv6 bool) (map[int][]AddrEvent, error) {
	family := uint8(unix.AF_INET)
	if ipv6 {
		family = unix.AF_INET6
	}
	msgs, err := c.rt.Execute(&rtnetlink.AddressMessage{Family: family}, unix.RTM_GETADDR, netlink.Request|netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("ifaddr: list addresses: %w", err)
	}
	out := map[int][]AddrEvent{}
	for _, m := range msgs {
		am, ok := m.(*rtnetlink.AddressMessage)
		if !ok || am.Family != family {
			continue
		}
		if a, ok := addrEventOf(am); ok {
			out[a.Index] = append(out[a.Index], a)
		}
	}
	return out, nil
}

// Links lists every interface (index, name and state), for a watcher's
// initial view, in one dump.
func (c *Conn) Links() ([]Link, error) {
	msgs, err := c.rt.Link.List()
	if err != nil {
		return nil, fmt.Errorf("ifaddr: list links: %w", err)
	}
	out := make([]Link, 0, len(msgs))
	for i := range msgs {
		out = append(out, linkOf(&msgs[i]))
	}
	return out, nil
}
