package ipvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// SyncState is the role of a connection synchronisation daemon
// ("linux/ip_vs.h" IP_VS_STATE_*).
type SyncState uint32

// Sync daemon roles.
const (
	SyncMaster SyncState = 1
	SyncBackup SyncState = 2
)

func (s SyncState) String() string {
	switch s {
	case SyncMaster:
		return "master"
	case SyncBackup:
		return "backup"
	}
	return fmt.Sprintf("state(%d)", uint32(s))
}

// SyncDaemon is a kernel thread that multicasts (master) or receives
// (backup) the connection table, keepalived's lvs_sync_daemon. Zero values
// of the optional fields leave the kernel defaults (group 224.0.0.81,
// port 8848, TTL 1, a max length from the interface MTU).
type SyncDaemon struct {
	State     SyncState
	Interface string
	SyncID    uint8
	MaxLen    uint16
	Group     netip.Addr
	Port      uint16
	TTL       uint8
}

// Timeouts are IPVS connection timeouts in seconds (keepalived's
// lvs_timeouts). Zero leaves a value unchanged.
type Timeouts struct {
	TCP    uint32
	TCPFin uint32
	UDP    uint32
}

// nlClient speaks the IPVS commands that cloudflare/ipvs lacks.
type nlClient struct {
	c      *genetlink.Conn
	family uint16
}

func newNLClient(c *genetlink.Conn) (*nlClient, error) {
	f, err := c.GetFamily(genlName)
	if err != nil {
		return nil, fmt.Errorf("ipvs: find generic netlink family %s (is ip_vs loaded?): %w", genlName, err)
	}
	return &nlClient{c: c, family: f.ID}, nil
}

func (n *nlClient) execute(cmd uint8, flags netlink.HeaderFlags, attrs func(*netlink.AttributeEncoder)) ([]genetlink.Message, error) {
	var data []byte
	if attrs != nil {
		ae := netlink.NewAttributeEncoder()
		attrs(ae)
		var err error
		if data, err = ae.Encode(); err != nil {
			return nil, err
		}
	}
	msg := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: genlVersion},
		Data:   data,
	}
	return n.c.Execute(msg, n.family, netlink.Request|flags)
}

func (n *nlClient) flush() error {
	_, err := n.execute(cmdFlush, netlink.Acknowledge, nil)
	return err
}

// zero clears the counters of one service, or of all when k is nil.
func (n *nlClient) zero(k *ServiceKey) error {
	var attrs func(*netlink.AttributeEncoder)
	if k != nil {
		key := k.Normalize()
		attrs = func(ae *netlink.AttributeEncoder) {
			ae.Nested(cmdAttrService, func(ae *netlink.AttributeEncoder) error {
				encodeKey(ae, key)
				return nil
			})
		}
	}
	_, err := n.execute(cmdZero, netlink.Acknowledge, attrs)
	return err
}

// writeService creates or updates a service with all its settings; unlike
// cloudflare/ipvs it sends the persistence engine.
func (n *nlClient) writeService(cmd uint8, s Service) error {
	if len(s.PEName) >= maxNameLen || len(s.Scheduler) >= maxNameLen {
		return fmt.Errorf("ipvs: scheduler %q or persistence engine %q longer than %d bytes", s.Scheduler, s.PEName, maxNameLen-1)
	}
	_, err := n.execute(cmd, netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		ae.Nested(cmdAttrService, func(ae *netlink.AttributeEncoder) error {
			encodeService(ae, s)
			return nil
		})
	})
	return err
}

// encodeKey writes the attributes that identify a service.
func encodeKey(ae *netlink.AttributeEncoder, k ServiceKey) {
	ae.Uint16(svcAttrAF, uint16(k.Family))
	if k.FWMark != 0 {
		ae.Uint32(svcAttrFWMark, k.FWMark)
		return
	}
	ae.Uint16(svcAttrProtocol, uint16(k.Protocol))
	ae.Bytes(svcAttrAddr, k.Addr.AsSlice())
	ae.Bytes(svcAttrPort, binary.BigEndian.AppendUint16(nil, k.Port))
}

// encodeService writes a full service entry; s must be normalized.
func encodeService(ae *netlink.AttributeEncoder, s Service) {
	encodeKey(ae, s.ServiceKey)
	ae.String(svcAttrSchedName, s.Scheduler)
	flags := uint32(s.Flags)
	if s.Timeout != 0 {
		flags |= flagPersistent
	}
	// struct ip_vs_flags: the value, then the mask of bits to change.
	ae.Bytes(svcAttrFlags, binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, flags), ^uint32(0)))
	ae.Uint32(svcAttrTimeout, s.Timeout)
	ae.Bytes(svcAttrNetmask, netmaskBytes(s.Family, s.Granularity))
	if s.PEName != "" {
		ae.String(svcAttrPEName, s.PEName)
	}
}

// netmaskBytes is the kernel's netmask attribute: the mask itself for IPv4,
// the prefix length as a host-order u32 for IPv6.
func netmaskBytes(f Family, bits int) []byte {
	if f == IPv6 {
		return binary.NativeEndian.AppendUint32(nil, uint32(bits))
	}
	return binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-bits))
}

// peNames returns the persistence engine of every service that has one;
// cloudflare/ipvs drops that attribute when it decodes services.
func (n *nlClient) peNames() (map[ServiceKey]string, error) {
	msgs, err := n.execute(cmdGetService, netlink.Dump, nil)
	if err != nil {
		return nil, err
	}
	pe := make(map[ServiceKey]string)
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m.Data)
		if err != nil {
			return nil, err
		}
		for ad.Next() {
			if ad.Type() != cmdAttrService {
				continue
			}
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				k, name, err := decodeKeyAndPE(ad)
				if err == nil && name != "" {
					pe[k] = name
				}
				return err
			})
		}
		if err := ad.Err(); err != nil {
			return nil, err
		}
	}
	return pe, nil
}

// service reads the service k, persistence engine included, with one
// request; fs.ErrNotExist when the kernel sent nothing back.
func (n *nlClient) service(k ServiceKey) (Service, error) {
	msgs, err := n.execute(cmdGetService, 0, func(ae *netlink.AttributeEncoder) {
		ae.Nested(cmdAttrService, func(ae *netlink.AttributeEncoder) error {
			encodeKey(ae, k)
			return nil
		})
	})
	if err != nil {
		return Service{}, err
	}
	if len(msgs) == 0 {
		return Service{}, fs.ErrNotExist
	}
	ad, err := netlink.NewAttributeDecoder(msgs[0].Data)
	if err != nil {
		return Service{}, err
	}
	var s Service
	found := false
	for ad.Next() {
		if ad.Type() == cmdAttrService {
			found = true
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				s, err = decodeService(ad)
				return err
			})
		}
	}
	if err := ad.Err(); err != nil {
		return Service{}, err
	}
	if !found {
		return Service{}, fs.ErrNotExist
	}
	return s, nil
}

// decodeService reads what fromCF reads, and the persistence engine.
func decodeService(ad *netlink.AttributeDecoder) (Service, error) {
	var s Service
	var addr, flags, mask []byte
	for ad.Next() {
		switch ad.Type() {
		case svcAttrAF:
			s.Family = Family(ad.Uint16())
		case svcAttrProtocol:
			s.Protocol = Protocol(ad.Uint16())
		case svcAttrAddr:
			addr = ad.Bytes()
		case svcAttrPort:
			if b := ad.Bytes(); len(b) == 2 {
				s.Port = binary.BigEndian.Uint16(b)
			}
		case svcAttrFWMark:
			s.FWMark = ad.Uint32()
		case svcAttrSchedName:
			s.Scheduler = ad.String()
		case svcAttrFlags:
			flags = ad.Bytes()
		case svcAttrTimeout:
			s.Timeout = ad.Uint32()
		case svcAttrNetmask:
			mask = ad.Bytes()
		case svcAttrPEName:
			s.PEName = ad.String()
		}
	}
	if s.FWMark == 0 {
		if s.Family == IPv4 && len(addr) >= 4 {
			addr = addr[:4]
		}
		a, ok := netip.AddrFromSlice(addr)
		if !ok {
			return s, errors.New("ipvs: service without a valid address")
		}
		s.Addr = a
	}
	s.ServiceKey = s.ServiceKey.Normalize()
	if len(flags) != 8 { // struct ip_vs_flags: flags, mask
		return s, fmt.Errorf("ipvs: service %s: flags of %d bytes", s.ServiceKey, len(flags))
	}
	f := binary.NativeEndian.Uint32(flags)
	s.Flags = Flags(f) & userFlags
	if f&flagPersistent == 0 {
		s.Timeout = 0
	}
	s.Granularity = maskBits(s.Family, mask)
	return s.normalize(), nil
}

// maskBits is the persistence granularity: an IPv4 mask's leading ones
// (up to its first gap, as fromCF counts them), IPv6's prefix length.
func maskBits(f Family, mask []byte) int {
	if f == IPv6 {
		if len(mask) != 4 {
			return 0
		}
		return int(binary.NativeEndian.Uint32(mask))
	}
	n := 0
	for _, octet := range mask {
		for bit := 7; bit >= 0 && octet&(1<<bit) != 0; bit-- {
			n++
		}
		if octet != 0xff {
			break
		}
	}
	return n
}

func decodeKeyAndPE(ad *netlink.AttributeDecoder) (ServiceKey, string, error) {
	var k ServiceKey
	var addr []byte
	var pe string
	for ad.Next() {
		switch ad.Type() {
		case svcAttrAF:
			k.Family = Family(ad.Uint16())
		case svcAttrProtocol:
			k.Protocol = Protocol(ad.Uint16())
		case svcAttrAddr:
			addr = ad.Bytes()
		case svcAttrPort:
			if b := ad.Bytes(); len(b) == 2 {
				k.Port = binary.BigEndian.Uint16(b)
			}
		case svcAttrFWMark:
			k.FWMark = ad.Uint32()
		case svcAttrPEName:
			pe = ad.String()
		}
	}
	if k.FWMark == 0 {
		if k.Family == IPv4 && len(addr) >= 4 {
			addr = addr[:4]
		}
		a, ok := netip.AddrFromSlice(addr)
		if !ok {
			return k, "", errors.New("ipvs: service without a valid address")
		}
		k.Addr = a
	}
	return k.Normalize(), pe, nil
}

func (n *nlClient) startSyncDaemon(d SyncDaemon) error {
	if d.State != SyncMaster && d.State != SyncBackup {
		return fmt.Errorf("ipvs: sync daemon state %s is neither master nor backup", d.State)
	}
	if d.Interface == "" || len(d.Interface) >= maxNameLen {
		return fmt.Errorf("ipvs: sync daemon interface %q: need 1 to %d bytes", d.Interface, maxNameLen-1)
	}
	_, err := n.execute(cmdNewDaemon, netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		ae.Nested(cmdAttrDaemon, func(ae *netlink.AttributeEncoder) error {
			encodeDaemon(ae, d)
			return nil
		})
	})
	return err
}

func encodeDaemon(ae *netlink.AttributeEncoder, d SyncDaemon) {
	ae.Uint32(daemonAttrState, uint32(d.State))
	ae.String(daemonAttrMcastIfn, d.Interface)
	ae.Uint32(daemonAttrSyncID, uint32(d.SyncID))
	if d.MaxLen != 0 {
		ae.Uint16(daemonAttrSyncMaxlen, d.MaxLen)
	}
	switch {
	case d.Group.Is4():
		ae.Bytes(daemonAttrGroup, d.Group.AsSlice())
	case d.Group.Is6():
		ae.Bytes(daemonAttrGroup6, d.Group.AsSlice())
	}
	if d.Port != 0 {
		ae.Uint16(daemonAttrPort, d.Port)
	}
	if d.TTL != 0 {
		ae.Uint8(daemonAttrTTL, d.TTL)
	}
}

func (n *nlClient) stopSyncDaemon(s SyncState) error {
	_, err := n.execute(cmdDelDaemon, netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		ae.Nested(cmdAttrDaemon, func(ae *netlink.AttributeEncoder) error {
			ae.Uint32(daemonAttrState, uint32(s))
			return nil
		})
	})
	return err
}

func (n *nlClient) syncDaemons() ([]SyncDaemon, error) {
	msgs, err := n.execute(cmdGetDaemon, netlink.Dump, nil)
	if err != nil {
		return nil, err
	}
	var ds []SyncDaemon
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m.Data)
		if err != nil {
			return nil, err
		}
		for ad.Next() {
			if ad.Type() != cmdAttrDaemon {
				continue
			}
			var d SyncDaemon
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				decodeDaemon(ad, &d)
				return nil
			})
			ds = append(ds, d)
		}
		if err := ad.Err(); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

func decodeDaemon(ad *netlink.AttributeDecoder, d *SyncDaemon) {
	for ad.Next() {
		switch ad.Type() {
		case daemonAttrState:
			d.State = SyncState(ad.Uint32())
		case daemonAttrMcastIfn:
			d.Interface = ad.String()
		case daemonAttrSyncID:
			d.SyncID = uint8(ad.Uint32())
		case daemonAttrSyncMaxlen:
			d.MaxLen = ad.Uint16()
		case daemonAttrGroup, daemonAttrGroup6:
			if a, ok := netip.AddrFromSlice(ad.Bytes()); ok {
				d.Group = a
			}
		case daemonAttrPort:
			d.Port = ad.Uint16()
		case daemonAttrTTL:
			d.TTL = ad.Uint8()
		}
	}
}

func (n *nlClient) timeouts() (Timeouts, error) {
	msgs, err := n.execute(cmdGetConfig, 0, nil)
	if err != nil {
		return Timeouts{}, err
	}
	var t Timeouts
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m.Data)
		if err != nil {
			return Timeouts{}, err
		}
		for ad.Next() {
			switch ad.Type() {
			case cmdAttrTimeoutTCP:
				t.TCP = ad.Uint32()
			case cmdAttrTimeoutTCPFin:
				t.TCPFin = ad.Uint32()
			case cmdAttrTimeoutUDP:
				t.UDP = ad.Uint32()
			}
		}
		if err := ad.Err(); err != nil {
			return Timeouts{}, err
		}
	}
	return t, nil
}

// setTimeouts sends only the non-zero timeouts: keepalived lets a config set
// any subset of them.
func (n *nlClient) setTimeouts(t Timeouts) error {
	_, err := n.execute(cmdSetConfig, netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		for _, v := range []struct {
			attr uint16
			secs uint32
		}{{cmdAttrTimeoutTCP, t.TCP}, {cmdAttrTimeoutTCPFin, t.TCPFin}, {cmdAttrTimeoutUDP, t.UDP}} {
			if v.secs != 0 {
				ae.Uint32(v.attr, v.secs)
			}
		}
	})
	return err
}
