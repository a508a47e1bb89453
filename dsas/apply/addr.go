package apply

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/plan"
)

// Proto marks what dsas-init sets: the protocol of its routes (rtm_protocol,
// `ip route` shows "proto 213") and of its addresses (IFA_PROTO, Linux
// 6.1+, "proto 0xd5"). It is how a later run tells what it set, which it
// may replace or delete when the file changes, from what others set on the
// same links, such as keepalived's virtual addresses and routes, which it
// must never touch. On a kernel older than 6.1 addresses lose the mark:
// dsas-init then adds addresses but never deletes any.
const Proto = 0xd5

// ifaProto is IFA_PROTO, which golang.org/x/sys/unix does not name yet.
const ifaProto = 11

// readAddrs lists the IPv4 global addresses with their protocol. It speaks
// raw netlink because the rtnetlink package does not decode IFA_PROTO.
func (n *Net) readAddrs(st *plan.State) error {
	ifa := make([]byte, unix.SizeofIfAddrmsg)
	ifa[0] = unix.AF_INET
	msgs, err := n.probe.c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETADDR, Flags: netlink.Request | netlink.Dump},
		Data:   ifa,
	})
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	idx := map[uint32]string{}
	for name, i := range n.byName {
		idx[i] = name
	}
	if st.Owned == nil {
		st.Owned = map[string][]netip.Prefix{}
	}
	for _, m := range msgs {
		if len(m.Data) < unix.SizeofIfAddrmsg {
			continue
		}
		family, plen, scope := m.Data[0], int(m.Data[1]), m.Data[3]
		index := binary.NativeEndian.Uint32(m.Data[4:8])
		if family != unix.AF_INET || scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[unix.SizeofIfAddrmsg:])
		if err != nil {
			return fmt.Errorf("list addresses: %w", err)
		}
		var local, address []byte
		var proto uint8
		for ad.Next() {
			switch ad.Type() {
			case unix.IFA_LOCAL:
				local = ad.Bytes()
			case unix.IFA_ADDRESS:
				address = ad.Bytes()
			case ifaProto:
				proto = ad.Uint8()
			}
		}
		if err := ad.Err(); err != nil {
			return fmt.Errorf("list addresses: %w", err)
		}
		if local == nil {
			local = address
		}
		a, ok := netip.AddrFromSlice(local)
		if !ok {
			continue
		}
		dev := idx[index]
		p := netip.PrefixFrom(a.Unmap(), plen)
		st.Addrs[dev] = append(st.Addrs[dev], p)
		if proto == Proto {
			st.Owned[dev] = append(st.Owned[dev], p)
		}
	}
	return nil
}

// addAddr adds p to link index with its broadcast address, marked with
// Proto.
func (n *Net) addAddr(index uint32, p netip.Prefix) error {
	m, err := addrMessage(index, p)
	if err != nil {
		return err
	}
	_, err = n.probe.c.Execute(m)
	return err
}

// addrMessage is addAddr's RTM_NEWADDR request. It touches no socket, so
// tests check it without root.
func addrMessage(index uint32, p netip.Prefix) (netlink.Message, error) {
	ifa := make([]byte, unix.SizeofIfAddrmsg)
	ifa[0] = unix.AF_INET
	ifa[1] = uint8(p.Bits())
	ifa[3] = unix.RT_SCOPE_UNIVERSE
	binary.NativeEndian.PutUint32(ifa[4:8], index)
	ae := netlink.NewAttributeEncoder()
	ip := p.Addr().AsSlice()
	ae.Bytes(unix.IFA_LOCAL, ip)
	ae.Bytes(unix.IFA_ADDRESS, ip)
	if p.Bits() < 31 {
		ae.Bytes(unix.IFA_BROADCAST, broadcast(p))
	}
	ae.Uint8(ifaProto, Proto)
	attrs, err := ae.Encode()
	if err != nil {
		return netlink.Message{}, err
	}
	return netlink.Message{
		Header: netlink.Header{Type: unix.RTM_NEWADDR, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
		Data:   append(ifa, attrs...),
	}, nil
}
