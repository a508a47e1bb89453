package ifaddr

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Address is an address to put on an interface: keepalived's
// virtual_ipaddress / static_ipaddress line.
type Address struct {
	// Prefix is the address and its prefix length (10.0.0.1/24).
	Prefix netip.Prefix
	// Link is the interface name (dev).
	Link string
	// Broadcast is the IPv4 broadcast address (brd); unset: none.
	Broadcast netip.Addr
	// Peer is the point-to-point peer (peer); unset: none.
	Peer netip.Prefix
	// Scope is the address scope; zero is global.
	Scope Scope
	// Label is the IPv4 address label (label eth0:1).
	Label string
	// NoDAD skips IPv6 duplicate address detection. keepalived sets it on
	// every IPv6 VIP, so a VIP is usable at once and never ends up
	// dadfailed after a split brain.
	NoDAD bool
	// Home, MngTmpAddr, NoPrefixRoute and AutoJoin are the kernel's
	// address flags keepalived passes on as configured (home,
	// mngtmpaddr, noprefixroute, autojoin): noprefixroute adds no prefix
	// route, autojoin joins a multicast address's group.
	Home          bool
	MngTmpAddr    bool
	NoPrefixRoute bool
	AutoJoin      bool
	// PreferredLft is the IPv6 preferred lifetime in seconds; nil means
	// forever. keepalived's default for an IPv6 /128 VIP is 0 (deprecated),
	// so the VIP is not picked as a source address.
	PreferredLft *uint32
}

func (a Address) String() string {
	return fmt.Sprintf("%s dev %s", a.Prefix, a.Link)
}

// infinity is INFINITY_LIFE_TIME.
const infinity = 0xffffffff

// addrMessage builds the RTM_NEWADDR/RTM_DELADDR request for a; index
// resolves interface names (Conn.Index). It touches no socket, so tests
// check it without root.
func addrMessage(a Address, add bool, index func(string) (int, error)) (netlink.Message, error) {
	if !a.Prefix.IsValid() {
		return netlink.Message{}, fmt.Errorf("invalid prefix")
	}
	idx, err := index(a.Link)
	if err != nil {
		return netlink.Message{}, err
	}
	ip := a.Prefix.Addr().Unmap()
	family := uint8(unix.AF_INET)
	if ip.Is6() {
		family = unix.AF_INET6
	}
	hdr := make([]byte, unix.SizeofIfAddrmsg)
	hdr[0] = family
	hdr[1] = uint8(a.Prefix.Bits())
	hdr[3] = uint8(a.Scope)
	binary.NativeEndian.PutUint32(hdr[4:], uint32(idx))

	ae := netlink.NewAttributeEncoder()
	ae.Bytes(unix.IFA_LOCAL, ip.AsSlice())
	// IFA_ADDRESS is the peer on point-to-point links and the local
	// address otherwise.
	if a.Peer.IsValid() {
		hdr[1] = uint8(a.Peer.Bits())
		ae.Bytes(unix.IFA_ADDRESS, a.Peer.Addr().Unmap().AsSlice())
	} else {
		ae.Bytes(unix.IFA_ADDRESS, ip.AsSlice())
	}
	if add {
		if a.Broadcast.IsValid() && ip.Is4() {
			ae.Bytes(unix.IFA_BROADCAST, a.Broadcast.Unmap().AsSlice())
		}
		if a.Label != "" {
			ae.String(unix.IFA_LABEL, a.Label)
		}
		flags := a.flags()
		if flags != 0 {
			ae.Uint32(unix.IFA_FLAGS, flags)
		}
		if a.PreferredLft != nil && *a.PreferredLft != infinity {
			ci := make([]byte, 16) // struct ifa_cacheinfo
			binary.NativeEndian.PutUint32(ci[0:], *a.PreferredLft)
			binary.NativeEndian.PutUint32(ci[4:], infinity)
			ae.Bytes(unix.IFA_CACHEINFO, ci)
		}
	}
	attrs, err := ae.Encode()
	if err != nil {
		return netlink.Message{}, err
	}
	typ := netlink.HeaderType(unix.RTM_DELADDR)
	flags := netlink.Request | netlink.Acknowledge
	if add {
		typ = unix.RTM_NEWADDR
		flags |= netlink.Create | netlink.Excl
	}
	return netlink.Message{
		Header: netlink.Header{Type: typ, Flags: flags},
		Data:   append(hdr, attrs...),
	}, nil
}

// flags are a's IFA_FLAGS bits.
func (a Address) flags() uint32 {
	var f uint32
	for _, b := range []struct {
		on  bool
		bit uint32
	}{{a.NoDAD, unix.IFA_F_NODAD}, {a.Home, unix.IFA_F_HOMEADDRESS}, {a.MngTmpAddr, unix.IFA_F_MANAGETEMPADDR},
		{a.NoPrefixRoute, unix.IFA_F_NOPREFIXROUTE}, {a.AutoJoin, unix.IFA_F_MCAUTOJOIN}} {
		if b.on {
			f |= b.bit
		}
	}
	return f
}

// AddAddress puts a on its interface. An address that is already there is
// not an error (its other attributes are left as they are).
func (c *Conn) AddAddress(a Address) error {
	m, err := addrMessage(a, true, c.Index)
	if err == nil {
		_, err = c.nl.Execute(m)
	}
	if err != nil && !ignore(err, unix.EEXIST) {
		return fmt.Errorf("ifaddr: add address %s: %w", a, err)
	}
	return nil
}

// DelAddress removes a from its interface. An address or interface that is
// already gone is not an error.
func (c *Conn) DelAddress(a Address) error {
	m, err := addrMessage(a, false, c.Index)
	if err == nil {
		_, err = c.nl.Execute(m)
	}
	if err != nil && !ignore(err, unix.EADDRNOTAVAIL, unix.ENODEV, unix.ENOENT, unix.ESRCH) {
		return fmt.Errorf("ifaddr: delete address %s: %w", a, err)
	}
	return nil
}

// Addresses lists the address of every interface in the connection's
// namespace (the local address; the peer's only where there is no local
// one), with one netlink dump.
func (c *Conn) Addresses() ([]netip.Addr, error) {
	msgs, err := c.rt.Address.List()
	if err != nil {
		return nil, fmt.Errorf("ifaddr: list addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(msgs))
	for _, m := range msgs {
		if m.Attributes == nil {
			continue
		}
		ip := m.Attributes.Local
		if ip == nil {
			ip = m.Attributes.Address
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}
