package parser

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

func TestVirtualServerGroup(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, l *config.LVS)
		want  []lvsWant
	}{
		{
			name: "ranges, subnets, fwmarks; group defined after its user",
			src: `virtual_server group G1 {
  protocol TCP
  lvs_sched rr
  lvs_method DR
  real_server 10.0.1.1 80 {
  }
}
virtual_server_group G1 {
  10.0.0.1 80
  10.0.0.10-20 80
  10.0.0.32/28 80
  10.0.1.1-10.0.2.5 80
}
virtual_server_group G3 {
  fdff::1-ff 80
}
virtual_server_group G2 {
  fwmark 5
  fwmark 6 inet
  fwmark 7 inet9
}`,
			check: func(t *testing.T, l *config.LVS) {
				g := l.Group("G1")
				if g == nil || len(l.Groups) != 3 {
					t.Fatalf("groups = %+v", l.Groups)
				}
				want := []config.AddrRange{
					{First: a("10.0.0.1"), Last: a("10.0.0.1"), Port: 80},
					{First: a("10.0.0.10"), Last: a("10.0.0.20"), Port: 80},
					{First: a("10.0.0.32"), Last: a("10.0.0.47"), Port: 80},
					{First: a("10.0.1.1"), Last: a("10.0.2.5"), Port: 80},
				}
				if g3 := l.Group("G3"); g3.Ranges[0] != (config.AddrRange{First: a("fdff::1"), Last: a("fdff::ff"), Port: 80}) {
					t.Errorf("G3 = %+v", g3)
				}
				for i, r := range want {
					if i >= len(g.Ranges) || g.Ranges[i] != r {
						t.Errorf("range %d = %+v, want %+v", i, g.Ranges, r)
					}
				}
				if g2 := l.Group("G2"); len(g2.Fwmarks) != 2 || g2.Fwmarks[1].Family != config.IPv4 {
					t.Errorf("G2 = %+v", g2)
				}
				if v := l.VirtualServers[0]; v.Group != g || v.Family != config.IPv4 {
					t.Errorf("vs = %+v", v)
				}
			},
			want: []lvsWant{{generalError, 20, "fwmark '7' family inet9 unknown - ignoring"}},
		},
		{
			name: "bad entries, empty group, unknown group",
			src: `virtual_server_group G1 {
  10.0.0.33/28 80
  10.0.0.20-10 80
  10.0.0.1/33
  10.0.0.5-10.0.0.1
}
virtual_server group G1 {
  protocol TCP
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if len(l.Groups) != 0 || len(l.VirtualServers) != 0 {
					t.Errorf("lvs = %+v", l)
				}
			},
			want: []lvsWant{
				{generalError, 2, "Address mask bits not empty"},
				{generalError, 3, "Address range end is not greater than address range start"},
				{generalError, 4, "Invalid netmask"},
				{generalError, 5, "Address range end is less than address range start"},
				{generalError, 1, "has no entries - removing"},
				{info, 7, "Virtual server group G1 specified but not configured"},
			},
		},
		{
			name: "mixed families with family-less fwmark removed",
			src: `virtual_server_group G {
  10.0.0.1 80
  fdff::1 80
  fwmark 3
}`,
			want: []lvsWant{{generalError, 1, "cannot have IPv4, IPv6 and fwmark without family - removing"}},
		},
		{
			name: "group without port gets persistence",
			src: `virtual_server_group G {
  10.0.0.1
}
virtual_server group G {
  protocol TCP
  lvs_sched rr
  lvs_method DR
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if v := l.VirtualServers[0]; v.PersistenceTimeout != 360 {
					t.Errorf("vs = %+v", v)
				}
			},
			want: []lvsWant{
				{generalError, 4, "zero port only valid for persistent services - setting"},
				{generalError, 8, "virtual server [G]:0:[10.0.0.1,0] and real server [10.0.1.1]:tcp:80 ports don't match"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := lvsParse(t, tt.src)
			checkDiags(t, diags, tt.want)
			if tt.check != nil && !t.Failed() {
				tt.check(t, &cfg.LVS)
			}
		})
	}
}

func TestLVSGlobal(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, g *config.LVSGlobal, l *config.LVS)
		want  []lvsWant
	}{
		{
			name: "all keywords",
			src: `global_defs {
  lvs_timeouts tcp 900 tcpfin 120 udp 300
  lvs_flush
  lvs_flush_on_stop VS
  lvs_sync_daemon eth0 VI_1 id 7 maxlen 1400 port 8849 ttl 3 group 224.0.0.81
  nftables_ipvs
  nftables_ipvs_priority 5
  nftables_ipvs_start_fwmark 2000
  lvs_netlink_cmd_rcv_bufs 1024
  lvs_netlink_monitor_rcv_bufs_force
}
SSL {
  ca /etc/ca.pem
  key /etc/key.pem
}`,
			check: func(t *testing.T, g *config.LVSGlobal, l *config.LVS) {
				if g.Timeouts != (config.LVSTimeouts{TCP: 900, TCPFin: 120, UDP: 300}) || !g.Flush || g.FlushOnStop != config.FlushVS {
					t.Errorf("global = %+v", g)
				}
				sd := g.SyncDaemon
				if sd == nil || sd.Interface != "eth0" || sd.Instance != "VI_1" || sd.SyncID != 7 || !sd.SyncIDSet ||
					sd.MaxLen != 1400 || sd.Port != 8849 || sd.TTL != 3 || sd.Group != netip.MustParseAddr("224.0.0.81") {
					t.Errorf("sync = %+v", sd)
				}
				if nf := g.NFTables; nf == nil || *nf != (config.IPVSNFTables{Table: "keepalived_ipvs", Priority: 5, StartFwmark: 2000}) {
					t.Errorf("nft = %+v", nf)
				}
				if g.NetlinkCmdRcvBufs != 1024 || !g.NetlinkMonitorRcvBufsForce || g.SNMPVSStatsInterval != 5*time.Second {
					t.Errorf("global = %+v", g)
				}
				if l.SSL == nil || l.SSL.CAFile != "/etc/ca.pem" || l.SSL.Key != "/etc/key.pem" {
					t.Errorf("ssl = %+v", l.SSL)
				}
			},
		},
		{
			name: "old positional sync daemon form and errors",
			src: `global_defs {
  lvs_sync_daemon eth0 VI_1 9
  lvs_sync_daemon eth1 VI_2
  lvs_timeouts tcp
  lvs_timeouts tcp 9 foo
  lvs_flush_on_stop all
}`,
			check: func(t *testing.T, g *config.LVSGlobal, _ *config.LVS) {
				if sd := g.SyncDaemon; sd.SyncID != 9 || sd.Instance != "VI_1" {
					t.Errorf("sync = %+v", sd)
				}
			},
			want: []lvsWant{
				{generalError, 2, "Please use keyword \"id\""},
				{generalError, 3, "has already been specified as eth0 VI_1"},
				{generalError, 4, "requires at least one option"},
				{generalError, 5, "Unknown option foo"},
				{generalError, 6, "Unknown lvs_flush_on_stop type all"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := lvsParse(t, tt.src)
			checkDiags(t, diags, tt.want)
			if tt.check != nil && !t.Failed() {
				tt.check(t, &cfg.Global.LVS, &cfg.LVS)
			}
		})
	}
}

func TestCheckers(t *testing.T) {
	ap := netip.MustParseAddrPort
	head := "virtual_server 10.0.0.1 80 {\n protocol TCP\n lvs_sched rr\n lvs_method NAT\n real_server 10.0.1.1 80 {\n"
	tail := " }\n}\n"
	tests := []struct {
		name  string
		body  string // inside real_server, from line 6
		check func(t *testing.T, cks []*config.Checker)
		want  []lvsWant
	}{
		{
			name: "SMTP host blocks become checkers",
			body: `SMTP_CHECK {
  helo_name mx.example
  retry 2
  host {
    connect_ip 10.0.3.1
    connect_port 25
  }
  host {
    connect_ip 10.0.3.2
    connect_timeout 9
  }
}
SMTP_CHECK {
  connect_port 2525
}`,
			check: func(t *testing.T, cks []*config.Checker) {
				if len(cks) != 3 {
					t.Fatalf("checkers = %d", len(cks))
				}
				if c := cks[0]; c.Conn.Dst != ap("10.0.3.1:25") || c.SMTP.HeloName != "mx.example" || c.Retry != 2 || c.Conn.Timeout != 5*time.Second {
					t.Errorf("host 1 = %+v %+v", c, c.Conn)
				}
				if c := cks[1]; c.Conn.Dst != ap("10.0.3.2:80") || c.Conn.Timeout != 9*time.Second || c.Retry != 2 {
					t.Errorf("host 2 = %+v %+v", c, c.Conn)
				}
				if c := cks[2]; c.Conn.Dst != ap("10.0.1.1:2525") || c.SMTP.HeloName != "smtpchecker.keepalived.org" {
					t.Errorf("smtp 2 = %+v %+v", c, c.Conn)
				}
			},
			want: []lvsWant{{info, 6, "host block is deprecated"}},
		},
		{
			name: "UDP, DNS, PING, connection options",
			body: `UDP_CHECK {
  payload 01 02 0a0b
  require_reply 4x 5X06
  min_reply_length 300
}
DNS_CHECK {
  type aaaa
  name example.org
  bindto 10.0.0.9
  bind_port 5353
  fwmark 12
  bind_if eth0
}
PING_CHECK {
  connect_ip fe80::1
}
DNS_CHECK {
  name a..b
  type BOGUS
}`,
			check: func(t *testing.T, cks []*config.Checker) {
				if len(cks) != 3 {
					t.Fatalf("checkers = %d", len(cks))
				}
				u := cks[0].UDP
				if string(u.Payload) != "\x01\x02\x0a\x0b" || !u.RequireReply || string(u.Reply) != "\x40\x50\x06" ||
					string(u.ReplyMask) != "\x0f\x0f\x00" || u.MinReplyLength != 300 || u.MaxReplyLength != 255 {
					t.Errorf("udp = %+v", u)
				}
				d := cks[1]
				if d.DNS.Type != "AAAA" || d.DNS.Name != "example.org" || d.Conn.BindAddr != netip.MustParseAddr("10.0.0.9") ||
					d.Conn.BindPort != 5353 || d.Conn.Fwmark != 12 || d.Conn.BindIf != "eth0" {
					t.Errorf("dns = %+v %+v", d.DNS, d.Conn)
				}
				if d := cks[2]; d.DNS.Name != "" || d.DNS.Type != "SOA" {
					t.Errorf("dns 2 = %+v", d.DNS)
				}
			},
			want: []lvsWant{
				{generalError, 6, "min_reply length 300 > max_reply_length 255 - will always fail"},
				{generalError, 19, "requires a bind_if"},
				{generalError, 23, "has empty label"},
				{generalError, 24, "Unknown DNS check type BOGUS"},
			},
		},
		{
			name: "FILE and BFD need earlier definitions",
			body: `FILE_CHECK {
  track_file nofile
}
BFD_CHECK {
  name nobfd
}`,
			check: func(t *testing.T, cks []*config.Checker) {
				if len(cks) != 0 {
					t.Errorf("checkers = %+v", cks)
				}
			},
			want: []lvsWant{
				{generalError, 7, "track_file nofile not found"},
				{generalError, 6, "FILE_CHECK has no track_file specified"},
				{generalError, 10, "BFD nobfd not configured"},
			},
		},
		{
			name: "HTTP details",
			body: `HTTP_GET {
  virtualhost www.example
  http_protocol 1.1
  enable_sni
  fast_recovery off
  url {
    path /health
    digest 0123456789ABCDEF0123456789abcdef
    virtualhost api.example
    regex_no_match
  }
  url {
    path /b
    regex ab.*c
    regex_options caseless bogus
    regex_max_offset 9
  }
}`,
			check: func(t *testing.T, cks []*config.Checker) {
				h := cks[0].HTTP
				if h.VirtualHost != "www.example" || h.Protocol != config.HTTP11 || !h.EnableSNI || h.FastRecovery || len(h.URLs) != 2 {
					t.Fatalf("http = %+v", h)
				}
				u := h.URLs[0]
				if u.Path != "/health" || len(u.Digest) != 16 || u.Digest[7] != 0xef || u.VirtualHost != "api.example" || u.Regex != nil {
					t.Errorf("url 0 = %+v", u)
				}
				r := h.URLs[1].Regex
				if r == nil || r.Pattern != "ab.*c" || len(r.Options) != 1 || r.MaxOffset != 10 {
					t.Errorf("regex = %+v", r)
				}
			},
			want: []lvsWant{{info, 11, "regex parameters specified without regex"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := lvsParse(t, head+tt.body+"\n"+tail)
			checkDiags(t, diags, tt.want)
			if t.Failed() {
				return
			}
			if len(cfg.LVS.VirtualServers) != 1 {
				t.Fatalf("virtual servers = %+v", cfg.LVS.VirtualServers)
			}
			tt.check(t, cfg.LVS.VirtualServers[0].RealServers[0].Checkers)
		})
	}
}
