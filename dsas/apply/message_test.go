package apply

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/host"
)

// The request builders touch no socket: these tests run without root;
// host_test.go's namespace tests check what the kernel makes of them.

func attrs(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint16][]byte{}
	for ad.Next() {
		out[ad.Type()] = ad.Bytes()
	}
	return out
}

func TestAddrMessage(t *testing.T) {
	m, err := addrMessage(5, netip.MustParsePrefix("192.0.2.10/24"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Type != unix.RTM_NEWADDR || m.Header.Flags&netlink.Excl == 0 {
		t.Errorf("header %+v", m.Header)
	}
	ifa := m.Data[:unix.SizeofIfAddrmsg]
	if ifa[0] != unix.AF_INET || ifa[1] != 24 || binary.NativeEndian.Uint32(ifa[4:]) != 5 {
		t.Errorf("ifaddrmsg % x", ifa)
	}
	a := attrs(t, m.Data[unix.SizeofIfAddrmsg:])
	if netip.AddrFrom4([4]byte(a[unix.IFA_BROADCAST])) != netip.MustParseAddr("192.0.2.255") ||
		len(a[ifaProto]) != 1 || a[ifaProto][0] != Proto {
		t.Errorf("attributes %v", a)
	}
	// A /31 has no broadcast address.
	m, _ = addrMessage(5, netip.MustParsePrefix("192.0.2.10/31"))
	if _, ok := attrs(t, m.Data[unix.SizeofIfAddrmsg:])[unix.IFA_BROADCAST]; ok {
		t.Error("broadcast on a /31")
	}
}

func TestSetMasterMessage(t *testing.T) {
	m := setMasterMessage(7, 3)
	if m.Header.Type != unix.RTM_SETLINK || binary.NativeEndian.Uint32(m.Data[4:8]) != 7 {
		t.Errorf("message %+v", m)
	}
	a := attrs(t, m.Data[unix.SizeofIfInfomsg:])
	if len(a) != 1 || binary.NativeEndian.Uint32(a[unix.IFLA_MASTER]) != 3 {
		t.Errorf("attributes %v: IFLA_MASTER alone", a)
	}
}

func TestRouteMessage(t *testing.T) {
	m := routeMessage(&host.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gw: netip.MustParseAddr("192.0.2.1"), Metric: 10}, 4)
	if m.DstLength != 0 || m.Attributes.Dst != nil || m.Protocol != Proto || m.Table != unix.RT_TABLE_MAIN ||
		m.Attributes.OutIface != 4 || m.Attributes.Priority != 10 || m.Attributes.Gateway.String() != "192.0.2.1" {
		t.Errorf("default route %+v %+v", m, m.Attributes)
	}
	m = routeMessage(&host.Route{Dst: netip.MustParsePrefix("10.0.0.0/8"), Gw: netip.MustParseAddr("192.0.2.1")}, 4)
	if m.DstLength != 8 || m.Attributes.Dst.String() != "10.0.0.0" {
		t.Errorf("route %+v", m)
	}
	if _, err := m.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
}

func TestDriverBond(t *testing.T) {
	b := &host.Bond{Mode: 1, Miimon: 100, UpDelay: 200}
	d := driverBond(b, true, nil)
	if d.Miimon == nil || *d.Miimon != 100 || d.ArpInterval == nil || *d.ArpInterval != 0 || *d.UpDelay != 200 {
		t.Errorf("miimon bond %+v", d)
	}
	b = &host.Bond{ArpInterval: 1000, ArpTargets: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}
	if d = driverBond(b, false, nil); d.Miimon != nil || len(d.ArpIpTargets) != 1 || *d.ArpInterval != 1000 {
		t.Errorf("arp bond %+v", d)
	}
}
