package parser

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// blockCase is one snippet -> typed configuration and positioned
// diagnostics. The expected diagnostics and exit codes were checked
// against keepalived 2.2.7 -t -i high in a namespace with lo, eth0 and
// eth1 (keepalived prints no columns and, for end-of-block checks, the
// block's last line; we print the line and column of the item at fault).
type blockCase struct {
	name  string
	src   string
	check func(t *testing.T, cfg *config.Config)
	diags []string // "line:col: severity: message", in order
	code  int
	host  func(o *Options) // changes to the faked host, if any
}

// scriptHeader makes script checks independent of the host's /bin layout
// (on merged-/usr hosts /bin is a symlink, which keepalived's path check
// reports): scripts below run /usr/bin/true as root with security on.
const scriptHeader = "global_defs {\n  enable_script_security\n  script_user root\n}\n"

func runBlockCases(t *testing.T, cases []blockCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			o := recordedHost("high")
			o.InterfaceExists = func(n string) bool { return n == "lo" || n == "eth0" || n == "eth1" }
			if tt.host != nil {
				tt.host(&o)
			}
			cfg, diags, err := ParseBytes("b.conf", []byte(tt.src), o)
			if err != nil && !diags.Aborted() {
				t.Fatalf("ParseBytes: %v", err)
			}
			equalLines(t, "diagnostics", diagLines(diags), tt.diags)
			if c := diags.ExitCode(); c != tt.code {
				t.Errorf("exit %d, want %d", c, tt.code)
			}
			if tt.check != nil && cfg != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestGlobalDefsBlock(t *testing.T) {
	runBlockCases(t, []blockCase{
		{
			name: "values, e-mail block, unknown keyword, bad number",
			src: `global_defs {
  router_id lb-1
  notification_email {
    ops@example.com
    noc@example.com
  }
  notification_email_from ka@example.com
  smtp_server 192.0.2.25 2525
  smtp_connect_timeout 7
  script_user nobody
  enable_script_security
  vrrp_garp_master_delay 3
  vrrp_version 3
  max_auto_priority 50
  default_interface eth1
  no_such_keyword 1
  smtp_connect_timeout abc
}
`,
			diags: []string{
				"16:3: error: Unknown keyword 'no_such_keyword'",
				"17:24: error: invalid number 'abc'",
				"17:24: error: smtp_connect_timeout 'abc' must be in [0, 4294] - ignoring",
			},
			code: ExitConfig,
			check: func(t *testing.T, cfg *config.Config) {
				g := cfg.Global
				if g.RouterID != "lb-1" || strings.Join(g.NotificationEmail, ",") != "ops@example.com,noc@example.com" ||
					g.NotificationEmailFrom != "ka@example.com" || g.SMTPServer != "192.0.2.25" || g.SMTPPort != 2525 ||
					g.SMTPConnectTimeout != 7*time.Second || g.ScriptUser != "nobody" || !g.EnableScriptSecurity ||
					g.MaxAutoPriority != 50 {
					t.Errorf("global = %+v", g)
				}
				v := g.VRRP
				if v.GARPMasterDelay != 3*time.Second || v.GARPLowerPrioDelay != 3*time.Second || v.Version != 3 || v.DefaultInterface != "eth1" {
					t.Errorf("vrrp global = %+v", v)
				}
			},
		},
		{
			// keepalived -t silently stops, exit 0, when the namespace
			// does not exist; we say why, at the name.
			name:  "net_namespace that does not exist",
			src:   "net_namespace nosuch\nvrrp_instance V {\n}\n",
			host:  func(o *Options) { o.NamespaceExists = func(string) bool { return false } },
			diags: []string{"1:15: info: Unable to set network namespace nosuch - exiting"},
			code:  ExitOK,
		},
		{
			name:  "router_id without a name is only ignored",
			src:   "global_defs {\n  router_id\n}\n",
			diags: []string{"2:3: error: routerid name missing - ignoring"},
			code:  ExitConfig,
		},
	})
}

func TestStaticBlocks(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "static_ipaddress, static_routes, static_rules",
		src: `static_ipaddress {
  192.0.2.10/24 dev eth0 scope link label eth0:1
  2001:db8::10/64 dev eth1
  192.0.2.300/24 dev eth0
}
static_routes {
  198.51.100.0/24 via 192.0.2.1 dev eth0 metric 5
  default via 192.0.2.254 dev eth1 table 100
  203.0.113.0/24 via 192.0.2.1
}
static_rules {
  from 192.0.2.0/24 table 100 priority 10
  to 198.51.100.0/24 lookup 200
}
`,
		diags: []string{
			"4:3: error: VRRP parsed invalid IP 192.0.2.300/24. skipping IP...",
			"9:3: warning: Warning - cannot track route 203.0.113.0/24 with no interface specified, not tracking",
			"13:3: error: Rule has no preference specified - setting to 16384. This is probably not what you want.",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			v := cfg.VRRP
			if len(v.StaticAddresses) != 2 {
				t.Fatalf("addresses = %+v", v.StaticAddresses)
			}
			if a := v.StaticAddresses[0]; a.Prefix != netip.MustParsePrefix("192.0.2.10/24") || a.Dev != "eth0" || a.Scope != 253 || a.Label != "eth0:1" {
				t.Errorf("address 0 = %+v", a)
			}
			if a := v.StaticAddresses[1]; a.Prefix != netip.MustParsePrefix("2001:db8::10/64") || a.Dev != "eth1" {
				t.Errorf("address 1 = %+v", a)
			}
			if len(v.StaticRoutes) != 3 {
				t.Fatalf("routes = %+v", v.StaticRoutes)
			}
			if r := v.StaticRoutes[0]; r.Dst != netip.MustParsePrefix("198.51.100.0/24") || r.Via != netip.MustParseAddr("192.0.2.1") || r.Metric != 5 || r.Table != 254 || r.Protocol != 18 {
				t.Errorf("route 0 = %+v", r)
			}
			if r := v.StaticRoutes[1]; r.Dst.Bits() != 0 || r.Table != 100 || r.Dev != "eth1" {
				t.Errorf("route 1 = %+v", r)
			}
			if r := v.StaticRoutes[2]; !r.NoTrack {
				t.Errorf("route 2 should not be tracked: %+v", r)
			}
			if len(v.StaticRules) != 2 {
				t.Fatalf("rules = %+v", v.StaticRules)
			}
			if r := v.StaticRules[0]; r.Table != 100 || r.Priority != 10 || r.From != netip.MustParsePrefix("192.0.2.0/24") {
				t.Errorf("rule 0 = %+v", r)
			}
			if r := v.StaticRules[1]; r.Table != 200 || r.Priority != 16384 {
				t.Errorf("rule 1 = %+v", r)
			}
		},
	}})
}

func TestTrackerBlocks(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "vrrp_script, track_file, vrrp_track_process, bfd_instance, garp_group, linkbeat_interfaces",
		src: scriptHeader + `vrrp_script chk {
  script "/usr/bin/true arg"
  interval 2
  timeout 3
  weight -20
  rise 2
  fall 3
}
vrrp_script bad {
  script /usr/bin/true
  weight 300
}
track_file tf {
  file /run/ka.state
  weight 5 reverse
  init_file 3
}
vrrp_track_process nginx {
  process nginx
  param_match partial
  weight 10
  quorum 2
  delay 2
}
bfd_instance b1 {
  neighbor_ip 192.0.2.2
  source_ip 192.0.2.1
  min_rx 100
  min_tx 200
  multiplier 3
}
bfd_instance b2 {
  min_rx 100
}
garp_group {
  garp_interval 0.5
  gna_interval 1
  interfaces {
    eth0
    eth1
  }
}
linkbeat_interfaces {
  eth0
  eth1 MII
}
`,
		diags: []string{
			"15:10: error: vrrp_script bad weight 300 must be in [-253, 253]",
			"36:1: error: Configuration error: BFD instance b2 has no neighbor address set, disabling instance",
			"41:16: info: The gna_interval is very large - 1 seconds",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			v := cfg.VRRP
			if len(v.Scripts) != 2 {
				t.Fatalf("scripts = %+v", v.Scripts)
			}
			if s := v.Scripts[0]; s.Name != "chk" || strings.Join(s.Command.Argv, " ") != "/usr/bin/true arg" || s.Interval != 2*time.Second ||
				s.Timeout != 3*time.Second || s.Weight != -20 || s.Rise != 2 || s.Fall != 3 {
				t.Errorf("script chk = %+v", s)
			}
			if len(v.Files) != 1 {
				t.Fatalf("files = %+v", v.Files)
			}
			if f := v.Files[0]; f.Name != "tf" || f.Path != "/run/ka.state" || f.Weight != 5 || !f.WeightReverse || !f.Init || f.InitValue != 3 {
				t.Errorf("track_file = %+v", f)
			}
			if len(v.Processes) != 1 {
				t.Fatalf("processes = %+v", v.Processes)
			}
			if p := v.Processes[0]; p.Name != "nginx" || p.Process != "nginx" || p.Weight != 10 || p.Quorum != 2 || p.TerminateDelay != 2*time.Second {
				t.Errorf("track_process = %+v", p)
			}
			// b2 has no neighbour: keepalived's BFD child disables it, its
			// VRRP child still tracks the name.
			if len(v.BFDs) != 2 || v.BFDs[0].Disabled || !v.BFDs[1].Disabled {
				t.Fatalf("bfds = %+v", v.BFDs)
			}
			if b := v.BFDs[0]; b.Name != "b1" || b.Neighbor != netip.MustParseAddr("192.0.2.2") || b.Source != netip.MustParseAddr("192.0.2.1") ||
				b.MinRx != 100*time.Millisecond || b.MinTx != 200*time.Millisecond || b.Multiplier != 3 || b.IdleTx != time.Second {
				t.Errorf("bfd = %+v", b)
			}
			if len(v.GARPGroups) != 1 {
				t.Fatalf("garp groups = %+v", v.GARPGroups)
			}
			if g := v.GARPGroups[0]; g.GARPInterval != 500*time.Millisecond || g.GNAInterval != time.Second || strings.Join(g.Interfaces, " ") != "eth0 eth1" {
				t.Errorf("garp_group = %+v", g)
			}
			if len(v.Linkbeat) != 2 || v.Linkbeat[0].Name != "eth0" || v.Linkbeat[1].Type != "MII" {
				t.Errorf("linkbeat = %+v", v.Linkbeat)
			}
		},
	}})
}

func TestInstanceAndSyncGroupBlocks(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "vrrp_instance keywords, vrrp_sync_group",
		src: scriptHeader + `vrrp_script chk {
  script /usr/bin/true
  weight 10
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 2
  nopreempt
  authentication {
    auth_type PASS
    auth_pass secret123
  }
  unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2
    192.0.2.3
  }
  virtual_ipaddress {
    192.0.2.100/24 dev eth0
    192.0.2.101
  }
  virtual_ipaddress_excluded {
    192.0.2.200
  }
  virtual_routes {
    198.51.100.0/24 via 192.0.2.254 dev eth0
  }
  track_interface {
    eth1 weight -30
  }
  track_script {
    chk
    missing
  }
  notify_master "/usr/bin/echo master"
  garp_master_delay 2
  priority 300
}
vrrp_instance VI_2 {
  interface eth1
  virtual_router_id 52
  virtual_ipaddress {
    192.0.2.102
  }
}
vrrp_sync_group G {
  group {
    VI_1
    VI_2
    VI_9
  }
  notify_backup /usr/bin/true
}
`,
		diags: []string{
			"18:15: error: Truncating auth_pass to 8 characters",
			"40:5: error: (VI_1) track script missing not found, ignoring...",
			"44:12: error: number '300' outside range [1, 255]",
			"44:12: error: (VI_1) Priority not valid! must be between 1 & 255. Using default 100",
			"57:5: error: Virtual router VI_9 specified in sync group G doesn't exist - ignoring",
			"9:1: warning: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing",
			"9:1: error: (VI_1) ignoring eth1 tracked interface weight due to SYNC group",
			"9:1: error: (VI_1) ignoring tracked script chk with weights due to SYNC group",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			v := cfg.VRRP
			if len(v.Instances) != 2 {
				t.Fatalf("instances = %d", len(v.Instances))
			}
			in := v.Instances[0]
			if in.Name != "VI_1" || in.Interface != "eth0" || in.VRID != 51 || in.Priority != 100 || in.State != config.StateMaster ||
				in.AdvertInt != 2*time.Second || in.NoPreempt || in.Auth != config.AuthPass || in.AuthPass != "secret12" ||
				!in.Unicast || in.SrcIP != netip.MustParseAddr("192.0.2.1") || len(in.UnicastPeers) != 2 ||
				in.GARPMasterDelay != 2*time.Second || in.SyncGroup != "G" {
				t.Errorf("VI_1 = %+v", in)
			}
			if len(in.VIPs) != 2 || in.VIPs[1].Prefix != netip.MustParsePrefix("192.0.2.101/32") || in.VIPs[1].Dev != "eth0" {
				t.Errorf("VIPs = %+v", in.VIPs)
			}
			if len(in.ExcludedVIPs) != 1 || len(in.Routes) != 1 {
				t.Errorf("excluded %+v routes %+v", in.ExcludedVIPs, in.Routes)
			}
			// In a sync group (without sync_group_tracking_weight) a
			// tracked interface loses its weight, a weighted script is
			// dropped.
			if len(in.Trackers) != 1 || in.Trackers[0].Name != "eth1" || in.Trackers[0].Weight != 0 {
				t.Errorf("trackers = %+v", in.Trackers)
			}
			if in2 := v.Instances[1]; in2.State != config.StateBackup || in2.Priority != 100 || in2.McastDst != netip.MustParseAddr("224.0.0.18") || in2.AdvertInt != time.Second {
				t.Errorf("VI_2 defaults = %+v", in2)
			}
			if len(v.SyncGroups) != 1 || strings.Join(v.SyncGroups[0].Members, " ") != "VI_1 VI_2" {
				t.Errorf("sync groups = %+v", v.SyncGroups)
			}
		},
	}, {
		name:  "keyword missing its parameter aborts the parse",
		src:   "vrrp_instance V {\n  interface\n}\n",
		diags: []string{"2:3: error: Configuration line starting `interface` is missing a parameter after keyword `interface` at word position 2"},
		code:  ExitAborted,
	}})
}

// TestCheckerBlocks covers the checkers whose typed fields the virtual
// server tables do not look at: TCP_CHECK, SSL_GET (url block) and
// MISC_CHECK.
func TestCheckerBlocks(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "TCP_CHECK, SSL_GET, MISC_CHECK",
		src: scriptHeader + `virtual_server 192.0.2.50 443 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.1 443 {
    TCP_CHECK {
      connect_port 8443
      connect_timeout 4
      bindto 10.0.0.254
    }
  }
  real_server 10.0.0.2 443 {
    SSL_GET {
      url {
        path /health
        digest 9b3a0c85a887a256d6939da88aabd8cd
        status_code 200-204 301
      }
      virtualhost www.example.com
      enable_sni
    }
  }
  real_server 10.0.0.3 443 {
    MISC_CHECK {
      misc_path "/usr/bin/true 10.0.0.3"
      misc_timeout 9
      misc_dynamic
    }
  }
}
`,
		check: func(t *testing.T, cfg *config.Config) {
			if len(cfg.LVS.VirtualServers) != 1 || len(cfg.LVS.VirtualServers[0].RealServers) != 3 {
				t.Fatalf("lvs = %+v", cfg.LVS)
			}
			rs := cfg.LVS.VirtualServers[0].RealServers
			for i, r := range rs {
				if len(r.Checkers) != 1 {
					t.Fatalf("real server %d checkers = %+v", i, r.Checkers)
				}
			}
			tcp := rs[0].Checkers[0]
			if tcp.Type != config.CheckTCP || tcp.Conn.Dst != netip.MustParseAddrPort("10.0.0.1:8443") || tcp.Conn.Timeout != 4*time.Second ||
				tcp.Conn.BindAddr != netip.MustParseAddr("10.0.0.254") {
				t.Errorf("TCP_CHECK = %+v %+v", tcp, tcp.Conn)
			}
			ssl := rs[1].Checkers[0]
			if ssl.Type != config.CheckSSL || ssl.HTTP == nil || ssl.HTTP.VirtualHost != "www.example.com" || !ssl.HTTP.EnableSNI || len(ssl.HTTP.URLs) != 1 {
				t.Fatalf("SSL_GET = %+v", ssl)
			}
			u := ssl.HTTP.URLs[0]
			if u.Path != "/health" || len(u.Digest) != 16 || !u.Accepts(204) || u.Accepts(205) || !u.Accepts(301) {
				t.Errorf("url = %+v", u)
			}
			misc := rs[2].Checkers[0]
			if misc.Type != config.CheckMisc || misc.Misc == nil || strings.Join(misc.Misc.Path.Argv, " ") != "/usr/bin/true 10.0.0.3" ||
				misc.Misc.Timeout != 9*time.Second || !misc.Misc.Dynamic {
				t.Errorf("MISC_CHECK = %+v %+v", misc, misc.Misc)
			}
		},
	}, {
		// vrrp_track_file is accepted with a note; nb_get_retry is not a
		// TCP_CHECK keyword in 2.2.7; lb_algo/lb_kind fall back to
		// wlc/NAT with an error each.
		name: "deprecated spellings and keepalived's fix-ups",
		src: `vrrp_track_file old {
  file /run/x.state
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.0.2 80 {
    TCP_CHECK {
      nb_get_retry 3
    }
  }
}
`,
		diags: []string{
			"8:7: error: Unknown keyword 'nb_get_retry'",
			"4:1: error: Virtual server [10.0.0.1]:tcp:80: no scheduler set, setting default 'wlc'",
			"4:1: error: Virtual server [10.0.0.1]:tcp:80: no forwarding method set, setting default NAT",
			"1:1: info: \"vrrp_track_file\" is deprecated, please use \"track_file\"",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			if len(cfg.VRRP.Files) != 1 || cfg.VRRP.Files[0].Path != "/run/x.state" {
				t.Errorf("files = %+v", cfg.VRRP.Files)
			}
			vs := cfg.LVS.VirtualServers
			if len(vs) != 1 || vs[0].Scheduler != "wlc" || vs[0].Forwarding.Method != config.FwdNAT {
				t.Errorf("virtual servers = %+v", vs)
			}
		},
	}})
}

// TestScriptUserBareName is issue 11 item 13: keepalived 2.2.7 searches
// PATH for a bare script name as script_user, and as root that search
// fails (setgroups after seteuid), so it disables the script: no
// SECURITY VIOLATION, exit 5, and the daemon never runs it. Checked with
// keepalived 2.2.7 -t and a run in a namespace.
func TestScriptUserBareName(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("keepalived's verdict differs when not run as root")
	}
	runBlockCases(t, []blockCase{{
		name: "script_user nobody, script true",
		src: `global_defs {
  script_user nobody
}
vrrp_script chk {
  script "true"
}
vrrp_instance V {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    192.0.2.1
  }
  track_script {
    chk
  }
}
`,
		diags: []string{
			"5:3: info: Unable to set supplementary gids (Operation not permitted)",
			"5:3: info: Permissions failure for script true in path - disabling",
			"4:1: error: Disabling track script chk since not found/accessible",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			if len(cfg.VRRP.Scripts) != 0 || len(cfg.VRRP.Instances[0].Trackers) != 0 {
				t.Errorf("script kept: %+v %+v", cfg.VRRP.Scripts, cfg.VRRP.Instances[0].Trackers)
			}
		},
	}})
}

// TestDiagnosticPositions is issue 11 item 12: a missing '}' points at
// the block left open (keepalived: at the end of the file), a WARNING
// keepalived counts as an error reads "warning" (exit code unchanged),
// and script messages carry the script's line.
func TestDiagnosticPositions(t *testing.T) {
	runBlockCases(t, []blockCase{
		{
			name: "missing brace",
			src: `vrrp_instance A {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    192.0.2.1
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
}
`,
			diags: []string{
				"1:17: error: There are 1 missing '}'s or extra '{'s",
				"7:1: error: Unknown keyword 'vrrp_instance'",
				"7:17: error: Unexpected '{' - ignoring",
			},
			code: ExitConfig,
		},
		{
			name:  "warning word, error class",
			src:   "global_defs {\n  notification_email {\n  }\n}\n",
			diags: []string{"3:3: warning: Warning - empty notification_email block"},
			code:  ExitConfig,
		},
		{
			name: "SECURITY VIOLATION at the first script",
			src: `vrrp_script chk {
  script "/usr/bin/true"
}
vrrp_instance V {
  interface eth0
  virtual_router_id 1
  track_script {
    chk
  }
}
`,
			diags: []string{
				"4:1: warning: (V) No VIP specified; at least one is sensible",
				"2:3: error: SECURITY VIOLATION - scripts are being executed but script_security not enabled.",
			},
			code: ExitSecurity,
		},
	})
}
