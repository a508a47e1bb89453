package lvs

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/parser"
	"github.com/google/go-cmp/cmp"
)

func parse(t testing.TB, conf string) *config.Config {
	t.Helper()
	cfg, diags, err := parser.ParseBytes("test.conf", []byte(conf), parser.Options{NoConfigID: true})
	if err != nil {
		t.Fatalf("parse: %v\n%v", err, diags)
	}
	return cfg
}

// render lists a table one line per service and destination, sorted, in a
// form close to `ipvsadm -Sn`.
func render(ss []ipvs.Service) []string {
	var out []string
	for _, s := range ss {
		svc := s.ServiceKey.String()
		line := "-A " + svc + " -s " + s.Scheduler
		if s.Flags != 0 {
			line += " -b " + s.Flags.String()
		}
		if s.Timeout != 0 {
			line += fmt.Sprintf(" -p %d", s.Timeout)
			if g := s.Granularity; g != 0 && !(g == 32 && s.Family == ipvs.IPv4) && g != 128 {
				line += fmt.Sprintf(" -M %d", g)
			}
		}
		if s.PEName != "" {
			line += " --pe " + s.PEName
		}
		out = append(out, line)
		for _, d := range s.Destinations {
			out = append(out, "-a "+svc+" -r "+d.String())
		}
	}
	slices.Sort(out)
	return out
}

// programmed runs a Manager over conf on an in-memory kernel until the
// engine has stated its first membership (no check runs: the context is
// already cancelled) and returns the kernel.
func programmed(t *testing.T, conf string) *ipvs.Memory {
	t.Helper()
	k := &ipvs.Memory{}
	m, err := New(parse(t, conf), Options{Kernel: k, KeepOnExit: true, Resync: -1, RunScript: func(*config.Command) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

func table(t *testing.T, k ipvs.Kernel) []string {
	t.Helper()
	ss, err := k.Services()
	if err != nil {
		t.Fatal(err)
	}
	return render(ss)
}

func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf string
		want []string
	}{{
		name: "NAT real servers, default port and weight",
		conf: `virtual_server 10.0.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.1.1 8080 { weight 3 }
  real_server 10.0.1.2 {
    uthreshold 100
    lthreshold 10
  }
}`,
		want: []string{
			"-A TCP 10.0.0.1:80 -s rr",
			"-a TCP 10.0.0.1:80 -r 10.0.1.1:8080 NAT weight 3",
			"-a TCP 10.0.0.1:80 -r 10.0.1.2:80 NAT weight 1 thresholds 10-100",
		},
	}, {
		name: "DR takes the service port, UDP by default",
		conf: `virtual_server 10.0.0.2 53 {
  lb_algo wrr
  lb_kind DR
  real_server 10.0.1.1 5353 { weight 2 }
}`,
		want: []string{
			"-A UDP 10.0.0.2:53 -s wrr",
			"-a UDP 10.0.0.2:53 -r 10.0.1.1:53 DR weight 2",
		},
	}, {
		name: "fwmark with tunnels and an unused sorry server",
		conf: `virtual_server fwmark 7 {
  lb_algo lc
  lvs_method TUN
  persistence_timeout 900
  real_server 10.0.1.1 { }
  real_server 10.0.1.2 {
    lvs_method TUN type gue port 6080 csum
  }
  real_server 10.0.1.3 {
    lvs_method TUN type gre
  }
  real_server 10.0.1.4 {
    lvs_method NAT
  }
  sorry_server 10.0.9.9 80
}`,
		want: []string{
			"-A FWM 7 IPv4 -s lc -p 900",
			"-a FWM 7 IPv4 -r 10.0.1.1:0 TUN weight 1",
			"-a FWM 7 IPv4 -r 10.0.1.2:0 TUN weight 1 gue port 6080 flags 0x1",
			"-a FWM 7 IPv4 -r 10.0.1.3:0 TUN weight 1 gre port 0 flags 0x0",
			"-a FWM 7 IPv4 -r 10.0.1.4:0 NAT weight 1",
		},
	}, {
		name: "group ranges, subnets and fwmarks share real servers",
		conf: `virtual_server_group G {
  10.0.0.1-3 80
  10.1.0.0/31 443
  fwmark 5
}
virtual_server group G {
  lb_algo sh
  sh-port
  sh-fallback
  lb_kind DR
  protocol TCP
  persistence_timeout 60
  persistence_granularity 255.255.255.0
  real_server 10.0.1.1 80 { weight 2 }
}`,
		want: []string{
			"-A FWM 5 IPv4 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-A TCP 10.0.0.1:80 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-A TCP 10.0.0.2:80 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-A TCP 10.0.0.3:80 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-A TCP 10.1.0.0:443 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-A TCP 10.1.0.1:443 -s sh -b flag-1|flag-2 -p 60 -M 24",
			"-a FWM 5 IPv4 -r 10.0.1.1:0 DR weight 2",
			"-a TCP 10.0.0.1:80 -r 10.0.1.1:80 DR weight 2",
			"-a TCP 10.0.0.2:80 -r 10.0.1.1:80 DR weight 2",
			"-a TCP 10.0.0.3:80 -r 10.0.1.1:80 DR weight 2",
			"-a TCP 10.1.0.0:443 -r 10.0.1.1:443 DR weight 2",
			"-a TCP 10.1.0.1:443 -r 10.0.1.1:443 DR weight 2",
		},
	}, {
		name: "IPv6 with flags, one-packet scheduling and the SIP engine",
		conf: `virtual_server 2001:db8::1 5060 {
  lb_algo mh
  mh-port
  ops
  protocol UDP
  persistence_timeout 30
  persistence_granularity 64
  persistence_engine sip
  real_server 2001:db8::10 5060 { weight 5 }
}`,
		want: []string{
			"-A UDP [2001:db8::1]:5060 -s mh -b ops|flag-2 -p 30 -M 64 --pe sip",
			"-a UDP [2001:db8::1]:5060 -r [2001:db8::10]:5060 NAT weight 5",
		},
	}, {
		name: "alpha keeps servers out, inhibit keeps them at weight 0",
		conf: `virtual_server 10.0.0.3 80 {
  protocol TCP
  alpha
  real_server 10.0.1.1 80 { TCP_CHECK { } }
  real_server 10.0.1.2 80 {
    inhibit_on_failure
    TCP_CHECK { }
  }
  real_server 10.0.1.3 80 { weight 4 }
}`,
		want: []string{
			"-A TCP 10.0.0.3:80 -s wlc",
			"-a TCP 10.0.0.3:80 -r 10.0.1.2:80 NAT weight 0",
			"-a TCP 10.0.0.3:80 -r 10.0.1.3:80 NAT weight 4",
		},
	}, {
		name: "quorum lost at start brings in the sorry server",
		conf: `virtual_server 10.0.0.4 80 {
  protocol TCP
  alpha
  quorum 2
  real_server 10.0.1.1 80 { TCP_CHECK { } }
  real_server 10.0.1.2 80 {
    inhibit_on_failure
    TCP_CHECK { }
  }
  sorry_server 10.0.9.9 8080
}`,
		want: []string{
			"-A TCP 10.0.0.4:80 -s wlc",
			"-a TCP 10.0.0.4:80 -r 10.0.1.2:80 NAT weight 0",
			"-a TCP 10.0.0.4:80 -r 10.0.9.9:8080 NAT weight 1",
		},
	}, {
		name: "an inhibited sorry server waits at weight 0",
		conf: `virtual_server 10.0.0.5 80 {
  protocol TCP
  real_server 10.0.1.1 80 { }
  sorry_server 10.0.9.9 80
  sorry_server_inhibit
}`,
		want: []string{
			"-A TCP 10.0.0.5:80 -s wlc",
			"-a TCP 10.0.0.5:80 -r 10.0.1.1:80 NAT weight 1",
			"-a TCP 10.0.0.5:80 -r 10.0.9.9:80 NAT weight 0",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := table(t, programmed(t, tc.conf))
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGranularity(t *testing.T) {
	for _, tc := range []struct {
		g    uint32
		f    ipvs.Family
		want int
	}{
		{0xffffffff, ipvs.IPv4, 0},
		{0xffffffff, ipvs.IPv6, 0},
		{0xffffff00, ipvs.IPv4, 24},
		{0xfffe0000, ipvs.IPv4, 15},
		{64, ipvs.IPv6, 64},
	} {
		if got := granularity(tc.g, tc.f); got != tc.want {
			t.Errorf("granularity(%#x, %s) = %d, want %d", tc.g, tc.f, got, tc.want)
		}
	}
}

const reloadConf = `virtual_server 10.0.0.1 80 {
  lb_algo rr
  protocol TCP
  real_server 10.0.1.1 80 { weight 2 }
  real_server 10.0.1.2 80 { }
}
virtual_server fwmark 9 {
  real_server 10.0.1.3 80 { }
}
`

// started runs a Manager in the background; the caller runs in a
// synctest bubble, so no check runs unless the test lets time pass.
func started(t *testing.T, k ipvs.Kernel, conf string, opt Options) *Manager {
	t.Helper()
	opt.Kernel = k
	opt.RunScript = func(*config.Command) {}
	if testing.Verbose() {
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := New(parse(t, conf), opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	waitMembers(t, m)
	return m
}

func TestReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &ipvs.Memory{}
		m := started(t, k, reloadConf, Options{})
		before := table(t, k)
		calls := k.Calls

		if err := m.Reload(parse(t, reloadConf)); err != nil {
			t.Fatal(err)
		}
		waitMembers(t, m)
		if k.Calls != calls {
			t.Errorf("reload of an unchanged configuration made %d kernel calls", k.Calls-calls)
		}

		// Scheduler changes, a real server goes, another comes, fwmark 9 goes.
		changed := `virtual_server 10.0.0.1 80 {
  lb_algo wrr
  protocol TCP
  real_server 10.0.1.1 80 { weight 5 }
  real_server 10.0.1.4 80 { }
}
`
		if err := m.Reload(parse(t, changed)); err != nil {
			t.Fatal(err)
		}
		waitMembers(t, m)
		want := []string{
			"-A TCP 10.0.0.1:80 -s wrr",
			"-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 5",
			"-a TCP 10.0.0.1:80 -r 10.0.1.4:80 NAT weight 1",
		}
		if diff := cmp.Diff(want, table(t, k)); diff != "" {
			t.Errorf("after reload (-want +got):\n%s\nbefore:\n%s", diff, strings.Join(before, "\n"))
		}
	})
}

// waitMembers waits, in a synctest bubble, until the engine of m is idle
// and checks it has stated the membership of every virtual server.
func waitMembers(t *testing.T, m *Manager) {
	t.Helper()
	synctest.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range m.plan.order {
		if _, ok := m.members[id]; !ok {
			t.Fatalf("the engine did not state the membership of %s", id)
		}
	}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestResyncRestoresHandEdits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &ipvs.Memory{}
		// A foreign service must survive.
		foreign := ipvs.Service{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("198.51.100.1"), Port: 22}, Scheduler: "rr"}
		if err := k.CreateService(foreign); err != nil {
			t.Fatal(err)
		}
		m := started(t, k, reloadConf, Options{})
		want := table(t, k)
		svc := ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("10.0.0.1"), Port: 80}
		if err := k.DeleteDestination(svc, ipvs.DestKey{Addr: addr("10.0.1.1"), Port: 80}); err != nil {
			t.Fatal(err)
		}
		if err := k.DeleteService(ipvs.ServiceKey{FWMark: 9}); err != nil {
			t.Fatal(err)
		}
		m.fullPass()
		if diff := cmp.Diff(want, table(t, k)); diff != "" {
			t.Errorf("after a full pass (-want +got):\n%s", diff)
		}
	})
}

func TestShutdownRemovesOnlyOurs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &ipvs.Memory{}
		foreign := ipvs.Service{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("198.51.100.1"), Port: 22}, Scheduler: "rr"}
		if err := k.CreateService(foreign); err != nil {
			t.Fatal(err)
		}
		m, err := New(parse(t, reloadConf), Options{Kernel: k, Resync: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"-A TCP 198.51.100.1:22 -s rr"}, table(t, k)); diff != "" {
			t.Errorf("after shutdown (-want +got):\n%s", diff)
		}
	})
}

// TestNotifyScripts runs a real MISC_CHECK that fails and expects the real
// server's notify_down, then quorum_down, with the configured commands.
func TestNotifyScripts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := script(t, "exit 1")
		conf := `virtual_server 10.0.0.1 80 {
  delay_loop 1
  protocol TCP
  quorum_down "` + fail + ` quorum down"
  real_server 10.0.1.1 80 {
    notify_down "` + fail + ` rs down"
    MISC_CHECK {
      misc_path ` + fail + `
      warmup 0
    }
  }
}`
		got := make(chan string, 4)
		events := make(chan check.Event, 4)
		k := &ipvs.Memory{}
		m, err := New(parse(t, conf), Options{
			Kernel:    k,
			Resync:    -1,
			RunScript: func(c *config.Command) { got <- c.Raw },
			Events: func(ev check.Event) {
				if !ev.Init { // the start's "Gained quorum" has no script here
					events <- ev
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()
		var scripts []string
		var kinds []check.EventKind
		for range 2 {
			select {
			case s := <-got:
				scripts = append(scripts, s)
				kinds = append(kinds, (<-events).Kind)
			case <-time.After(20 * time.Second):
				t.Fatalf("no notification; got %q", scripts)
			}
		}
		if diff := cmp.Diff([]string{fail + " rs down", fail + " quorum down"}, scripts); diff != "" {
			t.Errorf("scripts (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]check.EventKind{check.RealServerDown, check.QuorumDown}, kinds); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		// Events come before the membership they cause.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			got := table(t, k)
			if len(got) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("table = %q, want the service alone", got)
			}
		}
	})
}

// TestNoVirtualServers: like keepalived, a configuration without virtual
// servers never opens IPVS (the host running the unit tests has none).
func TestNoVirtualServers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, err := New(parse(t, "global_defs {\n  router_id x\n}\n"), Options{Resync: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		time.Sleep(10 * time.Millisecond) // a few resync ticks
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if s := m.Status(); len(s) != 0 {
			t.Errorf("Status = %v", s)
		}
	})
}

// TestFileCheck: FILE_CHECK adds file value × weight to the real server's
// weight, polled every second.
func TestFileCheck(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/tf"
	if err := os.WriteFile(file, []byte("3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, `track_file TF {
  file `+file+`
  weight 2
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  alpha
  real_server 10.0.1.1 80 {
    FILE_CHECK {
      track_file TF
    }
  }
}`)
	if len(cfg.LVS.VirtualServers[0].RealServers[0].Checkers) == 0 {
		t.Skip("the parser drops FILE_CHECK (track_file not found in the checker pass)")
	}
	p, err := translate(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := p.vss[0].Reals[0].Checkers[0]
	if r := c.Probe.Check(context.Background()); !r.OK() || r.Weight != 6 {
		t.Errorf("FILE_CHECK result = %+v, want weight +6", r)
	}
	if c.Timing.DelayLoop != time.Second {
		t.Errorf("FILE_CHECK polled every %v, want 1s", c.Timing.DelayLoop)
	}
	// keepalived reads the file at start: a FILE_CHECK is never alpha,
	// whatever the virtual server says (corpus 050: keepalived started
	// with quorum, keepalived-go went through the sorry server).
	if !cfg.LVS.VirtualServers[0].RealServers[0].Checkers[0].Alpha || c.Timing.Alpha {
		t.Errorf("alpha: configured %v, FILE_CHECK's %v", cfg.LVS.VirtualServers[0].RealServers[0].Checkers[0].Alpha, c.Timing.Alpha)
	}
}

// script writes an executable shell script for tests and returns its path
// (the VM image has no /usr/bin/true and friends).
func script(t *testing.T, body string) string {
	t.Helper()
	path := t.TempDir() + "/script.sh"
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRSInitNotifies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := script(t, "exit 0")
		conf := `global_defs {
  rs_init_notifies
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    notify_up "` + up + ` up"
  }
  real_server 10.0.1.2 80 {
    notify_up "` + up + ` alpha up"
    TCP_CHECK {
      alpha
    }
  }
}`
		var ran []string
		var events []string
		k := &ipvs.Memory{}
		m, err := New(parse(t, conf), Options{Kernel: k, Resync: -1,
			RunScript: func(c *config.Command) { ran = append(ran, c.Raw) },
			Events:    func(ev check.Event) { events = append(events, ev.FIFOLine()) },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{up + " up"}, ran); diff != "" {
			t.Errorf("scripts (-want +got):\n%s", diff)
		}
		// keepalived's order: the real servers' start, then "Gained quorum".
		if diff := cmp.Diff([]string{"RS [10.0.1.1]:tcp:80 [10.0.0.1]:tcp:80 UP\n", "VS [10.0.0.1]:tcp:80 UP\n"}, events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestReloadKeepsDynamicWeight: keepalived carries a misc_dynamic weight
// over a reload; the new engine starts from the configured weight, which
// must not reach the kernel.
func TestReloadKeepsDynamicWeight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seven := script(t, "exit 7") // misc_dynamic: weight 5
		conf := `virtual_server 10.0.0.1 80 {
  delay_loop 1
  protocol TCP
  real_server 10.0.1.1 80 {
    weight 1
    MISC_CHECK {
      misc_path ` + seven + `
      misc_dynamic
      warmup 0
    }
  }
}`
		k := &ipvs.Memory{}
		m, err := New(parse(t, conf), Options{Kernel: k, Resync: -1, RunScript: func(*config.Command) {}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()
		want := []string{"-A TCP 10.0.0.1:80 -s wlc", "-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 5"}
		for deadline := time.Now().Add(20 * time.Second); !slices.Equal(table(t, k), want); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("table = %q, want %q", table(t, k), want)
			}
		}
		calls := k.Calls
		if err := m.Reload(parse(t, conf)); err != nil {
			t.Fatal(err)
		}
		// Past the new engine's first check (1 s after it starts).
		for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if k.Calls != calls {
				t.Fatalf("reload changed the kernel: %q", table(t, k))
			}
		}
		if diff := cmp.Diff(want, table(t, k)); diff != "" {
			t.Errorf("table (-want +got):\n%s", diff)
		}
	})
}

// TestStopTraps: at stop a service without omega announces its live real
// servers and its quorum through Traps only (no script, no Events), as
// keepalived's SNMP traps; with lvs_flush_on_stop only the quorum.
func TestStopTraps(t *testing.T) {
	down := script(t, "exit 0")
	for _, c := range []struct {
		global string
		want   []string
	}{
		{"", []string{"RS [10.0.1.1]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n", "VS [10.0.0.1]:tcp:80 DOWN\n"}},
		{"lvs_flush_on_stop", []string{"VS [10.0.0.1]:tcp:80 DOWN\n"}},
	} {
		conf := "global_defs {\n  " + c.global + "\n}\n" + `virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    notify_down "` + down + ` down"
  }
}`
		var ran, events, traps []string
		m, err := New(parse(t, conf), Options{Kernel: &ipvs.Memory{}, Resync: -1,
			RunScript: func(c *config.Command) { ran = append(ran, c.Raw) },
			Events:    func(ev check.Event) { events = append(events, ev.FIFOLine()) },
			Traps: func(ev check.Event) {
				if ev.Shutdown && ev.TrapOnly {
					traps = append(traps, ev.FIFOLine())
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, traps); diff != "" {
			t.Errorf("%q: stop traps (-want +got):\n%s", c.global, diff)
		}
		if len(ran) != 0 {
			t.Errorf("%q: scripts ran at a stop without omega: %q", c.global, ran)
		}
		for _, e := range events {
			if strings.Contains(e, "DOWN") {
				t.Errorf("%q: stop told Events without omega: %q", c.global, events)
			}
		}
	}
}

// readCounter is a Memory that counts whole-table and single-service reads.
type readCounter struct {
	*ipvs.Memory
	all, one int
}

func (r *readCounter) Services() ([]ipvs.Service, error) { r.all++; return r.Memory.Services() }

func (r *readCounter) Service(k ipvs.ServiceKey) (ipvs.Service, bool, error) {
	r.one++
	return r.Memory.Service(k)
}

// TestRollingResync: with more than rollBatch virtual servers a drift check
// reads rollBatch services one by one, never the whole table, and a sweep
// of the table restores what was edited by hand.
func TestRollingResync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 2*rollBatch + 22
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "virtual_server 10.1.%d.%d 80 {\n  protocol TCP\n  real_server 10.2.0.1 80 { }\n}\n", i>>8, i&255)
		}
		k := &readCounter{Memory: &ipvs.Memory{}}
		m := started(t, k, b.String(), Options{})
		want := table(t, k.Memory)
		if err := k.DeleteDestination(ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("10.1.0.100"), Port: 80},
			ipvs.DestKey{Addr: addr("10.2.0.1"), Port: 80}); err != nil {
			t.Fatal(err)
		}
		if err := k.DeleteService(ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("10.1.0.10"), Port: 80}); err != nil {
			t.Fatal(err)
		}
		all := k.all
		for pass := range 3 {
			one := k.one
			m.resyncPass()
			if got := k.one - one; got > rollBatch {
				t.Errorf("pass %d read %d services, want at most %d", pass, got, rollBatch)
			}
		}
		if k.all != all {
			t.Errorf("drift checks read the whole table %d times", k.all-all)
		}
		if k.one != n {
			t.Errorf("three passes read %d services, want each of the %d once", k.one, n)
		}
		if diff := cmp.Diff(want, table(t, k.Memory)); diff != "" {
			t.Errorf("after a sweep (-want +got):\n%s", diff)
		}
	})
}
