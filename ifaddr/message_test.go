package ifaddr

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The message builders touch no socket: these tests run without root,
// the namespace tests in ifaddr_test.go check what the kernel makes of
// the same messages.

// fakeIndex resolves "eth0" to 2 and "eth1" to 3.
func fakeIndex(name string) (int, error) {
	switch name {
	case "eth0":
		return 2, nil
	case "eth1":
		return 3, nil
	}
	return 0, errNoSuchInterface
}

func mustRoute(t *testing.T, r Route, del bool) *rtnetlink.RouteMessage {
	t.Helper()
	m, err := routeMessage(r, del, fakeIndex)
	if err != nil {
		t.Fatalf("routeMessage(%v): %v", r, err)
	}
	if _, err := m.MarshalBinary(); err != nil {
		t.Fatalf("marshal %v: %v", r, err)
	}
	return m
}

func TestRouteMessage(t *testing.T) {
	// A unicast route without gateway is scope link, as `ip route` makes it.
	m := mustRoute(t, Route{Dst: netip.MustParsePrefix("10.1.0.0/16"), Link: "eth0"}, false)
	if m.Family != unix.AF_INET || m.DstLength != 16 || m.Scope != unix.RT_SCOPE_LINK ||
		m.Protocol != unix.RTPROT_BOOT || m.Type != unix.RTN_UNICAST || m.Table != unix.RT_TABLE_MAIN ||
		m.Attributes.OutIface != 2 || m.Attributes.Metrics != nil {
		t.Errorf("link route %+v %+v", m, m.Attributes)
	}
	// Tables above 255 only fit the attribute.
	m = mustRoute(t, Route{Dst: netip.MustParsePrefix("::/0"), Gateway: netip.MustParseAddr("fd00::1"), Table: 1000, Protocol: 18}, false)
	if m.Family != unix.AF_INET6 || m.Table != unix.RT_TABLE_UNSPEC || m.Attributes.Table != 1000 ||
		m.Scope != unix.RT_SCOPE_UNIVERSE || m.Protocol != 18 || m.Attributes.Dst != nil {
		t.Errorf("default route %+v %+v", m, m.Attributes)
	}
	// A delete matches any scope and protocol, and any metrics.
	r := Route{Dst: netip.MustParsePrefix("10.2.0.0/16"), Gateway: netip.MustParseAddr("192.0.2.1"), Metrics: RouteMetrics{MTU: 1400}}
	if m = mustRoute(t, r, true); m.Scope != unix.RT_SCOPE_NOWHERE || m.Protocol != 0 || m.Attributes.Metrics != nil {
		t.Errorf("delete %+v %+v", m, m.Attributes)
	}
	if m = mustRoute(t, r, false); m.Attributes.Metrics == nil || m.Attributes.Metrics.MTU != 1400 {
		t.Errorf("metrics %+v", m.Attributes.Metrics)
	}
	// Local routes are scope host; blackhole routes keep their type.
	if m = mustRoute(t, Route{Dst: netip.MustParsePrefix("10.3.0.1/32"), Type: RouteLocal}, false); m.Scope != unix.RT_SCOPE_HOST || m.Type != unix.RTN_LOCAL {
		t.Errorf("local %+v", m)
	}
	// Multipath: weight N is rtnh_hops N-1, devices by index, onlink per hop.
	m = mustRoute(t, Route{Dst: netip.MustParsePrefix("10.93.0.0/16"), NextHops: []NextHop{
		{Gateway: netip.MustParseAddr("192.0.2.254"), Link: "eth0", Weight: 2},
		{Gateway: netip.MustParseAddr("192.0.2.253"), Link: "eth1", OnLink: true},
	}}, false)
	hops := m.Attributes.Multipath
	if len(hops) != 2 || hops[0].Hop.Hops != 1 || hops[0].Hop.IfIndex != 2 || !hops[0].Gateway.Equal(netip.MustParseAddr("192.0.2.254").AsSlice()) ||
		hops[1].Hop.Hops != 0 || hops[1].Hop.IfIndex != 3 || hops[1].Hop.Flags&unix.RTNH_F_ONLINK == 0 || m.Scope != unix.RT_SCOPE_UNIVERSE {
		t.Errorf("multipath %+v scope %d", hops, m.Scope)
	}
	// What cannot be built is an error, not a half message.
	if _, err := routeMessage(Route{Link: "eth0"}, false, fakeIndex); err == nil {
		t.Error("route without destination built")
	}
	if _, err := routeMessage(Route{Dst: netip.MustParsePrefix("10.4.0.0/16"), Link: "nope"}, false, fakeIndex); !errors.Is(err, unix.ENODEV) {
		t.Errorf("unknown device: %v", err)
	}
}

func TestAddrMessage(t *testing.T) {
	lft := uint32(0)
	a := Address{Prefix: netip.MustParsePrefix("fd00::5/64"), Link: "eth1", Label: "", NoDAD: true, PreferredLft: &lft, Scope: ScopeUniverse}
	m, err := addrMessage(a, true, fakeIndex)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Type != unix.RTM_NEWADDR || m.Header.Flags&netlink.Excl == 0 {
		t.Errorf("header %+v", m.Header)
	}
	hdr := m.Data[:unix.SizeofIfAddrmsg]
	if hdr[0] != unix.AF_INET6 || hdr[1] != 64 || binary.NativeEndian.Uint32(hdr[4:]) != 3 {
		t.Errorf("ifaddrmsg % x", hdr)
	}
	got := map[uint16][]byte{}
	ad, err := netlink.NewAttributeDecoder(m.Data[unix.SizeofIfAddrmsg:])
	if err != nil {
		t.Fatal(err)
	}
	for ad.Next() {
		got[ad.Type()] = ad.Bytes()
	}
	if len(got[unix.IFA_LOCAL]) != 16 || binary.NativeEndian.Uint32(got[unix.IFA_FLAGS]) != unix.IFA_F_NODAD ||
		len(got[unix.IFA_CACHEINFO]) != 16 || binary.NativeEndian.Uint32(got[unix.IFA_CACHEINFO][4:]) != infinity {
		t.Errorf("attributes %v", got)
	}
	// A delete names the address only.
	m, err = addrMessage(Address{Prefix: netip.MustParsePrefix("10.0.0.1/24"), Link: "eth0", Label: "eth0:1", Broadcast: netip.MustParseAddr("10.0.0.255")}, false, fakeIndex)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Type != unix.RTM_DELADDR || len(m.Data) != unix.SizeofIfAddrmsg+2*8 {
		t.Errorf("delete %+v, %d bytes", m.Header, len(m.Data))
	}
}

func TestRuleMessage(t *testing.T) {
	m, err := Rule{From: netip.MustParsePrefix("10.0.0.3/32"), Table: 1000, Priority: 200, TOS: 0x10, Not: true}.message(true)
	if err != nil {
		t.Fatal(err)
	}
	if m.Family != unix.AF_INET || m.Action != unix.FR_ACT_TO_TBL || m.SrcLength != 32 || m.TOS != 0x10 || m.Flags&unix.FIB_RULE_INVERT == 0 ||
		m.Attributes.Table == nil || *m.Attributes.Table != 1000 || m.Attributes.Priority == nil || *m.Attributes.Priority != 200 {
		t.Errorf("rule %+v %+v", m, m.Attributes)
	}
	if m, err = (Rule{IPv6: true, Goto: 40}).message(true); err != nil || m.Family != unix.AF_INET6 || m.Action != unix.FR_ACT_GOTO {
		t.Errorf("goto rule %+v %v", m, err)
	}
	if _, err := (Rule{From: netip.MustParsePrefix("10.0.0.0/8"), To: netip.MustParsePrefix("fd00::/8")}).message(true); err == nil {
		t.Error("mixed families built")
	}
}
