package vrrpconf

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/vrrp"
)

func parse(t *testing.T, text string) *Result {
	t.Helper()
	opts := parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	}
	cfg, diags, err := parser.ParseBytes("test.conf", []byte(text), opts)
	if err != nil || diags.ExitCode() != 0 {
		t.Fatalf("parse: %v\n%s", err, diags)
	}
	res, err := Translate(cfg, Options{PrimaryAddr: func(ifname string, ipv6 bool) netip.Addr {
		if ipv6 {
			return netip.MustParseAddr("fe80::1")
		}
		return netip.MustParseAddr("192.0.2.1")
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Whatever we produce must be something the engine accepts.
	if _, err := vrrp.New(res.VRRP, vrrp.Options{Listen: func(string, bool) (vrrp.Conn, error) { return nil, nil }, Network: nopNet{}}); err != nil {
		t.Fatalf("engine refuses the translation: %v", err)
	}
	return res
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		check func(t *testing.T, r *Result)
	}{
		{
			name: "basic v2 multicast",
			conf: `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 2
  authentication { auth_type PASS
    auth_pass secret }
  virtual_ipaddress { 10.0.0.100/24 dev eth1 label eth1:1
    10.0.0.101 }
  virtual_ipaddress_excluded { 10.0.1.1/32 }
}`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				want(t, "name", ic.Name, "VI_1")
				want(t, "vrid", ic.VRID, uint8(51))
				want(t, "prio", ic.Priority, 150)
				want(t, "version", ic.Version, 2)
				want(t, "advert", ic.AdvertInt, 2*time.Second)
				want(t, "auth", ic.AuthType, 1)
				want(t, "pass", ic.AuthPass, "secret")
				want(t, "src from interface", ic.SrcIP, netip.MustParseAddr("192.0.2.1"))
				want(t, "vips", len(ic.VIPs), 2)
				want(t, "vip dev", ic.VIPs[0].Dev, "eth1")
				want(t, "vip label", ic.VIPs[0].Label, "eth1:1")
				want(t, "vip2 dev", ic.VIPs[1].Dev, "eth0")
				want(t, "vip2 prefix", ic.VIPs[1].Prefix, netip.MustParsePrefix("10.0.0.101/32"))
				want(t, "evips", len(ic.ExcludedVIPs), 1)
				want(t, "lft", ic.VIPs[1].PreferredLft, -1)
			},
		},
		{
			name: "v3 ipv6 unicast nopreempt",
			conf: `vrrp_instance V6 {
  state BACKUP
  nopreempt
  interface eth0
  virtual_router_id 7
  advert_int 0.1
  unicast_src_ip fd00::1
  unicast_peer { fd00::2 }
  virtual_ipaddress {
    fd00::100/64
    fd00::101/64 -nodad
  }
}`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				// "-nodad" is keepalived's minus: that VIP keeps DAD.
				want(t, "-nodad nodad", ic.VIPs[1].NoDAD, false)
				want(t, "-nodad kept", ic.VIPs[1].KeepDAD, true)
				want(t, "default kept", ic.VIPs[0].KeepDAD, false)
				want(t, "ipv6", ic.IPv6, true)
				want(t, "version", ic.Version, 3)
				want(t, "advert", ic.AdvertInt, 100*time.Millisecond)
				want(t, "nopreempt", ic.Nopreempt, true)
				want(t, "src", ic.SrcIP, netip.MustParseAddr("fd00::1"))
				want(t, "peers", len(ic.UnicastPeers), 1)
				want(t, "peer", ic.UnicastPeers[0].Addr, netip.MustParseAddr("fd00::2"))
				want(t, "nodad", ic.VIPs[0].NoDAD, true)
				want(t, "kernel's hop limit", ic.UnicastTTL, 0)
			},
		},
		{
			name: "unused vrrp_script dropped",
			conf: `global_defs {
  enable_script_security
  script_user root
}
vrrp_script used { script "/bin/true" }
vrrp_script unused { script "/bin/false" }
vrrp_instance A {
  interface eth0
  virtual_router_id 7
  track_script { used }
  virtual_ipaddress { 10.0.0.1 }
}`,
			check: func(t *testing.T, r *Result) {
				want(t, "engine scripts", len(r.VRRP.Scripts), 1)
				want(t, "run scripts", len(r.Track.Scripts), 1)
				want(t, "the used one", r.Track.Scripts[0].Name, "used")
				want(t, "warning", slices.Contains(r.Warnings, "Warning - script unused is not used"), true)
			},
		},
		{
			name: "unicast_ttl",
			conf: `vrrp_instance A {
  interface eth0
  virtual_router_id 7
  unicast_peer { 192.0.2.9 }
  unicast_ttl 10
  virtual_ipaddress { 10.0.0.1 }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 8
  unicast_peer { 192.0.2.9 }
  unicast_ttl 255
  virtual_ipaddress { 10.0.0.2 }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 9
  unicast_src_ip fd00::1
  unicast_peer { fd00::2 }
  unicast_ttl 255
  virtual_ipaddress { fd00::100/64 }
}`,
			check: func(t *testing.T, r *Result) {
				want(t, "A", r.VRRP.Instances[0].UnicastTTL, 10)
				want(t, "B (the IPv4 socket's 255)", r.VRRP.Instances[1].UnicastTTL, 0)
				want(t, "C (IPv6: set per packet)", r.VRRP.Instances[2].UnicastTTL, 255)
			},
		},
		{
			name: "trackers sync group notify",
			conf: `global_defs {
  notify_fifo /tmp/fifo-x
  script_user nobody
  enable_script_security
}
vrrp_script chk { script "/bin/true arg"
  interval 2
  weight -20
  rise 3
  fall 2 }
vrrp_track_file tf {
  file /tmp/tf
  weight 5
}
vrrp_sync_group G1 { group { VI_2 VI_3 }
  notify_master "/bin/false"
  track_interface { eth2 } }
vrrp_instance VI_1 { interface eth0
  virtual_router_id 1
  track_script { chk }
  track_file { tf }
  track_interface { eth1 weight 10 }
  notify_master "/bin/echo a b"
  notify "/bin/true"
  virtual_ipaddress { 10.0.0.1 } }
vrrp_instance VI_2 { interface eth0
  virtual_router_id 2
  virtual_ipaddress { 10.0.0.2 } }
vrrp_instance VI_3 { interface eth0
  virtual_router_id 3
  track_interface { eth3 }
  virtual_ipaddress { 10.0.0.3 } }`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				want(t, "scripts", len(ic.TrackScripts), 1)
				want(t, "script weight", ic.TrackScripts[0].Weight, -20)
				want(t, "files", len(ic.TrackFiles), 1)
				want(t, "file weight", ic.TrackFiles[0].Weight, 5)
				want(t, "ifaces", len(ic.TrackInterfaces), 1)
				want(t, "iface weight", ic.TrackInterfaces[0].Weight, 10)
				want(t, "vi2 ifaces", len(r.VRRP.Instances[1].TrackInterfaces), 1)
				want(t, "vi3 ifaces", len(r.VRRP.Instances[2].TrackInterfaces), 2) // own + group's
				want(t, "group iface", r.VRRP.Instances[2].TrackInterfaces[1].Name, "eth2")
				want(t, "groups", len(r.VRRP.SyncGroups), 1)
				want(t, "members", len(r.VRRP.SyncGroups[0].Members), 2)
				want(t, "rise", r.VRRP.Scripts[0].Rise, 3)
				want(t, "track script argv", len(r.Track.Scripts[0].Argv), 2)
				want(t, "track interval", r.Track.Scripts[0].Interval, 2*time.Second)
				want(t, "track file", r.Track.Files[0].Path, "/tmp/tf")
				n := r.Notify.Instances["VI_1"]
				want(t, "notify master", len(n.Master), 3)
				want(t, "notify generic", len(n.Generic), 1)
				want(t, "group notify", len(r.Notify.Groups["G1"].Master), 1)
				want(t, "fifo", len(r.Notify.FIFOs), 1)
				echo, _ := filepath.EvalSymlinks("/bin/echo") // scripts run by their realpath, as keepalived's
				want(t, "user", r.Users[echo].User, "nobody")
			},
		},
		{
			name: "garp pacing",
			conf: `global_defs {
  vrrp_garp_interval 0.01
}
garp_group {
  garp_interval 0.2
  gna_interval 0.3
  interface eth1
}
vrrp_instance A { interface eth0
  virtual_router_id 1
  virtual_ipaddress { 10.0.0.1 } }
vrrp_instance B { interface eth1
  virtual_router_id 2
  virtual_ipaddress { 10.0.0.2 } }`,
			check: func(t *testing.T, r *Result) {
				want(t, "global interval", r.VRRP.Instances[0].GARP.Interval, 10*time.Millisecond)
				want(t, "group interval", r.VRRP.Instances[1].GARP.Interval, 200*time.Millisecond)
				want(t, "group NA interval", r.VRRP.Instances[1].GARP.NAInterval, 300*time.Millisecond)
			},
		},
		{
			name: "vmac",
			conf: `vrrp_instance VM { interface eth0
  use_vmac
  virtual_router_id 9
  virtual_ipaddress { 10.0.0.9 } }`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				want(t, "vmacs", len(r.VMACs), 1)
				want(t, "vmac name", r.VMACs[0].Name, "vrrp.9")
				want(t, "vmac parent", r.VMACs[0].Parent, "eth0")
				want(t, "runs on vmac", ic.Interface, "vrrp.9")
				want(t, "vip on vmac", ic.VIPs[0].Dev, "vrrp.9")
				want(t, "IPv4: no link-local", r.VMACs[0].LinkLocal.IsValid(), false)
			},
		},
		{
			// keepalived: an eVIP of the other family stays on the base
			// interface (corpus 067).
			name: "vmac eVIP of the other family",
			conf: `vrrp_instance VM { interface eth0
  use_vmac
  virtual_router_id 9
  virtual_ipaddress { 10.0.0.9 }
  virtual_ipaddress_excluded { 10.0.1.9
    2001:db8::9/64 } }`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				want(t, "IPv4 eVIP on the vmac", ic.ExcludedVIPs[0].Dev, "vrrp.9")
				want(t, "IPv6 eVIP on the base", ic.ExcludedVIPs[1].Dev, "eth0")
			},
		},
		{
			// keepalived's set_link_local_address: an IPv6 VMAC sends
			// from a link-local address of its own (corpus 078).
			name: "IPv6 vmac link-local",
			conf: `vrrp_instance V6 { interface eth0
  use_vmac
  virtual_router_id 9
  mcast_src_ip fe80::1:2
  virtual_ipaddress { 2001:db8::9/64 } }`,
			check: func(t *testing.T, r *Result) {
				want(t, "link-local", r.VMACs[0].LinkLocal, netip.MustParseAddr("fe80::1:2"))
				want(t, "source", r.VRRP.Instances[0].SrcIP, netip.MustParseAddr("fe80::1:2"))
			},
		},
		{
			name: "routes and rules",
			conf: `vrrp_instance R { interface eth0
  virtual_router_id 3
  virtual_ipaddress { 10.0.0.3 }
  virtual_routes { 192.168.0.0/24 via 10.0.0.254 dev eth0 table 100 metric 5
    blackhole 192.168.9.0/24 no_track }
  virtual_rules { from 10.0.0.3 table 100 priority 200 } }`,
			check: func(t *testing.T, r *Result) {
				ic := r.VRRP.Instances[0]
				want(t, "routes", len(ic.Routes), 2)
				want(t, "route via", ic.Routes[0].Via, netip.MustParseAddr("10.0.0.254"))
				want(t, "route table", ic.Routes[0].Table, uint32(100))
				want(t, "route metric", ic.Routes[0].Metric, uint32(5))
				want(t, "blackhole", ic.Routes[1].Type, vrrp.RouteBlackhole)
				want(t, "rules", len(ic.Rules), 1)
				want(t, "rule table", ic.Rules[0].Table, uint32(100))
				want(t, "rule prio", ic.Rules[0].Priority, uint32(200))
			},
		},
	}
	tests = append(tests, struct {
		name  string
		conf  string
		check func(t *testing.T, r *Result)
	}{
		name: "multipath, metrics, default destination, unsupported options",
		conf: `static_routes {
  10.93.0.0/16 no_track nexthop via 192.0.2.254 dev eth0 weight 2 nexthop via 192.0.2.253 dev eth0
  10.92.0.0/16 via 192.0.2.254 dev eth0 mtu 1300 advmss 1200 encap ip id 1 dst 10.0.0.1
  default via fd00::1 dev eth0
}
static_rules {
  from 10.0.0.3 l3mdev priority 9
  from 10.0.0.4 goto 40 priority 10
  not from 10.0.0.5 tos 0x10 table 5 sport 80 priority 11
}`,
		check: func(t *testing.T, r *Result) {
			want(t, "routes", len(r.StaticRoutes), 3)
			mp := r.StaticRoutes[0]
			want(t, "nexthops", len(mp.Nexthops), 2)
			want(t, "weight", mp.Nexthops[0].Weight, 2)
			want(t, "second via", mp.Nexthops[1].Via, netip.MustParseAddr("192.0.2.253"))
			want(t, "metrics", r.StaticRoutes[1].Metrics, vrrp.RouteMetrics{}.With(vrrp.MetricMTU, 1300).With(vrrp.MetricAdvMSS, 1200))
			want(t, "default", r.StaticRoutes[2].Dst, netip.MustParsePrefix("::/0"))
			want(t, "rules", len(r.StaticRules), 3)
			want(t, "l3mdev", r.StaticRules[0].L3MDev, true)
			want(t, "goto", r.StaticRules[1].Action, vrrp.RuleGoto)
			want(t, "not", r.StaticRules[2].Not, true)
			want(t, "tos", r.StaticRules[2].TOS, uint8(0x10))
			w := strings.Join(r.Warnings, "\n")
			for _, s := range []string{"encap is not supported", "invalid sport range 80"} {
				if !strings.Contains(w, s) {
					t.Errorf("no warning %q in:\n%s", s, w)
				}
			}
		},
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, parse(t, tc.conf))
		})
	}
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

type nopNet struct{ vrrp.Network }

// The same VRID on several interfaces with use_vmac: keepalived's own
// test/mk_lots names the VMACs vrrp.1, vrrp1.1, vrrp2.1 (IPv6: vrrp.1,
// vrrp6.1, vrrp1.1, …), and an explicit name is never handed out.
func TestVMACNamesUnique(t *testing.T) {
	u := vmacNames{"vrrp2.1": true}
	var got []string
	for range 4 {
		got = append(got, u.next("vrrp", 1, false))
	}
	if want := []string{"vrrp.1", "vrrp1.1", "vrrp3.1", "vrrp4.1"}; !slices.Equal(got, want) {
		t.Errorf("IPv4 names %q, want %q", got, want)
	}
	u = vmacNames{}
	got = nil
	for range 8 {
		got = append(got, u.next("vrrp", 9, true))
	}
	if want := []string{"vrrp.9", "vrrp6.9", "vrrp1.9", "vrrp2.9", "vrrp3.9", "vrrp4.9", "vrrp5.9", "vrrp7.9"}; !slices.Equal(got, want) {
		t.Errorf("IPv6 names %q, want %q", got, want)
	}
	if n := vmacName("averyveryverylongprefix", 12, 255); n != "averyvery12.255" {
		t.Errorf("long name %q (%d)", n, len(n))
	}
}

// TestInstanceVMACName: the instance's VMAC name is handed to the dumps
// (corpus 067: an IPv6 instance with the VRID of a named vrrp.253 gets
// vrrp6.253, which keepalived.data prints).
func TestInstanceVMACName(t *testing.T) {
	r := parse(t, `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 253
  use_vmac vrrp.253
  vmac_xmit_base
  virtual_ipaddress {
    10.2.0.100/32
  }
}
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 253
  use_vmac
  virtual_ipaddress {
    2001:db8::3000
  }
}
`)
	var got []string
	for _, in := range r.VRRP.Instances {
		got = append(got, in.Name+"="+in.VMACName+"/"+in.Interface)
	}
	if want := []string{"VI_1=vrrp.253/eth0", "VI_6=vrrp6.253/vrrp6.253"}; !slices.Equal(got, want) {
		t.Errorf("VMAC names %q, want %q", got, want)
	}
}

// TestInitFailOfTrackedScript: keepalived 2.2.7 resets a vrrp_script's
// init_fail when a track_script names it, so the instance waits silently
// for the first result instead of starting in FAULT (corpus 114 in the
// runtime differential); init_fail stays on a script nothing tracks.
func TestInitFailOfTrackedScript(t *testing.T) {
	res := parse(t, `global_defs {
  enable_script_security
  script_user root
}
vrrp_script tracked {
  script "/bin/true"
  init_fail
  rise 2
}
vrrp_script unused {
  script "/bin/true"
  init_fail
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
  track_script {
    tracked
  }
  virtual_ipaddress {
    192.0.2.10
  }
}
`)
	got := map[string]bool{}
	for _, s := range res.VRRP.Scripts {
		got[s.Name] = s.InitFail
	}
	// An unused script is dropped altogether (keepalived's "Warning -
	// script unused is not used"), so init_fail never applies.
	if initFail, ok := got["tracked"]; !ok || initFail {
		t.Fatalf("init_fail: tracked %v present %v (want false, present)", initFail, ok)
	}
	if _, ok := got["unused"]; ok {
		t.Fatal("the unused script is still in the configuration")
	}
}
