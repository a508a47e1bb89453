package nftfilter

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// addHostOrderMap creates the VMAC map with keepalived's user data: key and
// data in host byte order (NFTNL_UDATA_SET_KEYBYTEORDER and
// _DATABYTEORDER), which is only how `nft list` prints the elements, as
// interface names. The nftables module cannot set the data's byte order,
// so this one message is built here and sent in its own batch; rules and
// elements then refer to the map by name.
func addHostOrderMap(c *netlink.Conn, family nftables.TableFamily, table, name string) error {
	if c == nil {
		return fmt.Errorf("create map %s: no netfilter netlink socket", name)
	}
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.String(unix.NFTA_SET_TABLE, table)
	ae.String(unix.NFTA_SET_NAME, name)
	ae.Uint32(unix.NFTA_SET_FLAGS, unix.NFT_SET_MAP)
	ae.Uint32(unix.NFTA_SET_KEY_TYPE, ifIndexType)
	ae.Uint32(unix.NFTA_SET_KEY_LEN, 4)
	ae.Uint32(unix.NFTA_SET_DATA_TYPE, ifIndexType)
	ae.Uint32(unix.NFTA_SET_DATA_LEN, 4)
	ae.Uint32(unix.NFTA_SET_ID, 1)
	ae.Bytes(unix.NFTA_SET_USERDATA, hostOrderUserData())
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	return sendSet(c, family, name, attrs)
}

// rawConn is the part of *netlink.Conn the raw messages need (a fake in
// unit tests).
type rawConn interface {
	SendMessages([]netlink.Message) ([]netlink.Message, error)
	Receive() ([]netlink.Message, error)
	Close() error
}

// sendSet sends one NEWSET message in its own batch and waits for the ack.
func sendSet(c rawConn, family nftables.TableFamily, name string, attrs []byte) error {
	batch := func(typ uint16) netlink.Message {
		return netlink.Message{
			Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: netlink.Request},
			Data:   nfgen(unix.AF_UNSPEC, unix.NFNL_SUBSYS_NFTABLES),
		}
	}
	msgs := []netlink.Message{
		batch(unix.NFNL_MSG_BATCH_BEGIN),
		{
			Header: netlink.Header{
				Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_NEWSET),
				Flags: netlink.Request | netlink.Create | netlink.Acknowledge,
			},
			Data: append(nfgen(uint8(family), 0), attrs...),
		},
		batch(unix.NFNL_MSG_BATCH_END),
	}
	if _, err := c.SendMessages(msgs); err != nil {
		return fmt.Errorf("create map %s: %w", name, err)
	}
	if _, err := c.Receive(); err != nil {
		return fmt.Errorf("create map %s: %w", name, err)
	}
	return nil
}

// Set attributes and flags that golang.org/x/sys/unix does not name
// (linux/netfilter/nf_tables.h).
const (
	nftaSetDescConcat = 2  // NFTA_SET_DESC_CONCAT
	nftaSetFieldLen   = 1  // NFTA_SET_FIELD_LEN
	nftaSetExpr       = 17 // NFTA_SET_EXPR
	nftSetConcat      = 0x80
	// nft's data types (nftables/include/datatypes.h) and keepalived's
	// 6-bit shift for a concatenation.
	ipAddrType, ip6AddrType, inetServiceType, markType = 7, 8, 13, 19
	typeBits                                           = 6
)

// addIPVSMap creates an nftables_ipvs map with every attribute keepalived's
// setup_set and nft_ipvs_add_set_rule give it: an interval map of
// address . inet_service (each padded to 32 bits, field lengths 4 or 16
// and 2) to mark, key and data in host byte order in the user data, and
// with nftables_counters a counter on every element. The nftables module
// can set neither the user data nor a set expression.
func addIPVSMap(c rawConn, family nftables.TableFamily, table, name string, ipv6, counters bool) error {
	if c == nil {
		return fmt.Errorf("create map %s: no netfilter netlink socket", name)
	}
	addrType, addrLen := uint32(ipAddrType), uint32(4)
	if ipv6 {
		addrType, addrLen = ip6AddrType, 16
	}
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.String(unix.NFTA_SET_TABLE, table)
	ae.String(unix.NFTA_SET_NAME, name)
	ae.Uint32(unix.NFTA_SET_FLAGS, unix.NFT_SET_MAP|unix.NFT_SET_INTERVAL|nftSetConcat)
	ae.Uint32(unix.NFTA_SET_KEY_TYPE, addrType<<typeBits|inetServiceType)
	ae.Uint32(unix.NFTA_SET_KEY_LEN, addrLen+4)
	ae.Uint32(unix.NFTA_SET_DATA_TYPE, markType)
	ae.Uint32(unix.NFTA_SET_DATA_LEN, 4)
	ae.Uint32(unix.NFTA_SET_ID, 1)
	ae.Nested(unix.NFTA_SET_DESC, func(d *netlink.AttributeEncoder) error {
		d.Nested(nftaSetDescConcat, func(l *netlink.AttributeEncoder) error {
			for _, n := range []uint32{addrLen, 2} {
				l.Nested(unix.NFTA_LIST_ELEM, func(f *netlink.AttributeEncoder) error {
					f.Uint32(nftaSetFieldLen, n)
					return nil
				})
			}
			return nil
		})
		return nil
	})
	ae.Bytes(unix.NFTA_SET_USERDATA, hostOrderUserData())
	if counters {
		ae.Nested(nftaSetExpr, func(x *netlink.AttributeEncoder) error {
			x.String(unix.NFTA_EXPR_NAME, "counter")
			x.Nested(unix.NFTA_EXPR_DATA, func(*netlink.AttributeEncoder) error { return nil })
			return nil
		})
	}
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	return sendSet(c, family, name, attrs)
}

// ifIndexType is nft's iface_index data type.
const ifIndexType = 20

// nfgen is struct nfgenmsg: family, version 0, resource id (big endian).
func nfgen(family uint8, resID uint16) []byte {
	return []byte{family, unix.NFNETLINK_V0, byte(resID >> 8), byte(resID)}
}

// hostOrderUserData is libnftnl's user data TLVs: KEYBYTEORDER (0) and
// DATABYTEORDER (1), each BYTEORDER_HOST_ENDIAN (1) as a host-order u32.
func hostOrderUserData() []byte {
	var b []byte
	for _, typ := range []byte{0, 1} {
		v := binary.NativeEndian.AppendUint32(nil, 1)
		b = append(append(b, typ, byte(len(v))), v...)
	}
	return b
}
