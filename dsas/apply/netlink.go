// Package apply reads the host's current state and runs plan steps on it,
// over rtnetlink for links, addresses and routes and plain system calls for
// the host name, swap and mounts. It never runs a shell or ip(8).
package apply

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

// Net is the network side of a host: one rtnetlink connection, possibly in
// another network namespace.
type Net struct {
	c     *rtnetlink.Conn
	probe *Prober
	// index ↔ name, refreshed by readLinks and on link creation.
	byName map[string]uint32
}

// DialNet connects to rtnetlink in the network namespace open at fd
// (0: the caller's namespace).
func DialNet(netnsFD int) (*Net, error) {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: netnsFD})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	raw, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: netnsFD})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	return &Net{c: c, probe: &Prober{c: raw, ProcNet: "/proc/net"}, byName: map[string]uint32{}}, nil
}

// Close releases the connection.
func (n *Net) Close() error {
	n.probe.c.Close()
	return n.c.Close()
}

func (n *Net) readLinks(st *plan.State) error {
	msgs, err := n.c.Link.List()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	names := map[uint32]string{}
	for _, m := range msgs {
		if m.Attributes != nil {
			names[m.Index] = m.Attributes.Name
			n.byName[m.Attributes.Name] = m.Index
		}
	}
	for _, m := range msgs {
		a := m.Attributes
		if a == nil {
			continue
		}
		l := &plan.Link{Name: a.Name, Up: m.Flags&unix.IFF_UP != 0, Owned: a.Alias != nil && *a.Alias == plan.OwnerAlias}
		if a.Master != nil {
			l.Master = names[*a.Master]
		}
		if a.Info != nil {
			l.Kind = a.Info.Kind
			switch d := a.Info.Data.(type) {
			case *driver.Bond:
				l.Bond = bondFromDriver(d, names)
			case *driver.Vlan:
				if d.ID != nil {
					l.Vlan = &host.Vlan{Name: a.Name, Parent: names[a.Type], ID: *d.ID}
				}
			}
		}
		st.Links[a.Name] = l
	}
	return nil
}

func bondFromDriver(d *driver.Bond, names map[uint32]string) *host.Bond {
	b := &host.Bond{Mode: uint8(d.Mode)}
	if d.Miimon != nil {
		b.Miimon = *d.Miimon
	}
	if d.ArpInterval != nil {
		b.ArpInterval = *d.ArpInterval
	}
	if d.UpDelay != nil {
		b.UpDelay = *d.UpDelay
	}
	if d.DownDelay != nil {
		b.DownDelay = *d.DownDelay
	}
	if d.Primary != nil {
		b.Primary = names[*d.Primary]
	}
	for _, ip := range d.ArpIpTargets {
		if a, ok := netip.AddrFromSlice(ip); ok {
			b.ArpTargets = append(b.ArpTargets, a.Unmap())
		}
	}
	return b
}

func (n *Net) readRoutes(st *plan.State) error {
	msgs, err := n.c.Route.List()
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	idx := map[uint32]string{}
	for name, i := range n.byName {
		idx[i] = name
	}
	for _, m := range msgs {
		a := m.Attributes
		table := uint32(m.Table)
		if a.Table != 0 {
			table = a.Table
		}
		if m.Family != unix.AF_INET || table != unix.RT_TABLE_MAIN || m.Type != unix.RTN_UNICAST || a.Gateway == nil {
			continue
		}
		gw, _ := netip.AddrFromSlice(a.Gateway)
		dst := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if a.Dst != nil {
			d, _ := netip.AddrFromSlice(a.Dst)
			dst = netip.PrefixFrom(d.Unmap(), int(m.DstLength))
		}
		r := host.Route{Dst: dst, Gw: gw.Unmap(), Dev: idx[a.OutIface], Metric: a.Priority}
		st.Routes = append(st.Routes, r)
		if m.Protocol == Proto {
			st.OwnedRoutes = append(st.OwnedRoutes, r)
		}
	}
	return nil
}

func (n *Net) index(name string) (uint32, bool) {
	if i, ok := n.byName[name]; ok {
		return i, true
	}
	ifi, err := n.linkByName(name)
	if err != nil {
		return 0, false
	}
	n.byName[name] = ifi
	return ifi, true
}

func (n *Net) linkByName(name string) (uint32, error) {
	msgs, err := n.c.Link.List()
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if m.Attributes != nil && m.Attributes.Name == name {
			return m.Index, nil
		}
	}
	return 0, fmt.Errorf("link %s not found", name)
}

func (n *Net) mustIndex(name string) (uint32, error) {
	if i, ok := n.index(name); ok {
		return i, nil
	}
	return 0, fmt.Errorf("link %s does not exist", name)
}

func u32(v uint32) *uint32 { return &v }

// create makes a bond or VLAN and names it with plan.OwnerAlias, so that
// dsas-init deletes only its own links when the file drops them. The
// kernel takes an alias only on a link that exists (RTM_NEWLINK ignores
// it), hence the second message.
func (n *Net) create(a *rtnetlink.LinkAttributes) error {
	if err := n.c.Link.New(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Attributes: a}); err != nil {
		return kindErr(a.Info.Kind, err)
	}
	i, err := n.mustIndex(a.Name)
	if err != nil {
		return err
	}
	alias := plan.OwnerAlias
	if err := n.c.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: i,
		Attributes: &rtnetlink.LinkAttributes{Alias: &alias}}); err != nil {
		return fmt.Errorf("alias %s: %w", a.Name, err)
	}
	return nil
}

func driverBond(b *host.Bond, withMode bool, primary *uint32) *driver.Bond {
	d := &driver.Bond{Mode: driver.BondModeUnknown, UpDelay: u32(b.UpDelay), DownDelay: u32(b.DownDelay)}
	if withMode {
		d.Mode = driver.BondMode(b.Mode)
		d.Primary = primary
	}
	if b.ArpInterval > 0 {
		d.ArpInterval = u32(b.ArpInterval)
		for _, a := range b.ArpTargets {
			d.ArpIpTargets = append(d.ArpIpTargets, net.IP(a.AsSlice()))
		}
	} else {
		// Order matters to the kernel only in that the last monitor wins;
		// clearing arp_interval after setting miimon keeps miimon.
		d.Miimon = u32(b.Miimon)
		d.ArpInterval = u32(0)
	}
	return d
}

// kindErr turns "operation not supported" on creating a link into the
// missing kernel feature it means.
func kindErr(kind string, err error) error {
	if errors.Is(err, unix.EOPNOTSUPP) {
		f := "bonding"
		if kind == "vlan" {
			f = "8021q"
		}
		return &plan.MissingError{Feature: f}
	}
	return err
}

func (n *Net) setFlags(name string, up bool) error {
	i, err := n.mustIndex(name)
	if err != nil {
		return err
	}
	var flags uint32
	if up {
		flags = unix.IFF_UP
	}
	return n.c.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: i, Flags: flags, Change: unix.IFF_UP})
}

func (n *Net) step(s plan.Step) error {
	switch s.Op {
	case plan.CreateBond:
		var primary *uint32
		if i, ok := n.index(s.Bond.Primary); ok && s.Bond.Primary != "" {
			primary = &i
		}
		return n.create(&rtnetlink.LinkAttributes{Name: s.Link, Info: &rtnetlink.LinkInfo{
			Kind: "bond", Data: driverBond(s.Bond, true, primary)}})
	case plan.DeleteLink:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		if err := n.c.Link.Delete(i); err != nil {
			return fmt.Errorf("delete %s: %w", s.Link, err)
		}
		delete(n.byName, s.Link)
		return nil
	case plan.SetBondMode, plan.SetBondOptions:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		return n.c.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: i,
			Attributes: &rtnetlink.LinkAttributes{Info: &rtnetlink.LinkInfo{
				Kind: "bond", Data: driverBond(s.Bond, s.Op == plan.SetBondMode, nil)}}})
	case plan.SetPrimary:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		p, err := n.mustIndex(s.Other)
		if err != nil {
			return err
		}
		return n.c.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: i,
			Attributes: &rtnetlink.LinkAttributes{Info: &rtnetlink.LinkInfo{
				Kind: "bond", Data: &driver.Bond{Mode: driver.BondModeUnknown, Primary: &p}}}})
	case plan.Release:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		return n.setMaster(i, 0)
	case plan.LinkDown, plan.LinkUp:
		return n.setFlags(s.Link, s.Op == plan.LinkUp)
	case plan.Enslave:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		m, err := n.mustIndex(s.Other)
		if err != nil {
			return err
		}
		return n.setMaster(i, m)
	case plan.CreateVlan:
		parent, err := n.mustIndex(s.Vlan.Parent)
		if err != nil {
			return err
		}
		id := s.Vlan.ID
		return n.create(&rtnetlink.LinkAttributes{Name: s.Link, Type: parent, Info: &rtnetlink.LinkInfo{
			Kind: "vlan", Data: &driver.Vlan{ID: &id}}})
	case plan.AddAddr:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		return n.addAddr(i, s.Addr)
	case plan.DelAddr:
		i, err := n.mustIndex(s.Link)
		if err != nil {
			return err
		}
		ip := net.IP(s.Addr.Addr().AsSlice())
		return n.c.Address.Delete(&rtnetlink.AddressMessage{Family: unix.AF_INET, PrefixLength: uint8(s.Addr.Bits()),
			Scope: unix.RT_SCOPE_UNIVERSE, Index: i, Attributes: &rtnetlink.AddressAttributes{Address: ip, Local: ip}})
	case plan.ReplaceRoute, plan.DelRoute:
		r := s.Route
		oif, err := n.mustIndex(r.Dev)
		if err != nil {
			return err
		}
		m := routeMessage(r, oif)
		if s.Op == plan.ReplaceRoute {
			return n.c.Route.Replace(m)
		}
		// Gone already is done: the kernel drops routes with their link.
		if err := n.c.Route.Delete(m); err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
		return nil
	}
	return fmt.Errorf("not a network step: %v", s)
}

// setMaster sets (0: clears) a link's master with an RTM_SETLINK that
// carries IFLA_MASTER alone. rtnetlink's SetMaster also resends the link's
// name, MTU and parent, which the kernel may refuse for a bond slave.
func (n *Net) setMaster(index, master uint32) error {
	_, err := n.probe.c.Execute(setMasterMessage(index, master))
	return err
}

// setMasterMessage is setMaster's request; like routeMessage and
// addrMessage it touches no socket, so tests check it without root.
func setMasterMessage(index, master uint32) netlink.Message {
	ifi := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(ifi[4:8], index)
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(unix.IFLA_MASTER, master)
	attrs, _ := ae.Encode() // one fixed-size attribute cannot fail
	return netlink.Message{
		Header: netlink.Header{Type: unix.RTM_SETLINK, Flags: netlink.Request | netlink.Acknowledge},
		Data:   append(ifi, attrs...),
	}
}

// routeMessage is the main-table route r through oif, marked with Proto.
func routeMessage(r *host.Route, oif uint32) *rtnetlink.RouteMessage {
	m := &rtnetlink.RouteMessage{Family: unix.AF_INET, DstLength: uint8(r.Dst.Bits()), Table: unix.RT_TABLE_MAIN,
		Protocol: Proto, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST,
		Attributes: rtnetlink.RouteAttributes{Gateway: net.IP(r.Gw.AsSlice()), OutIface: oif, Priority: r.Metric}}
	if r.Dst.Bits() > 0 {
		m.Attributes.Dst = net.IP(r.Dst.Addr().AsSlice())
	}
	return m
}

func broadcast(p netip.Prefix) net.IP {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).To4()
}
