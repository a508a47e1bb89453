package parser

import (
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// instCompletion is one run of keepalived's vrrp_complete_instance over a
// parsed instance: the draft, the vrrp global defaults it falls back on, and
// a reporter whose messages start with the instance name, as keepalived's do.
type instCompletion struct {
	c  *ctx
	d  *instDraft
	in *config.Instance
	g  *config.VRRPGlobal
}

func (k *instCompletion) rep(class Class, format string, args ...any) {
	k.c.Report(k.d.pos, class, format, append([]any{k.in.Name}, args...)...)
}

// owner: priority 255 is the address owner (set by priorityAndState).
func (k *instCompletion) owner() bool { return k.in.Priority == 255 }

// completeInstance is vrrp_complete_instance. false: keepalived stops. The
// phases run in keepalived's order, which decides the order of its messages
// and which fix-up sees which value.
func (c *ctx) completeInstance(d *instDraft) bool {
	k := &instCompletion{c: c, d: d, in: &d.in, g: c.vg()}
	k.version()
	k.priorityAndState()
	k.auth()
	if !k.interfaceless() {
		return false
	}
	k.unicast()
	k.vmacAddress()
	k.vipFamilyAndVRF()
	k.limitVIPs()
	k.preempt()
	k.accept()
	k.garp()
	k.adverts()
	c.completeAdvertInt(d, k.rep)
	k.linkbeat()
	k.vmacOptions()
	if !k.vips() {
		return false
	}
	k.ownerTrackers()
	return true
}

// version: strict mode, family and VRRP version, and the unicast TTL.
func (k *instCompletion) version() {
	d, in := k.d, k.in
	in.Strict = d.strict.or(k.g.Strict)
	if in.Family == config.IPv6 {
		if d.version == 2 && in.Strict {
			k.rep(generalError, "(%s) cannot use IPv6 with VRRP version 2; setting version 3")
			d.version = 3
		} else if d.version == 0 {
			d.version = 3
		}
	}
	if in.Family == config.FamilyUnspec {
		in.Family = config.IPv4
	}
	if d.version == 0 {
		d.version = k.g.Version
	}
	in.Version = d.version
	in.UnicastTTL = d.ttl
	if in.Family == config.IPv4 && in.UnicastTTL == -1 {
		in.UnicastTTL = 255
	}
}

// priorityAndState: the default priority follows the wanted state, the
// default state follows ownership; strict mode insists they agree.
func (k *instCompletion) priorityAndState() {
	d, in := k.d, k.in
	in.Priority = d.priority
	if in.Priority == 0 {
		in.Priority = 100
		if d.wantState == config.StateMaster {
			in.Priority = 255
		}
	}
	ownerState := config.StateBackup
	if k.owner() {
		ownerState = config.StateMaster
	}
	switch {
	case d.wantState == 0:
		in.State = ownerState
	case in.Strict && (d.wantState == config.StateMaster) != k.owner():
		k.rep(generalError, "(%s) State MASTER must match being address owner")
		in.State = ownerState
	default:
		in.State = d.wantState
	}
}

// auth drops authentication where keepalived refuses it.
func (k *instCompletion) auth() {
	in := k.in
	in.Auth, in.AuthPass = k.d.auth, k.d.authPass
	switch {
	case in.Auth == config.AuthNone:
	case in.Strict:
		k.rep(generalError, "(%s) Strict mode does not support authentication. Ignoring.")
		in.Auth = config.AuthNone
	case in.Version == 3:
		k.rep(generalError, "(%s) VRRP version 3 does not support authentication. Ignoring.")
		in.Auth = config.AuthNone
	case in.AuthPass == "":
		k.rep(generalError, "(%s) Authentication specified but no password given. Ignoring")
		in.Auth = config.AuthNone
	case in.Family == config.IPv6 && in.Auth == config.AuthAH:
		k.rep(generalError, "(%s) Cannot use AH authentication with IPv6. ignoring")
		in.Auth = config.AuthNone
	case in.Auth == config.AuthAH && in.State == config.StateMaster && !k.owner():
		k.rep(generalError, "(%s) Initial state master is incompatible with AH authentication - clearing")
		in.State = config.StateBackup
	}
	if in.Auth == config.AuthNone {
		in.AuthPass = ""
	}
}

// interfaceless: an instance without an interface needs a usable source
// address. false: keepalived stops.
//
// keepalived 2.2/2.3 test "unicast in strict mode" before deciding
// unicast, so that check never fires on a first load: not reproduced.
func (k *instCompletion) interfaceless() bool {
	if k.d.hasIf {
		return true
	}
	if !k.d.saddrFromConfig {
		k.rep(generalError, "(%s): Unicast instances must have unicast_src_ip or interface")
		return false
	}
	if k.in.Family == config.IPv6 && k.in.SrcIP.IsLinkLocalUnicast() {
		k.rep(generalError, "(%s) Non link-local address required if interface omitted")
		return false
	}
	return true
}

// unicast decides unicast from the peers, then checks that a multicast
// instance's interface can multicast.
func (k *instCompletion) unicast() {
	in := k.in
	if in.UnicastConfigured {
		switch {
		case len(in.UnicastPeers) > 0:
			in.Unicast = true
		case in.UnicastFaultNoPeer:
			k.rep(info, "(%s) Cannot use unicast without any peers - going to fault state")
		default:
			k.rep(deprecated, "(%s) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.")
		}
	}
	// A VMAC/ipvlan instance's interface does not exist yet at config
	// time (ifindex 0), so keepalived only checks plain interfaces; dummy
	// and ifb links, for example, lack IFF_MULTICAST.
	if k.d.hasIf && !k.d.ifMissing && !in.Unicast && !in.VMAC.Enabled && !in.VMAC.IPVLAN && !k.c.ifMulticast(in.Interface) {
		k.rep(generalError, "(%s) interface %s does not support multicast, specify unicast peers - disabling", in.Interface)
	}
}

// vmacAddress: strict mode forbids a configured VMAC address; a 5-octet
// one ends in the VRID.
func (k *instCompletion) vmacAddress() {
	in := k.in
	if in.Strict && in.VMAC.MACSet {
		k.rep(generalError, "(%s): cannot specify MAC address with strict mode - clearing")
		in.VMAC.MACSet, in.VMAC.MACUseVRID = false, false
	}
	if in.VMAC.Enabled && in.VMAC.MACUseVRID {
		in.VMAC.MAC[5] = byte(in.VRID)
	}
}

// vipFamilyAndVRF: an IPv6 multicast instance advertises from its first
// VIP, which should be link local; a vrf needs unicast and no interface.
func (k *instCompletion) vipFamilyAndVRF() {
	in := k.in
	if in.Family == config.IPv6 && !in.Unicast && len(in.VIPs) > 0 && !in.VIPs[0].Prefix.Addr().IsLinkLocalUnicast() {
		if in.Strict {
			k.rep(generalError, "(%s) the first IPv6 VIP address must be link local")
		} else {
			k.rep(info, "(%s) the first IPv6 VIP address should be link local")
		}
	}
	if in.VRF != "" && (k.d.hasIf || !in.Unicast) {
		if k.d.hasIf {
			k.rep(generalError, "(%s) vrf can only be specified without interface - clearing")
		} else {
			k.rep(generalError, "(%s) vrf can only be specified with unicast - clearing")
		}
		in.VRF = ""
	}
}

// limitVIPs moves the VIPs an advert cannot carry to the eVIPs. Interface
// MTUs are not known here; keepalived's fallback is 1500.
func (k *instCompletion) limitVIPs() {
	in := k.in
	maxAddr := (1500 - 14 - 40 - 8) / 16
	if in.Family == config.IPv4 {
		hdr := 14 + 20 + 8
		if in.Version == 2 {
			hdr += 8
			if in.Auth == config.AuthAH {
				hdr += 24
			}
		}
		maxAddr = (1500 - hdr) / 4
	}
	maxAddr = min(maxAddr, 255)
	if len(in.VIPs) > maxAddr {
		k.rep(generalError, "(%s) Number of VIPs (%d) exceeds maximum/space available in packet (max %d addresses) - excess moved to eVIPs", len(in.VIPs), maxAddr)
		if len(in.ExcludedVIPs) == 0 {
			// The excess becomes the eVIP list in place (no copy of
			// 65 535 addresses); the VIPs' capacity ends where it begins,
			// so neither list can grow into the other.
			in.ExcludedVIPs = in.VIPs[maxAddr:]
		} else {
			in.ExcludedVIPs = append(append([]config.Address{}, in.VIPs[maxAddr:]...), in.ExcludedVIPs...)
		}
		in.VIPs = in.VIPs[:maxAddr:maxAddr]
	}
}

// preempt: nopreempt, preempt_delay, down_timer_adverts and
// expired_timer_backup against ownership, initial state and strict mode.
func (k *instCompletion) preempt() {
	in := k.in
	if k.owner() && in.NoPreempt {
		k.rep(generalError, "(%s) nopreempt is incompatible with priority %d. resetting nopreempt", 255)
		in.NoPreempt = false
	}
	if in.State == config.StateMaster {
		if in.NoPreempt {
			k.rep(generalError, "(%s) Warning - nopreempt will not work with initial state MASTER - clearing")
			in.NoPreempt = false
		}
		if in.PreemptDelay != 0 {
			k.rep(generalError, "(%s) Warning - preempt delay will not work with initial state MASTER - clearing")
			in.PreemptDelay = 0
		}
	}
	if in.PreemptDelay != 0 {
		if in.Strict {
			k.rep(generalError, "(%s) preempt_delay is incompatible with strict mode - resetting")
			in.PreemptDelay = 0
		}
		if in.NoPreempt {
			k.rep(generalError, "(%s) preempt_delay is incompatible with nopreempt mode - resetting")
			in.PreemptDelay = 0
		}
	}
	in.DownTimerAdverts = k.d.downTimerAdverts.or(k.g.DownTimerAdverts)
	if in.DownTimerAdverts != 3 && in.Strict {
		k.rep(generalError, "(%s) down_timer_adverts is incompatible with strict mode - resetting")
		in.DownTimerAdverts = 3
	}
	if !in.NoPreempt && in.TimerExpiredBackup != 0 {
		k.rep(generalError, "(%s) expired_timer_backup requires nopreempt - resetting")
		in.TimerExpiredBackup = 0
	}
}

// accept: accept mode, the firewall it implies, and the multicast group.
func (k *instCompletion) accept() {
	in, g := k.in, k.g
	owner := k.owner()
	in.Accept = k.d.accept.or(owner || !in.Strict)
	if in.Accept && !owner && in.Strict && in.Version == 2 {
		k.rep(generalError, "(%s) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting")
		in.Accept = false
	}
	if (!in.Accept || in.VMAC.Enabled) && !g.Firewall.NFTables {
		k.c.Report(k.d.pos, info, "use_vmac or no_accept/strict specified, but no firewall configured - using nftables")
		g.Firewall.NFTables, g.Firewall.NFTablesTable, g.Firewall.NFTablesByVRRP = true, "keepalived", true
	}
	if !in.Unicast && !in.McastDst.IsValid() {
		in.McastDst = g.McastGroup4
		if in.Family == config.IPv6 {
			in.McastDst = g.McastGroup6
		}
	} else if in.Unicast && in.McastDst.IsValid() {
		k.rep(generalError, "(%s) multicast destination specified with unicast - ignoring")
		in.McastDst = netip.Addr{}
	}
}

// garp: the gratuitous ARP timings; strict mode wants no lower-priority
// repeats.
func (k *instCompletion) garp() {
	d, in, g := k.d, k.in, k.g
	in.GARPMasterDelay = time.Duration(d.garpMasterDelay.or(int64(g.GARPMasterDelay/time.Second))) * time.Second
	in.GARPMasterRepeat = d.garpMasterRepeat.or(g.GARPMasterRepeat)
	in.GARPMasterRefresh = time.Duration(d.garpMasterRefresh.or(int64(g.GARPMasterRefresh/time.Second))) * time.Second
	in.GARPMasterRefreshRepeat = d.garpMasterRefreshRepeat.or(g.GARPMasterRefreshRepeat)
	switch {
	case !d.garpLowerPrioRepeat.set:
		in.GARPLowerPrioRepeat = g.GARPLowerPrioRepeat
		if in.Strict {
			in.GARPLowerPrioRepeat = 0
		}
	case in.Strict && d.garpLowerPrioRepeat.v != 0:
		k.rep(generalError, "(%s) Strict mode requires no repeat garps. resetting")
		in.GARPLowerPrioRepeat = 0
	default:
		in.GARPLowerPrioRepeat = d.garpLowerPrioRepeat.v
	}
	switch {
	case !d.garpLowerPrioDelay.set:
		in.GARPLowerPrioDelay = g.GARPLowerPrioDelay
		if in.Strict {
			in.GARPLowerPrioDelay = 0
		}
	case in.Strict && d.garpLowerPrioDelay.v != 0:
		k.rep(generalError, "(%s) Strict mode requires no repeat garp delay. resetting")
		in.GARPLowerPrioDelay = 0
	default:
		in.GARPLowerPrioDelay = time.Duration(d.garpLowerPrioDelay.v) * time.Second
	}
}

// adverts: which adverts are sent and heeded, then the per-instance
// switches that fall back on global_defs or the sync group.
func (k *instCompletion) adverts() {
	d, in, g := k.d, k.in, k.g
	switch {
	case !d.lowerPrioNoAdvert.set:
		in.LowerPrioNoAdvert = in.Strict || g.LowerPrioNoAdvert
	case in.Strict && !d.lowerPrioNoAdvert.v:
		k.rep(generalError, "(%s) Strict mode requires no lower priority advert. resetting")
		in.LowerPrioNoAdvert = true
	default:
		in.LowerPrioNoAdvert = d.lowerPrioNoAdvert.v
	}
	switch {
	case !d.higherPrioSendAdvert.set:
		in.HigherPrioSendAdvert = !in.Strict && g.HigherPrioSendAdvert
	case in.Strict && d.higherPrioSendAdvert.v:
		k.rep(generalError, "(%s) strict mode requires higher_prio_send_advert to be clear. resetting")
		in.HigherPrioSendAdvert = false
	default:
		in.HigherPrioSendAdvert = d.higherPrioSendAdvert.v
	}
	k.ownerIgnoreAdverts()
	in.SkipCheckAdvAddr = d.skipCheckAdvAddr.or(g.SkipCheckAdvAddr)
	in.V3ChecksumAsV2 = d.v3ChecksumAsV2.or(g.V3ChecksumAsV2)
	// vrrp_check_unicast_src is not copied into the instance: keepalived
	// consults the global when it checks an advert, and the instance's
	// flag (dumped as "Check unicast src" and in "Flags") is its own.
	in.SMTPAlert = d.smtpAlert.or(k.c.smtpDefault())
	notifyDef := g.NotifyPriorityChanges
	if s := k.c.syncDraftOf(d); s != nil && s.notifyPri.set {
		notifyDef = s.notifyPri.v
	}
	in.NotifyPriorityChanges = d.notifyPrio.or(notifyDef)
}

// ownerIgnoreAdverts only applies to the address owner.
func (k *instCompletion) ownerIgnoreAdverts() {
	d, in := k.d, k.in
	owner := k.owner()
	switch {
	case d.ownerIgnore.set && d.ownerIgnore.v && !owner:
		k.rep(generalError, "(%s) ignoring owner_ignore_adverts since priority is not %d", 255)
		in.OwnerIgnoreAdverts = false
	case !d.ownerIgnore.set:
		// keepalived 2.3 also turns it on for strict owners; 2.2.7,
		// whose files run here unchanged, has no such default.
		in.OwnerIgnoreAdverts = owner && k.g.OwnerIgnoreAdverts
	case owner && !d.ownerIgnore.v:
		// keepalived's check has no strict-mode condition, despite its text.
		k.rep(generalError, "(%s) strict_mode with priority %d requires owner_ignore_adverts", 255)
		in.OwnerIgnoreAdverts = true
	default:
		in.OwnerIgnoreAdverts = d.ownerIgnore.v
	}
}

// linkbeat: polling needs an interface; tracking the source address needs
// a configured one.
func (k *instCompletion) linkbeat() {
	in := k.in
	if !k.d.hasIf {
		in.LinkbeatUsePolling = false
	} else if k.c.Cfg.Global.LinkbeatUsePolling {
		in.LinkbeatUsePolling = true
	}
	if k.d.hasIf {
		k.debounce()
	}
	if !k.d.saddrFromConfig {
		in.TrackSrcIP = false
	}
}

// debounce holds the interface's interface_up_down_delays below what
// the instance's master-down timer can wait for, as keepalived's
// vrrp_complete_instance (check_debounce_timers): with down_timer_adverts
// 1 there can be none; otherwise a delay of (down_timer_adverts - 1)
// advert intervals or more is cut to just under it. keepalived logs both
// with log_message (no "(Line N)" prefix, no -t error), naming the
// configured interface.
func (k *instCompletion) debounce() {
	in := k.in
	delays := k.c.Cfg.VRRP.UpDownDelays
	i := len(delays) - 1
	for i >= 0 && delays[i].Name != in.Interface {
		i--
	}
	if i < 0 || (delays[i].Up == 0 && delays[i].Down == 0) {
		return
	}
	dl := &delays[i]
	if in.DownTimerAdverts == 1 {
		k.c.Report(k.d.pos, info, "%s: cannot use debounce timers with down_timer_adverts = 1 - resetting", in.Name)
		dl.Up, dl.Down = 0, 0
		return
	}
	limit := time.Duration(in.DownTimerAdverts-1) * in.AdvertInt
	if dl.Up < limit && dl.Down < limit {
		return
	}
	// keepalived's timers are in microseconds: advert_int / 256 of them.
	cut := limit - in.AdvertInt/time.Microsecond/256*time.Microsecond
	if dl.Up >= limit {
		dl.Up = cut
	}
	if dl.Down >= limit {
		dl.Down = cut
	}
	k.c.Report(k.d.pos, info, "%s: interface %s debounce timer(s) not less that %d * advert_int - resetting", in.Name, in.Interface, in.DownTimerAdverts-1)
}

// vmacOptions checks the VMAC/ipvlan options against each other, and drops
// tracking of the instance's own interface.
func (k *instCompletion) vmacOptions() {
	in := k.in
	v := &in.VMAC
	if v.Enabled || v.IPVLAN {
		if v.Enabled && in.Strict && v.XmitBase {
			k.rep(generalError, "(%s) xmit_base is incompatible with strict mode - resetting")
			v.XmitBase = false
		}
		if in.PromoteSecondaries {
			k.rep(generalError, "(%s) promote_secondaries is automatically set for vmacs - ignoring")
			in.PromoteSecondaries = false
		}
	}
	if v.IPVLAN {
		if in.Family == config.IPv4 && !v.IPVLANAddr.IsValid() {
			k.rep(generalError, "(%s) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state")
		} else if v.IPVLANAddr.IsValid() && config.FamilyOf(v.IPVLANAddr.Addr()) != in.Family {
			k.rep(generalError, "(%s) IPv4 ipvlan address family does not match instance. setting instance to fault state")
		}
	}
	if k.d.hasIf {
		out := in.Trackers[:0]
		for _, t := range in.Trackers {
			if t.Kind == config.TrackInterface && t.Name == in.Interface {
				k.rep(generalError, "(%s) Ignoring track_interface %s since own interface", in.Interface)
				continue
			}
			out = append(out, t)
		}
		in.Trackers = out
	}
	if v.XmitBase && !v.Enabled {
		k.rep(generalError, "(%s) vmac_xmit_base is only valid with a vmac")
		v.XmitBase = false
	}
}

// vips completes the VIPs and eVIPs, the extra-interface GARP interval
// they call for, and insists on a VIP. false: keepalived stops.
func (k *instCompletion) vips() bool {
	d, in, g := k.d, k.in, k.g
	var extraIf, extraVMAC bool
	in.VIPs = k.fixVIPs(in.VIPs, "", &extraIf, &extraVMAC)
	in.ExcludedVIPs = k.fixVIPs(in.ExcludedVIPs, "e", &extraIf, &extraVMAC)

	in.GARPExtraIf = time.Duration(d.garpExtraIf.or(int64(g.GARPExtraIf/time.Second))) * time.Second
	if !d.garpExtraIf.set && g.GARPExtraIfAll {
		in.GARPExtraIfAll = true
	}
	if in.GARPExtraIf != 0 && ((!extraIf && !extraVMAC) || (!extraVMAC && !in.GARPExtraIfAll)) {
		in.GARPExtraIf = 0
	}

	if in.AllowNoVIPs && in.Strict {
		k.rep(warning, "(%s) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress")
		in.AllowNoVIPs = false
	}
	if !in.AllowNoVIPs && len(in.VIPs) == 0 {
		if in.Version == 3 || in.Strict {
			k.rep(generalError, "(%s) No VIP specified; at least one is required")
			return false
		}
		k.rep(warning, "(%s) No VIP specified; at least one is sensible")
	}
	return true
}

// fixVIPs settles each address's use_vmac and interface, dropping those
// with none; extraIf/extraVMAC record addresses living elsewhere than the
// instance's interface.
func (k *instCompletion) fixVIPs(l []config.Address, kind string, extraIf, extraVMAC *bool) []config.Address {
	in := k.in
	v := &in.VMAC
	// In place, through a pointer: an address is 160 bytes, and copying
	// each out and back cost 65 535 VIPs 20 MB of moves.
	n := 0
	for i := range l {
		a := &l[i]
		fam := config.FamilyOf(a.Prefix.Addr())
		if a.UseVMAC {
			a.UseVMAC = false
			switch {
			case (!a.DevSet || a.Dev == in.Interface) && v.Enabled && fam == in.Family:
				k.rep(generalError, "(%s) use_vmac specified for VIP/eVIP %s and vrrp instance", a.Prefix.Addr())
			case ((a.DevSet && a.Dev != in.Interface) || fam != in.Family) && v.AddrVMAC:
				k.rep(generalError, "(%s) use_vmac_addr specified and use_vmac specified for VIP/eVIP %s", a.Prefix.Addr())
			default:
				a.UseVMAC = true
			}
		}
		if !a.DevSet {
			a.Dev = in.Interface
		}
		if a.Dev == "" {
			k.rep(generalError, "(%s): no interface for %svip %s - removing", kind, a.Prefix.Addr())
			continue
		}
		if a.Dev != in.Interface || a.UseVMAC || (v.AddrVMAC && fam != in.Family) {
			if a.UseVMAC || v.AddrVMAC {
				*extraVMAC = true
			} else {
				*extraIf = true
			}
		}
		if n != i {
			l[n] = *a
		}
		n++
	}
	return l[:n]
}

// ownerTrackers: an address owner, and a member of a sync group without
// tracking weights, cannot let trackers move its priority.
func (k *instCompletion) ownerTrackers() {
	s := k.c.syncDraftOf(k.d)
	syncNoWeight := s != nil && !s.g.TrackingWeight
	if !syncNoWeight && !k.owner() {
		return
	}
	why, whyAddr := "address owner", "address_owner"
	if syncNoWeight {
		why, whyAddr = "SYNC group", "SYNC group"
	}
	out := k.in.Trackers[:0]
	for _, t := range k.in.Trackers {
		if k.unweightTracker(&t, syncNoWeight, why, whyAddr) {
			out = append(out, t)
		}
	}
	k.in.Trackers = out
}

// unweightTracker clears or refuses t's weight; false drops t.
func (k *instCompletion) unweightTracker(t *config.Tracker, syncNoWeight bool, why, whyAddr string) bool {
	switch t.Kind {
	case config.TrackInterface:
		if t.Weight != 0 {
			w := ""
			if syncNoWeight {
				w = "weight "
			}
			k.rep(generalError, "(%s) ignoring %s tracked interface %sdue to %s", t.Name, w, why)
			if !syncNoWeight {
				return false
			}
			t.Weight = 0
		}
	case config.TrackScript:
		if t.Weight != 0 {
			k.rep(generalError, "(%s) ignoring tracked script %s with weights due to %s", t.Name, whyAddr)
			return false
		}
	case config.TrackFileKind:
		if t.Weight == 1 {
			k.rep(generalError, "(%s) ignoring weight from tracked file %s due to %s. specify weight 0", t.Name, whyAddr)
			t.Weight = 0
		} else if t.Weight != 0 {
			k.rep(generalError, "(%s) ignoring tracked file %s with weight %d due to %s", t.Name, t.Weight, whyAddr)
			return false
		}
	case config.TrackBFD:
		if t.Weight != 0 {
			k.rep(generalError, "(%s) ignoring tracked bfd %s with weight %d due to %s", t.Name, t.Weight, whyAddr)
			return false
		}
	}
	return true
}
