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
	"strconv"
	"sync"

	"github.com/dsas/keepalived-go/announce"
	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpsock"
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
	rt, err := toRoute(r)
	if err != nil {
		return err
	}
	return h.nl.AddRoute(rt)
}

// DelRoute implements vrrp.Network.
func (h *Host) DelRoute(_ context.Context, r vrrp.Route) error {
	rt, err := toRoute(r)
	if err != nil {
		return err
	}
	return h.nl.DelRoute(rt)
}

// AddRule implements vrrp.Network.
func (h *Host) AddRule(_ context.Context, r vrrp.Rule) error {
	ru, err := toRule(r)
	if err != nil {
		return err
	}
	return h.nl.AddRule(ru)
}

// DelRule implements vrrp.Network.
func (h *Host) DelRule(_ context.Context, r vrrp.Rule) error {
	ru, err := toRule(r)
	if err != nil {
		return err
	}
	return h.nl.DelRule(ru)
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

func toAddr(a vrrp.Address) ifaddr.Address {
	out := ifaddr.Address{
		Prefix:    a.Prefix,
		Link:      a.Dev,
		Broadcast: a.Broadcast,
		Peer:      a.Peer,
		Scope:     ifaddr.Scope(scope(a.Scope)),
		Label:     a.Label,
		NoDAD:     a.NoDAD,
	}
	if a.PreferredLft >= 0 && a.Prefix.Addr().Is6() {
		v := uint32(a.PreferredLft)
		out.PreferredLft = &v
	}
	return out
}

func scope(s string) uint8 {
	switch s {
	case "", "global", "universe":
		return uint8(ifaddr.ScopeUniverse)
	case "site":
		return uint8(ifaddr.ScopeSite)
	case "link":
		return uint8(ifaddr.ScopeLink)
	case "host":
		return uint8(ifaddr.ScopeHost)
	case "nowhere":
		return uint8(ifaddr.ScopeNowhere)
	}
	n, _ := strconv.ParseUint(s, 10, 8)
	return uint8(n)
}

var routeTypes = map[string]ifaddr.RouteType{
	"": ifaddr.RouteUnicast, "unicast": ifaddr.RouteUnicast, "local": ifaddr.RouteLocal,
	"broadcast": ifaddr.RouteBroadcast, "anycast": ifaddr.RouteAnycast, "multicast": ifaddr.RouteMulticast,
	"blackhole": ifaddr.RouteBlackhole, "unreachable": ifaddr.RouteUnreachable,
	"prohibit": ifaddr.RouteProhibit, "throw": ifaddr.RouteThrow, "nat": ifaddr.RouteNAT,
}

func toRoute(r vrrp.Route) (ifaddr.Route, error) {
	t, ok := routeTypes[r.Type]
	if !ok {
		return ifaddr.Route{}, fmt.Errorf("vrrphost: route type %q not supported", r.Type)
	}
	out := ifaddr.Route{
		Dst:     r.Dst,
		Src:     r.Src,
		Gateway: r.Via,
		Link:    r.Dev,
		Table:   r.Table,
		Metric:  r.Metric,
		Type:    t,
		OnLink:  r.Onlink,
	}
	if !out.Dst.IsValid() {
		out.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if r.Via.Is6() {
			out.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	}
	if r.Scope != "" {
		out.Scope = ifaddr.Scope(scope(r.Scope))
	}
	if r.Protocol != "" {
		n, err := strconv.ParseUint(r.Protocol, 10, 8)
		if err != nil {
			return ifaddr.Route{}, fmt.Errorf("vrrphost: route protocol %q not supported", r.Protocol)
		}
		out.Protocol = uint8(n)
	}
	return out, nil
}

var ruleActions = map[string]ifaddr.RuleAction{
	"": ifaddr.RuleToTable, "table": ifaddr.RuleToTable, "goto": ifaddr.RuleGoto, "nop": ifaddr.RuleNop,
	"blackhole": ifaddr.RuleBlackhole, "unreachable": ifaddr.RuleUnreachable, "prohibit": ifaddr.RuleProhibit,
}

func toRule(r vrrp.Rule) (ifaddr.Rule, error) {
	a, ok := ruleActions[r.Action]
	if !ok {
		return ifaddr.Rule{}, fmt.Errorf("vrrphost: rule action %q not supported", r.Action)
	}
	return ifaddr.Rule{
		IPv6:     r.IPv6,
		From:     r.From,
		To:       r.To,
		Priority: r.Priority,
		FwMark:   r.FwMark,
		FwMask:   r.FwMask,
		IIF:      r.IIf,
		OIF:      r.OIf,
		Table:    r.Table,
		Action:   a,
		Goto:     r.Goto,
		Protocol: r.Protocol,
	}, nil
}

// Listener returns the vrrp.Listener for the instances of cfg: one socket
// per interface and family, joined to every multicast group an instance
// on it uses, or to none when all of them are unicast (keepalived does
// not join then either).
func Listener(cfg vrrp.Config) vrrp.Listener {
	type key struct {
		ifname string
		ipv6   bool
	}
	type plan struct {
		groups []netip.Addr
	}
	plans := map[key]*plan{}
	for _, ic := range cfg.Instances {
		if isAH(ic) {
			continue // on the AH socket (ListenerAH)
		}
		k := key{ic.Interface, ic.IPv6}
		p := plans[k]
		if p == nil {
			p = &plan{}
			plans[k] = p
		}
		if len(ic.UnicastPeers) > 0 {
			continue
		}
		g := ic.McastGroup
		if !g.IsValid() {
			g = vrrpsock.GroupIPv4
			if ic.IPv6 {
				g = vrrpsock.GroupIPv6
			}
		}
		found := false
		for _, x := range p.groups {
			found = found || x == g
		}
		if !found {
			p.groups = append(p.groups, g)
		}
	}
	return func(ifname string, ipv6 bool) (vrrp.Conn, error) {
		p := plans[key{ifname, ipv6}]
		if p == nil {
			p = &plan{}
		}
		network := "ip4"
		if ipv6 {
			network = "ip6"
		}
		c := &vrrpsock.Config{NoJoin: len(p.groups) == 0}
		if len(p.groups) > 0 {
			c.Group = p.groups[0]
		}
		conn, err := vrrpsock.Listen(network, ifname, c)
		if err != nil {
			return nil, err
		}
		for _, g := range p.groups[min(1, len(p.groups)):] {
			if err := conn.JoinGroup(g); err != nil {
				conn.Close()
				return nil, fmt.Errorf("vrrphost %s: join %v: %w", ifname, g, err)
			}
		}
		return &batchConn{Conn: conn}, nil
	}
}

// batchConn gives the engine vrrpsock's batched reads (vrrp.BatchConn):
// one recvmmsg and one engine lock for a burst of adverts.
type batchConn struct {
	*vrrpsock.Conn
	ps []vrrpsock.Packet // used by the one read loop of the socket only
}

var _ vrrp.BatchConn = (*batchConn)(nil)

// ReadBatch implements vrrp.BatchConn.
func (c *batchConn) ReadBatch(ps []vrrp.Packet) (int, error) {
	if len(c.ps) < len(ps) {
		c.ps = make([]vrrpsock.Packet, len(ps))
	}
	sp := c.ps[:len(ps)]
	for i := range ps {
		sp[i].Buf = ps[i].Buf
	}
	n, err := c.Conn.ReadBatch(sp)
	for i := range n {
		ps[i] = vrrp.Packet{Buf: ps[i].Buf, N: sp[i].N, Src: sp[i].Src, Dst: sp[i].Dst, TTL: sp[i].TTL}
	}
	return n, err
}
