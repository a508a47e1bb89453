package ifaddr

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

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

func mustRoute(t *testing.T, r Route, del bool) *routeRequest {
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
	r := Route{Dst: netip.MustParsePrefix("10.2.0.0/16"), Gateway: netip.MustParseAddr("192.0.2.1"), Metrics: RouteMetrics{Set: 1 << unix.RTAX_MTU}}
	r.Metrics.Values[unix.RTAX_MTU] = 1400
	if m = mustRoute(t, r, true); m.Scope != unix.RT_SCOPE_NOWHERE || m.Protocol != 0 || len(m.extra) != 0 {
		t.Errorf("delete %+v %+v % x", m, m.Attributes, m.extra)
	}
	if got := routeExtra(t, mustRoute(t, r, false)); len(got.metrics) != 1 || got.metrics[unix.RTAX_MTU] != 1400 {
		t.Errorf("metrics %+v", got.metrics)
	}
	// keepalived's scope: universe unless written, gateway or not.
	if m = mustRoute(t, Route{Dst: netip.MustParsePrefix("10.1.0.0/16"), Link: "eth0", ExactScope: true}, false); m.Scope != unix.RT_SCOPE_UNIVERSE {
		t.Errorf("exact scope %d", m.Scope)
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

// TestAddrMessageFlags: home, mngtmpaddr, noprefixroute and autojoin
// reach the kernel in IFA_FLAGS, as keepalived sends them (corpus 048:
// noprefixroute adds no prefix route).
func TestAddrMessageFlags(t *testing.T) {
	a := Address{Prefix: netip.MustParsePrefix("1.2.4.5/24"), Link: "eth0", Home: true, MngTmpAddr: true, NoPrefixRoute: true, AutoJoin: true}
	m, err := addrMessage(a, true, fakeIndex)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := netlink.NewAttributeDecoder(m.Data[unix.SizeofIfAddrmsg:])
	if err != nil {
		t.Fatal(err)
	}
	var flags uint32
	for ad.Next() {
		if ad.Type() == unix.IFA_FLAGS {
			flags = ad.Uint32()
		}
	}
	want := uint32(unix.IFA_F_HOMEADDRESS | unix.IFA_F_MANAGETEMPADDR | unix.IFA_F_NOPREFIXROUTE | unix.IFA_F_MCAUTOJOIN)
	if flags != want {
		t.Errorf("IFA_FLAGS %#x, want %#x", flags, want)
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

// extraAttrs are the attributes a routeRequest appends, decoded.
type extraAttrs struct {
	metrics map[uint16]uint32
	congctl string
	other   map[uint16][]byte
}

// routeExtra marshals m and decodes what follows the rtnetlink package's
// own attributes: a real parse of the bytes sent, not of the struct.
func routeExtra(t *testing.T, m *routeRequest) extraAttrs {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	own, _ := m.RouteMessage.MarshalBinary()
	if len(b) != len(own)+len(m.extra) {
		t.Fatalf("extra not appended: %d + %d != %d", len(own), len(m.extra), len(b))
	}
	got := extraAttrs{metrics: map[uint16]uint32{}, other: map[uint16][]byte{}}
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofRtMsg:])
	if err != nil {
		t.Fatal(err)
	}
	for ad.Next() {
		if ad.Type() != unix.RTA_METRICS {
			got.other[ad.Type()] = ad.Bytes()
			continue
		}
		ad.Nested(func(nad *netlink.AttributeDecoder) error {
			for nad.Next() {
				if nad.Type() == unix.RTAX_CC_ALGO {
					got.congctl = nad.String()
				} else {
					got.metrics[nad.Type()] = nad.Uint32()
				}
			}
			return nil
		})
	}
	if err := ad.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestRouteAttributes: every attribute keepalived 2.2.7's netlink_route
// sends, with the locks in RTAX_LOCK, tos in the header and the realms in
// RTA_FLOW.
func TestRouteAttributes(t *testing.T) {
	r := Route{Dst: netip.MustParsePrefix("192.168.200.0/24"), Link: "eth1", Tos: 4, Realms: 20,
		HasTTLPropagate: true, TTLPropagate: 1, Pref: 1, HasPref: true, Expires: 30, HasExpires: true}
	want := map[uint16]uint32{unix.RTAX_MTU: 1000, unix.RTAX_WINDOW: 105, unix.RTAX_RTT: 1600, unix.RTAX_RTTVAR: 800,
		unix.RTAX_SSTHRESH: 107, unix.RTAX_CWND: 106, unix.RTAX_ADVMSS: 101, unix.RTAX_REORDERING: 104,
		unix.RTAX_HOPLIMIT: 100, unix.RTAX_INITCWND: 109, unix.RTAX_FEATURES: 1, unix.RTAX_RTO_MIN: 200,
		unix.RTAX_INITRWND: 110, unix.RTAX_QUICKACK: 1, unix.RTAX_FASTOPEN_NO_COOKIE: 0}
	for n, v := range want {
		r.Metrics.Values[n], r.Metrics.Set = v, r.Metrics.Set|1<<n
	}
	r.Metrics.Lock, r.Metrics.CongCtl = 1<<unix.RTAX_SSTHRESH, "reno"
	want[unix.RTAX_LOCK] = 1 << unix.RTAX_SSTHRESH
	m := mustRoute(t, r, false)
	if m.Tos != 4 || m.Attributes.Pref == nil || *m.Attributes.Pref != 1 || m.Attributes.Expires == nil || *m.Attributes.Expires != 30 {
		t.Errorf("header/attributes %+v %+v", m.RouteMessage, m.Attributes)
	}
	got := routeExtra(t, m)
	for n, v := range want {
		if g, ok := got.metrics[n]; !ok || g != v {
			t.Errorf("RTAX %d = %d (sent %v), want %d", n, g, ok, v)
		}
	}
	if len(got.metrics) != len(want) || got.congctl != "reno" {
		t.Errorf("metrics %v congctl %q", got.metrics, got.congctl)
	}
	if f := got.other[unix.RTA_FLOW]; len(f) != 4 || binary.NativeEndian.Uint32(f) != 20 {
		t.Errorf("RTA_FLOW % x", f)
	}
	if p := got.other[unix.RTA_TTL_PROPAGATE]; len(p) != 1 || p[0] != 1 {
		t.Errorf("RTA_TTL_PROPAGATE % x", p)
	}
	// A delete keeps tos (the kernel matches it) and leaves the metrics.
	m = mustRoute(t, r, true)
	if got := routeExtra(t, m); m.Tos != 4 || len(got.metrics) != 0 || got.other[unix.RTA_TTL_PROPAGATE] != nil {
		t.Errorf("delete tos %d extra %+v", m.Tos, got)
	}
}

// TestRuleAttributes: uidrange is two uint32s (the rtnetlink package's
// two uint16s would be refused), l3mdev sends no table, realms FRA_FLOW.
func TestRuleAttributes(t *testing.T) {
	r := Rule{To: netip.MustParsePrefix("1:2:3:4:6:6:7:0/112"), L3MDev: true, UIDStart: 10000, UIDEnd: 19999, HasUIDRange: true, Realms: 30<<16 | 20, Protocol: 18}
	m, err := r.message(true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint16][]byte{}
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofRtMsg:]) // fib_rule_hdr is rtmsg's size
	if err != nil {
		t.Fatal(err)
	}
	for ad.Next() {
		got[ad.Type()] = ad.Bytes()
	}
	u := got[unix.FRA_UID_RANGE]
	if len(u) != 8 || binary.NativeEndian.Uint32(u) != 10000 || binary.NativeEndian.Uint32(u[4:]) != 19999 {
		t.Errorf("FRA_UID_RANGE % x", u)
	}
	if l := got[unix.FRA_L3MDEV]; len(l) != 1 || l[0] != 1 {
		t.Errorf("FRA_L3MDEV % x", l)
	}
	if f := got[unix.FRA_FLOW]; len(f) != 4 || binary.NativeEndian.Uint32(f) != 30<<16|20 {
		t.Errorf("FRA_FLOW % x", f)
	}
	if _, ok := got[unix.FRA_TABLE]; ok || m.Table != 0 || m.Action != unix.FR_ACT_TO_TBL {
		t.Errorf("l3mdev rule has table %d / %v, action %d", m.Table, got[unix.FRA_TABLE], m.Action)
	}
}
