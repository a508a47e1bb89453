package snmpmib

import (
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// global is KEEPALIVED-MIB's global group (9586.100.5.1).
func (v *view) global() {
	g := v.in.Config.Global
	o := func(sub ...uint32) agentx.OID { return GlobalOID.Append(sub...) }
	v.add(agentx.Str(o(1, 0), v.in.Version))
	if g.RouterID != "" {
		v.add(agentx.Str(o(2, 0), g.RouterID))
	}
	v.smtp(g)
	v.add(
		agentx.Int(o(4, 0), truth(g.EnableTraps)),
		agentx.Int(o(5, 0), 1), // linkbeat polling is a per-interface choice here: keepalived's global default
		agentx.Int(o(6, 0), truth(g.LVS.Flush)),
		agentx.Int(o(7, 0), 1), // IPVS 64-bit counters: keepalived-go reads them
		agentx.Str(o(8, 0), g.NetNamespace),
		agentx.Int(o(9, 0), truth(g.EnableDBus)),
		agentx.Int(o(10, 0), truth(g.DynamicInterfaces)),
		agentx.Int(o(11, 0), lvsFlushOnStop(g)),
	)
}

// smtp is the global mail group (5.1.3). keepalived reports the SMTP
// server's sockaddr as resolved; without smtp_server its family is
// unspecified, which keepalived's mapping shows as ipv6 with four zero
// bytes, port and timeout 0.
func (v *view) smtp(g config.Global) {
	o := func(sub ...uint32) agentx.OID { return GlobalOID.Append(3).Append(sub...) }
	addr, typ, port, timeout := make([]byte, 4), 2, uint32(0), uint32(0)
	if a, err := netip.ParseAddr(g.SMTPServer); err == nil {
		addr, typ, port = a.AsSlice(), inetType(a), uint32(g.SMTPPort)
		timeout = uint32(g.SMTPConnectTimeout / time.Second)
	}
	v.add(
		agentx.Int(o(1, 0), typ),
		agentx.Bytes(o(2, 0), addr),
		agentx.Gauge(o(3, 0), timeout),
	)
	if g.NotificationEmailFrom != "" {
		v.add(agentx.Str(o(4, 0), g.NotificationEmailFrom))
	}
	for i, e := range g.NotificationEmail {
		v.add(agentx.Str(o(5, 1, 2, uint32(i+1)), e))
	}
	v.add(
		agentx.Gauge(o(6, 0), port),
		agentx.Int(o(7, 0), truth(!g.NoEmailFaults)),
		agentx.Int(o(8, 0), optBool(g.SMTPAlert)),
		agentx.Int(o(9, 0), optBool(g.SMTPAlertVRRP)),
		agentx.Int(o(10, 0), optBool(g.SMTPAlertChecker)),
	)
}

// optBool: keepalived's tri-state smtp_alert (unset 3).
func optBool(b config.OptBool) int {
	switch b {
	case config.True:
		return 1
	case config.False:
		return 2
	}
	return 3
}

func lvsFlushOnStop(g config.Global) int {
	switch g.LVS.FlushOnStop {
	case config.FlushFull:
		return 1
	case config.FlushVS:
		return 3
	}
	return 2
}

// vrrpTables are KEEPALIVED-MIB's VRRP tables (9586.100.5.2), indexed
// from 1 in configuration order as keepalived's lists are.
func (v *view) vrrpTables() {
	c := &v.in.Config.VRRP
	for gi, sg := range c.SyncGroups {
		v.syncGroup(uint32(gi+1), sg)
	}
	for ii := range c.Instances {
		v.instance(uint32(ii+1), &c.Instances[ii])
	}
	v.addresses()
	v.scripts()
}

func (v *view) syncGroup(i uint32, sg config.SyncGroup) {
	o := func(col uint32, idx ...uint32) agentx.OID { return VRRPOID.Append(1, 1, col, i).Append(idx...) }
	state := vrrp.StateInit
	if len(sg.Members) > 0 {
		state = v.status[sg.Members[0]].State
	}
	v.add(
		agentx.Str(o(2), sg.Name),
		agentx.Int(o(3), snmpState(state)),
		agentx.Int(o(4), truth(sg.SMTPAlert)),
		agentx.Int(o(5), truth(hasNotify(sg.Notify))),
	)
	v.scriptCols(sg.Notify, map[string]uint32{"master": 6, "backup": 7, "fault": 8, "generic": 9, "stop": 11}, o)
	v.add(agentx.Int(o(10), truth(sg.TrackingWeight)))
	for mi, m := range sg.Members {
		v.add(agentx.Str(VRRPOID.Append(2, 1, 2, i, uint32(mi+1)), m))
	}
}

// snmpState is keepalived's vrrp_snmp_state: its own numbering up to
// FAULT, 4 for anything else.
func snmpState(s vrrp.State) int {
	if s <= vrrp.StateFault {
		return int(s)
	}
	return 4
}

func hasNotify(n config.Notify) bool {
	return n.Master != nil || n.Backup != nil || n.Fault != nil || n.Stop != nil || n.Generic != nil ||
		n.Deleted != nil || n.MasterRxLowerPri != nil
}

// scriptCols adds the notify script columns that are set.
func (v *view) scriptCols(n config.Notify, cols map[string]uint32, o func(uint32, ...uint32) agentx.OID) {
	for k, cmd := range map[string]*config.Command{
		"master": n.Master, "backup": n.Backup, "fault": n.Fault, "stop": n.Stop,
		"generic": n.Generic, "deleted": n.Deleted, "rxlower": n.MasterRxLowerPri,
	} {
		if col, ok := cols[k]; ok && cmd != nil {
			v.add(agentx.Str(o(col), status.CommandString(cmd.Argv)))
		}
	}
}

func (v *view) instance(i uint32, in *config.Instance) {
	o := func(col uint32, idx ...uint32) agentx.OID { return VRRPOID.Append(3, 1, col, i).Append(idx...) }
	st := v.status[in.Name]
	adv := uint32(in.AdvertInt / time.Second)
	if in.Version == 3 {
		adv = uint32(in.AdvertInt / (10 * time.Millisecond))
	}
	initial := 1
	if in.State == config.StateMaster {
		initial = 2
	}
	auth := 0
	if in.Version != 3 {
		auth = int(in.Auth)
	}
	v.add(
		agentx.Str(o(2), in.Name),
		agentx.Gauge(o(3), uint32(in.VRID)),
		agentx.Int(o(4), snmpState(st.State)),
		agentx.Int(o(5), initial),
		agentx.Int(o(6), snmpState(wanted(st.State))),
		agentx.Int(o(7), st.BasePriority),
		agentx.Int(o(8), st.EffectivePriority),
		agentx.Int(o(9), truth(st.State == vrrp.StateMaster)),
		agentx.Str(o(10), in.Interface),
		agentx.Int(o(11), truth(hasTracker(in.Trackers, config.TrackInterface))),
		agentx.Gauge(o(12), adv),
		agentx.Int(o(13), truth(!noPreempt(in, st))),
		agentx.Gauge(o(14), uint32(in.PreemptDelay/time.Second)),
		agentx.Int(o(15), auth),
		agentx.Int(o(16), truth(false)), // lvs_sync_daemon is not implemented
	)
	if in.SyncGroup != "" {
		v.add(agentx.Str(o(18), in.SyncGroup))
	}
	v.add(
		agentx.Gauge(o(19), uint32(in.GARPMasterDelay/time.Second)),
		agentx.Int(o(20), truth(in.SMTPAlert)),
		agentx.Int(o(21), truth(hasNotify(in.Notify))),
	)
	v.scriptCols(in.Notify, map[string]uint32{"master": 22, "backup": 23, "fault": 24, "stop": 25, "generic": 26, "rxlower": 31, "deleted": 32}, o)
	accept := 0
	if in.Version == 3 {
		accept = truth(in.Accept)
	}
	v.add(
		agentx.Int(o(27), accept),
		agentx.Int(o(28), truth(in.PromoteSecondaries)),
		agentx.Int(o(29), truth(in.LinkbeatUsePolling)),
		agentx.Int(o(30), in.Version),
		agentx.Int(o(33), truth(in.Notify.NotifyDeleted)),
	)
	if !in.Unicast && in.McastDst.IsValid() {
		v.add(agentx.Int(o(34), inetType(in.McastDst)), agentx.Bytes(o(35), in.McastDst.AsSlice()))
	}
	v.trackedScripts(i, in)
}

// wanted approximates keepalived's wantstate: the state the instance
// is heading for, which is its current one once settled.
func wanted(s vrrp.State) vrrp.State { return s }

func hasTracker(ts []config.Tracker, k config.TrackerKind) bool {
	for _, t := range ts {
		if t.Kind == k {
			return true
		}
	}
	return false
}

// trackedScripts is vrrpTrackedInterfaceTable (5.2.4) and
// vrrpTrackedScriptTable (5.2.5), indexed by instance and the entry's
// rank among the instance's track_interface or track_script entries.
func (v *view) trackedScripts(i uint32, in *config.Instance) {
	var nIf, nScript uint32
	for _, t := range in.Trackers {
		switch t.Kind {
		case config.TrackInterface:
			nIf++
			o := func(col uint32) agentx.OID { return VRRPOID.Append(4, 1, col, i, nIf) }
			v.add(agentx.Str(o(1), t.Name), agentx.Int(o(2), t.Weight), agentx.Int(o(3), truth(t.Reverse)))
		case config.TrackScript:
			nScript++
			o := func(col uint32) agentx.OID { return VRRPOID.Append(5, 1, col, i, nScript) }
			v.add(agentx.Str(o(2), t.Name), agentx.Int(o(3), t.Weight), agentx.Int(o(4), truth(t.Reverse)))
		}
	}
}

// addresses is vrrpAddressTable (5.2.6): static addresses, then each
// instance's VIPs and its excluded VIPs. keepalived flags only the first instance's VIPs as
// advertised (its iterator never sets the flag again after the first
// instance's excluded list), so the view does the same.
func (v *view) addresses() {
	// static_ipaddress entries come first, under instance index 0; they
	// are set once installed and never advertised.
	for k, a := range v.in.Config.VRRP.StaticAddresses {
		v.address(0, uint32(k+1), a.Dev, a, true, false)
	}
	for ii := range v.in.Config.VRRP.Instances {
		in := &v.in.Config.VRRP.Instances[ii]
		isSet := v.status[in.Name].State == vrrp.StateMaster
		n := uint32(0)
		for k, list := range [][]config.Address{in.VIPs, in.ExcludedVIPs} {
			for _, a := range list {
				n++
				v.address(uint32(ii+1), n, in.Interface, a, isSet, ii == 0 && k == 0)
			}
		}
	}
}

func (v *view) address(i, n uint32, ifname string, a config.Address, isSet, adv bool) {
	o := func(col uint32) agentx.OID { return VRRPOID.Append(6, 1, col, i, n) }
	ip := a.Prefix.Addr()
	dev := a.Dev
	if dev == "" {
		dev = ifname
	}
	v.add(
		agentx.Int(o(2), inetType(ip)),
		agentx.Bytes(o(3), ip.AsSlice()),
	)
	if ip.Is4() {
		v.add(agentx.Bytes(o(4), addrBytes(a.Brd)))
	}
	v.add(
		agentx.Gauge(o(5), uint32(a.Prefix.Bits())),
		agentx.Int(o(6), scope(a.Scope)),
		agentx.Int(o(7), v.in.Iface(dev).Index),
		agentx.Str(o(8), dev),
	)
	if a.Label != "" {
		v.add(agentx.Str(o(9), a.Label))
	}
	v.add(agentx.Int(o(10), truth(isSet)), agentx.Int(o(11), truth(adv)))
	if a.Peer.IsValid() {
		v.add(agentx.Bytes(o(12), a.Peer.Addr().AsSlice()))
	}
}

// scope is keepalived's snmp_scope: the MIB's numbering of rtnetlink
// scopes.
func scope(s uint8) int {
	switch s {
	case 0:
		return 14
	case 254:
		return 1
	case 253:
		return 2
	case 200:
		return 5
	}
	return 0
}

// scripts is vrrpScriptTable (5.2.9).
func (v *view) scripts() {
	byName := map[string]status.Script{}
	for _, s := range v.in.Scripts {
		byName[s.Name] = s
	}
	for si, sc := range v.in.Config.VRRP.Scripts {
		o := func(col uint32) agentx.OID { return VRRPOID.Append(9, 1, col, uint32(si+1)) }
		st := byName[sc.Name]
		argv := st.Argv
		if argv == nil {
			argv = sc.Command.Argv
		}
		v.add(
			agentx.Str(o(2), sc.Name),
			agentx.Str(o(3), status.CommandString(argv)),
			agentx.Int(o(4), int(sc.Interval/time.Second)),
			agentx.Int(o(5), sc.Weight),
			agentx.Int(o(6), scriptResult(st)),
			agentx.Gauge(o(7), uint32(sc.Rise)),
			agentx.Gauge(o(8), uint32(sc.Fall)),
			agentx.Int(o(9), truth(sc.WeightReverse)),
		)
	}
}

// scriptResult: init (1) before the first result, then good (3) or bad (2).
func scriptResult(s status.Script) int {
	switch {
	case s.LastRun.IsZero():
		return 1
	case s.Good:
		return 3
	}
	return 2
}

// noPreempt is nopreempt as the instance runs (an SNMP SET may have
// changed it), the configuration's before the engine reports.
func noPreempt(in *config.Instance, st vrrp.InstanceStatus) bool {
	if st.Name == "" {
		return in.NoPreempt
	}
	return st.NoPreempt
}
