package ipvs

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
)

const testFamily = 42

// fakeIPVS answers the family lookup and hands every IPVS request to fn.
func fakeIPVS(t *testing.T, fn genltest.Func) *nlClient {
	t.Helper()
	c := genltest.Dial(genltest.ServeFamily(genetlink.Family{ID: testFamily, Name: genlName, Version: genlVersion}, fn))
	t.Cleanup(func() { c.Close() })
	n, err := newNLClient(c)
	if err != nil {
		t.Fatalf("newNLClient: %v", err)
	}
	return n
}

// expect returns a fake that checks command, flags and attributes, and
// replies with reply (an ack when nil).
func expect(t *testing.T, cmd uint8, flags netlink.HeaderFlags, attrs []netlink.Attribute, reply []genetlink.Message) genltest.Func {
	return genltest.CheckRequest(testFamily, cmd, netlink.Request|flags, func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
		var want []byte
		if attrs != nil {
			want = nltest.MustMarshalAttributes(attrs)
		}
		if diff := cmp.Diff(want, greq.Data); diff != "" && len(want)+len(greq.Data) != 0 {
			t.Errorf("request attributes (-want +got):\n%s", diff)
		}
		if greq.Header.Version != genlVersion {
			t.Errorf("request version %d, want %d", greq.Header.Version, genlVersion)
		}
		if reply == nil {
			reply = []genetlink.Message{{}}
		}
		return reply, nil
	})
}

func nested(typ uint16, attrs ...netlink.Attribute) netlink.Attribute {
	return netlink.Attribute{Type: typ | netlink.Nested, Data: nltest.MustMarshalAttributes(attrs)}
}

func u8(typ uint16, v uint8) netlink.Attribute { return netlink.Attribute{Type: typ, Data: []byte{v}} }
func u16(typ uint16, v uint16) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: binary.NativeEndian.AppendUint16(nil, v)}
}
func u32(typ uint16, v uint32) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: binary.NativeEndian.AppendUint32(nil, v)}
}
func be16(typ uint16, v uint16) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: binary.BigEndian.AppendUint16(nil, v)}
}
func str(typ uint16, s string) netlink.Attribute {
	return netlink.Attribute{Type: typ, Data: append([]byte(s), 0)}
}
func raw(typ uint16, b []byte) netlink.Attribute { return netlink.Attribute{Type: typ, Data: b} }

func svcFlags(f uint32) netlink.Attribute {
	return raw(svcAttrFlags, binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, f), ^uint32(0)))
}

func TestRequests(t *testing.T) {
	sip := Service{
		ServiceKey: ServiceKey{Protocol: UDP, Addr: netip.MustParseAddr("192.0.2.5"), Port: 5060},
		Scheduler:  "rr", Flags: OnePacket, Timeout: 60, Granularity: 24, PEName: "sip",
	}
	fwm6 := Service{ServiceKey: ServiceKey{FWMark: 3, Family: IPv6}, Scheduler: "sh", Flags: SHPort, Timeout: 300, Granularity: 64, PEName: "sip"}
	tests := map[string]struct {
		do    func(*nlClient) error
		cmd   uint8
		flags netlink.HeaderFlags
		attrs []netlink.Attribute
	}{
		"flush": {
			do:  (*nlClient).flush,
			cmd: cmdFlush, flags: netlink.Acknowledge,
		},
		"zero all": {
			do:  func(n *nlClient) error { return n.zero(nil) },
			cmd: cmdZero, flags: netlink.Acknowledge,
		},
		"zero one IPv6 service": {
			do: func(n *nlClient) error {
				return n.zero(&ServiceKey{Protocol: SCTP, Addr: netip.MustParseAddr("2001:db8::1"), Port: 9})
			},
			cmd: cmdZero, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrService,
				u16(svcAttrAF, uint16(IPv6)), u16(svcAttrProtocol, uint16(SCTP)),
				raw(svcAttrAddr, netip.MustParseAddr("2001:db8::1").AsSlice()), be16(svcAttrPort, 9))},
		},
		"create service with persistence engine": {
			do:  func(n *nlClient) error { return n.writeService(cmdNewService, sip.normalize()) },
			cmd: cmdNewService, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrService,
				u16(svcAttrAF, uint16(IPv4)), u16(svcAttrProtocol, uint16(UDP)),
				raw(svcAttrAddr, []byte{192, 0, 2, 5}), be16(svcAttrPort, 5060),
				str(svcAttrSchedName, "rr"), svcFlags(0x4|flagPersistent), u32(svcAttrTimeout, 60),
				raw(svcAttrNetmask, []byte{255, 255, 255, 0}), str(svcAttrPEName, "sip"))},
		},
		"update fwmark IPv6 service": {
			do:  func(n *nlClient) error { return n.writeService(cmdSetService, fwm6.normalize()) },
			cmd: cmdSetService, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrService,
				u16(svcAttrAF, uint16(IPv6)), u32(svcAttrFWMark, 3),
				str(svcAttrSchedName, "sh"), svcFlags(0x10|flagPersistent), u32(svcAttrTimeout, 300),
				u32(svcAttrNetmask, 64), str(svcAttrPEName, "sip"))},
		},
		"start master sync daemon with defaults": {
			do: func(n *nlClient) error {
				return n.startSyncDaemon(SyncDaemon{State: SyncMaster, Interface: "eth0", SyncID: 7})
			},
			cmd: cmdNewDaemon, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrDaemon,
				u32(daemonAttrState, 1), str(daemonAttrMcastIfn, "eth0"), u32(daemonAttrSyncID, 7))},
		},
		"start backup sync daemon with every option": {
			do: func(n *nlClient) error {
				return n.startSyncDaemon(SyncDaemon{State: SyncBackup, Interface: "bond0.2", SyncID: 200,
					MaxLen: 1400, Group: netip.MustParseAddr("ff02::1:81"), Port: 9000, TTL: 3})
			},
			cmd: cmdNewDaemon, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrDaemon,
				u32(daemonAttrState, 2), str(daemonAttrMcastIfn, "bond0.2"), u32(daemonAttrSyncID, 200),
				u16(daemonAttrSyncMaxlen, 1400), raw(daemonAttrGroup6, netip.MustParseAddr("ff02::1:81").AsSlice()),
				u16(daemonAttrPort, 9000), u8(daemonAttrTTL, 3))},
		},
		"stop backup sync daemon": {
			do:  func(n *nlClient) error { return n.stopSyncDaemon(SyncBackup) },
			cmd: cmdDelDaemon, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{nested(cmdAttrDaemon, u32(daemonAttrState, 2))},
		},
		"set only the UDP timeout": {
			do:  func(n *nlClient) error { return n.setTimeouts(Timeouts{UDP: 30}) },
			cmd: cmdSetConfig, flags: netlink.Acknowledge,
			attrs: []netlink.Attribute{u32(cmdAttrTimeoutUDP, 30)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			n := fakeIPVS(t, expect(t, tt.cmd, tt.flags, tt.attrs, nil))
			if err := tt.do(n); err != nil {
				t.Fatalf("request failed: %v", err)
			}
		})
	}
}

func TestRequestsRejected(t *testing.T) {
	n := fakeIPVS(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		t.Error("an invalid request reached the kernel")
		return nil, nil
	})
	for name, err := range map[string]error{
		"no state":       n.startSyncDaemon(SyncDaemon{Interface: "eth0"}),
		"no interface":   n.startSyncDaemon(SyncDaemon{State: SyncMaster}),
		"long interface": n.startSyncDaemon(SyncDaemon{State: SyncMaster, Interface: "a-very-long-ifname"}),
		"long engine":    n.writeService(cmdNewService, Service{Scheduler: "rr", PEName: "sixteen-bytes-xx"}),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDecodeReplies(t *testing.T) {
	master := nested(cmdAttrDaemon, u32(daemonAttrState, 1), str(daemonAttrMcastIfn, "eth0"), u32(daemonAttrSyncID, 7),
		u16(daemonAttrSyncMaxlen, 1472), raw(daemonAttrGroup, []byte{224, 0, 0, 81}), u16(daemonAttrPort, 8848), u8(daemonAttrTTL, 1))
	backup := nested(cmdAttrDaemon, u32(daemonAttrState, 2), str(daemonAttrMcastIfn, "eth1"), u32(daemonAttrSyncID, 9))
	n := fakeIPVS(t, func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
		msg := func(a ...netlink.Attribute) genetlink.Message {
			return genetlink.Message{Data: nltest.MustMarshalAttributes(a)}
		}
		switch greq.Header.Command {
		case cmdGetDaemon:
			return []genetlink.Message{msg(master), msg(backup)}, nil
		case cmdGetConfig:
			return []genetlink.Message{msg(u32(cmdAttrTimeoutTCP, 900), u32(cmdAttrTimeoutTCPFin, 120), u32(cmdAttrTimeoutUDP, 300))}, nil
		case cmdGetService:
			return []genetlink.Message{
				msg(nested(cmdAttrService, u16(svcAttrAF, uint16(IPv4)), u16(svcAttrProtocol, uint16(UDP)),
					raw(svcAttrAddr, netip.MustParseAddr("192.0.2.5").AsSlice()), be16(svcAttrPort, 5060), str(svcAttrPEName, "sip"))),
				msg(nested(cmdAttrService, u16(svcAttrAF, uint16(IPv6)), u32(svcAttrFWMark, 3))),
			}, nil
		}
		t.Errorf("unexpected command %d", greq.Header.Command)
		return nil, nil
	})

	ds, err := n.syncDaemons()
	if err != nil {
		t.Fatal(err)
	}
	want := []SyncDaemon{
		{State: SyncMaster, Interface: "eth0", SyncID: 7, MaxLen: 1472, Group: netip.MustParseAddr("224.0.0.81"), Port: 8848, TTL: 1},
		{State: SyncBackup, Interface: "eth1", SyncID: 9},
	}
	if diff := cmp.Diff(want, ds, addrCmp); diff != "" {
		t.Errorf("sync daemons (-want +got):\n%s", diff)
	}

	to, err := n.timeouts()
	if err != nil || to != (Timeouts{TCP: 900, TCPFin: 120, UDP: 300}) {
		t.Errorf("timeouts = %+v, %v", to, err)
	}

	pe, err := n.peNames()
	if err != nil {
		t.Fatal(err)
	}
	wantPE := map[ServiceKey]string{{Protocol: UDP, Addr: netip.MustParseAddr("192.0.2.5"), Port: 5060, Family: IPv4}: "sip"}
	if diff := cmp.Diff(wantPE, pe, addrCmp); diff != "" {
		t.Errorf("persistence engines (-want +got):\n%s", diff)
	}
}

func TestNetmaskBytes(t *testing.T) {
	for _, tt := range []struct {
		f    Family
		bits int
		want []byte
	}{
		{IPv4, 32, []byte{255, 255, 255, 255}},
		{IPv4, 24, []byte{255, 255, 255, 0}},
		{IPv4, 0, []byte{0, 0, 0, 0}},
		{IPv6, 128, binary.NativeEndian.AppendUint32(nil, 128)},
		{IPv6, 48, binary.NativeEndian.AppendUint32(nil, 48)},
	} {
		if got := netmaskBytes(tt.f, tt.bits); !cmp.Equal(got, tt.want) {
			t.Errorf("netmaskBytes(%s, %d) = %v, want %v", tt.f, tt.bits, got, tt.want)
		}
	}
}

// TestDecodeOneService: the drift check's one-request read of a service
// carries what fromCF reads (scheduler, user flags, timeout only when
// persistent, granularity) and the persistence engine; nothing back is
// "absent".
func TestDecodeOneService(t *testing.T) {
	flags := func(f uint32) []byte {
		return binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, f), ^uint32(0))
	}
	replies := map[uint16][]genetlink.Message{
		5060: {{Data: nltest.MustMarshalAttributes([]netlink.Attribute{nested(cmdAttrService,
			u16(svcAttrAF, uint16(IPv4)), u16(svcAttrProtocol, uint16(UDP)),
			raw(svcAttrAddr, append(netip.MustParseAddr("192.0.2.5").AsSlice(), make([]byte, 12)...)),
			be16(svcAttrPort, 5060), str(svcAttrSchedName, "rr"),
			raw(svcAttrFlags, flags(flagPersistent|uint32(OnePacket))), u32(svcAttrTimeout, 60),
			raw(svcAttrNetmask, []byte{255, 255, 255, 0}), str(svcAttrPEName, "sip"))})}},
		80: {{Data: nltest.MustMarshalAttributes([]netlink.Attribute{nested(cmdAttrService,
			u16(svcAttrAF, uint16(IPv6)), u16(svcAttrProtocol, uint16(TCP)),
			raw(svcAttrAddr, netip.MustParseAddr("2001:db8::80").AsSlice()), be16(svcAttrPort, 80),
			str(svcAttrSchedName, "wlc"), raw(svcAttrFlags, flags(0)), u32(svcAttrTimeout, 300),
			raw(svcAttrNetmask, binary.NativeEndian.AppendUint32(nil, 128)))})}},
	}
	n := fakeIPVS(t, func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
		ad, err := netlink.NewAttributeDecoder(greq.Data)
		if err != nil {
			return nil, err
		}
		var k ServiceKey
		for ad.Next() {
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				k, _, err = decodeKeyAndPE(ad)
				return err
			})
		}
		return replies[k.Port], nil
	})
	v4 := ServiceKey{Protocol: UDP, Addr: netip.MustParseAddr("192.0.2.5"), Port: 5060}.Normalize()
	v6 := ServiceKey{Protocol: TCP, Addr: netip.MustParseAddr("2001:db8::80"), Port: 80}.Normalize()
	for _, tt := range []struct {
		k    ServiceKey
		want Service
	}{
		{v4, Service{ServiceKey: v4, Scheduler: "rr", Flags: OnePacket, Timeout: 60, Granularity: 24, PEName: "sip"}},
		{v6, Service{ServiceKey: v6, Scheduler: "wlc", Granularity: 128}},
	} {
		got, err := n.service(tt.k)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want.normalize(), got, addrCmp); diff != "" {
			t.Errorf("service(%s) (-want +got):\n%s", tt.k, diff)
		}
	}
	absent := ServiceKey{Protocol: TCP, Addr: netip.MustParseAddr("192.0.2.9"), Port: 81}.Normalize()
	if _, err := n.service(absent); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("service of an absent key: err %v, want fs.ErrNotExist", err)
	}
}
