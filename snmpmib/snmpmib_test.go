package snmpmib

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/vrrp"
)

const testConf = `global_defs {
  router_id r1
  enable_traps
}
vrrp_sync_group G {
  group {
    B
  }
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 150
  state MASTER
  virtual_ipaddress {
    10.0.0.1/24
  }
  virtual_ipaddress_excluded {
    10.0.0.9
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  version 3
  virtual_ipaddress {
    10.0.0.2
  }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 3
  virtual_ipaddress {
    10.0.0.3
  }
}
`

func testInput(t *testing.T) Input {
	t.Helper()
	cfg, _, err := parser.ParseBytes("test.conf", []byte(testConf), parser.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	return Input{
		Version: "Keepalived v2.2.7 (01/16,2022)",
		Config:  cfg,
		Status: []vrrp.InstanceStatus{
			{Name: "A", State: vrrp.StateMaster, BasePriority: 150, EffectivePriority: 150, Stats: vrrp.Stats{BecomeMaster: 1}},
			{Name: "B", State: vrrp.StateBackup, BasePriority: 100, EffectivePriority: 100, MasterAddr: "10.0.0.12"},
			{Name: "C", State: vrrp.StateBackup, BasePriority: 100, EffectivePriority: 100},
		},
		Iface: func(string) Iface {
			return Iface{Index: 2, MAC: []byte{2, 0, 0, 0, 0, 1}, IPv4: netip.MustParseAddr("10.0.0.11")}
		},
		Start: start, Now: start.Add(5 * time.Second),
		Keepalived: true, RFCv2: true, RFCv3: true, Traps: true,
	}
}

// render maps each OID of a view to its value as text (octet strings
// that are not text as IPv4 addresses).
func render(vbs []agentx.VarBind) map[string]string {
	m := map[string]string{}
	for _, vb := range vbs {
		var v string
		switch x := vb.Value.(type) {
		case []byte:
			if vb.Type == agentx.OctetString && strings.ToValidUTF8(string(x), "") == string(x) && len(x) > 0 && x[0] >= ' ' {
				v = string(x)
			} else {
				v = netip.AddrFrom4([4]byte(append(x, 0, 0, 0, 0)[:4])).String()
			}
		default:
			v = fmtAny(x)
		}
		m[vb.Name.String()] = v
	}
	return m
}

func fmtAny(x any) string {
	switch v := x.(type) {
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case agentx.OID:
		return v.String()
	}
	return ""
}

// TestViewQuirks pins the values where keepalived 2.2.7 is surprising and
// the view follows it (docs/compat.md "SNMP").
func TestViewQuirks(t *testing.T) {
	vbs := View(testInput(t))
	m := render(vbs)
	for oid, want := range map[string]string{
		".1.3.6.1.4.1.9586.100.5.1.2.0":        "r1",
		".1.3.6.1.4.1.9586.100.5.1.4.0":        "1", // traps enabled
		".1.3.6.1.4.1.9586.100.5.2.1.1.2.1":    "G",
		".1.3.6.1.4.1.9586.100.5.2.2.1.2.1.1":  "B",
		".1.3.6.1.4.1.9586.100.5.2.3.1.4.1":    "2",   // A MASTER
		".1.3.6.1.4.1.9586.100.5.2.3.1.12.2":   "100", // v3 advert in centiseconds
		".1.3.6.1.4.1.9586.100.5.2.3.1.18.2":   "G",
		".1.3.6.1.4.1.9586.100.5.2.6.1.11.1.1": "1",         // the first instance's VIP is advertised
		".1.3.6.1.4.1.9586.100.5.2.6.1.11.1.2": "2",         // its excluded VIP is not
		".1.3.6.1.4.1.9586.100.5.2.6.1.11.2.1": "2",         // nor, keepalived's slip, anyone else's
		".1.3.6.1.4.1.9586.100.5.2.6.1.10.1.1": "1",         // set on the master
		".1.3.6.1.4.1.9586.100.5.2.6.1.6.1.1":  "14",        // scope global
		".1.3.6.1.2.1.207.1.1.1.1.3.2.2.1":     "10.0.0.12", // B's master
		".1.3.6.1.2.1.207.1.1.1.1.3.2.1.1":     "10.0.0.11", // A is master: its own address
		".1.3.6.1.2.1.207.1.1.1.1.12.2.1.1":    "500",
		".1.3.6.1.2.1.207.1.2.5.1.2.2.1.1":     "3",
		".1.3.6.1.2.1.207.1.2.5.1.2.2.2.1":     "0",
		".1.3.6.1.2.1.68.1.3.1.3.2.1":          "3", // the lowest row of vrrpOperTable...
		".1.3.6.1.2.1.68.1.4.1.2.2.3.10.0.0.3": "1", // every v2 VIP in vrrpAssoIpAddrTable
	} {
		if got, ok := m[oid]; !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", oid, got, ok, want)
		}
	}
	for _, absent := range []string{
		".1.3.6.1.2.1.68.1.3.1.3.2.3",          // ...and only that one
		".1.3.6.1.2.1.68.1.4.1.2.2.2.10.0.0.2", // v3 instances are not in VRRP-MIB
		".1.3.6.1.4.1.9586.100.5.2.3.1.18.1",   // A is in no group
	} {
		if _, ok := m[absent]; ok {
			t.Errorf("%s is served", absent)
		}
	}
	for i := 1; i < len(vbs); i++ {
		if vbs[i-1].Name.Compare(vbs[i].Name) >= 0 {
			t.Fatalf("not sorted at %s, %s", vbs[i-1].Name, vbs[i].Name)
		}
	}
}

func TestStateTraps(t *testing.T) {
	in := testInput(t)
	got := StateTraps(vrrp.Event{Kind: vrrp.EventState, Name: "C", State: vrrp.StateMaster}, in)
	var oids []string
	for _, tr := range got {
		oids = append(oids, tr.OID.String())
	}
	want := ".1.3.6.1.4.1.9586.100.5.2.10.0.2 .1.3.6.1.2.1.68.0.1 .1.3.6.1.2.1.207.0.1"
	if strings.Join(oids, " ") != want {
		t.Errorf("traps %v, want %s", oids, want)
	}
	// keepalived's -D lines (vrrp_snmp.c), one per trap.
	var logs []string
	for _, tr := range got {
		logs = append(logs, tr.Log)
	}
	if w := "(C) Sending SNMP notification|(C) Sending SNMP notification vrrpTrapNewMaster|(C) Sending SNMP notification vrrpv3NotifyNewMaster, reason 3"; strings.Join(logs, "|") != w {
		t.Errorf("log lines %q", logs)
	}
	if g := StateTraps(vrrp.Event{Kind: vrrp.EventState, Group: true, Name: "G", State: vrrp.StateFault}, in); len(g) != 1 ||
		g[0].OID.String() != ".1.3.6.1.4.1.9586.100.5.2.10.0.1" || g[0].VarBinds[1].Value.(int32) != 3 {
		t.Errorf("group trap %+v", g)
	}
	in.Traps = false
	if g := StateTraps(vrrp.Event{Kind: vrrp.EventState, Name: "C", State: vrrp.StateMaster}, in); g != nil {
		t.Errorf("traps without enable_traps: %+v", g)
	}
}
