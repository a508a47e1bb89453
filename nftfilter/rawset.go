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
