package statefile

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
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
		dumpGlobal(p, &h.Config.Global, src.RouterIDOf())
	} else {
		p("------< Global definitions >------")
		p(" Router ID = %s", src.RouterIDOf())
		p(" VRRP IPv4 mcast group = 224.0.0.18")
		p(" VRRP IPv6 mcast group = ff02::12")
		if cfg.StartupDelay > 0 {
			p(" VRRP startup delay = %g", cfg.StartupDelay.Seconds())
		}
	}

	if len(instances) > 0 {
		p("------< VRRP Topology >------")
		for i := range instances {
			dumpInstance(p, &instances[i], loc, h.Config != nil)
		}
	}
	if h.Config != nil {
		dumpSockpool(p, cfg)
	}

	if len(cfg.SyncGroups) > 0 {
		p("------< VRRP Sync groups >------")
		state := map[string]vrrp.State{}
		for _, in := range instances {
			state[in.Name] = in.State
		}
		for _, g := range cfg.SyncGroups {
			// A group is in its members' state once they agree; FAULT
			// and INIT members hold it there, as in keepalived.
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
			p("   Using smtp notification = no")
		}
	}

	var scripts []status.Script
	if src.Scripts != nil {
		scripts = src.Scripts.Scripts()
	}
	if len(scripts) > 0 {
		p("------< VRRP Scripts >------")
		for _, s := range scripts {
			dumpScript(p, s, cfg, scriptConfig(h.Config, s.Name))
		}
	}
	if h.Config != nil {
		dumpInterfaces(p, h.Interfaces, cfg)
	}
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

func dumpInstance(p func(string, ...any), in *status.Instance, loc *time.Location, full bool) {
	version, advert, masterAdvert := effective(in)
	dumpInstanceState(p, in, loc, full, version, advert, masterAdvert)
	dumpInstanceSettings(p, in, version, advert, masterAdvert)
	dumpInstanceAddrs(p, in, full)
	dumpInstanceTrackers(p, in)
	p("   Using smtp notification = no")
	p("   Notify deleted = Fault")
	p("   Notify priority changes = false")
}

// dumpInstanceState is the instance's identity, state and timers.
func dumpInstanceState(p func(string, ...any), in *status.Instance, loc *time.Location, full bool, version int, advert, masterAdvert time.Duration) {
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
		if in.MasterAddr != "" {
			p("   Master router = %s", in.MasterAddr)
		}
		if version == 3 {
			p("   Master advert int = %.2f sec", masterAdvert.Seconds())
		}
	}
	if len(c.UnicastPeers) > 0 {
		p("   Flags:")
		p("     Using unicast")
	} else {
		p("   Flags: none")
	}
	// The engine has no separate wanted state; the current one is what it
	// wants until the next event.
	p("   Wantstate = %s", status.StateName(in.State))
	p("   Number of config faults = %d", b2u(c.ConfigFault != ""))
	// The engine does not count fault sources; a FAULT instance has at
	// least one.
	p("   Number of interface and track script faults = %d", b2u(in.State == vrrp.StateFault))
	p("   Number of track scripts init = 0")
	var last time.Time
	if n := len(in.History); n > 0 {
		last = in.History[n-1].At
	}
	p("   Last transition = %s", timeval(last, loc))
	downTimer := masterDownTimer(c.DownTimerAdverts, in.EffectivePriority, masterAdvert)
	if full {
		p("   Read timeout = %s", readTimeout(in.State, last, advert, downTimer, loc))
	}
	p("   Master down timer = %d usecs", downTimer)
	if c.AddrVMAC {
		p("   Use VMAC for VIPs on other interfaces")
	}
	p("   Interface = %s", orDefault(in.Interface, "not configured"))
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
func dumpInstanceSettings(p func(string, ...any), in *status.Instance, version int, advert, masterAdvert time.Duration) {
	c := &in.Config
	src := "(none)"
	if c.SrcIP.IsValid() {
		src = c.SrcIP.String()
	}
	p("   Using src_ip = %s", src)
	if len(c.UnicastPeers) == 0 {
		group := c.McastGroup
		switch {
		case group.IsValid():
		case in.IPv6:
			group = mustAddr("ff02::12")
		default:
			group = mustAddr("224.0.0.18")
		}
		p("   Multicast address %s", group)
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
	p("   Total priority = %d", in.EffectivePriority)
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
}

// dumpInstanceAddrs is the VIPs, excluded VIPs and unicast peers.
func dumpInstanceAddrs(p func(string, ...any), in *status.Instance, full bool) {
	c := &in.Config
	set := in.State == vrrp.StateMaster
	if len(c.VIPs) > 0 {
		p("   Virtual IP (%d):", len(c.VIPs))
		for _, a := range c.VIPs {
			p("     %s", status.FormatAddress(a, in.Interface, set))
		}
	}
	if len(c.ExcludedVIPs) > 0 {
		p("   Virtual IP Excluded :")
		for _, a := range c.ExcludedVIPs {
			p("     %s", status.FormatAddress(a, in.Interface, set))
		}
	}
	if len(c.UnicastPeers) > 0 {
		p("   Unicast TTL = 255")
		p("   Check unicast src : %s", yesNo(c.CheckUnicastSrc))
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
}

// dumpInstanceTrackers is the tracked interfaces, scripts, files,
// processes and BFDs.
func dumpInstanceTrackers(p func(string, ...any), in *status.Instance) {
	c := &in.Config
	if len(c.TrackInterfaces) > 0 {
		p("   Tracked interfaces :")
		for _, t := range c.TrackInterfaces {
			p("     %s weight %d%s", t.Name, t.Weight, reverse(t.Reverse))
		}
	}
	for _, l := range []struct {
		title string
		refs  []vrrp.TrackRef
	}{{"Tracked scripts :", c.TrackScripts}, {"Tracked files :", c.TrackFiles}, {"Tracked processes :", c.TrackProcesses}} {
		if len(l.refs) == 0 {
			continue
		}
		p("   %s", l.title)
		for _, t := range l.refs {
			p("     %s weight %d%s", t.Name, t.Weight, reverse(t.Reverse))
		}
	}
	if len(c.TrackBFDs) > 0 {
		p("   Tracked BFDs :")
		for _, t := range c.TrackBFDs {
			p("     %s: weight %d%s", t.Name, t.Weight, reverse(t.Reverse))
		}
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
	if sc != nil && sc.Weight != 0 {
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
// down_timer_adverts × master advert interval + skew, skew scaled by
// (256 - priority) / 256 of the interval.
func masterDownTimer(adverts, prio int, advert time.Duration) int64 {
	us := advert.Microseconds()
	return int64(downAdverts(adverts))*us + int64(256-prio)*us/256
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
