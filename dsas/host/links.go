package host

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/dsas/conf"
)

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

func validIfName(s string) bool {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\n")
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
