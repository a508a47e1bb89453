package statefile

import (
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
)

// dumpGlobal is keepalived's dump_global_data as the VRRP process writes
// it (keepalived 2.2.7 built with LVS, BFD, SNMP, D-Bus and nftables, as
// Debian's): the same lines in the same order, from the running
// global_defs. Lines about what keepalived-go does not have (SNMP, D-Bus,
// libnftnl) print keepalived's values for a configuration that does not
// enable them, which is what the file describes here too.
func dumpGlobal(p func(string, ...any), g *config.Global, instances []config.Instance, routerID string) {
	v := &g.VRRP
	p("------< Global definitions >------")
	p(" Network namespace = %s", orDefault(g.NetNamespace, "(default)"))
	nsIPVS := "(main namespace)"
	if g.NetNamespaceIPVSSet {
		nsIPVS = orDefault(g.NetNamespaceIPVS, "(default)")
	}
	p(" Network namespace ipvs = %s", nsIPVS)
	optional(p, " Instance name = %s", g.Instance)
	optional(p, " Parent process name = %s", g.ProcessName)
	optional(p, " VRRP process name = %s", g.VRRPProcessName)
	optional(p, " LVS process name = %s", g.CheckerProcessName)
	optional(p, " BFD process name = %s", g.BFDProcessName)
	optional(p, " Router ID = %s", routerID)
	if g.SMTPServer != "" {
		p(" Smtp server = %s", g.SMTPServer)
		p(" Smtp server port = %d", cmpOr(g.SMTPPort, 25))
	}
	optional(p, " Smtp HELO name = %s", g.SMTPHeloName)
	if g.SMTPConnectTimeout > 0 || g.SMTPServer != "" {
		// keepalived defaults it to 30 s once an smtp_server is set.
		p(" Smtp server connection timeout = %d", int(cmpOr(g.SMTPConnectTimeout, 30*time.Second)/time.Second))
	}
	if g.NotificationEmailFrom != "" {
		p(" Email notification from = %s", g.NotificationEmailFrom)
		p(" Email notification to:")
		for _, e := range g.NotificationEmail {
			p("   %s", e)
		}
	}
	p(" Default smtp_alert = %s", optBool(g.SMTPAlert))
	p(" Default smtp_alert_vrrp = %s", optBool(g.SMTPAlertVRRP))
	p(" Default smtp_alert_checker = %s", optBool(g.SMTPAlertChecker))
	p(" Checkers log all failures = %t", g.CheckerLogAllFailures)
	p(" No test config before reload")
	if g.DataUseInstance {
		p(" Use instance name in data dumps")
	}
	p(" Dynamic interfaces = %t", v.DynamicInterfaces || g.DynamicInterfaces)
	if v.DynamicInterfaces || g.DynamicInterfaces {
		p(" Allow interface changes = %t", v.AllowIfChanges || g.AllowIfChanges)
	}
	if g.NoEmailFaults {
		p(" Send emails for fault transitions = off")
	}
	if t := g.LVS.Timeouts; t.TCP != 0 || t.TCPFin != 0 || t.UDP != 0 {
		optionalN(p, " LVS TCP timeout = %d", t.TCP)
		optionalN(p, " LVS TCP FIN timeout = %d", t.TCPFin)
		optionalN(p, " LVS TCP timeout = %d", t.UDP) // sic: keepalived's label
	}
	p(" Default interface = %s", orDefault(cmpOrS(v.DefaultInterface, g.DefaultInterface), "eth0"))
	p(" Disable local IGMP = %s", yesNo(g.DisableLocalIGMP))
	dumpSyncDaemon(p, g.LVS.SyncDaemon, instances)
	p(" LVS flush = %t", g.LVS.Flush)
	p(" LVS flush on stop = %s", flushMode(g.LVS.FlushOnStop))
	fifo(p, "Global notify fifo", g.NotifyFIFO)
	fifo(p, "VRRP notify fifo", g.VRRPNotifyFIFO)
	fifo(p, "LVS notify fifo", g.LVSNotifyFIFO)
	p(" FIFO write vrrp states on reload = %t", v.FIFOWriteStatesOnReload)
	p(" VRRP notify priority changes = %t", v.NotifyPriorityChanges)
	p(" VRRP IPv4 mcast group = %s", addrOr(v.McastGroup4.String(), "224.0.0.18"))
	p(" VRRP IPv6 mcast group = %s", addrOr(v.McastGroup6.String(), "ff02::12"))
	p(" Gratuitous ARP delay = %d", int(v.GARPMasterDelay/time.Second))
	p(" Gratuitous ARP repeat = %d", v.GARPMasterRepeat)
	p(" Gratuitous ARP refresh timer = %d", int(v.GARPMasterRefresh/time.Second))
	p(" Gratuitous ARP refresh repeat = %d", v.GARPMasterRefreshRepeat)
	p(" Gratuitous ARP lower priority delay = %d", int(v.GARPLowerPrioDelay/time.Second))
	p(" Gratuitous ARP lower priority repeat = %d", v.GARPLowerPrioRepeat)
	p(" Num adverts before down = %d", downAdverts(v.DownTimerAdverts))
	what := "VMAC"
	if v.GARPExtraIfAll {
		what = "i/f"
	}
	p(" Gratuitous ARP for each secondary %s = %ds", what, int(v.GARPExtraIf/time.Second))
	p(" Send advert after receive lower priority advert = %t", !v.LowerPrioNoAdvert)
	p(" Send advert after receive higher priority advert = %t", v.HigherPrioSendAdvert)
	p(" Gratuitous ARP interval = %f", v.GARPInterval.Seconds())
	p(" Gratuitous NA interval = %f", v.GNAInterval.Seconds())
	p(" VRRP default protocol version = %d", cmpOr(v.Version, 2))
	if nftablesInUse(g, instances) {
		f := v.Firewall
		p(" nftables table name = %s", orDefault(f.NFTablesTable, "keepalived"))
		p(" nftables base chain priority = %d", f.NFTablesPriority)
		force := "don't "
		if f.NFTablesIfIndex {
			force = ""
		}
		p(" nftables %sforce use ifindex for link local IPv6", force)
	}
	if nf := g.LVS.NFTables; nf != nil {
		p(" ipvs nftables table name = %s", nf.Table)
		p(" ipvs nftables base chain priority = %d", nf.Priority)
		p(" ipvs nftables start fwmark = %d", nf.StartFwmark)
	}
	if v.Firewall.NFTablesCounters {
		p(" nftables with counters")
	} else {
		p(" nftables without counters")
	}
	p(" libnftnl version 1.2.3") // Debian 12's, which keepalived 2.2.7 there reports
	p(" VRRP check unicast_src = %t", v.CheckUnicastSrc)
	p(" VRRP skip check advert addresses = %t", v.SkipCheckAdvAddr)
	p(" VRRP strict mode = %t", v.Strict)
	if g.MaxAutoPriority < 0 {
		p(" Max auto priority = Disabled")
	} else {
		p(" Max auto priority = %d", g.MaxAutoPriority)
	}
	p(" Min auto priority delay = %d usecs", g.MinAutoPriorityDelay.Microseconds())
	dumpGlobalTail(p, g)
}

// dumpGlobalTail is the global section from the process tuning on: SNMP,
// D-Bus, scripts, netlink buffers, umask.
func dumpGlobalTail(p func(string, ...any), g *config.Global) {
	v := &g.VRRP
	tuning(p, "VRRP", g.VRRPProc)
	tuning(p, "Checker", g.CheckerProc)
	tuning(p, "BFD", g.BFDProc)
	p(" SNMP vrrp %s", enabledWord(g.EnableSNMPVRRP))
	p(" SNMP checker %s", enabledWord(g.EnableSNMPChecker))
	p(" SNMP RFCv2 %s", enabledWord(g.EnableSNMPRFC || g.EnableSNMPRFCv2))
	p(" SNMP RFCv3 %s", enabledWord(g.EnableSNMPRFC || g.EnableSNMPRFCv3))
	p(" SNMP traps %s", enabledWord(g.EnableTraps))
	p(" SNMP socket = %s", orDefault(g.SNMPSocket, "default (unix:/var/agentx/master)"))
	p(" DBus %s", enabledWord(g.EnableDBus))
	p(" DBus service name = %s", g.DBusServiceName)
	p(" Script security %s", enabledWord(g.EnableScriptSecurity))
	if uid, gid, ok := defaultScriptUser(g); ok {
		p(" Default script uid:gid %s:%s", uid, gid)
	}
	p(" vrrp_netlink_cmd_rcv_bufs = %d", v.NetlinkCmdRcvBufs)
	p(" vrrp_netlink_cmd_rcv_bufs_force = %d", b2i(v.NetlinkCmdRcvBufsForce))
	p(" vrrp_netlink_monitor_rcv_bufs = %d", v.NetlinkMonitorRcvBufs)
	p(" vrrp_netlink_monitor_rcv_bufs_force = %d", b2i(v.NetlinkMonitorRcvBufsForce))
	p(" process_monitor_rcv_bufs = %d", v.ProcessMonitorRcvBufs)
	p(" process_monitor_rcv_bufs_force = %d", b2i(v.ProcessMonitorRcvBufsForce))
	p(" lvs_netlink_cmd_rcv_bufs = %d", g.LVS.NetlinkCmdRcvBufs)
	p(" lvs_netlink_cmd_rcv_bufs_force = %d", b2i(g.LVS.NetlinkCmdRcvBufsForce))
	p(" lvs_netlink_monitor_rcv_bufs = %d", g.LVS.NetlinkMonitorRcvBufs)
	p(" lvs_netlink_monitor_rcv_bufs_force = %d", b2i(g.LVS.NetlinkMonitorRcvBufsForce))
	p(" rs_init_notifies = %d", b2i(g.RSInitNotifies))
	p(" no_checker_emails = %d", b2i(g.NoCheckerEmails))
	switch v.RxBufsPolicy {
	case config.RxBufsMTU:
		p(" rx_bufs_policy = MTU")
	case config.RxBufsAdvert:
		p(" rx_bufs_policy = ADVERT")
	case config.RxBufsSizePolicy:
		p(" rx_bufs_size = %d", v.RxBufsSize)
	}
	p(" rx_bufs_multiples = %d", cmpOr(v.RxBufsMultiplier, 3))
	mask := uint32(0o177)
	if g.UmaskSet {
		mask = g.Umask
	}
	p(" umask = 0%o", mask)
	if v.StartupDelay > 0 {
		p(" vrrp_startup_delay = %g", v.StartupDelay.Seconds())
	}
	if v.LogUnknownVRIDs {
		p(" log_unknown_vrids")
	}
	if v.VMACPrefix != "vrrp" { // keepalived prints it only when set
		optional(p, " VMAC prefix = %s", v.VMACPrefix)
	}
	optional(p, " VMAC address prefix = %s", v.VMACAddrPrefix)
	if prio := realtimePriority(); prio > 0 {
		p(" current realtime priority = %d", prio)
	}
}

// realtimePriority is the SCHED_RR/FIFO priority the process runs at
// (max_auto_priority raised it, or *_rt_priority), 0 for the normal
// policy: keepalived's get_cur_priority. The main thread stands for the
// process, as SetRealtime moves every thread alike. keepalived's "current
// realtime time limit" has no counterpart: RLIMIT_RTTIME is not set
// (vrrphost/rtprio.go says why).
func realtimePriority() int {
	a, err := unix.SchedGetAttr(os.Getpid(), 0)
	if err != nil || (a.Policy != unix.SCHED_RR && a.Policy != unix.SCHED_FIFO) {
		return 0
	}
	return int(a.Priority)
}

func tuning(p func(string, ...any), who string, t config.ProcessTuning) {
	p(" %s process priority = %d", who, t.Priority)
	p(" %s don't swap = %t", who, t.NoSwap)
	p(" %s realtime priority = %d", who, t.RTPriority)
	if len(t.CPUAffinity) > 0 {
		s := ""
		for i, c := range t.CPUAffinity {
			if i > 0 {
				s += " "
			}
			s += strconv.Itoa(c)
		}
		p(" %s CPU Affinity = %s", who, s)
	}
	p(" %s realtime limit = %d", who, cmpOr(t.RLimitRTTime, 10000))
}

func fifo(p func(string, ...any), what string, f config.FIFO) {
	if f.Name == "" {
		return
	}
	uid, gid := scriptUser(f.User, f.Group)
	p(" %s = %s, uid:gid %s:%s", what, f.Name, uid, gid)
	if f.Script != nil {
		su, sg := scriptUser(f.Script.User, f.Script.Group)
		// cmd_str: each word quoted, as written (Argv holds the path
		// keepalived-go resolved to run).
		p(" %s script = %s, uid:gid %s:%s", what, status.CommandString(strings.Fields(f.Script.Raw)), su, sg)
	}
}

// scriptUser is the uid:gid keepalived prints for a user (root when none
// is named: keepalived_script seldom exists).
func scriptUser(name, group string) (string, string) {
	uid, gid := "0", "0"
	if name == "" {
		name = "keepalived_script"
	}
	if u, err := user.Lookup(name); err == nil {
		uid, gid = u.Uid, u.Gid
	}
	if group != "" {
		if g, err := user.LookupGroup(group); err == nil {
			gid = g.Gid
		}
	}
	return uid, gid
}

func optional(p func(string, ...any), format, s string) {
	if s != "" {
		p(format, s)
	}
}

func optionalN(p func(string, ...any), format string, n uint32) {
	if n != 0 {
		p(format, n)
	}
}

func optBool(b config.OptBool) string {
	switch b {
	case config.True:
		return "on"
	case config.False:
		return "off"
	}
	return "unset"
}

func flushMode(m config.LVSFlushMode) string {
	switch m {
	case config.FlushFull:
		return "full"
	case config.FlushVS:
		return "VS"
	}
	return "disabled"
}

func enabledWord(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func addrOr(a, d string) string {
	if a == "invalid IP" || a == "" {
		return d
	}
	return a
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

func cmpOrS(a, b string) string { return cmpOr(a, b) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nftablesInUse: keepalived names its nftables table when vrrp_nftables
// is set, or falls back to it for use_vmac, no_accept or strict instances
// when no iptables chain is configured.
func nftablesInUse(g *config.Global, instances []config.Instance) bool {
	f := g.VRRP.Firewall
	if f.NFTables {
		return true
	}
	if f.IPTables {
		return false
	}
	for _, in := range instances {
		if in.VMAC.Enabled || !in.Accept {
			return true
		}
	}
	return false
}

// DefaultScriptUserNote is the line keepalived's get_default_script_user
// logs when a dump is the first to need the default script user and it
// cannot be had: no script_user, keepalived_script missing, script
// security on, and nothing read from the file resolved it before. Each of
// keepalived's processes logs it at its first dump only; "" otherwise.
func DefaultScriptUserNote(g *config.Global) string {
	if g.ScriptUser != "" || g.DefaultScriptUserFailed || g.DefaultScriptUserResolved || !g.EnableScriptSecurity {
		return ""
	}
	if _, err := user.Lookup("keepalived_script"); err == nil {
		return ""
	}
	return "Unable to set default user keepalived_script for script"
}

// defaultScriptUser is keepalived's get_default_script_user: false (the
// dump leaves the line out) when script_user names a user or group that
// does not exist, or, without script_user, when keepalived_script does
// not exist and script security is on.
func defaultScriptUser(g *config.Global) (uid, gid string, ok bool) {
	if g.DefaultScriptUserFailed {
		return "", "", false
	}
	name := g.ScriptUser
	if name == "" {
		name = "keepalived_script"
	}
	u, err := user.Lookup(name)
	switch {
	case err != nil && g.ScriptUser != "":
		return "", "", false
	case err != nil && g.EnableScriptSecurity && !g.DefaultScriptUserResolved:
		// Resolved while reading (before script security was on), it
		// stays root; resolved now, it fails.
		return "", "", false
	case err != nil:
		return strconv.Itoa(os.Geteuid()), strconv.Itoa(os.Getegid()), true
	}
	uid, gid = u.Uid, u.Gid
	if g.ScriptGroup != "" {
		gr, err := user.LookupGroup(g.ScriptGroup)
		if err != nil {
			return "", "", false
		}
		gid = gr.Gid
	}
	return uid, gid, true
}

// dumpSyncDaemon is lvs_sync_daemon in keepalived's global section: the
// instance (resolved or only named), interface, sync id (the instance's
// VRID unless given) and the multicast settings that were set.
func dumpSyncDaemon(p func(string, ...any), sd *config.SyncDaemon, instances []config.Instance) {
	if sd == nil || sd.Interface == "" {
		return
	}
	id := uint(sd.SyncID)
	if sd.Instance != "" {
		i := slices.IndexFunc(instances, func(in config.Instance) bool { return in.Name == sd.Instance })
		if i >= 0 {
			p(" LVS syncd vrrp instance = %s", sd.Instance)
			if !sd.SyncIDSet {
				id = uint(instances[i].VRID)
			}
		} else {
			p(" LVS syncd vrrp name = %s", sd.Instance)
		}
	}
	p(" LVS syncd interface = %s", sd.Interface)
	p(" LVS syncd syncid = %d", id)
	if sd.MaxLen != 0 {
		p(" LVS syncd maxlen = %d", sd.MaxLen)
	}
	if sd.Group.IsValid() {
		p(" LVS mcast group %s", sd.Group)
	}
	if sd.Port != 0 {
		p(" LVS syncd mcast port = %d", sd.Port)
	}
	if sd.TTL != 0 {
		p(" LVS syncd mcast ttl = %d", sd.TTL)
	}
}
