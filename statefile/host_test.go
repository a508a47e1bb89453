package statefile

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
)

// realHost is the namespace real keepalived ran in for testdata/keepalived-2.2.7.
func realHost() []Iface {
	mac := func(s string) net.HardwareAddr { m, _ := net.ParseMAC(s); return m }
	bc := mac("ff:ff:ff:ff:ff:ff")
	return []Iface{
		{Index: 1, Name: "lo", Flags: iffUp | iffRunning | iffLoopback, MTU: 65536, HWType: arphrdLoopback,
			IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
		{Index: 2, Name: "edummy1", Flags: iffUp | iffRunning | iffBroadcast | iffMulticast, MTU: 1500, HWType: arphrdEther,
			MAC: mac("aa:9d:41:3f:f4:65"), Broadcast: bc, IPv6: netip.MustParseAddr("fe80::a89d:41ff:fe3f:f465")},
		{Index: 3, Name: "edummy0", Flags: iffUp | iffRunning | iffBroadcast | iffMulticast, MTU: 1500, HWType: arphrdEther,
			MAC: mac("36:bd:ca:bc:98:71"), Broadcast: bc, IPv6: netip.MustParseAddr("fe80::34bd:caff:febc:9871"),
			IPv4: []netip.Addr{netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.100"), netip.MustParseAddr("10.9.0.101")}},
	}
}

// normalise blanks what differs between two runs of the same
// configuration even for keepalived: times, descriptors, and a script's
// idle/running state (whether it happens to be running at the signal).
func normalise(b []byte) []string {
	times := regexp.MustCompile(`= \d+\.\d{6} \(.*\)$`)
	fds := regexp.MustCompile(`fd_in -?\d+(,?) fd_out (= )?-?\d+`)
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		l = times.ReplaceAllString(l, "= TIME")
		l = fds.ReplaceAllString(l, "fd_in N${1} fd_out ${2}N")
		if l == "   State = running" {
			l = "   State = idle"
		}
		out = append(out, l)
	}
	return out
}

// TestDataHostSectionsMatchRealKeepalived is issue 11 item 10: with the
// running configuration and the namespace's interfaces, our data file has
// keepalived 2.2.7's sections and lines: global definitions, topology
// (read timeout, descriptors), socket pool, scripts (weight, uid:gid) and
// interfaces, identical once times and descriptors are normalised.
func TestDataHostSectionsMatchRealKeepalived(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "keepalived-2.2.7", DataName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(filepath.Join("testdata", "keepalived-2.2.7", "keepalived.conf"), parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	FormatDataHost(&ours, realRun(t), time.UTC, Host{Config: cfg, Interfaces: realHost()})
	equalLines(t, normalise(ours.Bytes()), normalise(real))
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d: got %q, keepalived %q", i+1, g, w)
			if t.Failed() && i > 5 {
				return
			}
		}
	}
}
