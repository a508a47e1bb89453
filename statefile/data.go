package statefile

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// Host is what the data file shows beyond the VRRP engine's state: the
// running configuration's global_defs and scripts, and the namespace's
// interfaces. A zero Host prints the short global section only.
type Host struct {
	Config     *config.Config
	Interfaces []Iface
	// Delayed are the interfaces whose change of state waits for its
	// interface_up_down_delays, with the flags still acted on.
	Delayed map[string]uint32
	// Delays are the interface_up_down_delays in force where they differ
	// from the configuration's (cut for a master's shorter interval).
	Delays map[string]config.InterfaceDelay
}

// delayedIfaces are ifs as keepalived holds them: an interface whose
// change waits for its delay keeps its flags from before the change.
func (h Host) delayedIfaces() []Iface {
	if len(h.Delayed) == 0 && len(h.Delays) == 0 {
		return h.Interfaces
	}
	out := slices.Clone(h.Interfaces)
	for i := range out {
		if fl, ok := h.Delayed[out[i].Name]; ok {
			out[i].Flags, out[i].Delayed = fl, true
		}
		if d, ok := h.Delays[out[i].Name]; ok {
			out[i].Debounce = &d
		}
	}
	return out
}

// FormatData writes the SIGUSR1 data file (keepalived's dump_data_vrrp),
// times rendered in loc, without the host's sections.
func FormatData(w io.Writer, src status.Sources, loc *time.Location) {
	FormatDataHost(w, src, loc, Host{})
}

// FormatDataHost writes the SIGUSR1 data file with keepalived's global
// definitions, socket pool and interfaces sections from h.
func FormatDataHost(w io.Writer, src status.Sources, loc *time.Location, h Host) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	cfg := vrrp.Config{}
	if src.VRRP != nil {
		cfg = src.VRRP.Config()
	}
	instances := status.Instances(src.VRRP)

	if h.Config != nil {
		g := h.Config.Global
		if f := &g.LVSNotifyFIFO; f.Script == nil {
			f.Script = f.DroppedByChecker // only the checker process checks it
		}
		dumpGlobal(p, &g, h.Config.VRRP.Instances, src.RouterIDOf())
	} else {
		p("------< Global definitions >------")
		p(" Router ID = %s", src.RouterIDOf())
		p(" VRRP IPv4 mcast group = 224.0.0.18")
		p(" VRRP IPv6 mcast group = ff02::12")
		if cfg.StartupDelay > 0 {
			p(" VRRP startup delay = %g", cfg.StartupDelay.Seconds())
		}
	}

	state := map[string]vrrp.State{}
	for _, in := range instances {
		state[in.Name] = in.State
	}
	if h.Config != nil {
		dumpGARPGroups(p, h.Config, h.Interfaces, loc)
		dumpStatic(p, h.Config, state, h.Interfaces)
	}
	if len(instances) > 0 {
		p("------< VRRP Topology >------")
		// keepalived formats addresses into one static buffer
		// (inet_sockaddrtos); the global section's last is the IPv6
		// group.
		last := "ff02::12"
		if h.Config != nil {
			last = addrOr(h.Config.Global.VRRP.McastGroup6.String(), last)
		}
		for i := range instances {
			dumpInstance(p, &instances[i], loc, h.Config, &last)
		}
	}
	if h.Config != nil {
		dumpSockpool(p, cfg, h.Interfaces)
	}

	dumpSyncGroups(p, cfg, state, h.Config)

	var scripts []status.Script
	if src.Scripts != nil {
		scripts = src.Scripts.Scripts()
	}
	if h.Config != nil {
		scripts = usedScripts(scripts, cfg)
	}
	if len(scripts) > 0 {
		p("------< VRRP Scripts >------")
		for _, s := range scripts {
			dumpScript(p, s, cfg, scriptConfig(h.Config, s.Name))
		}
	}
	if h.Config != nil {
		dumpTrackFiles(p, h.Config, cfg, instances)
		dumpTrackProcesses(p, h.Config, cfg, instances)
		dumpTrackBFDs(p, h.Config, cfg, instances)
		dumpInterfaces(p, h.delayedIfaces(), cfg, h.Config, instances)
	}
}

// usedScripts are the scripts some instance tracks: keepalived warns
// "script X is not used" and frees the others.
func usedScripts(all []status.Script, cfg vrrp.Config) []status.Script {
	used := map[string]bool{}
	for _, ic := range cfg.Instances {
		for _, t := range ic.TrackScripts {
			used[t.Name] = true
		}
	}
	var out []status.Script
	for _, s := range all {
		if used[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// scriptConfig is the vrrp_script name of the running configuration.
func scriptConfig(c *config.Config, name string) *config.Script {
	if c == nil {
		return nil
	}
	for i := range c.VRRP.Scripts {
		if sc := c.VRRP.Scripts[i]; sc.Name == name {
			if sc.Command.User == "" { // script_user's default
				sc.Command.User, sc.Command.Group = c.Global.ScriptUser, c.Global.ScriptGroup
			}
			return &sc
		}
	}
	return nil
}

// dumpInstance is one instance of the topology section; last is the
// address keepalived formatted last (see masterRouter).
func dumpInstance(p func(string, ...any), in *status.Instance, loc *time.Location, c *config.Config, last *string) {
	full := c != nil
	ci := configInstance(c, in.Name)
	version, advert, masterAdvert := effective(in)
	dumpInstanceState(p, in, c, ci, loc, full, version, advert, masterAdvert, last)
	noteAddrs(in, last)
	dumpInstanceSettings(p, in, ci, version, advert, masterAdvert)
	dumpInstanceAddrs(p, in, ci, full, vmacDev(c, ci, in.Config.VMACName))
	dumpInstanceTrackers(p, in, ci)
	p("   Using smtp notification = %s", yesNo(ci != nil && ci.SMTPAlert))
	deleted := "Fault"
	if ci != nil && ci.Notify.NotifyDeleted {
		deleted = "Deleted"
	}
	p("   Notify deleted = %s", deleted)
	if ci != nil {
		dumpNotify(p, ci.Notify, &c.Global, true)
	}
	p("   Notify priority changes = %t", ci != nil && ci.NotifyPriorityChanges)
}

// unicastTTL is the configured unicast_ttl; -1 (none printed) when an
// IPv6 instance leaves the hop limit to the kernel, as keepalived does.
func unicastTTL(ci *config.Instance) int {
	if ci == nil {
		return 255
	}
	return ci.UnicastTTL
}

// addrVMACBases maps each address VMAC of the instance (use_vmac on a
// VIP, use_vmac_addr) to the base interface the address names.
func addrVMACBases(in *status.Instance, ci *config.Instance) map[string]string {
	if ci == nil {
		return nil
	}
	var m map[string]string
	pair := func(run []vrrp.Address, conf []config.Address) {
		for i, a := range run {
			if i >= len(conf) || !(a.UseVMAC || ci.VMAC.AddrVMAC) {
				continue
			}
			base := ci.Interface
			if conf[i].DevSet {
				base = conf[i].Dev
			}
			if a.Dev != "" && a.Dev != base && a.Dev != in.Interface {
				if m == nil {
					m = map[string]string{}
				}
				m[a.Dev] = base
			}
		}
	}
	pair(in.Config.VIPs, ci.VIPs)
	pair(in.Config.ExcludedVIPs, ci.ExcludedVIPs)
	return m
}

// vmacDev is the instance's VMAC and its base interface, empty without
// use_vmac.
func vmacDev(c *config.Config, ci *config.Instance, ran string) [2]string {
	if ci == nil || !ci.VMAC.Enabled {
		return [2]string{}
	}
	return [2]string{vmacName(c, ci, ran), ci.Interface}
}

// wantState is keepalived's wantstate: the engine has no separate wanted
// state, so the current one (what it wants until the next event), and
// before the start the configured one.
func wantState(in *status.Instance, ci *config.Instance) string {
	// A configuration fault leaves keepalived's wantstate where the
	// configuration put it.
	if in.State != vrrp.StateInit && in.Config.ConfigFault == "" {
		return status.StateName(in.State)
	}
	if ci != nil && (ci.State == config.StateMaster || ci.Priority == 255) {
		return "MASTER"
	}
	return "BACKUP"
}

// dumpSyncGroups is keepalived's "VRRP Sync groups" section; c, the
// running configuration, adds the trackers and notify scripts.
func dumpSyncGroups(p func(string, ...any), cfg vrrp.Config, state map[string]vrrp.State, c *config.Config) {
	if len(cfg.SyncGroups) == 0 {
		return
	}
	p("------< VRRP Sync groups >------")
	for _, g := range cfg.SyncGroups {
		// A group is in its members' state once they agree; FAULT and
		// INIT members hold it there, as in keepalived.
		gs, nfault, ninit := vrrp.StateInit, 0, 0
		for i, m := range g.Members {
			switch s := state[m]; s {
			case vrrp.StateFault:
				nfault++
			case vrrp.StateInit:
				ninit++
			default:
				if i == 0 {
					gs = s
				}
			}
		}
		if nfault > 0 {
			gs = vrrp.StateFault
		}
		p(" VRRP Sync Group = %s, %s", g.Name, status.StateName(gs))
		p("   Num member fault %d, num member init %d", nfault, ninit)
		if len(g.Members) > 0 {
			p("   VRRP member instances :")
			for _, m := range g.Members {
				p("     %s", m)
			}
		}
		sg := configSyncGroup(c, g.Name)
		if sg != nil && sg.TrackingWeight {
			p("   sync group tracking weight set")
		}
		p("   Using smtp notification = no")
		if sg != nil {
			dumpSyncConfig(p, sg, &c.Global)
		}
	}
}

func configSyncGroup(c *config.Config, name string) *config.SyncGroup {
	if c == nil {
		return nil
	}
	for i := range c.VRRP.SyncGroups {
		if c.VRRP.SyncGroups[i].Name == name {
			return &c.VRRP.SyncGroups[i]
		}
	}
	return nil
}

// dumpSyncConfig is a sync group's notify_priority_changes, trackers (in
// keepalived's words: "Tracked process :" is singular there) and notify
// scripts.
func dumpSyncConfig(p func(string, ...any), g *config.SyncGroup, global *config.Global) {
	if g.NotifyPriorityChanges != -1 {
		p("   Notify priority changes = %s", yesNo(g.NotifyPriorityChanges == 1))
	}
	for _, k := range []struct {
		kind       config.TrackerKind
		title, sep string
	}{
		{config.TrackInterface, "Tracked interfaces :", " "}, {config.TrackScript, "Tracked scripts :", " "},
		{config.TrackFileKind, "Tracked files :", ", "}, {config.TrackProcessKind, "Tracked process :", ", "},
		{config.TrackBFD, "Tracked BFDs :", ": "},
	} {
		header := false
		for _, t := range g.Trackers {
			if t.Kind != k.kind {
				continue
			}
			if !header {
				p("   %s", k.title)
				header = true
			}
			p("     %s%sweight %d%s", t.Name, k.sep, t.Weight, reverse(t.Reverse))
		}
	}
	dumpNotify(p, g.Notify, global, false)
}

// dumpInstanceState is the instance's identity, state and timers.
func dumpInstanceState(p func(string, ...any), in *status.Instance, cc *config.Config, ci *config.Instance, loc *time.Location, full bool, version int, advert, masterAdvert time.Duration, lastAddr *string) {
	c := &in.Config
	p(" VRRP Instance = %s", in.Name)
	p("   VRRP Version = %d", version)
	if in.SyncGroup != "" {
		p("   Sync group = %s", in.SyncGroup)
	}
	if in.IPv6 {
		p("   Using Native IPv6")
	}
	p("   State = %s", status.StateName(in.State))
	if in.State == vrrp.StateBackup {
		p("   Master router = %s", masterRouter(in, lastAddr))
		p("   Master priority = %d", in.SaddrPriority)
		if version == 3 {
			p("   Master advert int = %.2f sec", masterAdvert.Seconds())
		}
	}
	dumpFlags(p, in, ci)
	p("   Wantstate = %s", wantState(in, ci))
	p("   Number of config faults = %d", b2u(c.ConfigFault != ""))
	p("   Number of interface and track script faults = %d", ifFaults(in))
	p("   Number of track scripts init = 0")
	var last time.Time
	if n := len(in.History); n > 0 {
		last = in.History[n-1].At
	}
	p("   Last transition = %s", timeval(last, loc))
	downTimer := masterDownTimer(c.DownTimerAdverts, in.EffectivePriority, masterAdvert, version)
	if in.BasePriority == 255 && in.State == vrrp.StateMaster && len(in.History) <= 1 {
		// keepalived starts an address owner as a 1 µs master-down timeout
		// and keeps that value while MASTER.
		downTimer = 1
	}
	if full {
		p("   Read timeout = %s", readTimeout(in.State, last, advert, downTimer, loc))
	}
	p("   Master down timer = %d usecs", downTimer)
	if !dumpVMAC(p, in, cc, ci) {
		if ci != nil && ci.VMAC.AddrVMAC {
			p("   Use VMAC for VIPs on other interfaces")
		}
		p("   Interface = %s", orDefault(in.Interface, "not configured"))
	}
	if c.DontTrackPrimary {
		p("   VRRP interface tracking disabled")
	}
	if c.SkipCheckAdvAddr {
		p("   Skip checking advert IP addresses")
	}
	if c.AllowNoVIPs {
		p("   Suppress no VIPs warning") // keepalived 2.3's line
	}
	if c.Strict {
		p("   Enforcing strict VRRP compliance")
	}
}

// dumpInstanceSettings is the source, multicast group, GARP, priority,
// interval, preemption and authentication lines.
func dumpInstanceSettings(p func(string, ...any), in *status.Instance, ci *config.Instance, version int, advert, masterAdvert time.Duration) {
	c := &in.Config
	p("   Using src_ip = %s", srcIPLine(in, ci))
	if len(c.UnicastPeers) == 0 {
		group := mcastGroup(in)
		if group.Is6() {
			// keepalived's scope id: the interface it sends on.
			p("   Multicast address %s, ifindex %d", group, ifIndex(in.Interface))
		} else {
			p("   Multicast address %s", group)
		}
	}
	g := c.GARP
	p("   Gratuitous ARP delay = %d", int(g.MasterDelay/time.Second))
	p("   Gratuitous ARP repeat = %d", g.MasterRepeat)
	p("   Gratuitous ARP refresh = %d", int(g.MasterRefresh/time.Second))
	p("   Gratuitous ARP refresh repeat = %d", g.MasterRefreshRepeat)
	p("   Gratuitous ARP lower priority delay = %d", int(g.LowerPrioDelay/time.Second))
	p("   Gratuitous ARP lower priority repeat = %d", g.LowerPrioRepeat)
	p("   Down timer adverts = %d", downAdverts(c.DownTimerAdverts))
	if c.GARPExtraIfInterval > 0 {
		kind := "VMAC"
		if c.GARPExtraIfAll {
			kind = "i/f"
		}
		p("   Gratuitous ARP for each secondary %s = %d", kind, int(c.GARPExtraIfInterval/time.Second))
		p("   Next gratuitous ARP for such secondary = %s", ctimeval(in.NextExtraGARP))
	}
	p("   Send advert after receive lower priority advert = %t", !c.LowerPrioNoAdvert)
	p("   Send advert after receive higher priority advert = %t", c.HigherPrioSendAdvert)
	p("   Virtual Router ID = %d", in.VRID)
	p("   Priority = %d", in.BasePriority)
	p("   Effective priority = %d", in.EffectivePriority)
	total := in.TotalPriority
	if !in.TotalPrioritySet {
		total = cmpOr(total, in.EffectivePriority) // a status not from the engine
	}
	p("   Total priority = %d", total)
	if version == 2 {
		p("   Advert interval = %d sec", int(advert/time.Second))
	} else {
		p("   Advert interval = %d milli-sec", advert.Milliseconds())
	}
	if in.State == vrrp.StateBackup && version == 3 {
		p("   Master advert interval = %d milli-sec", masterAdvert.Milliseconds())
	}
	p("   Accept = %s", enabled(!c.NoAccept))
	p("   Preempt = %s", enabled(!c.Nopreempt))
	if c.PreemptDelay > 0 {
		p("   Preempt delay = %g secs", c.PreemptDelay.Seconds())
	}
	p("   Promote_secondaries = %s", enabled(c.PromoteSecondaries))
	if c.AuthType == 2 {
		// keepalived keeps the AH key out of the dump.
		p("   Authentication type = IPSEC_AH")
	} else if c.AuthType != 0 {
		p("   Authentication type = SIMPLE_PASSWORD")
		p("   Password = %s", c.AuthPass)
	} else if version == 2 {
		p("   Authentication type = none")
	}
	if ci != nil && ci.KernelRxBufSize > 0 {
		p("   Kernel rx buffer size = %d", ci.KernelRxBufSize)
	}
}

// dumpInstanceAddrs is the VIPs, excluded VIPs and unicast peers.
func dumpInstanceAddrs(p func(string, ...any), in *status.Instance, ci *config.Instance, full bool, vmac [2]string) {
	c := &in.Config
	set := in.State == vrrp.StateMaster
	addrVMACs := addrVMACBases(in, ci)
	format := func(a vrrp.Address) string {
		s := status.FormatAddress(a, in.Interface, set)
		if vmac[0] != "" {
			// keepalived names a VMAC with its base: "dev vrrp51@eth0".
			s = strings.Replace(s, " dev "+vmac[0]+" ", " dev "+vmac[0]+"@"+vmac[1]+" ", 1)
		}
		if base, ok := addrVMACs[a.Dev]; ok {
			s = strings.Replace(s, " dev "+a.Dev+" ", " dev "+a.Dev+"@"+base+" ", 1)
		}
		return s
	}
	if len(c.VIPs) > 0 {
		p("   Virtual IP (%d):", len(c.VIPs))
		for _, a := range c.VIPs {
			p("     %s", format(a))
		}
	}
	if len(c.ExcludedVIPs) > 0 {
		p("   Virtual IP Excluded :")
		for _, a := range c.ExcludedVIPs {
			p("     %s", format(a))
		}
	}
	if len(c.UnicastPeers) > 0 {
		if ttl := unicastTTL(ci); ttl >= 0 {
			p("   Unicast TTL = %d", ttl)
		}
		check := c.CheckUnicastSrc // the global vrrp_check_unicast_src included
		if ci != nil {
			check = ci.CheckUnicastSrc // the instance's own flag, as keepalived prints it
		}
		p("   Check unicast src : %s", yesNo(check))
		p("   Unicast Peer :")
		for _, peer := range c.UnicastPeers {
			maxTTL := peer.MaxTTL
			if maxTTL == 0 {
				maxTTL = 255
			}
			p("     %s min_ttl %d max_ttl %d", peer.Addr, peer.MinTTL, maxTTL)
		}
		if full {
			// unicast_checksum_compat is not supported: always "no".
			p("   Unicast checksum compatibility = no")
		}
	}
	if full {
		// keepalived's descriptors; ours are not comparable (compat.md).
		p("   fd_in -1, fd_out -1")
	}
	if ci != nil {
		dumpVirtualRoutes(p, ci)
	}
}

// dumpInstanceTrackers is the tracked interfaces, scripts, files,
// processes and BFDs.
func dumpInstanceTrackers(p func(string, ...any), in *status.Instance, ci *config.Instance) {
	c := &in.Config
	// A sync group's trackers run on its members, but keepalived lists
	// them under the group only, and an object both track under the
	// member with the member's own weight (its track lists keep it; the
	// group's weight goes to the object's list of instances).
	own := func(kind config.TrackerKind, r vrrp.TrackRef) (vrrp.TrackRef, bool) {
		if ci == nil {
			return r, true
		}
		for _, t := range ci.Trackers {
			if t.Kind == kind && t.Name == r.Name {
				return vrrp.TrackRef{Name: t.Name, Weight: t.Weight, Reverse: t.Reverse}, true
			}
		}
		return r, false
	}
	var ifs []string
	for _, ti := range c.TrackInterfaces {
		if t, ok := own(config.TrackInterface, vrrp.TrackRef(ti)); ok {
			ifs = append(ifs, fmt.Sprintf("     %s weight %d%s", t.Name, t.Weight, reverse(t.Reverse)))
		}
	}
	titled(p, "   Tracked interfaces :", ifs)
	// keepalived separates the name with a comma for files and
	// processes, not for scripts.
	for _, l := range []struct {
		title, sep string
		kind       config.TrackerKind
		refs       []vrrp.TrackRef
	}{{"Tracked scripts :", "", config.TrackScript, c.TrackScripts}, {"Tracked files :", ",", config.TrackFileKind, c.TrackFiles},
		{"Tracked processes :", ",", config.TrackProcessKind, c.TrackProcesses}} {
		var lines []string
		for _, r := range l.refs {
			if t, ok := own(l.kind, r); ok {
				lines = append(lines, fmt.Sprintf("     %s%s weight %d%s", t.Name, l.sep, t.Weight, reverse(t.Reverse)))
			}
		}
		titled(p, "   "+l.title, lines)
	}
	var bfds []string
	for _, r := range c.TrackBFDs {
		if t, ok := own(config.TrackBFD, r); ok {
			bfds = append(bfds, fmt.Sprintf("     %s: weight %d%s", t.Name, t.Weight, reverse(t.Reverse)))
		}
	}
	titled(p, "   Tracked BFDs :", bfds)
}

// titled prints a title and its lines, nothing when there are none.
func titled(p func(string, ...any), title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	p("%s", title)
	for _, l := range lines {
		p("%s", l)
	}
}

func dumpScript(p func(string, ...any), s status.Script, cfg vrrp.Config, sc *config.Script) {
	p(" VRRP Script = %s", s.Name)
	if len(s.Argv) > 0 {
		p("   Command = %s", status.CommandString(s.Argv))
	}
	interval := s.Interval
	if interval == 0 {
		interval = time.Second
	}
	p("   Interval = %d sec", int(interval/time.Second))
	p("   Timeout = %d sec", int(s.Timeout/time.Second))
	if sc != nil {
		p("   Weight = %d%s", sc.Weight, reverse(sc.WeightReverse))
	}
	p("   Rise = %d", s.Rise)
	p("   Fall = %d", s.Fall)
	p("   Result = %d", s.Result)
	p("   Insecure = no")
	init := "unknown"
	if s.LastRun.IsZero() {
		init = "INIT"
		if s.InitFail {
			init = "INIT/FAILED"
		}
	}
	p("   Init state = %s", init)
	p("   Status = %s", map[bool]string{true: "GOOD", false: "BAD"}[s.Good])
	if sc != nil {
		uid, gid := scriptUser(sc.Command.User, sc.Command.Group)
		p("   Script uid:gid = %s:%s", uid, gid)
	}
	p("   VRRP instances :")
	var tracking []string
	for _, ic := range cfg.Instances {
		for _, t := range ic.TrackScripts {
			if t.Name == s.Name {
				tracking = append(tracking, fmt.Sprintf("     %s, weight %d%s", ic.Name, t.Weight, reverse(t.Reverse)))
			}
		}
	}
	if len(tracking) > 0 {
		p("   Tracking instances :")
		for _, l := range tracking {
			p("%s", l)
		}
	}
	p("   State = %s", s.State)
}

// masterDownTimer is keepalived's ms_down_timer in microseconds:
// down_timer_adverts × master advert interval + skew. The skew is
// (256 - priority) / 256 of a second for VRRPv2 whatever the interval,
// and of the master's interval for VRRPv3.
func masterDownTimer(adverts, prio int, advert time.Duration, version int) int64 {
	us := advert.Microseconds()
	skewBase := us
	if version == 2 {
		skewBase = time.Second.Microseconds()
	}
	return int64(downAdverts(adverts))*us + int64(256-prio)*skewBase/256
}

func downAdverts(n int) int {
	if n <= 0 {
		return 3
	}
	return n
}

// timeval renders keepalived's "sec.usec (ctime with usec)".
func timeval(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	t = t.In(loc)
	return strconv.FormatInt(t.Unix(), 10) + fmt.Sprintf(".%06d", t.Nanosecond()/1000) +
		" (" + t.Format("Mon Jan _2 15:04:05.000000 2006") + ")"
}

// ctimeval renders keepalived's other timeval form, "sec.usec (ctime.usec)".
func ctimeval(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	t = t.Local()
	us := t.Nanosecond() / 1000
	return fmt.Sprintf("%d.%06d (%s.%06d)", t.Unix(), us, t.Format("Mon Jan _2 15:04:05 2006"), us)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func reverse(b bool) string {
	if b {
		return " reverse"
	}
	return ""
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// effective fills in the engine's defaults both files print: VRRP version
// (3 for IPv6), advert_int 1 s, and the master's interval as our own until
// one is learned.
func effective(in *status.Instance) (version int, advert, masterAdvert time.Duration) {
	version, advert, masterAdvert = in.Config.Version, in.Config.AdvertInt, in.MasterAdvertInt
	if version == 0 {
		version = 2
		if in.IPv6 {
			version = 3
		}
	}
	if advert == 0 {
		advert = time.Second
	}
	if masterAdvert == 0 {
		masterAdvert = advert
	}
	return version, advert, masterAdvert
}

// readTimeout is keepalived's sands: a MASTER's next advert, anyone
// else's master-down deadline, counted from the last transition (the
// value is a time, which the comparisons normalise).
func readTimeout(st vrrp.State, last time.Time, advert time.Duration, downUS int64, loc *time.Location) string {
	if last.IsZero() {
		last = time.Now()
	}
	next := last.Add(time.Duration(downUS) * time.Microsecond)
	if st == vrrp.StateMaster {
		next = last.Add(advert)
	}
	return timeval(next, loc)
}

// masterRouter is keepalived's "Master router" value. keepalived prints
// master_saddr, which an instance that never heard a master has not set
// (AF_UNSPEC): inet_ntop then fails and leaves the static buffer as the
// previous address it formatted (corpus 007: the global IPv6 group).
func masterRouter(in *status.Instance, last *string) string {
	if in.SaddrMaster != "" {
		*last = in.SaddrMaster
	}
	return *last
}

// noteAddrs records the addresses the instance's dump formats after its
// Master router line, in keepalived's order: source, then the multicast
// group or the unicast peers.
func noteAddrs(in *status.Instance, last *string) {
	c := &in.Config
	if c.SrcIP.IsValid() {
		*last = c.SrcIP.String()
	}
	if n := len(c.UnicastPeers); n > 0 {
		*last = c.UnicastPeers[n-1].Addr.String()
	} else {
		*last = mcastGroup(in).String()
	}
}

// mcastGroup is the group the instance sends to without unicast peers.
func mcastGroup(in *status.Instance) netip.Addr {
	switch {
	case in.Config.McastGroup.IsValid():
		return in.Config.McastGroup
	case in.IPv6:
		return mustAddr("ff02::12")
	}
	return mustAddr("224.0.0.18")
}

// ifFaults is keepalived's num_script_if_fault: the engine's count of
// failing trackers. A FAULT instance whose sources keepalived keeps in
// other counters (a script not yet run, a sync group peer that is FAULT
// only because a member is) shows 0, as keepalived's does.
func ifFaults(in *status.Instance) int {
	if in.State != vrrp.StateFault {
		return 0
	}
	return in.FaultCount
}
