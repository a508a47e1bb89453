package host

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/dsas/conf"
)

func parse(src string) (*Config, error) {
	f, err := conf.Parse("t.conf", []byte(src), nil)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

func TestBonds(t *testing.T) {
	tests := []struct {
		name, src string
		want      []Bond
		warn      string
	}{
		{"seed defaults", `MODULES=("bond0 arp_ip_target=$LVSADDRESS,$LLSADDRESS")`,
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", Miimon: 100, Slaves: []string{"eth0", "eth1"}}}, "arp_ip_target is empty"},
		{"plain", `MODULES=(bond0)`,
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", Miimon: 100, Slaves: []string{"eth0", "eth1"}}}, ""},
		{"bonding alias", `MODULES=("bonding miimon=50")`,
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", Miimon: 50, Slaves: []string{"eth0", "eth1"}}}, ""},
		{"arp", `MODULES=("bond0 arp_interval=200 arp_ip_target=10.0.0.1,10.0.0.2")`,
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", ArpInterval: 200,
				ArpTargets: []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}, Slaves: []string{"eth0", "eth1"}}}, ""},
		{"arp without targets falls back", `MODULES=("bond0 arp_interval=200 arp_ip_target=,")`,
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", Miimon: 100, Slaves: []string{"eth0", "eth1"}}}, "would mark every slave down"},
		{"second bond and slaves", "MODULES=(bond0 \"bond1 mode=1 primary=eth3 miimon=10\")\nBONDSLAVES1=(eth3 eth2)",
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth0", Miimon: 100, Slaves: []string{"eth0", "eth1"}},
				{Name: "bond1", Mode: 1, Primary: "eth3", Miimon: 10, Slaves: []string{"eth3", "eth2"}}}, ""},
		{"primary follows the slaves", "MODULES=(bond0)\nBONDSLAVES0=\"eth4 eth5\"",
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth4", Miimon: 100, Slaves: []string{"eth4", "eth5"}}}, ""},
		{"explicit primary kept", "MODULES=(\"bond0 primary=eth5\")\nBONDSLAVES0=\"eth4 eth5\"",
			[]Bond{{Name: "bond0", Mode: 1, Primary: "eth5", Miimon: 100, Slaves: []string{"eth4", "eth5"}}}, ""},
		{"round robin has no primary", `MODULES=("bond0 mode=balance-rr")`,
			[]Bond{{Name: "bond0", Mode: 0, Miimon: 100, Slaves: []string{"eth0", "eth1"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Bonds, tt.want) {
				t.Errorf("bonds %+v\nwant %+v", c.Bonds, tt.want)
			}
			var w []string
			for _, d := range c.Warnings {
				w = append(w, d.String())
			}
			if tt.warn != "" && !strings.Contains(strings.Join(w, "\n"), tt.warn) {
				t.Errorf("warnings %q, want %q", w, tt.warn)
			}
		})
	}
}

func TestInterfaces(t *testing.T) {
	c, err := parse(`MODULES=(bond0)
IPADDRESS0=192.168.0.11/22
INTERFACE1=bond0.2
IPADDRESS[1]=203.0.113.11/24
GATEWAY1=203.0.113.1
IPADDRESS2=10.9.0.1/16
VLANS=("bond0.3 bond0.4")
`)
	if err != nil {
		t.Fatal(err)
	}
	wantAddrs := []Addr{
		{"bond0", netip.MustParsePrefix("192.168.0.11/22")},
		{"bond0.2", netip.MustParsePrefix("203.0.113.11/24")},
		{"eth2", netip.MustParsePrefix("10.9.0.1/16")},
	}
	if !reflect.DeepEqual(c.Addrs, wantAddrs) {
		t.Errorf("addrs %v", c.Addrs)
	}
	wantVlans := []Vlan{{"bond0.2", "bond0", 2}, {"bond0.3", "bond0", 3}, {"bond0.4", "bond0", 4}}
	if !reflect.DeepEqual(c.Vlans, wantVlans) {
		t.Errorf("vlans %v", c.Vlans)
	}
	wantRoutes := []Route{{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("203.0.113.1"), "bond0.2", 1}}
	if !reflect.DeepEqual(c.Routes, wantRoutes) {
		t.Errorf("routes %v", c.Routes)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad address", "\nIPADDRESS0=192.168.1.1", "t.conf:2:1: IPADDRESS0=\"192.168.1.1\": want an IPv4 ADDRESS/PREFIXLEN"},
		{"gateway off link", "IPADDRESS0=10.0.0.1/24\nGATEWAY[0]=10.0.1.1", "t.conf:2:1: GATEWAY[0]=10.0.1.1 is not inside"},
		{"bad mode", `MODULES=("bond0 mode=fast")`, "t.conf:1:1: MODULES bond0: mode=\"fast\""},
		{"bad option", `MODULES=("bond0 lacp_rate=1")`, "unsupported bonding option \"lacp_rate\""},
		{"bad miimon", `MODULES=("bond0 miimon=x")`, "miimon=\"x\": want a number"},
		{"both monitors", `MODULES=("bond0 miimon=100 arp_interval=100 arp_ip_target=1.2.3.4")`, "exclude each other"},
		{"bad target", `MODULES=("bond0 arp_ip_target=1.2.3")`, "arp_ip_target \"1.2.3\""},
		{"primary not a slave", `MODULES=("bond0 primary=eth7")`, "primary eth7 is not one of its slaves"},
		{"bad hostname", "SYSTEMNAME='a b'", "t.conf:1:1: SYSTEMNAME \"a b\""},
		{"vlan id", "INTERFACE0=bond0.4095\nIPADDRESS0=1.2.3.4/24", "VLAN id must be 1-4094"},
		{"vlan on slave", "MODULES=(bond0)\nVLANS=(eth0.2)", "put the VLAN on the bond"},
		{"address on slave", "MODULES=(bond1)\nIPADDRESS2=1.2.3.4/24", "t.conf:2:1: address 1.2.3.4/24 on eth2: eth2 is a slave of bond1"},
		{"address on default slave", "MODULES=(bond0)\nIPADDRESS0=10.0.0.1/24\nIPADDRESS1=10.1.0.1/24", "t.conf:3:1: address 10.1.0.1/24 on eth1: eth1 is a slave of bond0"},
		{"vlan from interface on slave", "MODULES=(bond0)\n\nINTERFACE3=eth1.5\nIPADDRESS3=10.1.0.1/24", "t.conf:3:1: VLAN eth1.5: its parent eth1"},
		{"bond as slave", "MODULES=(bond0 bond1)\nBONDSLAVES1=bond0", "t.conf:2:1: bond0 cannot be a slave of bond1"},
		{"duplicate address", "INTERFACE0=eth0\nIPADDRESS0=10.0.0.1/24\nINTERFACE1=eth1\nIPADDRESS1=10.0.0.1/24", "t.conf:4:1: address 10.0.0.1 set on both eth0 and eth1"},
		{"relative device", "SWDEVICE=sda2", "SWDEVICE=\"sda2\": want an absolute device path"},
		{"route syntax", "ROUTES=(10.0.0.0/8)", "want \"DST/LEN via GATEWAY\""},
		{"both spellings", "IPADDRESS0=1.1.1.1/8\nIPADDRESS[0]=1.1.1.2/8", "both set"},
		{"module name", `MODULES=("e1000e/x")`, "t.conf:1:1: MODULES: \"e1000e/x\" is not a module name"},
		{"module option", `MODULES=("e1000e =1")`, "t.conf:1:1: MODULES e1000e: option \"=1\""},
		{"two errors sorted", "SYSTEMNAME=-x\nIPADDRESS0=bad", "t.conf:1:1: SYSTEMNAME \"-x\" is not a valid host name\nt.conf:2:1: IPADDRESS0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "t.conf:") || strings.HasPrefix(line, "t.conf:0:") {
					t.Errorf("error without a position: %q", line)
				}
			}
		})
	}
}

func TestMounts(t *testing.T) {
	c, err := parse("BTDEVICE=/dev/sda1\nSWDEVICE=/dev/sda2\nDBDEVICE=\nFSDEVICE=/dev/sdb1\nFSMOUNT=/srv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{{"BTDEVICE", "/dev/sda1", "/boot", false}, {"SWDEVICE", "/dev/sda2", "", true}, {"FSDEVICE", "/dev/sdb1", "/srv", false}}
	if !reflect.DeepEqual(c.Mounts, want) {
		t.Errorf("mounts %v", c.Mounts)
	}
}

func TestUnknownKeyWarns(t *testing.T) {
	c, err := parse("LVS=1.2.3.4\nMODULES=(\"bond0 arp_ip_target=$LVS\")\nSYTEMNAME=x")
	if err != nil {
		t.Fatal(err)
	}
	var w []string
	for _, d := range c.Warnings {
		w = append(w, d.Msg)
	}
	all := strings.Join(w, "\n")
	if !strings.Contains(all, "SYTEMNAME is not a dsas.conf key") || strings.Contains(all, "LVS is not") {
		t.Errorf("warnings: %s", all)
	}
	c, err = parse("GATEWAY000=0\nIPADDRESS01=1.2.3.4/8")
	if err != nil || len(c.Addrs) != 0 || len(c.Routes) != 0 {
		t.Fatalf("leading zeros taken for an index: %v, %+v", err, c)
	}
	w = nil
	for _, d := range c.Warnings {
		w = append(w, d.String())
	}
	all = strings.Join(w, "\n")
	if !strings.Contains(all, "t.conf:1:1: warning: GATEWAY000 is not a dsas.conf key") || !strings.Contains(all, "t.conf:2:1: warning: IPADDRESS01 is not") {
		t.Errorf("warnings: %s", all)
	}
}

func TestNICs(t *testing.T) {
	c, err := parse("MODULES=(bond0)\nIPADDRESS0=10.0.0.1/24\nINTERFACE1=bond0.2\nIPADDRESS1=10.1.0.1/24\nINTERFACE2=eth5\nIPADDRESS2=10.2.0.1/24\nVLANS=(eth6.3)")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.NICs(), []string{"eth0", "eth1", "eth6", "eth5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("NICs %q, want %q", got, want)
	}
}
