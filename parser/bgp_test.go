package parser

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

const bgpBlock = `bgp_speaker {
  local_as 65001
  router_id 10.0.0.2
  next_hop 10.0.0.2
  med 20
  local_preference 150
  community 65001:100 65001:200
  drain_time 2.5
  neighbor 10.0.0.1 remote_as 65000 hold_time 3 bfd UPLINK
  neighbour fd00::1 remote_as 65000 port 1179 passive
  announce_vrrp_instance VI_1 master
  announce_virtual_server 192.0.2.10 80 TCP
}
`

func TestBGPSpeakerBlock(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "every option",
		src:  bgpBlock,
		check: func(t *testing.T, cfg *config.Config) {
			b := cfg.BGP
			if b == nil {
				t.Fatal("no BGP")
			}
			if b.LocalAS != 65001 || b.RouterID != netip.MustParseAddr("10.0.0.2") || b.NextHop != netip.MustParseAddr("10.0.0.2") ||
				b.MED != 20 || !b.MEDSet || b.LocalPref != 150 || !b.LocalPrefSet || b.DrainTime != 2500*time.Millisecond {
				t.Errorf("globals: %+v", b)
			}
			if len(b.Communities) != 2 || b.Communities[0] != 65001<<16|100 {
				t.Errorf("communities %v", b.Communities)
			}
			want := []config.BGPNeighbor{
				{Addr: netip.MustParseAddr("10.0.0.1"), RemoteAS: 65000, HoldTime: 3 * time.Second, BFD: "UPLINK"},
				{Addr: netip.MustParseAddr("fd00::1"), RemoteAS: 65000, Port: 1179, Passive: true},
			}
			if len(b.Neighbors) != 2 || b.Neighbors[0] != want[0] || b.Neighbors[1] != want[1] {
				t.Errorf("neighbors %+v", b.Neighbors)
			}
			wantA := []config.BGPAnnounce{
				{Kind: config.AnnounceVRRP, Name: "VI_1", MasterOnly: true},
				{Kind: config.AnnounceVirtualServer, Service: netip.MustParseAddrPort("192.0.2.10:80"), Protocol: "tcp"},
			}
			if len(b.Announce) != 2 || b.Announce[0] != wantA[0] || b.Announce[1] != wantA[1] {
				t.Errorf("announce %+v", b.Announce)
			}
		},
	}, {
		name: "bad values are reported and skipped",
		src: `bgp_speaker {
  local_as 0
  local_as 65001
  router_id 10.0.0.2
  community 1:2:3
  neighbor 10.0.0.1 remote_as 65000 hold_time 2
  neighbor 10.0.0.1 remote_as 65000
  neighbor 10.0.0.1 remote_as 65000
  announce_virtual_server 192.0.2.10 80 icmp
}
`,
		diags: []string{
			"2:12: error: bgp_speaker: local_as 0 is not a valid AS number - ignoring",
			"5:13: error: bgp_speaker: community 1:2:3 is not ASN:VALUE (each 0-65535) - ignoring",
			"6:47: error: bgp_speaker: neighbor 10.0.0.1: hold_time 2 is not 3-65535 seconds - ignoring neighbor",
			"8:12: error: bgp_speaker: neighbor 10.0.0.1 already specified - ignoring",
			"9:41: error: bgp_speaker: announce_virtual_server: unknown protocol icmp - ignoring",
		},
		code: 5,
		check: func(t *testing.T, cfg *config.Config) {
			if cfg.BGP == nil || len(cfg.BGP.Neighbors) != 1 || len(cfg.BGP.Announce) != 0 {
				t.Errorf("BGP %+v", cfg.BGP)
			}
		},
	}, {
		name:  "incomplete block is dropped",
		src:   "bgp_speaker {\n  local_as 65001\n}\n",
		diags: []string{"1:1: error: bgp_speaker: missing router_id, neighbor - disabling BGP"},
		code:  5,
		check: func(t *testing.T, cfg *config.Config) {
			if cfg.BGP != nil {
				t.Errorf("BGP kept: %+v", cfg.BGP)
			}
		},
	}})
}

// TestBGPWordsAreNotKeepalivedKeywords: keepalived 2.2.7 reads the block's
// lines as top-level keywords, so a word it knows there would be acted on.
func TestBGPWordsAreNotKeepalivedKeywords(t *testing.T) {
	top := tables(globalTopKeywords(), vrrpTopKeywords(), lvsTopKeywords())
	for name := range bgpKeywords() {
		if _, ok := top[name]; ok {
			t.Errorf("%s is a keepalived top-level keyword", name)
		}
	}
}

// TestBGPBlockLoadsInKeepalived227 runs keepalived 2.2.7's -t on a file
// with the block. -t exits 5 on any unknown keyword, so the block costs
// exactly what one unknown keyword costs: every line of the output is an
// "Unknown keyword" or "Unexpected '{'" warning, nothing else. (The daemon
// itself starts on such a file and runs its VRRP instances; docs/bgp.md.)
func TestBGPBlockLoadsInKeepalived227(t *testing.T) {
	const ka = "/usr/sbin/keepalived"
	if out, err := exec.Command(ka, "-v").CombinedOutput(); err != nil || !strings.Contains(string(out), "Keepalived v2.2.7") {
		t.Skip("keepalived 2.2.7 not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("keepalived -t needs root")
	}
	dir := t.TempDir()
	run := func(src string) (int, string) {
		conf := filepath.Join(dir, "k.conf")
		if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ka, "-t", "-f", conf).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	const global = "global_defs {\n  router_id d1\n}\n"
	oneUnknown, _ := run(global + "no_such_keyword 1\n")
	code, out := run(global + bgpBlock)
	t.Logf("keepalived 2.2.7 -t: exit %d (one unknown keyword: exit %d)\n%s", code, oneUnknown, out)
	if code != oneUnknown {
		t.Errorf("keepalived 2.2.7 -t exit %d, want %d as for one unknown keyword", code, oneUnknown)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, "Unknown keyword '") && !strings.Contains(line, "Unexpected '{' - ignoring") {
			t.Errorf("keepalived 2.2.7 says more than unknown keywords: %q", line)
		}
	}
	if !strings.Contains(out, "Unknown keyword 'bgp_speaker'") {
		t.Errorf("keepalived 2.2.7 did not warn about bgp_speaker")
	}
	_, diags, err := ParseBytes("k.conf", []byte(global+bgpBlock), Options{NoConfigID: true})
	if err != nil || diags.ExitCode() != 0 {
		t.Errorf("keepalived-go: exit %d err %v: %v", diags.ExitCode(), err, diagLines(diags))
	}
}
