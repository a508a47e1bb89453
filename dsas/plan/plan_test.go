package plan

import (
	"flag"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
)

var update = flag.Bool("update", false, "rewrite the golden plans in ../testdata")

// freshHost is a just-booted DSAS host: two NICs, down, nothing configured.
func freshHost() *State {
	return &State{
		Hostname: "localhost",
		Links: map[string]*Link{
			"lo":   {Name: "lo", Up: true},
			"eth0": {Name: "eth0"},
			"eth1": {Name: "eth1"},
		},
		Addrs:   map[string][]netip.Prefix{},
		Swaps:   map[string]bool{},
		Mounts:  map[string]string{},
		Devices: map[string]bool{"/dev/sda1": true, "/dev/sda2": true},
	}
}

func load(t *testing.T, path string) *host.Config {
	t.Helper()
	f, err := conf.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := host.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// render is what `dsas-init plan` shows: warnings and notes go to stderr,
// here they are kept as comments so the golden file records them too.
func render(cfg *host.Config, steps []Step, notes []Note) string {
	var b strings.Builder
	for _, w := range cfg.Warnings {
		b.WriteString("# " + w.String() + "\n")
	}
	for _, n := range notes {
		b.WriteString("# note: " + string(n) + "\n")
	}
	for _, s := range steps {
		b.WriteString(s.String() + "\n")
	}
	return b.String()
}

func TestGoldenPlans(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.conf")
	if len(files) < 3 {
		t.Fatalf("sample files missing: %v", files)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg := load(t, path)
			steps, notes, err := Make(cfg, freshHost())
			if err != nil {
				t.Fatal(err)
			}
			got := render(cfg, steps, notes)
			golden := strings.TrimSuffix(path, ".conf") + ".plan"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("plan for %s:\n%s\nwant:\n%s", path, got, want)
			}
			// Applying the plan to the model must leave nothing to do.
			after := simulate(t, cfg, freshHost(), steps)
			again, _, err := Make(cfg, after)
			if err != nil || len(again) != 0 {
				t.Errorf("second plan not empty (%v): %v", err, again)
			}
		})
	}
}

// simulate applies steps to a State the way the kernel would.
func simulate(t *testing.T, cfg *host.Config, st *State, steps []Step) *State {
	t.Helper()
	st = deepClone(st)
	for _, s := range steps {
		switch s.Op {
		case SetHostname:
			st.Hostname = s.Name
		case WriteHostname:
			st.HostnameFile = s.Name
		case CreateBond:
			b := *s.Bond
			st.Links[s.Link] = &Link{Name: s.Link, Kind: "bond", Bond: &b, Owned: true}
		case SetBondMode, SetBondOptions:
			b := *s.Bond
			st.Links[s.Link].Bond = &b
		case SetPrimary:
			st.Links[s.Link].Bond.Primary = s.Other
		case Release:
			st.Links[s.Link].Master = ""
		case LinkDown:
			// IPv4 drops the routes through a link set down, and 8021q
			// takes the VLANs on it down (and up again) with it.
			st.Links[s.Link].Up = false
			through := func(r host.Route) bool {
				l := st.Links[r.Dev]
				return r.Dev == s.Link || l != nil && l.Vlan != nil && l.Vlan.Parent == s.Link
			}
			st.Routes = slices.DeleteFunc(st.Routes, through)
			st.OwnedRoutes = slices.DeleteFunc(st.OwnedRoutes, through)
		case LinkUp:
			st.Links[s.Link].Up = true
		case Enslave:
			if st.Links[s.Link].Up {
				t.Errorf("enslaving %s while it is up", s.Link)
			}
			st.Links[s.Link].Master, st.Links[s.Link].Up = s.Other, true
		case CreateVlan:
			v := *s.Vlan
			st.Links[s.Link] = &Link{Name: s.Link, Kind: "vlan", Vlan: &v, Owned: true}
		case DeleteLink:
			// The kernel takes the VLANs on a bond, releases its slaves
			// and drops the addresses and routes of what goes.
			gone := map[string]bool{s.Link: true}
			for n, l := range st.Links {
				if l.Vlan != nil && l.Vlan.Parent == s.Link {
					gone[n] = true
				}
				if l.Master == s.Link {
					l.Master, l.Up = "", false
				}
			}
			for n := range gone {
				delete(st.Links, n)
				delete(st.Addrs, n)
				delete(st.Owned, n)
			}
			through := func(r host.Route) bool { return gone[r.Dev] }
			st.Routes = slices.DeleteFunc(st.Routes, through)
			st.OwnedRoutes = slices.DeleteFunc(st.OwnedRoutes, through)
		case AddAddr:
			st.Addrs[s.Link] = append(st.Addrs[s.Link], s.Addr)
			if st.Owned == nil {
				st.Owned = map[string][]netip.Prefix{}
			}
			st.Owned[s.Link] = append(st.Owned[s.Link], s.Addr)
		case DelAddr:
			st.Addrs[s.Link] = slices.DeleteFunc(st.Addrs[s.Link], func(p netip.Prefix) bool { return p == s.Addr })
			st.Owned[s.Link] = slices.DeleteFunc(st.Owned[s.Link], func(p netip.Prefix) bool { return p == s.Addr })
		case ReplaceRoute:
			sameKey := func(r host.Route) bool { return r.Dst == s.Route.Dst && r.Metric == s.Route.Metric }
			st.Routes = append(slices.DeleteFunc(st.Routes, sameKey), *s.Route)
			st.OwnedRoutes = append(slices.DeleteFunc(st.OwnedRoutes, sameKey), *s.Route)
		case DelRoute:
			same := func(r host.Route) bool { return r == *s.Route }
			st.Routes = slices.DeleteFunc(st.Routes, same)
			st.OwnedRoutes = slices.DeleteFunc(st.OwnedRoutes, same)
		case Swapon:
			st.Swaps[s.Mount.Device] = true
		case Mount:
			st.Mounts[s.Mount.Dir] = s.Mount.Device
		}
	}
	return st
}

// deepClone copies everything simulate changes, so that one applied state
// can serve several edits.
func deepClone(s *State) *State {
	c := s.clone()
	for _, l := range c.Links {
		if l.Bond != nil {
			b := *l.Bond
			l.Bond = &b
		}
	}
	c.Routes, c.OwnedRoutes = slices.Clone(s.Routes), slices.Clone(s.OwnedRoutes)
	c.Addrs, c.Owned = map[string][]netip.Prefix{}, map[string][]netip.Prefix{}
	for k, v := range s.Addrs {
		c.Addrs[k] = slices.Clone(v)
	}
	for k, v := range s.Owned {
		c.Owned[k] = slices.Clone(v)
	}
	c.Swaps, c.Mounts = maps.Clone(s.Swaps), maps.Clone(s.Mounts)
	if c.Swaps == nil {
		c.Swaps = map[string]bool{}
	}
	if c.Mounts == nil {
		c.Mounts = map[string]string{}
	}
	return c
}

func parse(t *testing.T, src string) *host.Config {
	t.Helper()
	f, err := conf.Parse("t.conf", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := host.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// planLines plans cfg against st and also returns the steps as `plan`
// prints them.
func planLines(t *testing.T, cfg *host.Config, st *State) ([]Step, []string) {
	t.Helper()
	steps, _, err := Make(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range steps {
		lines = append(lines, s.String())
	}
	return steps, lines
}

// TestChangeOnlyWhatDiffers applies one file, edits it, and checks the
// second plan touches only what the edit changed.
func TestChangeOnlyWhatDiffers(t *testing.T) {
	base := "SYSTEMNAME=h\nIPADDRESS0=10.0.0.1/24\nGATEWAY[0]=10.0.0.254\nMODULES=(\"bond0 miimon=100\")\n"
	tests := []struct {
		name, edit string
		want       []string
	}{
		{"nothing", base, nil},
		{"address (VIPs kept)", strings.Replace(base, "10.0.0.1/24", "10.0.0.2/24", 1),
			[]string{"delete address 10.0.0.1/24 from bond0", "add address 10.0.0.2/24 to bond0",
				"route 0.0.0.0/0 via 10.0.0.254 dev bond0 metric 0"}},
		{"gateway", strings.Replace(base, "10.0.0.254", "10.0.0.253", 1),
			[]string{"route 0.0.0.0/0 via 10.0.0.253 dev bond0 metric 0"}},
		{"miimon", strings.Replace(base, "miimon=100", "miimon=200", 1),
			[]string{"set bond bond0 miimon 200"}},
		{"arp monitor", strings.Replace(base, "miimon=100", "arp_interval=100 arp_ip_target=10.0.0.254", 1),
			[]string{"set bond bond0 arp_interval 100 arp_ip_target 10.0.0.254"}},
		{"primary", strings.Replace(base, "miimon=100", "miimon=100 primary=eth1", 1),
			[]string{"set bond bond0 primary eth1"}},
		{"mode", strings.Replace(base, "miimon=100", "mode=balance-rr", 1),
			[]string{"set link bond0 down", "release eth0 from bond0", "release eth1 from bond0", "set bond bond0 mode balance-rr",
				"set link eth0 down", "enslave eth0 to bond0", "set link eth1 down", "enslave eth1 to bond0", "set link bond0 up",
				"route 0.0.0.0/0 via 10.0.0.254 dev bond0 metric 0"}},
		{"hostname", strings.Replace(base, "=h\n", "=h2\n", 1),
			[]string{"set host name h2", "write /etc/hostname: h2"}},
		{"vlan", base + "VLANS=(bond0.7)\n", []string{"create vlan bond0.7 on bond0 id 7", "set link bond0.7 up"}},
		{"slave dropped", base + "BONDSLAVES0=eth0\n", []string{"release eth1 from bond0"}},
		{"second address", base + "INTERFACE1=bond0.9\nIPADDRESS1=10.9.0.1/24\n",
			[]string{"create vlan bond0.9 on bond0 id 9", "set link bond0.9 up", "add address 10.9.0.1/24 to bond0.9"}},
		{"static route", base + "ROUTES=(\"10.8.0.0/16 via 10.0.0.253\")\n", []string{"route 10.8.0.0/16 via 10.0.0.253 dev bond0 metric 0"}},
		{"device added", base + "SWDEVICE=/dev/sda2\n", []string{"swap on /dev/sda2"}},
		{"gateway removed", strings.Replace(base, "GATEWAY[0]=10.0.0.254\n", "", 1),
			[]string{"delete route 0.0.0.0/0 via 10.0.0.254 dev bond0 metric 0"}},
		{"gateway moved to another interface", strings.Replace(base, "GATEWAY[0]=10.0.0.254\n", "", 1) + "INTERFACE1=bond0.2\nIPADDRESS1=10.2.0.1/24\nGATEWAY[1]=10.2.0.254\n",
			[]string{"create vlan bond0.2 on bond0 id 2", "set link bond0.2 up", "add address 10.2.0.1/24 to bond0.2",
				"route 0.0.0.0/0 via 10.2.0.254 dev bond0.2 metric 1", "delete route 0.0.0.0/0 via 10.0.0.254 dev bond0 metric 0"}},
		{"address removed", "SYSTEMNAME=h\nMODULES=(\"bond0 miimon=100\")\n",
			[]string{"delete address 10.0.0.1/24 from bond0", "delete route 0.0.0.0/0 via 10.0.0.254 dev bond0 metric 0"}},
	}
	cfg := parse(t, base)
	steps, _, err := Make(cfg, freshHost())
	if err != nil {
		t.Fatal(err)
	}
	applied := simulate(t, cfg, freshHost(), steps)
	// keepalived's virtual addresses and routes, on the same link, are
	// not ours.
	applied.Addrs["bond0"] = append(applied.Addrs["bond0"], netip.MustParsePrefix("10.0.0.100/32"), netip.MustParsePrefix("10.0.0.101/24"))
	applied.Routes = append(applied.Routes, host.Route{Dst: netip.MustParsePrefix("10.50.0.0/16"), Gw: netip.MustParsePrefix("10.0.0.253/32").Addr(), Dev: "bond0"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := parse(t, tt.edit)
			steps, got := planLines(t, edited, applied)
			if !slices.Equal(got, tt.want) {
				t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if again, _, _ := Make(edited, simulate(t, edited, applied, steps)); len(again) != 0 {
				t.Errorf("left after the edit: %v", again)
			}
		})
	}
}

// TestSlaveSetDownComesBack: a re-apply brings up a slave set down by hand.
func TestSlaveSetDownComesBack(t *testing.T) {
	cfg := load(t, "../testdata/seed.conf")
	steps, _, err := Make(cfg, freshHost())
	if err != nil {
		t.Fatal(err)
	}
	st := simulate(t, cfg, freshHost(), steps)
	st.Links["eth0"].Up = false
	steps, _, err = Make(cfg, st)
	if err != nil || len(steps) != 1 || steps[0].String() != "set link eth0 up" {
		t.Errorf("plan %v (%v), want set link eth0 up", steps, err)
	}
}

// TestModeChangeRestoresVLANRoutes: a mode change takes the bond down, and
// the kernel drops the routes through it and through its VLANs.
func TestModeChangeRestoresVLANRoutes(t *testing.T) {
	src, err := os.ReadFile("../testdata/lb.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg := load(t, "../testdata/lb.conf")
	steps, _, err := Make(cfg, freshHost())
	if err != nil {
		t.Fatal(err)
	}
	applied := simulate(t, cfg, freshHost(), steps)
	edited := parse(t, strings.Replace(string(src), "mode=active-backup", "mode=balance-xor", 1))
	steps, _, err = Make(edited, applied)
	if err != nil {
		t.Fatal(err)
	}
	last := steps[len(steps)-1].String()
	if last != "route 0.0.0.0/0 via 203.0.113.1 dev bond0.2 metric 1" {
		t.Errorf("plan ends with %q, want the VLAN's default route", last)
	}
	if again, _, _ := Make(edited, simulate(t, edited, applied, steps)); len(again) != 0 {
		t.Errorf("left after the edit: %v", again)
	}
}

func TestMissingFeature(t *testing.T) {
	cfg := parse(t, "MODULES=(bond0)\nVLANS=(bond0.2)\n")
	st := freshHost()
	st.Missing = []string{"bonding", "8021q"}
	_, _, err := Make(cfg, st)
	if err == nil || err.Error() != "bonding: not supported by this kernel (CONFIG_BONDING missing / module bonding not loadable)" {
		t.Errorf("err = %v", err)
	}
	st.Missing = []string{"8021q"}
	if _, _, err := Make(cfg, st); err == nil || !strings.Contains(err.Error(), "CONFIG_VLAN_8021Q") {
		t.Errorf("err = %v", err)
	}
	// A kernel without VLANs is fine for a file without VLANs.
	if _, _, err := Make(parse(t, "MODULES=(bond0)\n"), st); err != nil {
		t.Error(err)
	}
}

func BenchmarkMakeLB(b *testing.B) {
	f, err := conf.ReadFile("../testdata/lb.conf", nil)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := host.FromFile(f)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Make(cfg, freshHost()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMounts covers the device keys: absent devices and empty keys are
// skipped, active swap and existing mounts are left as they are, a mount
// point used by another device is reported, not remounted.
func TestMounts(t *testing.T) {
	src := "BTDEVICE=/dev/sda1\nSWDEVICE=/dev/sda2\nDBDEVICE=/dev/sdb1\nFSDEVICE=\n"
	tests := []struct {
		name    string
		devices []string
		swaps   []string
		mounts  map[string]string
		steps   []string
		notes   []string
	}{
		{"fresh", []string{"/dev/sda1", "/dev/sda2", "/dev/sdb1"}, nil, nil,
			[]string{"mount /dev/sda1 on /boot", "swap on /dev/sda2", "mount /dev/sdb1 on /var/lib/mysql"}, nil},
		{"no disks", nil, nil, nil, nil,
			[]string{"BTDEVICE=/dev/sda1: no such device; skipped", "SWDEVICE=/dev/sda2: no such device; skipped", "DBDEVICE=/dev/sdb1: no such device; skipped"}},
		{"already done", []string{"/dev/sda1", "/dev/sda2", "/dev/sdb1"}, []string{"/dev/sda2"},
			map[string]string{"/boot": "/dev/sda1", "/var/lib/mysql": "/dev/sdb1"}, nil, nil},
		{"mount point taken", []string{"/dev/sda1", "/dev/sda2", "/dev/sdb1"}, []string{"/dev/sda2"},
			map[string]string{"/boot": "/dev/sdc1", "/var/lib/mysql": "/dev/sdb1"}, nil,
			[]string{"BTDEVICE: /boot is already mounted from /dev/sdc1; left alone"}},
	}
	cfg := parse(t, src)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := freshHost()
			st.Devices = map[string]bool{}
			for _, d := range tt.devices {
				st.Devices[d] = true
			}
			for _, d := range tt.swaps {
				st.Swaps[d] = true
			}
			for k, v := range tt.mounts {
				st.Mounts[k] = v
			}
			steps, notes, err := Make(cfg, st)
			if err != nil {
				t.Fatal(err)
			}
			var got, gotNotes []string
			for _, s := range steps {
				got = append(got, s.String())
			}
			for _, n := range notes {
				gotNotes = append(gotNotes, string(n))
			}
			if !slices.Equal(got, tt.steps) || !slices.Equal(gotNotes, tt.notes) {
				t.Errorf("steps %q notes %q\nwant %q notes %q", got, gotNotes, tt.steps, tt.notes)
			}
		})
	}
}

// TestModules: MODULES entries that are not bonds are loaded when they
// are not yet, with their parameters, before anything else; ones this
// kernel lacks are skipped with a note; loaded ones are left alone.
func TestModules(t *testing.T) {
	cfg := parse(t, "SYSTEMNAME=h\nMODULES=(\"e1000e InterruptThrottleRate=1\" bond0 ip_vs nosuch)\n")
	want := []host.Module{{Name: "e1000e", Params: []string{"InterruptThrottleRate=1"}}, {Name: "ip_vs", Params: []string{}}, {Name: "nosuch", Params: []string{}}}
	if !reflect.DeepEqual(cfg.Modules, want) {
		t.Fatalf("modules %+v", cfg.Modules)
	}
	st := freshHost()
	st.Unloaded = []string{"e1000e", "nosuch"}
	st.Unavailable = []string{"nosuch"}
	steps, notes, err := Make(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) < 4 || steps[0].String() != "load module e1000e InterruptThrottleRate=1" || steps[1].Op != SetHostname || steps[3].Op != CreateBond {
		t.Errorf("steps %v", steps)
	}
	if len(notes) != 1 || notes[0] != "module nosuch: not loaded, and this kernel has no such module; skipped" {
		t.Errorf("notes %q", notes)
	}
}

// TestDroppedLinks: a bond or VLAN dsas-init created and the file no
// longer has is deleted (VLANs first); links someone else made are not.
func TestDroppedLinks(t *testing.T) {
	base := "SYSTEMNAME=h\nIPADDRESS0=10.0.0.1/24\nGATEWAY[0]=10.0.0.254\nMODULES=(\"bond0 miimon=100\")\n"
	full := base + "VLANS=(bond0.7 bond0.8)\nINTERFACE1=bond0.7\nIPADDRESS1=10.7.0.1/24\n"
	cfg := parse(t, full)
	steps, _, err := Make(cfg, freshHost())
	if err != nil {
		t.Fatal(err)
	}
	applied := simulate(t, cfg, freshHost(), steps)
	// A VLAN made by hand on eth0 (no alias): not dsas-init's.
	applied.Links["eth0.9"] = &Link{Name: "eth0.9", Kind: "vlan", Vlan: &host.Vlan{Name: "eth0.9", Parent: "eth0", ID: 9}}
	for _, tt := range []struct {
		name, edit string
		want       []string // the plan's first steps
	}{
		{"one VLAN dropped", base + "VLANS=(bond0.7)\nINTERFACE1=bond0.7\nIPADDRESS1=10.7.0.1/24\n", []string{"delete link bond0.8"}},
		{"VLANs dropped", base, []string{"delete link bond0.7", "delete link bond0.8"}},
		{"bond dropped", "SYSTEMNAME=h\nINTERFACE0=eth1\nIPADDRESS0=10.0.0.1/24\n",
			[]string{"delete link bond0.7", "delete link bond0.8", "delete link bond0", "set link eth1 up", "add address 10.0.0.1/24 to eth1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			edited := parse(t, tt.edit)
			steps, got := planLines(t, edited, applied)
			if len(got) < len(tt.want) || !slices.Equal(got[:len(tt.want)], tt.want) {
				t.Errorf("plan:\n%s\nwant it to start with:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, g := range got {
				if strings.Contains(g, "eth0.9") {
					t.Errorf("touched the hand-made VLAN: %s", g)
				}
			}
			after := simulate(t, edited, applied, steps)
			if _, ok := after.Links["eth0.9"]; !ok {
				t.Error("hand-made VLAN gone")
			}
			if again, _, _ := Make(edited, after); len(again) != 0 {
				t.Errorf("left after the edit: %v", again)
			}
		})
	}
}
