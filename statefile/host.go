package statefile

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// Iface is one interface of the namespace, as the data file's Interfaces
// section shows it.
type Iface struct {
	Index     int
	Name      string
	Flags     uint32 // IFF_* bits
	MTU       int
	MAC       net.HardwareAddr
	Broadcast net.HardwareAddr
	HWType    int // ARPHRD_*
	IPv4      []netip.Addr
	IPv6      netip.Addr // the link-local address keepalived sends from
	// Prefixes are the interface's addresses with their lengths: a static
	// route's gateway in one of them is installed.
	Prefixes []netip.Prefix
	// The IPv4 devconf values keepalived's netlink view holds, and the
	// interface's IPv6 forwarding.
	ArpIgnore, ArpFilter, RPFilter, PromoteSecondaries int
	IPv6Forwarding                                     bool
	// Delayed: a change of state waits for interface_up_down_delays
	// (Flags are then those before it, as keepalived holds them).
	Delayed bool
	// Debounce, when set, are the interface's delays in force (else the
	// configuration's).
	Debounce *config.InterfaceDelay
}

// IFF_* and ARPHRD_* values the section prints.
const (
	iffUp          = 0x1
	iffBroadcast   = 0x2
	iffLoopback    = 0x8
	iffPointToPt   = 0x10
	iffRunning     = 0x40
	iffNoARP       = 0x80
	iffMulticast   = 0x1000
	arphrdEther    = 1
	arphrdLoopback = 772
)

// HostInterfaces lists the interfaces of the current network namespace in
// index order, as keepalived's interface queue holds them.
func HostInterfaces() []Iface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	addrs := addrsByIndex()
	out := make([]Iface, 0, len(ifs))
	for _, ni := range ifs {
		f := Iface{Index: ni.Index, Name: ni.Name, MTU: ni.MTU, MAC: ni.HardwareAddr, Flags: goFlags(ni.Flags)}
		// sysfs has what net.Interface lacks (NOARP, the link type and
		// broadcast address); it is the namespace's own after ip netns
		// exec, which is how keepalived-go enters one.
		sys := "/sys/class/net/" + ni.Name + "/"
		if v, ok := sysNum(sys+"flags", 16); ok {
			// sysfs holds the configured flags; RUNNING (carrier) is
			// only in the netlink view.
			f.Flags = uint32(v) | f.Flags&iffRunning
		}
		f.HWType = arphrdEther
		if ni.Flags&net.FlagLoopback != 0 {
			f.HWType = arphrdLoopback
		}
		if v, ok := sysNum(sys+"type", 10); ok {
			f.HWType = int(v)
		}
		if len(f.MAC) > 0 {
			f.Broadcast = f.MAC
			if bc, err := os.ReadFile(sys + "broadcast"); err == nil {
				if hw, err := net.ParseMAC(strings.TrimSpace(string(bc))); err == nil {
					f.Broadcast = hw
				}
			}
		}
		readSysctls(&f)
		for _, pfx := range addrs[ni.Index] {
			f.Prefixes = append(f.Prefixes, pfx)
			ip := pfx.Addr()
			switch {
			case ip.Is4():
				f.IPv4 = append(f.IPv4, ip)
			case ip.IsLinkLocalUnicast() && !f.IPv6.IsValid():
				f.IPv6 = ip
			}
		}
		out = append(out, f)
	}
	return out
}

// addrsByIndex is net.Interface.Addrs for every interface at once, in the
// kernel's order: one address dump instead of one per interface (each of
// which is a dump of the whole namespace; SIGUSR1 with 2 000 VMACs spent
// 4 s there). As the standard library, an IPv4 address is IFA_LOCAL when
// the kernel gives one (the peer of a point-to-point link is not ours).
func addrsByIndex() map[int][]netip.Prefix {
	tab, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return nil
	}
	msgs, err := syscall.ParseNetlinkMessage(tab)
	if err != nil {
		return nil
	}
	out := map[int][]netip.Prefix{}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		ifam := (*syscall.IfAddrmsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		var addr, local []byte
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFA_ADDRESS:
				addr = a.Value
			case syscall.IFA_LOCAL:
				local = a.Value
			}
		}
		if local != nil {
			addr = local
		}
		ip, ok := netip.AddrFromSlice(addr)
		if !ok || (ifam.Family != syscall.AF_INET && ifam.Family != syscall.AF_INET6) {
			continue
		}
		out[int(ifam.Index)] = append(out[int(ifam.Index)], netip.PrefixFrom(ip.Unmap(), int(ifam.Prefixlen)))
	}
	return out
}

func goFlags(fl net.Flags) uint32 {
	var f uint32
	for _, m := range []struct {
		g net.Flags
		k uint32
	}{{net.FlagUp, iffUp}, {net.FlagBroadcast, iffBroadcast}, {net.FlagLoopback, iffLoopback},
		{net.FlagPointToPoint, iffPointToPt}, {net.FlagRunning, iffRunning}, {net.FlagMulticast, iffMulticast}} {
		if fl&m.g != 0 {
			f |= m.k
		}
	}
	return f
}

func sysNum(path string, base int) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"), base, 32)
	return v, err == nil
}

// dumpInterfaces is keepalived's dump_interface_queue. Addresses
// keepalived added itself (VIPs, static addresses) are not the interface's
// own, so they are left out of its address lines as keepalived leaves
// them out.
func dumpInterfaces(p func(string, ...any), ifs []Iface, cfg vrrp.Config, c *config.Config, instances []status.Instance) {
	if len(ifs) == 0 {
		return
	}
	x := newIfaceCtx(ifs, cfg, c, instances)
	p("------< Interfaces >------")
	for _, f := range ifs {
		dumpIface(p, f, x)
		dumpTracking(p, f.Name, cfg, c, x)
	}
	// keepalived keeps an entry for a use_ipvlan link the kernel refused:
	// no index, no flags, no addresses.
	for _, l := range x.ipvlans {
		if !slices.ContainsFunc(ifs, func(f Iface) bool { return f.Name == l.name }) {
			dumpIface(p, Iface{Name: l.name}, x)
			dumpTracking(p, l.name, cfg, c, x)
		}
	}
}

// ipvlanLink is one use_ipvlan link for the Interfaces section.
type ipvlanLink struct {
	name, base string
	mode       config.IPVLANMode
}

func (x *ifaceCtx) ipvlan(name string) (ipvlanLink, bool) {
	for _, l := range x.ipvlans {
		if l.name == name {
			return l, true
		}
	}
	return ipvlanLink{}, false
}

// ifaceCtx is what the Interfaces section needs beyond each interface.
// ifAddr is an address on one interface.
type ifAddr struct {
	dev string
	a   netip.Addr
}

type ifaceCtx struct {
	c    *config.Config
	vips map[netip.Addr]bool
	// added are the addresses keepalived puts on each interface (VIPs,
	// eVIPs, static addresses), which it leaves out of the interface's
	// own: one the interface had already, under another instance's VIP,
	// stays its own (072: bond1.1's 10.1.1.1 is VMAC vrrp4.1.1.1's VIP).
	added  map[ifAddr]bool
	vmacs  map[string]string // VMAC name → its base interface
	nvmac  map[string]int    // base interface → IPv4 VMACs on it (ARP reset)
	flags  map[string]uint32
	v6Mast map[string]bool // interfaces an IPv6 instance was MASTER on
	// vmacBase are the base interfaces of VMACs, of either family.
	vmacBase map[string]bool
	// ipvlans are the use_ipvlan links, in configuration order.
	ipvlans []ipvlanLink
	// related lists, by interface name, the indexes (in cfg.Instances
	// order) of the instances that may track it: its own, its VMAC's, a
	// track_interface naming it, a VIP, route or rule on it. Asking every instance for
	// every interface, with a linear look-up of each instance's
	// configuration, was cubic: SIGUSR1 with 2 000 VMAC instances took
	// 22 s.
	related map[string][]int
	inst    map[string]*config.Instance
	// delays are the interface_up_down_delays by interface name.
	delays map[string]config.InterfaceDelay
}

// relate fills x.related and x.inst.
func (x *ifaceCtx) relate(cfg vrrp.Config, c *config.Config) {
	x.inst = make(map[string]*config.Instance, len(c.VRRP.Instances))
	for i := range c.VRRP.Instances {
		ci := &c.VRRP.Instances[i]
		if _, dup := x.inst[ci.Name]; !dup { // Instance returns the first
			x.inst[ci.Name] = ci
		}
	}
	x.related = map[string][]int{}
	for i, ic := range cfg.Instances {
		names := []string{ic.Interface}
		if ci := x.inst[ic.Name]; ci != nil {
			for _, tr := range ci.Trackers {
				if tr.Kind == config.TrackInterface {
					names = append(names, tr.Name)
				}
			}
			if ci.VMAC.Enabled || ci.VMAC.IPVLAN {
				names = append(names, ci.Interface, configVMACName(c, ci))
			}
		}
		for _, l := range [][]vrrp.Address{ic.VIPs, ic.ExcludedVIPs} {
			for _, a := range l {
				names = append(names, status.AddrDev(a, ic.Interface))
			}
		}
		for _, rt := range ic.Routes {
			names = append(names, rt.Dev)
		}
		for _, ru := range ic.Rules {
			names = append(names, ru.IIf, ru.OIf)
		}
		slices.Sort(names)
		for _, n := range slices.Compact(names) {
			x.related[n] = append(x.related[n], i)
		}
	}
}

func newIfaceCtx(ifs []Iface, cfg vrrp.Config, c *config.Config, instances []status.Instance) *ifaceCtx {
	x := &ifaceCtx{c: c, vips: map[netip.Addr]bool{}, added: map[ifAddr]bool{}, vmacs: map[string]string{}, nvmac: map[string]int{},
		flags: map[string]uint32{}, v6Mast: map[string]bool{}, vmacBase: map[string]bool{}}
	x.relate(cfg, c)
	x.delays = vrrpconf.LinkDelays(c, cfg.Instances)
	for _, ic := range cfg.Instances {
		for _, l := range [][]vrrp.Address{ic.VIPs, ic.ExcludedVIPs} {
			for _, v := range l {
				x.vips[v.Prefix.Addr()] = true
				x.added[ifAddr{status.AddrDev(v, ic.Interface), v.Prefix.Addr()}] = true
			}
		}
	}
	for _, a := range c.VRRP.StaticAddresses {
		x.vips[a.Prefix.Addr()] = true
		x.added[ifAddr{a.Dev, a.Prefix.Addr()}] = true
	}
	ran := map[string]string{}
	for _, ic := range cfg.Instances {
		ran[ic.Name] = ic.VMACName
	}
	for i := range c.VRRP.Instances {
		ci := &c.VRRP.Instances[i]
		if ci.VMAC.IPVLAN && ci.Interface != "" {
			x.ipvlans = append(x.ipvlans, ipvlanLink{name: vmacName(c, ci, ran[ci.Name]), base: ci.Interface, mode: ci.VMAC.IPVLANMode})
		}
		if ci.VMAC.Enabled {
			x.vmacs[vmacName(c, ci, ran[ci.Name])] = ci.Interface
			x.vmacBase[ci.Interface] = true
			// keepalived sets (and counts) the base's ARP
			// configuration for an IPv4 VMAC only (create_vmac).
			if ci.Family != config.IPv6 {
				x.nvmac[ci.Interface]++
			}
		}
	}
	// Address VMACs (use_vmac on a VIP, use_vmac_addr) are keepalived's
	// VMACs too; an IPv4 one resets its base's ARP configuration.
	for i := range instances {
		in := &instances[i]
		bases := addrVMACBases(in, configInstance(c, in.Name))
		for _, a := range append(slices.Clone(in.Config.VIPs), in.Config.ExcludedVIPs...) {
			base, ok := bases[a.Dev]
			if _, seen := x.vmacs[a.Dev]; !ok || seen {
				continue
			}
			x.vmacs[a.Dev] = base
			x.vmacBase[base] = true
			if a.Prefix.Addr().Unmap().Is4() {
				x.nvmac[base]++
			}
		}
	}
	for _, f := range ifs {
		x.flags[f.Name] = f.Flags
	}
	// keepalived checks an interface's IPv6 forwarding when it first
	// sends unsolicited NAs there, for IPv6 VIPs or eVIPs as MASTER; a
	// VMAC's NAs are its base's (ndisc_send_unsolicited_na).
	for _, in := range instances {
		if !wasMaster(in) {
			continue
		}
		for _, l := range [][]vrrp.Address{in.Config.VIPs, in.Config.ExcludedVIPs} {
			for _, a := range l {
				if a.Prefix.Addr().Is6() {
					dev := status.AddrDev(a, in.Interface)
					x.v6Mast[cmpOr(x.vmacs[dev], dev)] = true
				}
			}
		}
	}
	return x
}

func wasMaster(in status.Instance) bool {
	if in.State == vrrp.StateMaster {
		return true
	}
	for _, t := range in.History {
		if t.To == vrrp.StateMaster {
			return true
		}
	}
	return false
}

// vmacName is the instance's VMAC as the VRRP side named it (ran), or
// else as the configuration names it.
func vmacName(c *config.Config, ci *config.Instance, ran string) string {
	if ran != "" {
		return ran
	}
	return configVMACName(c, ci)
}

// configVMACName is use_vmac's interface name, or keepalived's default
// <vmac_prefix>.<vrid> (without create_vmac_name's way round a name
// another instance has: vrrpconf's, in InstanceConfig.VMACName).
func configVMACName(c *config.Config, ci *config.Instance) string {
	if ci.VMAC.IfName != "" {
		return ci.VMAC.IfName
	}
	return fmt.Sprintf("%s.%d", cmpOr(c.Global.VRRP.VMACPrefix, "vrrp"), ci.VRID)
}

// ownLinkLocal is the interface's IPv6 address as keepalived holds it:
// the first link-local address it saw there, which is never a VIP
// keepalived added later (an IPv6 VMAC gets its link-local address before
// its VIPs, and a link-local VIP such as fe80:1:2::41/64 can be listed
// first by the kernel).
func ownLinkLocal(f Iface, vips map[netip.Addr]bool) netip.Addr {
	if !vips[f.IPv6] {
		return f.IPv6
	}
	for _, pfx := range f.Prefixes {
		if a := pfx.Addr(); a.Is6() && a.IsLinkLocalUnicast() && !vips[a] {
			return a
		}
	}
	return netip.Addr{}
}

// dumpIface is keepalived's dump_if for one interface.
func dumpIface(p func(string, ...any), f Iface, x *ifaceCtx) {
	p(" Name = %s", f.Name)
	if f.Index == 0 {
		p("   index = 0 (deleted)")
	} else {
		p("   index = %d", f.Index)
	}
	var own []netip.Addr
	for _, a := range f.IPv4 {
		if !x.added[ifAddr{f.Name, a}] {
			own = append(own, a)
		}
	}
	p("   IPv4 address = %s", addrOrNone(own))
	if len(own) > 1 {
		p("   Additional IPv4 addresses :")
		for _, a := range own[1:] {
			p("     %s", a)
		}
	}
	if ll := ownLinkLocal(f, x.vips); ll.IsValid() {
		p("   IPv6 address = %s", ll)
	} else {
		p("   IPv6 address = (none)")
	}
	if len(f.MAC) > 0 {
		p("   MAC = %s", f.MAC)
		p("   MAC broadcast = %s", f.Broadcast)
	}
	p("   State = %s", ifState(f.Flags))
	// A delay applies only to an interface seen up (seen_up).
	p("   Seen up = %d", b2i(f.Delayed || (f.Flags&iffUp != 0 && f.Flags&iffRunning != 0)))
	p("   Delayed state change running = %t", f.Delayed)
	d := x.delays[f.Name]
	if f.Debounce != nil {
		d = *f.Debounce
	}
	p("   Up debounce timer = %dus", d.Up/time.Microsecond)
	p("   Down debounce timer = %dus", d.Down/time.Microsecond)
	if base, ok := x.vmacs[f.Name]; ok {
		bf := x.flags[base]
		p("   VMAC type private, underlying interface = %s, state = %sUP, %sRUNNING", base,
			notWord(bf&iffUp != 0), notWord(bf&iffRunning != 0))
		p("   I/f created by keepalived")
	}
	if l, ok := x.ipvlan(f.Name); ok {
		if f.Index != 0 {
			bf := x.flags[l.base]
			p("   IPVLAN type L2 %s, underlying interface = %s, state = %sUP, %sRUNNING", l.mode, l.base,
				notWord(bf&iffUp != 0), notWord(bf&iffRunning != 0))
		}
		p("   I/f created by keepalived")
	}
	p("   MTU = %d", f.MTU)
	switch f.HWType {
	case arphrdLoopback:
		p("   HW Type = LOOPBACK")
	case arphrdEther:
		p("   HW Type = ETHERNET")
	default:
		p("   HW Type = UNKNOWN (%d)", f.HWType)
	}
	p("   NIC netlink status update")
	dumpIfaceGARP(p, f.Name, x.c)
	dumpIfaceSysctls(p, f, x)
}

func notWord(on bool) string {
	if on {
		return ""
	}
	return "not "
}

func dumpIfaceGARP(p func(string, ...any), name string, c *config.Config) {
	g, ok := garpGroupOf(c, name)
	if !ok {
		return
	}
	if g.GARPInterval > 0 {
		p("   Gratuitous ARP interval %dms", g.GARPInterval.Milliseconds())
	}
	if g.GNAInterval > 0 {
		p("   Gratuitous NA interval %dms", g.GNAInterval.Milliseconds())
	}
	if g.num > 0 {
		p("   Gratuitous ARP aggregation group %d", g.num)
	}
}

// promoteCount is keepalived's reset_promote_secondaries: how many
// instances on the interface asked for promote_secondaries.
func promoteCount(ifname string, c *config.Config) int {
	n := 0
	if c == nil {
		return 0
	}
	for _, in := range c.VRRP.Instances {
		if in.PromoteSecondaries && in.Interface == ifname {
			n++
		}
	}
	return n
}

// dumpIfaceSysctls prints the interface's devconf values as keepalived
// last read them from the kernel (its "Original" values are the ones its
// netlink view holds: a VMAC's base reads 1 after keepalived set it), and
// the IPv6 forwarding check of an interface IPv6 adverts went out on.
func dumpIfaceSysctls(p func(string, ...any), f Iface, x *ifaceCtx) {
	_, isVMAC := x.vmacs[f.Name]
	if _, ok := x.ipvlan(f.Name); ok {
		isVMAC = true
	}
	p("   Reset ARP config counter %d", x.nvmac[f.Name])
	p("   Original arp_ignore %d", f.ArpIgnore)
	p("   Original arp_filter %d", f.ArpFilter)
	if isVMAC || x.vmacBase[f.Name] || promoteCount(f.Name, x.c) > 0 {
		// keepalived lowers rp_filter for VMACs and prints it for the
		// interfaces it saw change since (setting promote_secondaries
		// is such a change).
		p("   rp_filter %d", f.RPFilter)
	}
	p("   Original promote_secondaries %d", f.PromoteSecondaries)
	p("   Reset promote_secondaries counter %d", promoteCount(f.Name, x.c))
	if x.v6Mast[f.Name] {
		not := "Not "
		if f.IPv6Forwarding {
			not = ""
		}
		p("   %sIPv6 forwarding. Last checked %s", not, garpNext(time.Local))
	}
}

// ownDev reports whether dev is the instance's interface: the one it
// runs on, its VMAC (an xmit_base instance runs on the base) or the
// configured base interface (keepalived's vrrp->ifp and its base).
func (x *ifaceCtx) ownDev(ic vrrp.InstanceConfig, dev string) bool {
	if dev == ic.Interface || (ic.VMACName != "" && dev == ic.VMACName) {
		return true
	}
	ci := x.inst[ic.Name]
	return ci != nil && ci.Interface == dev
}

// dumpTracking lists the instances tracking the interface in keepalived's
// order of adding them: per instance its track_interface entries then its
// own interface (and a VMAC's base); then the interfaces of VIPs on other
// devices, virtual routes and rules; then sync groups' track_interface;
// then static track groups.
// An instance is listed once, with the weight last given (keepalived's
// add_vrrp_to_interface).
func dumpTracking(p func(string, ...any), name string, cfg vrrp.Config, c *config.Config, x *ifaceCtx) {
	var t ifTracking
	for _, i := range x.related[name] {
		ic := cfg.Instances[i]
		if ci := x.inst[ic.Name]; ci != nil {
			for _, tr := range ci.Trackers {
				if tr.Kind == config.TrackInterface && tr.Name == name && !x.usesInterface(c, ic, name) {
					t.add(ic.Name, tr.Weight, tr.Reverse)
				}
			}
		}
		if x.usesInterface(c, ic, name) {
			// keepalived's VRRP_NOT_TRACK_IF (255) for dont_track_primary.
			w := 0
			if ic.DontTrackPrimary {
				w = 255
			}
			t.add(ic.Name, w, false)
		}
	}
	for _, i := range x.related[name] {
		ic := cfg.Instances[i]
		for _, l := range [][]vrrp.Address{ic.VIPs, ic.ExcludedVIPs} {
			for _, a := range l {
				// keepalived: a dont_track_primary instance's addresses
				// on its own interface, its VMAC or the VMAC's base, do
				// not make it tracked.
				dev := status.AddrDev(a, ic.Interface)
				if !a.NoTrack && dev == name && !(ic.DontTrackPrimary && x.ownDev(ic, dev)) {
					t.add(ic.Name, 0, false)
				}
			}
		}
		// Then its virtual routes' and rules' interfaces (TRACK_ROUTE,
		// TRACK_RULE).
		for _, rt := range ic.Routes {
			if !rt.NoTrack && rt.Dev == name {
				t.add(ic.Name, 0, false)
			}
		}
		for _, ru := range ic.Rules {
			if !ru.NoTrack && (ru.IIf == name || ru.OIf == name) {
				t.add(ic.Name, 0, false)
			}
		}
	}
	for _, g := range c.VRRP.SyncGroups {
		for _, m := range g.Members {
			for _, tr := range g.Trackers {
				if tr.Kind == config.TrackInterface && tr.Name == name {
					t.add(m, tr.Weight, tr.Reverse)
				}
			}
		}
	}
	// A static address following a track group makes the group's
	// instances track its interface (weight 0).
	for _, n := range staticGroupTrackers(c, name) {
		t.add(n, 0, false)
	}
	if len(t.names) == 0 {
		return
	}
	p("   Tracking VRRP instances :")
	for i, n := range t.names {
		p("     %s, weight %d%s", n, t.weight[i], reverse(t.rev[i]))
	}
}

// ifTracking is an interface's tracking list being built.
type ifTracking struct {
	names  []string
	weight []int
	rev    []bool
}

// add appends the instance, or, when it is listed, takes the new weight
// unless the listed one is 0 (keepalived keeps an unweighted track).
func (t *ifTracking) add(name string, weight int, rev bool) {
	for i, n := range t.names {
		if n == name {
			if t.weight[i] != 0 {
				t.weight[i], t.rev[i] = weight, rev
			}
			return
		}
	}
	t.names = append(t.names, name)
	t.weight = append(t.weight, weight)
	t.rev = append(t.rev, rev)
}

func addrOrNone(a []netip.Addr) string {
	if len(a) == 0 {
		return "(none)"
	}
	return a[0].String()
}

func ifState(fl uint32) string {
	not := func(b bool) string {
		if b {
			return ""
		}
		return "not "
	}
	s := not(fl&iffUp != 0) + "UP, " + not(fl&iffRunning != 0) + "RUNNING"
	for _, c := range []struct {
		on   bool
		word string
	}{
		{fl&iffBroadcast == 0, ", no broadcast"},
		{fl&iffLoopback != 0, ", loopback"},
		{fl&iffPointToPt != 0, ", point to point"},
		{fl&iffNoARP != 0, ", no arp"},
		{fl&iffMulticast == 0, ", no multicast"},
	} {
		if c.on {
			s += c.word
		}
	}
	return s
}

// sockKey is what keepalived's socket pool shares a socket by.
type sockKey struct {
	iface   string
	ipv6    bool
	ah      bool
	unicast netip.Addr
}

type sockMember struct {
	name string
	vrid int
}

// dumpSockpool is keepalived's dump_sock_pool: one entry per socket pair,
// in the order the instances open them. keepalived-go's descriptors are
// not keepalived's, so the fd lines print -1 (see docs/compat.md). The
// receive buffer is keepalived's rx_buf_size, from the interfaces' MTUs
// (ifs) under vrrp_rx_bufs_policy MTU.
func dumpSockpool(p func(string, ...any), cfg vrrp.Config, ifs []Iface) {
	var keys []sockKey
	members := map[sockKey][]sockMember{}
	rcvBuf := map[sockKey]*vrrp.RxBufSum{}
	mtu := map[string]int{}
	for _, f := range ifs {
		mtu[f.Name] = f.MTU
	}
	for _, ic := range cfg.Instances {
		k := sockKey{iface: ic.Interface, ipv6: ic.IPv6, ah: ic.AuthType == 2}
		if len(ic.UnicastPeers) > 0 {
			k.unicast = ic.SrcIP
		}
		if _, ok := members[k]; !ok {
			keys = append(keys, k)
			rcvBuf[k] = new(vrrp.RxBufSum)
		}
		members[k] = append(members[k], sockMember{ic.Name, int(ic.VRID)})
		rcvBuf[k].Add(ic.RxBuf, ic.RxBufMTUs, mtu[ic.Interface])
	}
	if len(keys) == 0 {
		return
	}
	p("------< VRRP Sockpool >------")
	for _, k := range keys {
		p(" fd_in -1 fd_out = -1")
		p("   Interface = %s", k.iface)
		p("   Family = %s", map[bool]string{false: "IPv4", true: "IPv6"}[k.ipv6])
		p("   Protocol = %s", map[bool]string{false: "VRRP", true: "AH"}[k.ah])
		if k.unicast.IsValid() {
			p("   Type = Unicast")
			p("   Address = %s", k.unicast)
		} else {
			p("   Type = Multicast")
		}
		p("   Rx buf size = %d", rcvBuf[k].SockOpt())
		p("   VRRP instances")
		// keepalived keeps a socket's instances in a tree by VRID.
		m := members[k]
		sort.SliceStable(m, func(i, j int) bool { return m[i].vrid < m[j].vrid })
		for _, x := range m {
			p("     %s vrid %d", x.name, x.vrid)
		}
	}
}

// staticGroupTrackers are the instances of the track groups that static
// addresses on the interface follow.
func staticGroupTrackers(c *config.Config, name string) []string {
	var out []string
	for _, a := range c.VRRP.StaticAddresses {
		if a.Dev != name || a.TrackGroup == "" {
			continue
		}
		for _, g := range c.VRRP.TrackGroups {
			if g.Name == a.TrackGroup {
				out = append(out, g.Instances...)
			}
		}
	}
	return out
}

// usesInterface: the instance sends on the interface, or it is its VMAC
// or the VMAC's base (keepalived tracks both).
func (x *ifaceCtx) usesInterface(c *config.Config, ic vrrp.InstanceConfig, name string) bool {
	if ic.Interface == name {
		return true
	}
	ci := x.inst[ic.Name]
	if ci == nil || !(ci.VMAC.Enabled || ci.VMAC.IPVLAN) {
		return false
	}
	return ci.Interface == name || vmacName(c, ci, ic.VMACName) == name
}

// readSysctls fills the interface's devconf values from /proc (the
// namespace's own: keepalived-go runs in it).
func readSysctls(f *Iface) {
	v4 := "/proc/sys/net/ipv4/conf/" + f.Name + "/"
	for _, x := range []struct {
		name string
		to   *int
	}{{"arp_ignore", &f.ArpIgnore}, {"arp_filter", &f.ArpFilter}, {"rp_filter", &f.RPFilter},
		{"promote_secondaries", &f.PromoteSecondaries}} {
		if v, ok := sysNum(v4+x.name, 10); ok {
			*x.to = int(v)
		}
	}
	if v, ok := sysNum("/proc/sys/net/ipv6/conf/"+f.Name+"/forwarding", 10); ok {
		f.IPv6Forwarding = v != 0
	}
}
