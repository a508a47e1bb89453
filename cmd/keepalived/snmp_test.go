package main

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

func TestSNMPFlags(t *testing.T) {
	for _, c := range []struct {
		name         string
		o            Options
		g            config.Global
		vrrp, v2, v3 bool
	}{
		{"nothing", Options{}, config.Global{}, false, false, false},
		{"-x enables the VRRP MIBs", Options{SNMP: true}, config.Global{}, true, true, true},
		{"keywords", Options{}, config.Global{EnableSNMPVRRP: true, EnableSNMPRFCv3: true}, true, false, true},
		{"-C serves no VRRP MIB", Options{SNMP: true, CheckOnly: true}, config.Global{EnableSNMPVRRP: true}, false, false, false},
		{"-C -P runs VRRP", Options{CheckOnly: true, VRRPOnly: true}, config.Global{EnableSNMPRFCv2: true}, false, true, false},
	} {
		g := snmpFlags(c.o, c.g)
		if g.EnableSNMPVRRP != c.vrrp || g.EnableSNMPRFCv2 != c.v2 || g.EnableSNMPRFCv3 != c.v3 {
			t.Errorf("%s: vrrp %v v2 %v v3 %v", c.name, g.EnableSNMPVRRP, g.EnableSNMPRFCv2, g.EnableSNMPRFCv3)
		}
	}
}
