// Package host turns the variables of a dsas.conf into the host it
// describes: name, bonds, VLANs, addresses, routes, swap and mounts. It
// validates everything, so that nothing is applied from a bad file.
package host

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/dsas/conf"
)

// Bond modes, numbered as the kernel numbers them.
const (
	ModeBalanceRR    uint8 = 0
	ModeActiveBackup uint8 = 1
)

var modeNames = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

// ModeName returns the bonding driver's name for a mode.
func ModeName(m uint8) string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return strconv.Itoa(int(m))
}

// Bond is a bonding master and its options.
type Bond struct {
	Name    string
	Mode    uint8
	Primary string // empty: none
	Miimon  uint32
	// ArpInterval > 0 selects ARP monitoring instead of MII polling.
	ArpInterval uint32
	ArpTargets  []netip.Addr
	UpDelay     uint32
	DownDelay   uint32
	Slaves      []string
}

// Vlan is an 802.1Q link NAME on PARENT with tag ID.
type Vlan struct {
	Name   string
	Parent string
	ID     uint16
}

// Addr is an address with its prefix length, on Dev.
type Addr struct {
	Dev    string
	Prefix netip.Prefix
}

// Route is a unicast route in the main table.
type Route struct {
	Dst    netip.Prefix
	Gw     netip.Addr
	Dev    string // empty: the kernel picks it from Gw
	Metric uint32
}

// Mount is a block device to swap on or mount.
type Mount struct {
	Key    string // the dsas.conf key that named it
	Device string
	Dir    string // empty for swap
	Swap   bool
}

// Module is a kernel module to load and its parameters ("name=value").
type Module struct {
	Name   string
	Params []string
}

// Config is the desired state of the host.
type Config struct {
	Hostname string
	HWType   string
	Bonds    []Bond
	Vlans    []Vlan
	Addrs    []Addr
	Routes   []Route
	Mounts   []Mount
	// Modules are the MODULES entries that are not bonds: kernel modules
	// to load, with their parameters.
	Modules  []Module
	Warnings []conf.Diag
}

// Links returns the names of every link the configuration manages.
func (c *Config) Links() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, b := range c.Bonds {
		add(b.Name)
		for _, s := range b.Slaves {
			add(s)
		}
	}
	for _, v := range c.Vlans {
		add(v.Name)
	}
	for _, a := range c.Addrs {
		add(a.Dev)
	}
	return out
}

// NICs returns the links the configuration expects to find rather than
// create: bond slaves and the plain interfaces that carry addresses or
// VLANs. At boot they may still be appearing (drivers, udev renames).
func (c *Config) NICs() []string {
	made := map[string]bool{}
	for _, b := range c.Bonds {
		made[b.Name] = true
	}
	for _, v := range c.Vlans {
		made[v.Name] = true
	}
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !made[n] && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, b := range c.Bonds {
		for _, s := range b.Slaves {
			add(s)
		}
	}
	for _, v := range c.Vlans {
		add(v.Parent)
	}
	for _, a := range c.Addrs {
		add(a.Dev)
	}
	return out
}

// Default mount points; DSAS hosts keep them fixed, the *MOUNT keys
// override them.
var defaultDirs = map[string]string{"BTDEVICE": "/boot", "DBDEVICE": "/var/lib/mysql", "FSDEVICE": "/data"}

var (
	// No leading zeros: IPADDRESS01 is another bash variable than
	// IPADDRESS1, so it is not taken for interface 1 (it draws the
	// "not a key" warning instead).
	reIndexed  = regexp.MustCompile(`^(IPADDRESS|INTERFACE|GATEWAY|BONDSLAVES)(0|[1-9][0-9]*)$`)
	reBondName = regexp.MustCompile(`^bond([0-9]+)$`)
	reModule   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	reVlanName = regexp.MustCompile(`^([A-Za-z0-9_-]+)\.([0-9]+)$`)
)

// Known lists the keys that mean something; others draw a warning because
// they are usually a typo (boot scripts ignored them silently).
var Known = map[string]bool{
	"SYSTEMNAME": true, "HWTYPE": true, "MODULES": true, "VLANS": true, "ROUTES": true,
	"BTDEVICE": true, "SWDEVICE": true, "DBDEVICE": true, "FSDEVICE": true,
	"BTMOUNT": true, "DBMOUNT": true, "FSMOUNT": true,
	"IPADDRESS": true, "INTERFACE": true, "GATEWAY": true, "BONDSLAVES": true,
}

type builder struct {
	f    *conf.File
	c    *Config
	errs []error
	// The assignments that produced c.Addrs and c.Vlans, index for index,
	// so that an error found later still points at its line.
	addrVars, vlanVars []*conf.Var
	// defaultPrimary holds the bonds whose primary was not given: it is
	// their first slave, known once BONDSLAVESn is read.
	defaultPrimary map[string]bool
}

func (b *builder) errf(v *conf.Var, format string, args ...any) {
	p := conf.Pos{File: "<default>"}
	if v != nil {
		p = v.Pos
	}
	b.errs = append(b.errs, &conf.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) warnf(v *conf.Var, format string, args ...any) {
	p := conf.Pos{File: "<default>"}
	if v != nil {
		p = v.Pos
	}
	b.c.Warnings = append(b.c.Warnings, conf.Diag{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// indexed collects KEYn and KEY[n] (bash arrays) into n → value.
func (b *builder) indexed(key string) map[int]string {
	out := map[int]string{}
	pos := map[int]*conf.Var{}
	if v := b.f.Lookup(key); v != nil {
		for i, s := range v.Elems {
			out[i] = s
			pos[i] = v
		}
	}
	for _, name := range b.f.Names() {
		m := reIndexed.FindStringSubmatch(name)
		if m == nil || m[1] != key {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil || n > 4095 {
			b.errf(b.f.Lookup(name), "%s: index too large", name)
			continue
		}
		if _, dup := pos[n]; dup {
			b.errf(b.f.Lookup(name), "%s and %s[%d] both set: use one", name, key, n)
			continue
		}
		out[n] = b.f.Lookup(name).Value()
		pos[n] = b.f.Lookup(name)
	}
	return out
}

func (b *builder) varFor(key string, n int) *conf.Var {
	if v := b.f.Lookup(key + strconv.Itoa(n)); v != nil {
		return v
	}
	return b.f.Lookup(key)
}

// FromFile validates a read file and returns the host it describes. All
// errors are reported together, each with the position of its assignment.
func FromFile(f *conf.File) (*Config, error) {
	b := &builder{f: f, c: &Config{Warnings: append([]conf.Diag(nil), f.Warnings...)}, defaultPrimary: map[string]bool{}}
	b.build()
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	return b.c, nil
}

func (b *builder) build() {
	for _, name := range b.f.Names() {
		v := b.f.Lookup(name)
		if v.Pos.File == "<environment>" {
			continue
		}
		base := name
		if m := reIndexed.FindStringSubmatch(name); m != nil {
			base = m[1]
		}
		if !Known[base] && !v.Used && strings.ToUpper(name) == name {
			b.warnf(v, "%s is not a dsas.conf key; not used", name)
		}
	}
	if v := b.f.Lookup("SYSTEMNAME"); v != nil && v.Value() != "" {
		if !validHostname(v.Value()) {
			b.errf(v, "SYSTEMNAME %q is not a valid host name", v.Value())
		} else {
			b.c.Hostname = v.Value()
		}
	}
	if v := b.f.Lookup("HWTYPE"); v != nil {
		b.c.HWType = v.Value()
	}
	b.modules()
	b.interfaces()
	b.routes()
	b.mounts()
	b.checkLinks()
}

func validHostname(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func validIfName(s string) bool {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\n")
}

// modules reads MODULES: one entry per module, "NAME opt=val ...". An entry
// named bondN is the `options bondN ...` line of DSAS's modprobe.conf.
func (b *builder) modules() {
	v := b.f.Lookup("MODULES")
	if v == nil {
		return
	}
	for _, entry := range v.List() {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		if reBondName.MatchString(name) || name == "bonding" {
			if name == "bonding" {
				name = "bond0"
			}
			b.bond(v, name, fields[1:])
			continue
		}
		if !reModule.MatchString(name) {
			b.errf(v, "MODULES: %q is not a module name", name)
			continue
		}
		for _, o := range fields[1:] {
			if k, _, _ := strings.Cut(o, "="); !reModule.MatchString(k) {
				b.errf(v, "MODULES %s: option %q: want name=value", name, o)
			}
		}
		b.c.Modules = append(b.c.Modules, Module{Name: name, Params: fields[1:]})
	}
}

func (b *builder) bond(v *conf.Var, name string, opts []string) {
	for _, x := range b.c.Bonds {
		if x.Name == name {
			b.errf(v, "MODULES: %s defined twice", name)
			return
		}
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "bond"))
	// The seed's modprobe defaults: active-backup, primary eth0, miimon 100.
	bd := Bond{Name: name, Mode: ModeActiveBackup, Primary: fmt.Sprintf("eth%d", 2*n)}
	if _, seen := b.defaultPrimary[name]; !seen {
		b.defaultPrimary[name] = true
	}
	var miimon, arpInterval *uint32
	targetsGiven := false
	for _, o := range opts {
		key, val, ok := strings.Cut(o, "=")
		if !ok {
			b.errf(v, "MODULES %s: option %q: want key=value", name, o)
			continue
		}
		num := func() uint32 {
			x, err := strconv.ParseUint(val, 10, 32)
			if err != nil || x > 1<<31 {
				b.errf(v, "MODULES %s: %s=%q: want a number of milliseconds", name, key, val)
			}
			return uint32(x)
		}
		switch key {
		case "mode":
			m, ok := parseMode(val)
			if !ok {
				b.errf(v, "MODULES %s: mode=%q: want one of %s or 0-6", name, val, strings.Join(modeNames, ", "))
			}
			bd.Mode = m
		case "primary":
			b.defaultPrimary[name] = false
			if val != "" && !validIfName(val) {
				b.errf(v, "MODULES %s: primary=%q is not an interface name", name, val)
			}
			bd.Primary = val
		case "miimon":
			x := num()
			miimon = &x
		case "arp_interval":
			x := num()
			arpInterval = &x
		case "updelay":
			bd.UpDelay = num()
		case "downdelay":
			bd.DownDelay = num()
		case "arp_ip_target":
			targetsGiven = true
			for _, t := range strings.Split(val, ",") {
				if t == "" {
					continue
				}
				a, err := netip.ParseAddr(t)
				if err != nil || !a.Is4() {
					b.errf(v, "MODULES %s: arp_ip_target %q is not an IPv4 address", name, t)
					continue
				}
				bd.ArpTargets = append(bd.ArpTargets, a)
			}
			if len(bd.ArpTargets) > 16 {
				b.errf(v, "MODULES %s: at most 16 arp_ip_target addresses", name)
			}
		case "max_bonds":
			// Only meaningful when loading the module; bonds are created one by one here.
		default:
			b.errf(v, "MODULES %s: unsupported bonding option %q (supported: mode primary miimon arp_interval arp_ip_target updelay downdelay)", name, key)
		}
	}
	switch {
	case miimon != nil && arpInterval != nil && *miimon > 0 && *arpInterval > 0:
		b.errf(v, "MODULES %s: miimon and arp_interval exclude each other; pick one link monitor", name)
	case arpInterval != nil && *arpInterval > 0 && len(bd.ArpTargets) == 0:
		b.warnf(v, "MODULES %s: arp_interval=%d without any arp_ip_target would mark every slave down; using MII monitoring (miimon 100) instead", name, *arpInterval)
		bd.Miimon = 100
	case arpInterval != nil && *arpInterval > 0:
		bd.ArpInterval = *arpInterval
	case miimon != nil:
		bd.Miimon = *miimon
	default:
		bd.Miimon = 100
	}
	if targetsGiven && len(bd.ArpTargets) == 0 && (arpInterval == nil || *arpInterval == 0) {
		b.warnf(v, "MODULES %s: arp_ip_target is empty (its variables are unset?); no ARP monitoring, MII monitoring (miimon %d) is used", name, bd.Miimon)
	} else if len(bd.ArpTargets) > 0 && bd.ArpInterval == 0 {
		b.warnf(v, "MODULES %s: arp_ip_target without arp_interval has no effect; MII monitoring is used", name)
		bd.ArpTargets = nil
	}
	if bd.Primary != "" && bd.Mode != ModeActiveBackup && bd.Mode != 5 && bd.Mode != 6 {
		bd.Primary = ""
	}
	b.c.Bonds = append(b.c.Bonds, bd)
}

func parseMode(s string) (uint8, bool) {
	for i, n := range modeNames {
		if s == n || s == strconv.Itoa(i) {
			return uint8(i), true
		}
	}
	return 0, false
}

func (b *builder) bondByName(name string) *Bond {
	for i := range b.c.Bonds {
		if b.c.Bonds[i].Name == name {
			return &b.c.Bonds[i]
		}
	}
	return nil
}

// interfaces resolves BONDSLAVESn, INTERFACEn, IPADDRESSn, GATEWAY[n], VLANS.
func (b *builder) interfaces() {
	for i := range b.c.Bonds {
		bd := &b.c.Bonds[i]
		n, _ := strconv.Atoi(strings.TrimPrefix(bd.Name, "bond"))
		if v := b.f.Lookup("BONDSLAVES" + strconv.Itoa(n)); v != nil {
			for _, e := range v.List() {
				bd.Slaves = append(bd.Slaves, strings.Fields(e)...)
			}
			if len(bd.Slaves) == 0 {
				b.errf(v, "BONDSLAVES%d is empty: a bond needs at least one NIC", n)
			}
			for _, s := range bd.Slaves {
				if !validIfName(s) {
					b.errf(v, "BONDSLAVES%d: %q is not an interface name", n, s)
				}
			}
		} else {
			bd.Slaves = []string{fmt.Sprintf("eth%d", 2*n), fmt.Sprintf("eth%d", 2*n+1)}
		}
		// Without primary=, the first slave is primary: eth0 for the seed's
		// bond0, and the first of BONDSLAVESn when that is given.
		if b.defaultPrimary[bd.Name] && bd.Primary != "" && len(bd.Slaves) > 0 {
			bd.Primary = bd.Slaves[0]
		}
		if bd.Primary != "" && !contains(bd.Slaves, bd.Primary) {
			b.errf(b.f.Lookup("MODULES"), "MODULES %s: primary %s is not one of its slaves (%s)", bd.Name, bd.Primary, strings.Join(bd.Slaves, " "))
		}
	}
	ifaces := b.indexed("INTERFACE")
	addrs := b.indexed("IPADDRESS")
	gws := b.indexed("GATEWAY")
	dev := func(n int) string {
		if d, ok := ifaces[n]; ok && d != "" {
			if !validIfName(d) {
				b.errf(b.varFor("INTERFACE", n), "INTERFACE%d: %q is not an interface name", n, d)
			}
			return d
		}
		if b.bondByName(fmt.Sprintf("bond%d", n)) != nil {
			return fmt.Sprintf("bond%d", n)
		}
		return fmt.Sprintf("eth%d", n)
	}
	for _, n := range sortedKeys(addrs) {
		s := addrs[n]
		if s == "" {
			continue
		}
		v := b.varFor("IPADDRESS", n)
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			b.errf(v, "IPADDRESS%d=%q: want an IPv4 ADDRESS/PREFIXLEN such as 192.168.1.1/22", n, s)
			continue
		}
		b.c.Addrs = append(b.c.Addrs, Addr{Dev: dev(n), Prefix: p})
		b.addrVars = append(b.addrVars, v)
	}
	for _, n := range sortedKeys(gws) {
		s := gws[n]
		if s == "" {
			continue
		}
		v := b.varFor("GATEWAY", n)
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			b.errf(v, "GATEWAY[%d]=%q: want an IPv4 address", n, s)
			continue
		}
		d := dev(n)
		onLink := false
		for _, ad := range b.c.Addrs {
			if ad.Dev == d && ad.Prefix.Masked().Contains(a) {
				onLink = true
			}
		}
		if !onLink {
			b.errf(v, "GATEWAY[%d]=%s is not inside any IPADDRESS on %s (interface %d)", n, a, d, n)
			continue
		}
		b.c.Routes = append(b.c.Routes, Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gw: a, Dev: d, Metric: uint32(n)})
	}
	// VLANs: every PARENT.ID interface named anywhere, plus VLANS.
	var names []string
	var from []*conf.Var
	for _, n := range sortedKeys(ifaces) {
		names = append(names, ifaces[n])
		from = append(from, b.varFor("INTERFACE", n))
	}
	if v := b.f.Lookup("VLANS"); v != nil {
		for _, e := range v.List() {
			for _, name := range strings.Fields(e) {
				if !reVlanName.MatchString(name) {
					b.errf(v, "VLANS: %q: want PARENT.VID such as bond0.2", name)
					continue
				}
				names = append(names, name)
				from = append(from, v)
			}
		}
	}
	for i, name := range names {
		m := reVlanName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		id, err := strconv.Atoi(m[2])
		if err != nil || id < 1 || id > 4094 {
			b.errf(from[i], "%s: VLAN id must be 1-4094", name)
			continue
		}
		if !validIfName(name) {
			b.errf(from[i], "%q is not an interface name (at most 15 bytes)", name)
			continue
		}
		dup := false
		for _, x := range b.c.Vlans {
			dup = dup || x.Name == name
		}
		if !dup {
			b.c.Vlans = append(b.c.Vlans, Vlan{Name: name, Parent: m[1], ID: uint16(id)})
			b.vlanVars = append(b.vlanVars, from[i])
		}
	}
}

// routes reads ROUTES=("DST via GW" ...), extra static routes.
func (b *builder) routes() {
	v := b.f.Lookup("ROUTES")
	if v == nil {
		return
	}
	for _, e := range v.List() {
		f := strings.Fields(e)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || f[1] != "via" {
			b.errf(v, "ROUTES entry %q: want \"DST/LEN via GATEWAY\"", e)
			continue
		}
		dst, err1 := netip.ParsePrefix(f[0])
		gw, err2 := netip.ParseAddr(f[2])
		if err1 != nil || err2 != nil || !dst.Addr().Is4() || !gw.Is4() {
			b.errf(v, "ROUTES entry %q: want IPv4 \"DST/LEN via GATEWAY\"", e)
			continue
		}
		if dst != dst.Masked() {
			b.errf(v, "ROUTES entry %q: %s has host bits set (did you mean %s?)", e, dst, dst.Masked())
			continue
		}
		d := ""
		for _, a := range b.c.Addrs {
			if a.Prefix.Masked().Contains(gw) {
				d = a.Dev
			}
		}
		if d == "" {
			b.errf(v, "ROUTES entry %q: gateway %s is not inside any IPADDRESS", e, gw)
			continue
		}
		b.c.Routes = append(b.c.Routes, Route{Dst: dst, Gw: gw, Dev: d})
	}
}

func (b *builder) mounts() {
	for _, key := range []string{"BTDEVICE", "SWDEVICE", "DBDEVICE", "FSDEVICE"} {
		v := b.f.Lookup(key)
		if v == nil || v.Value() == "" {
			continue
		}
		dev := v.Value()
		if !strings.HasPrefix(dev, "/") {
			b.errf(v, "%s=%q: want an absolute device path such as /dev/sda1", key, dev)
			continue
		}
		if key == "SWDEVICE" {
			b.c.Mounts = append(b.c.Mounts, Mount{Key: key, Device: dev, Swap: true})
			continue
		}
		mkey := strings.TrimSuffix(key, "DEVICE") + "MOUNT"
		dir := defaultDirs[key]
		if mv := b.f.Lookup(mkey); mv != nil && mv.Value() != "" {
			dir = mv.Value()
			if !strings.HasPrefix(dir, "/") {
				b.errf(mv, "%s=%q: want an absolute directory", mkey, dir)
				continue
			}
		}
		b.c.Mounts = append(b.c.Mounts, Mount{Key: key, Device: dev, Dir: dir})
	}
}

// checkLinks rejects configurations whose links contradict each other.
func (b *builder) checkLinks() {
	role := map[string]string{}
	for _, bd := range b.c.Bonds {
		role[bd.Name] = "bond"
	}
	for _, bd := range b.c.Bonds {
		for _, s := range bd.Slaves {
			if r, ok := role[s]; ok {
				v := b.f.Lookup("BONDSLAVES" + strings.TrimPrefix(bd.Name, "bond"))
				if v == nil { // default slaves: the bond's MODULES entry
					v = b.f.Lookup("MODULES")
				}
				b.errf(v, "%s cannot be a slave of %s: it is already a %s", s, bd.Name, r)
				continue
			}
			role[s] = "slave of " + bd.Name
		}
	}
	for i, v := range b.c.Vlans {
		if r := role[v.Parent]; strings.HasPrefix(r, "slave") {
			b.errf(b.vlanVars[i], "VLAN %s: its parent %s is a %s; put the VLAN on the bond", v.Name, v.Parent, r)
		}
		role[v.Name] = "vlan"
	}
	for i, a := range b.c.Addrs {
		if r := role[a.Dev]; strings.HasPrefix(r, "slave") {
			b.errf(b.addrVars[i], "address %s on %s: %s is a %s and cannot hold addresses", a.Prefix, a.Dev, a.Dev, r)
		}
	}
	seen := map[netip.Addr]string{}
	for i, a := range b.c.Addrs {
		if d, dup := seen[a.Prefix.Addr()]; dup {
			b.errf(b.addrVars[i], "address %s set on both %s and %s", a.Prefix.Addr(), d, a.Dev)
		}
		seen[a.Prefix.Addr()] = a.Dev
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[int]string) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// joinErrors keeps the first error's file:line:col at the front of the
// message, which is what a user reads first.
func joinErrors(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, _ := errs[i].(*conf.Error)
		c, _ := errs[j].(*conf.Error)
		if a == nil || c == nil {
			return false
		}
		if a.Pos.File != c.Pos.File {
			return a.Pos.File < c.Pos.File
		}
		return a.Pos.Line < c.Pos.Line || a.Pos.Line == c.Pos.Line && a.Pos.Col < c.Pos.Col
	})
	if len(errs) == 1 {
		return errs[0]
	}
	return &Errors{errs}
}

// Errors is every validation error of a file.
type Errors struct{ List []error }

func (e *Errors) Error() string {
	var s []string
	for _, x := range e.List {
		s = append(s, x.Error())
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each *conf.Error.
func (e *Errors) Unwrap() []error { return e.List }
