package vmac

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// IPVLAN describes one use_ipvlan interface: an ipvlan in L2 mode on the
// instance's interface, with the mode flags and the address use_ipvlan
// names (keepalived's netlink_link_add_ipvlan). Unlike a VMAC it shares
// its parent's MAC, so no sysctl of the parent changes.
type IPVLAN struct {
	Name   string
	Parent string
	// Flags is IFLA_IPVLAN_FLAGS: 0 bridge, 1 private, 2 vepa.
	Flags uint16
	// Addr is use_ipvlan's address, added to the link once it exists;
	// invalid: none.
	Addr netip.Prefix
	// IPv6 keeps IPv6 enabled on the link (an IPv6 instance, or an IPv4
	// one with IPv6 eVIPs); keepalived disables it otherwise.
	IPv6 bool
	// Instance names the VRRP instance, for the log lines only.
	Instance string
}

// ipvlanModeL2 is IPVLAN_MODE_L2: the link receives whole frames, as
// VRRP's multicast adverts need.
const ipvlanModeL2 = 0

// ipvlanData is the IFLA_INFO_DATA of an ipvlan link; rtnetlink has no
// ipvlan driver of its own.
type ipvlanData struct {
	Mode  *uint16
	Flags *uint16
}

func (*ipvlanData) New() rtnetlink.LinkDriver { return &ipvlanData{} }
func (*ipvlanData) Kind() string              { return "ipvlan" }

func (d *ipvlanData) Encode(ae *netlink.AttributeEncoder) error {
	if d.Mode != nil {
		ae.Uint16(unix.IFLA_IPVLAN_MODE, *d.Mode)
	}
	if d.Flags != nil {
		ae.Uint16(unix.IFLA_IPVLAN_FLAGS, *d.Flags)
	}
	return nil
}

func (d *ipvlanData) Decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IPVLAN_MODE:
			v := ad.Uint16()
			d.Mode = &v
		case unix.IFLA_IPVLAN_FLAGS:
			v := ad.Uint16()
			d.Flags = &v
		}
	}
	return ad.Err()
}

func init() {
	// Only this package decodes ipvlan links; registering cannot clash
	// with rtnetlink's own drivers, which have no ipvlan.
	_ = rtnetlink.RegisterDriver(&ipvlanData{})
}

var errNotIPVLAN = errors.New("exists and is not an ipvlan")

// newIPVLANMessage is the RTM_NEWLINK request creating v on the parent
// with index parent, up at once as keepalived asks. It touches no socket,
// so tests check it without root.
func newIPVLANMessage(v IPVLAN, parent uint32) *rtnetlink.LinkMessage {
	mode, flags := uint16(ipvlanModeL2), v.Flags
	return &rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC,
		Flags:  unix.IFF_UP,
		Change: unix.IFF_UP,
		Attributes: &rtnetlink.LinkAttributes{
			Name: v.Name,
			Type: parent, // IFLA_LINK
			Info: &rtnetlink.LinkInfo{Kind: "ipvlan", Data: &ipvlanData{Mode: &mode, Flags: &flags}},
		},
	}
}

// CreateIPVLAN makes the ipvlan, brings it up, sets its IPv6 switch and
// adds its address. An ipvlan of that name already on the parent (a
// leftover of an earlier run) is reused; one on another parent is
// replaced; any other interface of that name is an error.
func CreateIPVLAN(v IPVLAN) error {
	if len(v.Name) >= unix.IFNAMSIZ || v.Name == "" {
		return fmt.Errorf("ipvlan: bad name %q", v.Name)
	}
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return fmt.Errorf("ipvlan: dial rtnetlink: %w", err)
	}
	defer c.Close()
	if err := createIPVLAN(c, v); err != nil {
		return fmt.Errorf("ipvlan: create %s on %s: %w", v.Name, v.Parent, err)
	}
	return nil
}

func createIPVLAN(c *rtnetlink.Conn, v IPVLAN) error {
	parent, err := byName(c, v.Parent)
	if err != nil {
		return err
	}
	if parent == nil {
		return fmt.Errorf("parent %s: %w", v.Parent, unix.ENODEV)
	}
	old, err := byName(c, v.Name)
	if err != nil {
		return err
	}
	switch {
	case old == nil:
	case kind(old) != "ipvlan":
		return fmt.Errorf("%s %w", v.Name, errNotIPVLAN)
	case old.Attributes.Type != parent.Index:
		if err := c.Link.Delete(old.Index); err != nil {
			return fmt.Errorf("remove %s from its old parent: %w", v.Name, err)
		}
		old = nil
	}
	if old == nil {
		err = c.Link.New(newIPVLANMessage(v, parent.Index))
	} else {
		err = c.Link.Set(&rtnetlink.LinkMessage{Index: old.Index, Flags: unix.IFF_UP, Change: unix.IFF_UP})
	}
	if err != nil {
		return err
	}
	l, err := byName(c, v.Name)
	if err != nil {
		return err
	}
	if l == nil {
		return fmt.Errorf("%s vanished after creation", v.Name)
	}
	disable := "1"
	if v.IPv6 {
		disable = "0"
	}
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+v.Name+"/disable_ipv6", []byte(disable), 0); err != nil {
		return fmt.Errorf("sysctl: %w", err)
	}
	if v.Addr.IsValid() {
		if err := addAddr(c, l.Index, v.Addr); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("address %s: %w", v.Addr, err)
		}
	}
	return nil
}

func addAddr(c *rtnetlink.Conn, index uint32, p netip.Prefix) error {
	fam := uint8(unix.AF_INET)
	if p.Addr().Is6() {
		fam = unix.AF_INET6
	}
	ip := p.Addr().AsSlice()
	return c.Address.New(&rtnetlink.AddressMessage{
		Family:       fam,
		PrefixLength: uint8(p.Bits()),
		Scope:        unix.RT_SCOPE_UNIVERSE,
		Index:        index,
		Attributes:   &rtnetlink.AddressAttributes{Address: ip, Local: ip},
	})
}

// DeleteIPVLAN removes the ipvlan named name and says whether it was
// there; one already gone is not an error, an interface that is not an
// ipvlan is refused.
func DeleteIPVLAN(name string) (bool, error) {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return false, fmt.Errorf("ipvlan: dial rtnetlink: %w", err)
	}
	defer c.Close()
	l, err := byName(c, name)
	if err != nil || l == nil {
		return false, err
	}
	if kind(l) != "ipvlan" {
		return false, fmt.Errorf("ipvlan: delete %s: %w", name, errNotIPVLAN)
	}
	if err := c.Link.Delete(l.Index); err != nil && !errors.Is(err, unix.ENODEV) {
		return false, fmt.Errorf("ipvlan: delete %s: %w", name, err)
	}
	return true, nil
}

// IPVLANMatch is what keepalived's search for an existing link (vrrp.c,
// before it creates one) finds under an ipvlan's name.
type IPVLANMatch int

const (
	NoLink       IPVLANMatch = iota // nothing of that name
	Matching                        // "Found matching interface": taken over as it is
	Incompatible                    // a macvlan or ipvlan that "will be deleted/updated"
	OtherLink                       // another kind of link
)

// MatchIPVLAN looks up v's name as keepalived's search does: an L2
// ipvlan on v's parent with v's flags and, when v has one, v's address
// is Matching.
func MatchIPVLAN(v IPVLAN) (IPVLANMatch, error) {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return NoLink, fmt.Errorf("ipvlan: dial rtnetlink: %w", err)
	}
	defer c.Close()
	l, err := byName(c, v.Name)
	if err != nil || l == nil {
		return NoLink, err
	}
	parent, err := byName(c, v.Parent)
	if err != nil {
		return NoLink, err
	}
	var addrs []netip.Addr
	if v.Addr.IsValid() {
		msgs, err := c.Address.List()
		if err != nil {
			return NoLink, fmt.Errorf("ipvlan: list addresses: %w", err)
		}
		for _, m := range msgs {
			if m.Attributes == nil || m.Index != l.Index {
				continue
			}
			if a, ok := netip.AddrFromSlice(m.Attributes.Address); ok {
				addrs = append(addrs, a.Unmap())
			}
		}
	}
	return matchIPVLAN(l, parent, v, addrs), nil
}

func matchIPVLAN(l, parent *rtnetlink.LinkMessage, v IPVLAN, addrs []netip.Addr) IPVLANMatch {
	switch kind(l) {
	case "ipvlan":
	case "macvlan":
		return Incompatible
	default:
		return OtherLink
	}
	d, _ := l.Attributes.Info.Data.(*ipvlanData)
	switch {
	case parent == nil || l.Attributes.Type != parent.Index,
		d == nil || d.Mode == nil || *d.Mode != ipvlanModeL2,
		d.Flags == nil || *d.Flags != v.Flags,
		v.Addr.IsValid() && !slices.Contains(addrs, v.Addr.Addr()):
		return Incompatible
	}
	return Matching
}
