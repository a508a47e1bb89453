package statefile

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// The data file's sections keepalived-go builds from the running
// configuration (keepalived's dump_vrrp_data, dump_garp_delay_list and the
// notify script lines), in keepalived 2.2.7's order and words.

// configInstance is the running configuration's instance name, or nil.
func configInstance(c *config.Config, name string) *config.Instance {
	if c == nil {
		return nil
	}
	return c.VRRP.Instance(name)
}

// dumpNotify is keepalived's dump_notify_script for each script set, in
// its order; instance says whether the Deleted and "Master rx lower pri"
// scripts exist (sync groups have none).
func dumpNotify(p func(string, ...any), n config.Notify, g *config.Global, instance bool) {
	list := []struct {
		what string
		cmd  *config.Command
	}{{"Backup", n.Backup}, {"Master", n.Master}, {"Fault", n.Fault}, {"Stop", n.Stop}}
	if instance {
		list = append(list, struct {
			what string
			cmd  *config.Command
		}{"Deleted", n.Deleted})
	}
	list = append(list, struct {
		what string
		cmd  *config.Command
	}{"Generic", n.Generic})
	if instance {
		list = append(list, struct {
			what string
			cmd  *config.Command
		}{"Master rx lower pri", n.MasterRxLowerPri})
	}
	for _, s := range list {
		if s.cmd == nil {
			continue
		}
		user, group := s.cmd.User, s.cmd.Group
		if user == "" && g != nil {
			user, group = g.ScriptUser, g.ScriptGroup
		}
		uid, gid := scriptUser(user, group)
		p("   %s state transition script = %s, uid:gid %s:%s", s.what, commandString(s.cmd), uid, gid)
	}
}

func commandString(c *config.Command) string {
	if len(c.Argv) == 0 {
		return c.Raw
	}
	return status.CommandString(c.Argv)
}

// dumpFlags is keepalived's "Flags:" block: "none" only when no flag bit
// at all is set (VMAC, nopreempt, a configured source address... set bits
// without a line of their own).
func dumpFlags(p func(string, ...any), in *status.Instance, ci *config.Instance) {
	unicast := len(in.Config.UnicastPeers) > 0
	if ci == nil {
		if unicast {
			p("   Flags:")
			p("     Using unicast")
		} else {
			p("   Flags: none")
		}
		return
	}
	flagged := unicast || ci.UnicastConfigured || ci.UnicastFaultNoPeer || ci.DontTrackPrimary ||
		ci.LinkbeatUsePolling || ci.SkipCheckAdvAddr || ci.SrcIP.IsValid() || ci.TrackSrcIP ||
		ci.CheckUnicastSrc || ci.PromoteSecondaries || ci.NoPreempt || ci.VMAC.Enabled ||
		ci.VMAC.IPVLAN || ci.VMAC.AddrVMAC || ci.GARPExtraIfAll
	if !flagged {
		p("   Flags: none")
		return
	}
	p("   Flags:")
	switch {
	case unicast:
		p("     Using unicast")
	case ci.UnicastConfigured:
		p("     Unicast config option specified but using multicast")
	}
	if ci.UnicastFaultNoPeer {
		p("     If unicast go to fault state if no peers")
	}
}

// dumpVMAC is the instance's use_vmac lines, before its Interface line.
func dumpVMAC(p func(string, ...any), in *status.Instance, c *config.Config, ci *config.Instance) bool {
	if ci != nil && ci.VMAC.IPVLAN && !ci.VMAC.Enabled && ci.Interface != "" {
		dumpIPVLAN(p, in, c, ci)
		return true
	}
	if ci == nil || !ci.VMAC.Enabled {
		return false
	}
	v := ci.VMAC
	name := vmacName(c, ci, in.Config.VMACName)
	// is_up is the VMAC link's (VRRP_VMAC_UP_BIT), not the instance's
	// state: a FAULT from a tracker leaves it up.
	up := !slices.Contains(in.FaultReasons, "interface "+in.Interface+" down")
	p("   Use VMAC, i/f name %s, is_up = %t, xmit_base = %t", name, up, v.XmitBase)
	if v.MACSet {
		m := v.MAC
		suffix := ""
		if v.MACUseVRID {
			suffix = " (using VRID)"
		}
		p("     MAC = %02x:%02x:%02x:%02x:%02x:%02x%s", m[0], m[1], m[2], m[3], m[4], m[5], suffix)
	}
	if v.AddrVMAC {
		p("   Use VMAC for VIPs on other interfaces")
	}
	xmit := ""
	if v.XmitBase {
		xmit = ", xmit base i/f"
	}
	p("   Interface = %s, vmac on %s%s", name, ci.Interface, xmit)
	return true
}

// dumpIPVLAN is the instance's use_ipvlan lines, before its Interface
// line (keepalived prints use_vmac_addr's line instead of the first).
func dumpIPVLAN(p func(string, ...any), in *status.Instance, c *config.Config, ci *config.Instance) {
	v := ci.VMAC
	name := vmacName(c, ci, in.Config.VMACName)
	if v.AddrVMAC {
		p("   Use VMAC for VIPs on other interfaces")
	} else {
		// is_up: the link was made (VRRP_VMAC_UP_BIT).
		up := !slices.Contains(in.FaultReasons, "interface "+in.Interface+" down")
		addr := ""
		if a := v.IPVLANAddr; a.IsValid() {
			addr = ", i/f address = " + a.Addr().String()
			if a.Bits() != a.Addr().BitLen() {
				addr += "/" + strconv.Itoa(a.Bits())
			}
		}
		p("   Use IPVLAN, i/f %s, is_up = %t%s, type %s", name, up, addr, v.IPVLANMode)
	}
	p("   Interface = %s, ipvlan on %s", name, ci.Interface)
}

// srcIPLine is keepalived's "Using src_ip" value: "(from configuration)"
// when mcast_src_ip/unicast_src_ip was written.
func srcIPLine(in *status.Instance, ci *config.Instance) string {
	src := "(none)"
	if in.Config.SrcIP.IsValid() {
		src = in.Config.SrcIP.String()
	}
	if ci != nil && ci.SrcIP.IsValid() {
		return src + " (from configuration)"
	}
	return src
}

// dumpStatic is keepalived's static addresses, routes, rules and track
// groups sections. The addresses are installed while the VRRP side runs
// ("set"); one following a track group is removed while all the group's
// instances are in FAULT.
func dumpStatic(p func(string, ...any), c *config.Config, states map[string]vrrp.State, ifs []Iface) {
	v := &c.VRRP
	if len(v.StaticAddresses) > 0 {
		p("------< Static Addresses >------")
		for _, a := range v.StaticAddresses {
			set := !groupFaulted(v, a.TrackGroup, states)
			p("     %s", staticAddress(a, set))
		}
	}
	if len(v.StaticRoutes) > 0 {
		p("------< Static Routes >------")
		for _, r := range v.StaticRoutes {
			s := formatRoute(r)
			if !r.NoTrack && !groupFaulted(v, r.TrackGroup, states) && routeReachable(r, ifs) && !routesMonitored(c, r.Family) {
				// keepalived 2.2.7 compares the route's interface with the
				// index its route monitor learns from the route's own
				// RTM_NEWROUTE; unmonitored, it stays 0.
				s += " [installed ifindex 0]"
			}
			p("     %s", s)
		}
	}
	if len(v.StaticRules) > 0 {
		p("------< Static Rules >------")
		for _, r := range v.StaticRules {
			p("     %s", formatRule(r))
		}
	}
	if len(v.TrackGroups) > 0 {
		p("------< Static Track groups >------")
		for _, g := range v.TrackGroups {
			p(" Static Track Group = %s", g.Name)
			if len(g.Instances) > 0 {
				p("   VRRP member instances :")
				for _, n := range g.Instances {
					p("     %s", n)
				}
			}
		}
	}
}

func groupFaulted(v *config.VRRP, name string, states map[string]vrrp.State) bool {
	if name == "" {
		return false
	}
	for _, g := range v.TrackGroups {
		if g.Name != name {
			continue
		}
		for _, n := range g.Instances {
			if states[n] != vrrp.StateFault {
				return false
			}
		}
		return len(g.Instances) > 0
	}
	return false
}

// staticAddress is format_ipaddress for a static_ipaddress entry.
func staticAddress(a config.Address, set bool) string {
	va := vrrp.Address{
		Prefix: a.Prefix, Dev: a.Dev, Peer: a.Peer, Label: a.Label, Scope: a.Scope,
		KeepDAD: a.NoDAD, NoPrefixRoute: a.NoPrefixRoute, Home: a.Home, NoTrack: a.NoTrack, PreferredLft: -1,
		MngTmpAddr: a.MngTmpAddr, AutoJoin: a.AutoJoin,
	}
	if a.HasBrd {
		va.Broadcast = a.Brd
	}
	if a.PreferredLft != 1<<32-1 {
		va.PreferredLft = int(a.PreferredLft)
	}
	s := status.FormatAddress(va, a.Dev, false)
	if a.TrackGroup != "" {
		// keepalived prints the group before the IPv6 lifetime.
		s += " track_group " + a.TrackGroup
	}
	if set {
		s += " set"
	}
	return s
}

// routesMonitored reports whether keepalived listens to the family's route
// events: an instance has a tracked virtual route, or a static route a
// track group (vrrp_complete_instance, process_static_entries).
func routesMonitored(c *config.Config, f config.Family) bool {
	for i := range c.VRRP.Instances {
		for _, r := range c.VRRP.Instances[i].Routes {
			if !r.NoTrack && r.Family == f {
				return true
			}
		}
	}
	for _, r := range c.VRRP.StaticRoutes {
		if r.TrackGroup != "" && r.Family == f {
			return true
		}
	}
	return false
}

// formatRoute is keepalived's format_iproute for the options a route
// usually has (keepalived's own "proto 18" included).
func formatRoute(r config.Route) string {
	var b strings.Builder
	typed := r.Type != "" && r.Type != "unicast"
	// keepalived 2.2.7's "add" bit is its route-type bit (a macro shadows
	// the enum), so a route with a type prints "add".
	if typed {
		b.WriteString("add " + r.Type + " ")
	} else {
		b.WriteString("prepend ")
	}
	if r.Dst.IsValid() {
		b.WriteString(prefixString(r.Dst))
	} else {
		b.WriteString("default")
	}
	if r.Src.IsValid() {
		b.WriteString(" from " + prefixString(r.Src))
	}
	if r.PrefSrc.IsValid() {
		b.WriteString(" src " + r.PrefSrc.String())
	}
	if r.Tos != 0 {
		b.WriteString(" tos " + strconv.Itoa(int(r.Tos)))
	}
	if r.Via.IsValid() {
		b.WriteString(" via " + family(r.Via) + " " + r.Via.String())
	}
	if r.Dev != "" {
		b.WriteString(" dev " + r.Dev)
	}
	if r.Table != 0 && r.Table != 254 {
		b.WriteString(" table " + strconv.FormatUint(uint64(r.Table), 10))
	}
	// A tracked route is keepalived's (proto 18); a no_track one shows a
	// protocol only when one was written.
	if !r.NoTrack {
		b.WriteString(" proto " + strconv.Itoa(int(cmpOr(r.Protocol, 18))))
	} else if r.Protocol != 0 {
		b.WriteString(" proto " + strconv.Itoa(int(r.Protocol)))
	}
	if r.HasScope {
		b.WriteString(" scope " + strconv.Itoa(int(r.Scope)))
	}
	if r.HasMetric {
		b.WriteString(" metric " + strconv.FormatUint(uint64(r.Metric), 10))
	}
	if r.OnLink && r.Dst.Addr().Is4() {
		b.WriteString(" onlink")
	}
	if v, ok := vrrpconf.KernelRoute(r); ok {
		routeAttrs(&b, v)
	}
	for _, nh := range r.Nexthops {
		b.WriteString(" nexthop")
		if nh.Via.IsValid() {
			b.WriteString(" via " + family(nh.Via) + " " + nh.Via.String())
		}
		if nh.Dev != "" {
			b.WriteString(" dev " + nh.Dev)
		}
		if nh.Weight > 0 {
			b.WriteString(" weight " + strconv.Itoa(nh.Weight))
		}
		if nh.OnLink {
			b.WriteString(" onlink")
		}
	}
	if r.NoTrack {
		b.WriteString(" no_track")
	}
	if r.TrackGroup != "" {
		b.WriteString(" track_group " + r.TrackGroup)
	}
	return b.String()
}

// dumpVirtualRoutes is an instance's virtual_routes and virtual_rules.
func dumpVirtualRoutes(p func(string, ...any), ci *config.Instance) {
	if len(ci.Routes) > 0 {
		p("   Virtual Routes :")
		for _, r := range ci.Routes {
			p("     %s", formatRoute(r))
		}
	}
	if len(ci.Rules) > 0 {
		p("   Virtual Rules :")
		for _, r := range ci.Rules {
			p("     %s", formatRule(r))
		}
	}
}

// routeReachable says whether the kernel took the static route: its
// interface exists and its gateway, if any, is on one of its prefixes.
func routeReachable(r config.Route, ifs []Iface) bool {
	if r.Tos != 0 && r.Dst.Addr().Is6() {
		return false // the kernel refuses a tos on an IPv6 route
	}
	for _, f := range ifs {
		if r.Dev != "" && f.Name != r.Dev {
			continue
		}
		if !r.Via.IsValid() || r.OnLink {
			return r.Dev != ""
		}
		for _, pfx := range f.Prefixes {
			if pfx.Contains(r.Via) {
				return true
			}
		}
	}
	return false
}

// prefixString is keepalived's ipaddresstos: the prefix length only when
// not a host address.
func prefixString(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func family(a netip.Addr) string {
	if a.Is6() {
		return "inet6"
	}
	return "inet"
}

// rtProtos are the rt_protos names a rule's protocol may be written with.
var rtProtos = map[string]int{"redirect": 1, "kernel": 2, "boot": 3, "static": 4, "keepalived": 18}

// formatRule is keepalived's format_iprule for the usual selectors.
func formatRule(r config.Rule) string {
	var b strings.Builder
	if !r.From.IsValid() && !r.To.IsValid() && r.Family == config.IPv6 {
		b.WriteString("inet6 ")
	}
	if r.Not {
		b.WriteString("not ")
	}
	switch {
	case r.From.IsValid():
		b.WriteString("from " + prefixString(r.From))
	case r.FromAny:
		b.WriteString("from 0.0.0.0/0")
	default:
		b.WriteString("from all")
	}
	if r.To.IsValid() {
		b.WriteString(" to " + prefixString(r.To))
	} else if r.ToAny {
		b.WriteString(" to 0.0.0.0/0")
	}
	if r.HasPriority {
		b.WriteString(" priority " + strconv.FormatUint(uint64(r.Priority), 10))
	}
	fmt.Fprintf(&b, " tos 0x%x", r.Tos)
	if r.HasFwMark {
		fmt.Fprintf(&b, " fwmark 0x%x", r.FwMark)
		if r.FwMask != 0 && r.FwMask != 0xffffffff {
			fmt.Fprintf(&b, "/0x%x", r.FwMask)
		}
	}
	if r.IIf != "" {
		b.WriteString(" iif " + r.IIf)
	}
	if r.OIf != "" {
		b.WriteString(" oif " + r.OIf)
	}
	if r.SuppressPrefixLen >= 0 {
		b.WriteString(" suppress_prefixlen " + strconv.Itoa(r.SuppressPrefixLen))
	}
	if r.SuppressIfGroup != "" {
		b.WriteString(" suppress_ifgroup " + strconv.FormatUint(uint64(r.SuppressIfGroupID), 10))
	}
	if r.TunnelID != 0 {
		b.WriteString(" tunnel-id " + strconv.FormatUint(r.TunnelID, 10))
	}
	if r.UIDRange != "" {
		b.WriteString(" uidrange " + r.UIDRange)
	}
	if r.Action == "l3mdev" {
		b.WriteString(" l3mdev")
	}
	if r.Protocol != "" {
		b.WriteString(" protocol " + strconv.Itoa(ruleProto(r.Protocol)))
	}
	b.WriteString(ruleSelectors(r))
	if f := r.RealmsValue; f != 0 {
		fmt.Fprintf(&b, " realms %d/%d", f>>16, f&0xffff)
	}
	b.WriteString(ruleAction(r))
	if r.NoTrack {
		b.WriteString(" no_track")
	}
	if r.TrackGroup != "" {
		b.WriteString(" track_group " + r.TrackGroup)
	}
	return b.String()
}

func ruleProto(s string) int {
	if s == "" {
		return 18
	}
	if n, ok := rtProtos[s]; ok {
		return n
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 18
	}
	return n
}

func ruleAction(r config.Rule) string {
	switch r.Action {
	case "", "table", "l3mdev":
		return " lookup " + strconv.FormatUint(uint64(r.Table), 10)
	case "goto":
		return " goto " + strconv.FormatUint(uint64(r.Goto), 10)
	case "nop":
		return " nop"
	}
	return " type " + r.Action
}

// dumpGARPGroups is keepalived's "GARP delay group" sections, printed
// after the global definitions.
func dumpGARPGroups(p func(string, ...any), c *config.Config, ifs []Iface, loc *time.Location) {
	groups := garpDelays(c)
	if len(groups) > 0 {
		p("------< Gratuitous ARP delays >------")
	}
	for _, g := range groups {
		p("------< GARP delay group %d >------", g.num)
		if g.GARPInterval > 0 {
			p(" GARP interval = %g", g.GARPInterval.Seconds())
			p(" GARP next time %s", garpNext(loc))
		}
		if g.GNAInterval > 0 {
			p(" GNA interval = %g", g.GNAInterval.Seconds())
			p(" GNA next time %s", garpNext(loc))
		}
		p(" Interfaces")
		for _, f := range ifs {
			for _, n := range g.Interfaces {
				if n == f.Name {
					p("  %s", n)
				}
			}
		}
	}
}

// garpNext is a GARP group's next time: keepalived's is when the last
// GARP of the group may go again, which the comparisons normalise.
func garpNext(loc *time.Location) string {
	t := time.Now().In(loc)
	return fmt.Sprintf("%d.%06d (%s.%06d)", t.Unix(), t.Nanosecond()/1000, t.Format("Mon Jan _2 15:04:05"), t.Nanosecond()/1000)
}

// garpDelay is one of keepalived's GARP delay groups: num is its
// aggregation group, 0 for one made from the global intervals or a
// garp_group without an "interfaces" block.
type garpDelay struct {
	config.GARPGroup
	num int
}

// garpDelays are keepalived's GARP delay groups: the garp_groups it keeps
// (one without an interval is removed at start), then, when
// vrrp_garp_interval or vrrp_gna_interval is set, one group of the
// global intervals for each other interface an instance or one of its
// VIPs and eVIPs uses, in instance order (set_default_garp_delay; a
// VMAC's VIPs count for its base interface).
func garpDelays(c *config.Config) []garpDelay {
	if c == nil {
		return nil
	}
	var out []garpDelay
	taken := map[string]bool{}
	for _, g := range c.VRRP.GARPGroups {
		if g.GARPInterval > 0 || g.GNAInterval > 0 {
			out = append(out, garpDelay{g, g.AggregationGroup})
			for _, n := range g.Interfaces {
				taken[n] = true
			}
		}
	}
	vg := &c.Global.VRRP
	if vg.GARPInterval == 0 && vg.GNAInterval == 0 {
		return out
	}
	add := func(name string) {
		if name == "" || taken[name] {
			return
		}
		taken[name] = true
		out = append(out, garpDelay{config.GARPGroup{GARPInterval: vg.GARPInterval, GNAInterval: vg.GNAInterval, Interfaces: []string{name}}, 0})
	}
	vmacs := map[string]string{}
	for i := range c.VRRP.Instances {
		if ci := &c.VRRP.Instances[i]; ci.VMAC.Enabled && ci.VMAC.IfName != "" {
			vmacs[ci.VMAC.IfName] = ci.Interface
		}
	}
	for i := range c.VRRP.Instances {
		ci := &c.VRRP.Instances[i]
		if ci.Interface == "" {
			continue
		}
		add(ci.Interface)
		for _, a := range append(slices.Clone(ci.VIPs), ci.ExcludedVIPs...) {
			dev := cmpOr(a.Dev, ci.Interface)
			add(cmpOr(vmacs[dev], dev))
		}
	}
	return out
}

// garpGroupOf is the GARP delay group of the interface and its
// aggregation group; ok is false when it has none.
func garpGroupOf(c *config.Config, name string) (g garpDelay, ok bool) {
	for _, g := range garpDelays(c) {
		if slices.Contains(g.Interfaces, name) {
			return g, true
		}
	}
	return garpDelay{}, false
}
