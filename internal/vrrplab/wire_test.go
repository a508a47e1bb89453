package vrrplab

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// advert builds a VRRPv2 advert frame from router n with priority prio and
// IPv4 TTL ttl (checksums are not computed: WireDiff masks them).
func advert(n byte, prio, ttl byte) Frame {
	h := "01005e000012" + "02000000000" + string("0123456789"[n]) + "0800" +
		"45c00028" + "00" + hex.EncodeToString([]byte{n}) + "0000" + hex.EncodeToString([]byte{ttl}) + "70" + "1234" +
		"0a0000" + hex.EncodeToString([]byte{n}) + "e0000012" +
		"2133" + hex.EncodeToString([]byte{prio}) + "01" + "0001" + "abcd" + "0a000064" + "0000000000000000"
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	f, ok := parseFrame(b)
	if !ok {
		panic("not an advert")
	}
	f.Raw = b
	return f
}

func TestWireDiff(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b Frame
		want string // substring of the first difference; "" for none
	}{
		{"two routers, same daemon", advert(1, 150, 255), advert(2, 100, 255), ""},
		{"TTL differs", advert(1, 150, 255), advert(2, 100, 64), "ipv4 header"},
		{"advert vs GARP", advert(1, 150, 255), Frame{Kind: GARP}, "kinds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := WireDiff(tc.a, tc.b)
			switch {
			case tc.want == "" && len(d) > 0:
				t.Errorf("differences %q; want none", d)
			case tc.want != "" && (len(d) == 0 || !strings.Contains(d[0], tc.want)):
				t.Errorf("differences %q; want one about %s", d, tc.want)
			}
		})
	}
	if a := advert(1, 150, 255); a.Dst != netip.MustParseAddr("224.0.0.18") || a.Prio != 150 || a.VRID != 51 {
		t.Errorf("parsed %s", a)
	}
}

// ahAdvert is keepalived 2.2.7's AH advert number seq (vrrp/ah testdata:
// password "ab", priority 150), as an Ethernet frame.
func ahAdvert(t *testing.T, ip string) Frame {
	t.Helper()
	b, err := hex.DecodeString("01005e0000120278000000010800" + ip)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := parseFrame(b)
	if !ok {
		t.Fatal("AH advert not recognised")
	}
	f.Raw = b
	return f
}

func TestWireDiffAH(t *testing.T) {
	a := ahAdvert(t, "45c0004000010000ff33d05e0a4e000be0000012700400000a4e000b00000001b803345af078c6788f5ed03f2133960102013c180a4e00640000000000000000")
	b := ahAdvert(t, "45c0004000020000ff33d05d0a4e000be0000012700400000a4e000b00000002c5fec6c5b40c425474f8181d2133960102013c180a4e00640000000000000000")
	if !a.AH || a.Prio != 150 || a.VRID != 51 || a.Version != 2 {
		t.Fatalf("parsed %s (AH %v)", a, a.AH)
	}
	if d := WireDiff(a, b); len(d) > 0 {
		t.Errorf("sequence number and ICV not masked: %q", d)
	}
	c := ahAdvert(t, "45c0004000020000ff33d05d0a4e000be0000012700500000a4e000b00000002c5fec6c5b40c425474f8181d2133960102013c180a4e00640000000000000000")
	if d := WireDiff(a, c); len(d) != 1 || !strings.Contains(d[0], "ah header") {
		t.Errorf("AH payload length difference: %q", d)
	}
}
