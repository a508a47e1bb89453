package snmpmib

import (
	"testing"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/status"
)

const checkConf = `global_defs {
  router_id r1
  enable_traps
}
virtual_server_group G1 {
  10.0.1.1-3 80
  fwmark 7
}
virtual_server 10.0.0.1 80 {
  lb_algo rr
  protocol TCP
  quorum 3
  sorry_server 10.0.2.9 80
  real_server 10.0.2.1 80 {
    weight 2
  }
  real_server 10.0.2.2 80 {
    weight 1
    uthreshold 50
  }
}
virtual_server group G1 {
  lb_algo sh
  lb_kind DR
  real_server 10.0.3.1 80 {
  }
}
`

func checkInput(t *testing.T) Input {
	t.Helper()
	cfg, _, err := parser.ParseBytes("test.conf", []byte(checkConf), parser.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vs := status.VirtualServer{Health: check.ServiceStatus{ID: "[10.0.0.1]:tcp:80", QuorumUp: true, Reals: []check.RealStatus{
		{ID: "[10.0.2.1]:tcp:80", Alive: true, Weight: 2},
		{ID: "[10.0.2.2]:tcp:80", Alive: false, Weight: 1, Checkers: []check.CheckerStatus{{Up: false}}},
	}}, IPVS: &status.IPVSService{StatsKnown: true, Dests: []status.IPVSDest{{ID: "[10.0.2.1]:tcp:80", ActiveConnections: 7}}}}
	return Input{Config: cfg, Checker: true, Traps: true, LVS: []status.VirtualServer{vs, {}}}
}

// TestCheckView pins rows of KEEPALIVED-MIB's checker part: group members
// (fwmarks listed before addresses), the sorry server as the first real
// server row, real server state, weight and IPVS counts.
func TestCheckView(t *testing.T) {
	m := render(View(checkInput(t)))
	for oid, want := range map[string]string{
		".1.3.6.1.4.1.9586.100.5.3.1.1.2.1":    "G1",
		".1.3.6.1.4.1.9586.100.5.3.2.1.2.1.1":  "1", // fwmark first
		".1.3.6.1.4.1.9586.100.5.3.2.1.3.1.1":  "7",
		".1.3.6.1.4.1.9586.100.5.3.2.1.2.1.2":  "3", // then the range
		".1.3.6.1.4.1.9586.100.5.3.2.1.7.1.2":  "10.0.1.3",
		".1.3.6.1.4.1.9586.100.5.3.3.1.2.1":    "2",
		".1.3.6.1.4.1.9586.100.5.3.3.1.9.1":    "1", // rr
		".1.3.6.1.4.1.9586.100.5.3.3.1.21.1":   "1", // one real server up
		".1.3.6.1.4.1.9586.100.5.3.3.1.23.1":   "1",
		".1.3.6.1.4.1.9586.100.5.3.3.1.2.2":    "3",
		".1.3.6.1.4.1.9586.100.5.3.3.1.3.2":    "G1",
		".1.3.6.1.4.1.9586.100.5.3.3.1.10.2":   "2", // DR
		".1.3.6.1.4.1.9586.100.5.3.4.1.2.1.1":  "2", // sorry server
		".1.3.6.1.4.1.9586.100.5.3.4.1.4.1.2":  "10.0.2.1",
		".1.3.6.1.4.1.9586.100.5.3.4.1.6.1.2":  "1",
		".1.3.6.1.4.1.9586.100.5.3.4.1.15.1.2": "7",
		".1.3.6.1.4.1.9586.100.5.3.4.1.6.1.3":  "2",
		".1.3.6.1.4.1.9586.100.5.3.4.1.8.1.3":  "50",
		".1.3.6.1.4.1.9586.100.5.3.4.1.13.1.3": "1",
		".1.3.6.1.4.1.9586.100.5.3.6.1.0":      "2", // no sync daemon
		".1.3.6.1.4.1.9586.100.5.3.4.1.7.2.1":  "1",
	} {
		if got, ok := m[oid]; !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", oid, got, ok, want)
		}
	}
	for _, absent := range []string{
		".1.3.6.1.4.1.9586.100.5.3.4.1.6.1.1", // a sorry server has no state
		".1.3.6.1.4.1.9586.100.5.3.4.1.8.1.2", // no uthreshold
		".1.3.6.1.4.1.9586.100.5.3.3.1.6.2",   // a group service has no address
		".1.3.6.1.4.1.9586.100.5.2.3.1.2.1",   // no VRRP part without enable_snmp_vrrp
	} {
		if _, ok := m[absent]; ok {
			t.Errorf("%s is served", absent)
		}
	}
}

func TestCheckTraps(t *testing.T) {
	in := checkInput(t)
	rs := CheckTraps(check.Event{Kind: check.RealServerDown, VS: "[10.0.0.1]:tcp:80", RS: "[10.0.2.2]:tcp:80"}, in)
	if len(rs) != 1 || rs[0].OID.String() != ".1.3.6.1.4.1.9586.100.5.3.5.0.1" {
		t.Fatalf("real server trap %+v", rs)
	}
	m := render(rs[0].VarBinds)
	for oid, want := range map[string]string{
		".1.3.6.1.4.1.9586.100.5.3.4.1.4":  "10.0.2.2",
		".1.3.6.1.4.1.9586.100.5.3.4.1.6":  "2",
		".1.3.6.1.4.1.9586.100.5.3.3.1.8":  "1", // "is TCP", as keepalived
		".1.3.6.1.4.1.9586.100.5.3.3.1.21": "1",
		".1.3.6.1.4.1.9586.100.5.3.3.1.20": "2",
		".1.3.6.1.4.1.9586.100.5.1.2.0":    "r1",
	} {
		if m[oid] != want {
			t.Errorf("%s = %q, want %q", oid, m[oid], want)
		}
	}
	q := CheckTraps(check.Event{Kind: check.QuorumDown, VS: "[10.0.0.1]:tcp:80", Shutdown: true}, in)
	if len(q) != 1 || q[0].OID.String() != ".1.3.6.1.4.1.9586.100.5.3.5.0.2" || render(q[0].VarBinds)[".1.3.6.1.4.1.9586.100.5.3.3.1.23"] != "3" {
		t.Errorf("quorum trap at shutdown %+v", q)
	}
	in.Traps = false
	if g := CheckTraps(check.Event{Kind: check.QuorumUp, VS: "[10.0.0.1]:tcp:80"}, in); g != nil {
		t.Errorf("traps without enable_traps: %+v", g)
	}
}

// TestWriter: realServerWeight of a real server is written with the low
// byte of the value (keepalived's *var_val), the sorry server's row and
// read-only columns are refused.
func TestWriter(t *testing.T) {
	in := checkInput(t)
	var got []int
	w := &Writer{Input: func() (Input, bool) { return in, true }, Actions: Actions{
		SetWeight: func(_ *config.VirtualServer, rs *config.RealServer, weight int) { got = append(got, weight) },
	}}
	rs := CheckOID.Append(4, 1, 7, 1, 2)
	if e := w.Test(agentx.Int(rs, 261)); e != 0 {
		t.Fatalf("Test: %d", e)
	}
	w.Commit(agentx.Int(rs, 261))
	if len(got) != 1 || got[0] != 5 {
		t.Errorf("weights set %v, want [5]", got)
	}
	for name, want := range map[string]uint16{
		CheckOID.Append(4, 1, 7, 1, 1).String(): agentx.ErrNotWritable, // sorry server
		CheckOID.Append(4, 1, 6, 1, 2).String(): agentx.ErrNotWritable, // status
		CheckOID.Append(4, 1, 7, 1, 9).String(): agentx.ErrNotWritable, // no such row
		VRRPOID.Append(3, 1, 7, 1).String():     agentx.ErrNotWritable, // no VRRP part here
	} {
		if e := w.Test(agentx.Int(agentx.MustOID(name[1:]), 1)); e != want {
			t.Errorf("%s: %d, want %d", name, e, want)
		}
	}
	if e := w.Test(agentx.Str(rs, "x")); e != agentx.ErrWrongType {
		t.Errorf("string weight: %d", e)
	}
}
