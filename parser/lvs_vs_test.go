package parser

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

func TestVirtualServer(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, l *config.LVS)
		want  []lvsWant
	}{
		{
			name: "complete, no fix-ups",
			src: `virtual_server 10.0.0.1 80 {
  delay_loop 6
  lvs_sched rr
  lvs_method DR
  protocol TCP
  persistence_timeout 50
  real_server 10.0.1.1 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 3
    }
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				v := l.VirtualServers[0]
				if v.Addr != ap("10.0.0.1:80") || v.Scheduler != "rr" || v.Protocol != config.ProtoTCP ||
					v.Forwarding.Method != config.FwdDR || v.PersistenceTimeout != 50 || v.Family != config.IPv4 {
					t.Errorf("vs = %+v", v)
				}
				r := v.RealServers[0]
				if r.Weight != 3 || r.Forwarding.Method != config.FwdDR || r.DelayLoop != 6*time.Second {
					t.Errorf("rs = %+v", r)
				}
				ck := r.Checkers[0]
				if ck.DelayLoop != 6*time.Second || ck.Warmup != 6*time.Second || ck.Retry != 1 ||
					ck.DelayBeforeRetry != time.Second || ck.Conn.Timeout != 3*time.Second || ck.Conn.Dst != ap("10.0.1.1:80") {
					t.Errorf("checker = %+v conn %+v", ck, ck.Conn)
				}
			},
		},
		{
			name: "defaults: wlc, NAT, UDP, NAT port inheritance",
			src: `virtual_server 10.0.0.1 443 {
  real_server 10.0.1.1 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				v := l.VirtualServers[0]
				if v.Scheduler != "wlc" || v.Forwarding.Method != config.FwdNAT || v.Protocol != config.ProtoUDP {
					t.Errorf("vs = %+v", v)
				}
				if r := v.RealServers[0]; r.Addr != ap("10.0.1.1:443") || r.Weight != 1 || !r.SMTPAlert {
					t.Errorf("rs = %+v", r)
				}
			},
			want: []lvsWant{
				{generalError, 1, "no protocol set - defaulting to UDP"},
				{generalError, 1, "no scheduler set, setting default 'wlc'"},
				{generalError, 1, "no forwarding method set, setting default NAT"},
			},
		},
		{
			name: "no port and no persistence",
			src: `virtual_server 10.0.0.1 {
  protocol tcp
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if v := l.VirtualServers[0]; v.PersistenceTimeout != 360 || v.Addr.Port() != 0 {
					t.Errorf("vs = %+v", v)
				}
			},
			want: []lvsWant{{generalError, 1, "zero port only valid for persistent services - setting"}},
		},
		{
			name: "DR port reset and fwmark port cleared",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method DR
  real_server 10.0.1.1 8080 {
  }
}
virtual_server fwmark 7 {
  protocol TCP
  lvs_sched rr
  lvs_method DR
  real_server 10.0.1.1 8080 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if r := l.VirtualServers[0].RealServers[0]; r.Addr != ap("10.0.1.1:80") {
					t.Errorf("rs = %v", r.Addr)
				}
				v := l.VirtualServers[1]
				if v.Kind != config.VSFwmark || v.Fwmark != 7 || v.Protocol != config.ProtoNone || v.Family != config.IPv4 {
					t.Errorf("fwmark vs = %+v", v)
				}
				if r := v.RealServers[0]; r.Addr != ap("10.0.1.1:0") {
					t.Errorf("rs = %v", r.Addr)
				}
			},
			want: []lvsWant{
				{generalError, 5, "ports don't match - resetting"},
				{generalError, 8, "protocol specified for fwmark - protocol will be ignored"},
				{generalError, 12, "has port specified - clearing"},
			},
		},
		{
			name: "no real servers, invalid RS, duplicate RS",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
}
virtual_server 10.0.0.2 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.300 80 {
    weight 2
  }
  real_server 10.0.1.1 80 {
  }
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if len(l.VirtualServers) != 1 || len(l.VirtualServers[0].RealServers) != 1 {
					t.Errorf("vss = %+v", l.VirtualServers)
				}
			},
			want: []lvsWant{
				{generalError, 10, "Invalid real server ip address/port 10.0.1.300/80 - skipping"},
				{generalError, 1, "has no real servers - ignoring"},
				{generalError, 15, "is duplicated - removing second rs"},
			},
		},
		{
			name: "quorum clamped, hysteresis below quorum",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  quorum 10
  hysteresis 5
  real_server 10.0.1.1 80 {
    weight 2
  }
  real_server 10.0.1.2 80 {
    weight 2
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if v := l.VirtualServers[0]; v.Quorum != 4 || v.Hysteresis != 3 {
					t.Errorf("quorum %d hysteresis %d", v.Quorum, v.Hysteresis)
				}
			},
			want: []lvsWant{
				{generalError, 1, "quorum 10 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 4, reducing quorum to 4"},
				{generalError, 1, "hysteresis 5 >= quorum 4; setting hysteresis to 3"},
			},
		},
		{
			name: "sh flags depend on the scheduler read before them",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  sh-port
  lvs_sched sh
  sh-port
  sh-fallback
  mh-port
  lvs_method NAT
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				if f := l.VirtualServers[0].Flags; f != config.SvcSched1|config.SvcSched2 {
					t.Errorf("flags %#x", f)
				}
			},
			want: []lvsWant{{generalError, 3, "sh-port only applies to sh scheduler - ignoring"}},
		},
		{
			name: "sorry server: order, method inheritance, DR port",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  sorry_server_inhibit
  sorry_server 10.0.2.1 8080
  sorry_server_inhibit
  lvs_method DR
  real_server 10.0.1.1 80 {
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				s := l.VirtualServers[0].Sorry
				if s == nil || !s.Inhibit || s.Forwarding.Method != config.FwdDR || s.Addr != ap("10.0.2.1:80") {
					t.Errorf("sorry = %+v", s)
				}
			},
			want: []lvsWant{
				{generalError, 4, "Ignoring sorry_server inhibit used before or without sorry_server"},
				{generalError, 1, "sorry server ports don't match - resetting"},
			},
		},
		{
			name: "inheritance VS -> RS -> checker with per-type defaults",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  delay_loop 10
  connect_timeout 2
  alpha
  inhibit_on_failure
  weight 5
  real_server 10.0.1.1 80 {
    retry 4
    warmup 0
    HTTP_GET {
      url {
        path /
      }
    }
    DNS_CHECK {
      delay_loop 20
      retry 2
    }
    MISC_CHECK {
      misc_path /bin/true
      alpha no
    }
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				r := l.VirtualServers[0].RealServers[0]
				if !r.Alpha || !r.InhibitOnFailure || r.Weight != 5 || r.ConnectTimeout != 2*time.Second {
					t.Errorf("rs = %+v", r)
				}
				h, d, m := r.Checkers[0], r.Checkers[1], r.Checkers[2]
				if h.Retry != 4 || h.DelayBeforeRetry != 3*time.Second || h.Warmup != 0 || h.DelayLoop != 10*time.Second ||
					h.Conn.Timeout != 2*time.Second || !h.Alpha {
					t.Errorf("http = %+v", h)
				}
				if d.Retry != 2 || d.DelayBeforeRetry != 20*time.Second || d.DelayLoop != 20*time.Second || d.DNS.Type != "SOA" {
					t.Errorf("dns = %+v", d)
				}
				if m.Retry != 4 || m.Alpha || m.Conn != nil || m.Misc.Timeout != 10*time.Second || m.Misc.Path.Argv[0] != realTrue(t) {
					t.Errorf("misc = %+v", m)
				}
			},
			want: []lvsWant{{securityError, 23, "SECURITY VIOLATION - check scripts are being executed"}},
		},
		{
			name: "deprecated and misplaced keywords",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  nat_mask 255.255.255.0
  real_server 10.0.1.1 80 {
    HTTP_GET {
      nb_get_retry 3
      url {
        path /
        status_code 200 300-302 99
      }
    }
    TCP_CHECK {
      nb_get_retry 3
    }
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				v := l.VirtualServers[0]
				if v.Scheduler != "rr" || v.Forwarding.Method != config.FwdDR {
					t.Errorf("vs = %+v", v)
				}
				h := v.RealServers[0].Checkers[0]
				if h.Retry != 3 || len(h.HTTP.URLs[0].StatusCodes) != 2 || !h.HTTP.URLs[0].Accepts(301) || h.HTTP.URLs[0].Accepts(200+1) {
					t.Errorf("http = %+v %+v", h, h.HTTP.URLs[0])
				}
			},
			want: []lvsWant{
				{unknownKeyword, 5, "nat_mask"},
				{generalError, 8, "nb_get_retry is deprecated"},
				{generalError, 11, "Invalid HTTP_GET status code '99'"},
				{unknownKeyword, 15, "nb_get_retry"},
			},
		},
		{
			name: "checker drops: url without path, no url, no misc_path",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.1 80 {
    HTTP_GET {
      url {
        digest 0123456789abcdef0123456789abcdef
      }
    }
    MISC_CHECK {
      misc_timeout 5
    }
    SSL_GET {
      url {
        path /x
        digest 0123
      }
    }
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				cks := l.VirtualServers[0].RealServers[0].Checkers
				if len(cks) != 1 || cks[0].Type != config.CheckSSL || cks[0].HTTP.URLs[0].Digest != nil {
					t.Errorf("checkers = %+v", cks)
				}
			},
			want: []lvsWant{
				{generalError, 7, "url has no path - ignoring"},
				{generalError, 6, "has no urls specified - ignoring"},
				{generalError, 11, "No script path has been specified for MISC_CHECKER - skipping"},
				{generalError, 17, "character length should be 32 rather than 4"},
			},
		},
		{
			name: "missing parameter aborts",
			src: `virtual_server 10.0.0.1 80 {
  lvs_sched
  protocol TCP
}`,
			want: []lvsWant{{missingParameter, 2, "missing a parameter"}},
		},
		{
			name: "tunnel options",
			src: `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method TUN type gue port 6080 csum
  real_server 10.0.1.1 80 {
    lvs_method TUN type ipip csum
  }
  real_server 10.0.1.2 80 {
    lvs_method TUN type gre remcsum
  }
  real_server 10.0.1.3 80 {
    lvs_method TUN type gue
  }
}`,
			check: func(t *testing.T, l *config.LVS) {
				v := l.VirtualServers[0]
				want := config.Forwarding{Method: config.FwdTUN, TunnelType: config.TunnelGUE, TunnelPort: 6080, TunnelCsum: config.TunnelCsumOn}
				if v.Forwarding != want {
					t.Errorf("vs fwd = %+v", v.Forwarding)
				}
				for _, r := range v.RealServers {
					if r.Forwarding != want {
						t.Errorf("rs %v fwd = %+v", r.Addr, r.Forwarding)
					}
				}
			},
			want: []lvsWant{
				{generalError, 6, "ipip tunnels do not support checksum option."},
				{generalError, 9, "gre tunnels do not support remote checksum option."},
				{generalError, 12, "gue tunnels require port"},
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

// realTrue is where /bin/true really lives: scripts run by their realpath,
// as keepalived runs them (Debian 12's /bin is a link to usr/bin).
func realTrue(t *testing.T) string {
	p, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Skip(err)
	}
	return p
}
