// Package vmac creates and removes keepalived's use_vmac interfaces: a
// macvlan in private mode on the instance's interface, carrying the
// virtual router MAC of RFC 5798 §7.3, configured with the sysctls
// keepalived sets (vrrp_vmac.c, vrrp_if_config.c).
//
// Everything happens in the calling thread's network namespace.
package vmac

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Name is keepalived's default VMAC interface name for a VRID.
func Name(vrid uint8) string { return "vrrp." + strconv.Itoa(int(vrid)) }

// MAC is the virtual router MAC: 00:00:5e:00:01:VRID for IPv4 and
// 00:00:5e:00:02:VRID for IPv6.
func MAC(vrid uint8, ipv6 bool) net.HardwareAddr {
	if ipv6 {
		return net.HardwareAddr{0, 0, 0x5e, 0, 2, vrid}
	}
	return net.HardwareAddr{0, 0, 0x5e, 0, 1, vrid}
}

// VMAC describes one VMAC interface.
type VMAC struct {
	// Name of the interface; empty means Name(VRID).
	Name string
	// Parent is the interface the instance runs on.
	Parent string
	VRID   uint8
	// IPv6 selects the IPv6 virtual router MAC and keeps IPv6 enabled on
	// the interface; an IPv4 VMAC gets IPv6 disabled, as keepalived does
	// unless the instance has IPv6 eVIPs (then set IPv6Enabled).
	IPv6        bool
	IPv6Enabled bool
	// LinkLocal is the address an IPv6 VMAC sends its adverts from
	// (keepalived's set_link_local_address: the configured source, else
	// the parent's link-local address); Create does not add it, the
	// caller does, with the VIPs' address code.
	LinkLocal netip.Addr
	// Instance names the VRRP instance the VMAC is for, for keepalived's
	// log lines only; it plays no part in what is created.
	Instance string
	// ForAddrs marks a VMAC made for addresses (use_vmac on a VIP,
	// use_vmac_addr) rather than for an instance: keepalived leaves it
	// out of the nftables VMAC map and gives an IPv6 one the base's
	// link-local address.
	ForAddrs bool
}

func (v VMAC) name() string {
	if v.Name == "" {
		return Name(v.VRID)
	}
	return v.Name
}

var errNotMacvlan = errors.New("exists and is not a macvlan")

// Create makes the VMAC interface and brings it up. An existing macvlan of
// that name on the same parent is reused (its MAC and mode corrected); one
// on another parent is replaced; any other interface of that name is an
// error, as it may be a real NIC.
func Create(v VMAC) error {
	b, err := NewBatch()
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Create(v)
}

// Batch creates many VMACs on one netlink socket, finding parents and
// leftovers in one link dump taken when it is made: creating 2 000 VMACs
// at start-up took a socket and three link look-ups each. Links changed
// by others after NewBatch are not seen; use it for one start-up, then
// Close it. Not safe for concurrent use.
type Batch struct {
	c     *rtnetlink.Conn
	links map[string]*rtnetlink.LinkMessage
}

// NewBatch dials rtnetlink in the calling thread's namespace and reads its
// links.
func NewBatch() (*Batch, error) {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("vmac: dial rtnetlink: %w", err)
	}
	ls, err := c.Link.List()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("vmac: list links: %w", err)
	}
	b := &Batch{c: c, links: make(map[string]*rtnetlink.LinkMessage, len(ls))}
	for i := range ls {
		if a := ls[i].Attributes; a != nil {
			b.links[a.Name] = &ls[i]
		}
	}
	return b, nil
}

// Close closes the socket.
func (b *Batch) Close() error { return b.c.Close() }

// Create is the package's Create on the batch's socket.
func (b *Batch) Create(v VMAC) error {
	name := v.name()
	if len(name) >= unix.IFNAMSIZ {
		return fmt.Errorf("vmac: name %q is longer than %d characters", name, unix.IFNAMSIZ-1)
	}
	if err := b.create(v, name); err != nil {
		return fmt.Errorf("vmac: create %s on %s: %w", name, v.Parent, err)
	}
	return nil
}

func (b *Batch) create(v VMAC, name string) error {
	c := b.c
	parent := b.links[v.Parent]
	if parent == nil {
		return fmt.Errorf("parent %s: %w", v.Parent, unix.ENODEV)
	}
	attrs := macvlanAttrs(v)
	old := b.links[name]
	switch {
	case old == nil:
	case kind(old) != "macvlan":
		return fmt.Errorf("%s %w", name, errNotMacvlan)
	case old.Attributes.Type != parent.Index:
		if err := c.Link.Delete(old.Index); err != nil {
			return fmt.Errorf("remove %s from its old parent: %w", name, err)
		}
		delete(b.links, name)
		old = nil
	}
	var err error
	if old == nil {
		err = c.Link.New(newLinkMessage(v, name, parent.Index))
	} else {
		// A leftover from an earlier run: correct MAC and mode in place,
		// as keepalived does. The MAC can only change while down.
		err = c.Link.Set(&rtnetlink.LinkMessage{Index: old.Index, Change: unix.IFF_UP})
		if err == nil {
			err = c.Link.Set(&rtnetlink.LinkMessage{Index: old.Index, Attributes: attrs})
		}
	}
	if err != nil {
		return err
	}
	l, err := byName(c, name)
	if err != nil {
		return err
	}
	if l == nil {
		return fmt.Errorf("%s vanished after creation", name)
	}
	b.links[name] = l
	if err := configure(v, name, v.Parent); err != nil {
		return err
	}
	return c.Link.Set(&rtnetlink.LinkMessage{Index: l.Index, Flags: unix.IFF_UP, Change: unix.IFF_UP})
}

// macvlanAttrs are the VMAC's MAC and macvlan mode (private, as
// keepalived's), set on a new link and corrected on a leftover one.
func macvlanAttrs(v VMAC) *rtnetlink.LinkAttributes {
	mode := driver.MacvlanModePrivate
	return &rtnetlink.LinkAttributes{
		Address: MAC(v.VRID, v.IPv6),
		Info:    &rtnetlink.LinkInfo{Kind: "macvlan", Data: &driver.Macvlan{Mode: &mode}},
	}
}

// newLinkMessage is the RTM_NEWLINK request that creates the VMAC name on
// the parent with index parent. It touches no socket, so tests check it
// without root.
func newLinkMessage(v VMAC, name string, parent uint32) *rtnetlink.LinkMessage {
	attrs := macvlanAttrs(v)
	attrs.Name = name
	attrs.Type = parent // IFLA_LINK
	return &rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Attributes: attrs}
}

// configure sets keepalived's sysctls; addr_gen_mode must be set before
// the link goes up, or the kernel has already made an EUI-64 link-local
// address from the VMAC, which would be the same on every router
// (RFC 5798 §7.4).
func configure(v VMAC, name, parent string) error {
	ipv6 := v.IPv6 || v.IPv6Enabled
	disable := "1"
	if ipv6 {
		disable = "0"
	}
	set := []struct{ path, value string }{
		{"ipv6/conf/" + name + "/disable_ipv6", disable},
		{"ipv6/conf/" + name + "/addr_gen_mode", "1"}, // IN6_ADDR_GEN_MODE_NONE
	}
	if !v.IPv6 {
		// keepalived sets the IPv4 parameters for an IPv4 VMAC only.
		set = append(set, []struct{ path, value string }{
			// Do not answer ARP for the parent's addresses on the VMAC
			// (keepalived leaves an IPv6 VMAC's at the default).
			{"ipv4/conf/" + name + "/arp_ignore", "1"},
			// Hear the other routers' adverts, which come from our own
			// subnet, and receive on the VMAC while it has no address.
			{"ipv4/conf/" + name + "/accept_local", "1"},
			{"ipv4/conf/" + name + "/rp_filter", "0"},
			{"ipv4/conf/" + name + "/promote_secondaries", "1"},
			// The parent must not answer ARP for the VIPs with its own MAC.
			{"ipv4/conf/" + parent + "/arp_ignore", "1"},
			{"ipv4/conf/" + parent + "/arp_filter", "1"},
		}...)
	}
	for _, s := range set {
		if err := os.WriteFile("/proc/sys/net/"+s.path, []byte(s.value), 0); err != nil {
			return fmt.Errorf("sysctl: %w", err)
		}
	}
	return nil
}

// Delete removes the VMAC interface named name. An interface that is
// already gone is not an error; an interface that is not a macvlan is
// refused.
func Delete(name string) error {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return fmt.Errorf("vmac: dial rtnetlink: %w", err)
	}
	defer c.Close()
	l, err := byName(c, name)
	if err != nil || l == nil {
		return err
	}
	if kind(l) != "macvlan" {
		return fmt.Errorf("vmac: delete %s: %w", name, errNotMacvlan)
	}
	if err := c.Link.Delete(l.Index); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("vmac: delete %s: %w", name, err)
	}
	return nil
}

// byName returns the link named name, or nil if there is none.
func byName(c *rtnetlink.Conn, name string) (*rtnetlink.LinkMessage, error) {
	msgs, err := c.Execute(&rtnetlink.LinkMessage{
		Attributes: &rtnetlink.LinkAttributes{Name: name},
	}, unix.RTM_GETLINK, netlink.Request)
	if errors.Is(err, unix.ENODEV) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", name, err)
	}
	for _, m := range msgs {
		if l, ok := m.(*rtnetlink.LinkMessage); ok && l.Attributes != nil {
			return l, nil
		}
	}
	return nil, nil
}

func kind(l *rtnetlink.LinkMessage) string {
	if l.Attributes == nil || l.Attributes.Info == nil {
		return ""
	}
	return l.Attributes.Info.Kind
}

// Reusable says whether an interface called name exists and, if so,
// whether keepalived would run a VRRP instance on it: a private macvlan
// for use_vmac, an L2 ipvlan for use_ipvlan (vrrp_parser.c: any other
// "already exists and is not a private macvlan/an l2 ipvlan").
func Reusable(name string, ipvlan bool) (exists, ok bool, err error) {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return false, false, err
	}
	defer c.Close()
	l, err := byName(c, name)
	if l == nil || err != nil {
		return false, false, err
	}
	return true, reusable(l, ipvlan), nil
}

func reusable(l *rtnetlink.LinkMessage, ipvlan bool) bool {
	if l.Attributes == nil || l.Attributes.Info == nil {
		return false
	}
	switch d := l.Attributes.Info.Data.(type) {
	case *driver.Macvlan:
		return !ipvlan && d.Mode != nil && *d.Mode == driver.MacvlanModePrivate
	case *ipvlanData:
		return ipvlan && d.Mode != nil && *d.Mode == ipvlanModeL2
	}
	return false
}
