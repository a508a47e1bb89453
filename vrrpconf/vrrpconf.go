// Package vrrpconf translates the parsed keepalived.conf (package config)
// into what the VRRP side runs: the engine's vrrp.Config, the notify
// dispatcher's and the trackers' configurations, and the VMAC interfaces
// to create. It is a pure translation: nothing here touches the host, the
// one host fact it needs (an interface's primary address) comes from the
// caller.
package vrrpconf

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vmac"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/notify"
	"github.com/dsas/keepalived-go/vrrp/track"
)

// Options supply what the translation cannot know by itself.
type Options struct {
	// PrimaryAddr returns the address keepalived would use as an
	// instance's source when mcast_src_ip/unicast_src_ip is not given:
	// the interface's first IPv4 address, or its IPv6 link-local address.
	// nil, or an invalid result, leaves SrcIP unset.
	PrimaryAddr func(ifname string, ipv6 bool) netip.Addr
	// TrackFileDir reports whether a track file, or the directory it
	// would be made in, exists. nil: every one does.
	TrackFileDir func(path string) bool
}

// Result is the VRRP side of one configuration.
type Result struct {
	VRRP   vrrp.Config
	Notify notify.Config // Run and Logger are the caller's to set
	Track  track.Config  // Run is the caller's to set
	// VMACs are the use_vmac interfaces to create before the engine
	// starts and to delete after it stops.
	VMACs []vmac.VMAC
	// IPVLANs are the use_ipvlan interfaces, created and deleted as the
	// VMACs; one the kernel refuses leaves its instance in FAULT.
	IPVLANs []vmac.IPVLAN
	// Users maps a command's program (argv[0]) to the user and group it
	// runs as, when the configuration names one (a `user` on the script
	// line or script_user). Commands not listed run as the daemon's user.
	Users map[string]User
	// FIFOScripts are the notify_fifo readers keepalived starts with the
	// FIFO path as their last argument.
	FIFOScripts [][]string
	// Static addresses, routes and rules are installed at start and kept
	// whatever the VRRP state (static_ipaddress/_routes/_rules).
	StaticAddresses []vrrp.Address
	StaticRoutes    []vrrp.Route
	StaticRules     []vrrp.Rule
	// RouteMonitor is keepalived's monitor_ipv4_routes and
	// monitor_ipv6_routes: whether it listens to the family's route
	// changes (a tracked virtual route, or a static one with a
	// track_group, of the family).
	RouteMonitor struct{ IPv4, IPv6 bool }
	// PromoteSecondaries are the interfaces whose IPv4
	// promote_secondaries sysctl the instances ask for (the
	// promote_secondaries keyword; a VMAC gets it anyway), in order,
	// without repeats.
	PromoteSecondaries []string
	// Linkbeat are the interfaces whose link state is polled rather
	// than followed over netlink (linkbeat_interfaces,
	// linkbeat_use_polling), those an instance uses or tracks.
	Linkbeat []string
	// Notes are keepalived's informational start lines about the
	// configuration.
	Notes []string
	// Warnings are things configured but not run, for the log.
	Warnings []string
}

// User is who a script runs as.
type User struct {
	User  string
	Group string
}

// Translate builds the VRRP side of cfg. It fails only on what the engine
// would refuse; everything else is carried over as keepalived would run it.
func Translate(cfg *config.Config, opt Options) (*Result, error) {
	res := &Result{Users: map[string]User{}}
	g := &cfg.Global
	vg := &g.VRRP
	res.VRRP.StartupDelay = vg.StartupDelay
	res.VRRP.LogUnknownVRIDs = vg.LogUnknownVRIDs
	res.VRRP.DynamicInterfaces = vg.DynamicInterfaces || g.DynamicInterfaces
	res.VRRP.FIFOStatesOnReload = vg.FIFOWriteStatesOnReload

	names := vmacNames{}
	for _, in := range cfg.VRRP.Instances {
		if (in.VMAC.Enabled || in.VMAC.IPVLAN) && in.VMAC.IfName != "" {
			names[in.VMAC.IfName] = true
		}
	}
	groupTrackers := map[string][]config.Tracker{}
	for _, sg := range cfg.VRRP.SyncGroups {
		groupTrackers[sg.Name] = sg.Trackers
	}
	for i := range cfg.VRRP.Instances {
		in := &cfg.VRRP.Instances[i]
		ic, vms, ipv, warn := instance(in, vg, groupTrackers[in.SyncGroup], opt, names)
		if ipv != nil {
			res.IPVLANs = append(res.IPVLANs, *ipv)
		}
		// A garp_group sets the announcement pacing of its interfaces.
		for _, gg := range cfg.VRRP.GARPGroups {
			if slices.Contains(gg.Interfaces, in.Interface) {
				ic.GARP.Interval, ic.GARP.NAInterval = gg.GARPInterval, gg.GNAInterval
			}
		}
		ic.TrackBFDs, warn = vrrpBFDs(cfg, ic.Name, ic.TrackBFDs, warn)
		if in.PromoteSecondaries && in.Interface != "" && !slices.Contains(res.PromoteSecondaries, in.Interface) {
			res.PromoteSecondaries = append(res.PromoteSecondaries, in.Interface)
		}
		res.Warnings = append(res.Warnings, warn...)
		res.VRRP.Instances = append(res.VRRP.Instances, ic)
		res.VMACs = append(res.VMACs, vms...)
	}
	extraIfs(res, cfg.VRRP.Instances)
	for _, sg := range cfg.VRRP.SyncGroups {
		if len(sg.Members) == 0 {
			continue
		}
		res.VRRP.SyncGroups = append(res.VRRP.SyncGroups, vrrp.SyncGroupConfig{Name: sg.Name, Members: slices.Clone(sg.Members)})
	}
	used := map[string]bool{}
	for _, ic := range res.VRRP.Instances {
		for _, t := range ic.TrackScripts {
			used[t.Name] = true
		}
	}
	tracked := trackedScripts(cfg)
	for _, s := range cfg.VRRP.Scripts {
		// keepalived's vrrp_complete_init drops a script no instance
		// (or sync group) tracks, with this warning: it is never run.
		if !used[s.Name] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("Warning - script %s is not used", s.Name))
			continue
		}
		// keepalived 2.2.7 resets a script's initial state when a
		// track_script names it (alloc_track_script), so init_fail only
		// ever applies to a script nothing tracks: a tracked one waits
		// for its first result, silently, and one success makes it good.
		// Honouring init_fail made every restart go through FAULT
		// (notify_fault) where keepalived does not (issue 11 divergence 2).
		initFail := s.InitFail && !tracked[s.Name]
		res.VRRP.Scripts = append(res.VRRP.Scripts, vrrp.ScriptConfig{Name: s.Name, Rise: s.Rise, Fall: s.Fall, InitFail: initFail})
		argv := res.command(&s.Command, g)
		res.Track.Scripts = append(res.Track.Scripts, track.Script{Name: s.Name, Argv: argv, Interval: s.Interval, Timeout: s.Timeout})
	}
	gone := goneTrackFiles(cfg, opt, res)
	for _, f := range cfg.VRRP.Files {
		if gone[f.Name] {
			continue
		}
		tf := track.File{Name: f.Name, Path: f.Path}
		if f.Init {
			v := f.InitValue
			tf.Init = &v
		}
		res.Track.Files = append(res.Track.Files, tf)
	}
	for _, p := range cfg.VRRP.Processes {
		res.Track.Processes = append(res.Track.Processes, process(p))
	}
	res.Linkbeat, res.Notes = linkbeat(cfg)
	res.Notify = res.notifyConfig(cfg)
	for _, a := range cfg.VRRP.StaticAddresses {
		res.StaticAddresses = append(res.StaticAddresses, address(a))
	}
	res.StaticRoutes, res.Warnings = routes(cfg.VRRP.StaticRoutes, nil, res.Warnings)
	res.StaticRules, res.Warnings = rules(cfg.VRRP.StaticRules, nil, res.Warnings)
	res.RouteMonitor.IPv4, res.RouteMonitor.IPv6 = RouteMonitor(&cfg.VRRP)
	res.VRRP = Complete(res.VRRP)
	return res, nil
}

func instance(in *config.Instance, vg *config.VRRPGlobal, groupTrackers []config.Tracker, opt Options, names vmacNames) (ic vrrp.InstanceConfig, vms []vmac.VMAC, ipv *vmac.IPVLAN, warn []string) {
	ic = instanceSettings(in, vg)
	instanceProtocol(&ic, in)
	vm, vmacName, warn := instanceVMAC(&ic, in, vg, opt, names)
	ipv = instanceIPVLAN(&ic, in, vg, names)
	vms = instanceAddresses(&ic, in, vg, names, vm, vmacName)
	instanceRxBuf(&ic, in, vg)
	ic.Routes, warn = routes(in.Routes, ic.Routes, warn)
	ic.Rules, warn = rules(in.Rules, ic.Rules, warn)
	warn = append(warn, instanceTrackers(&ic, in, groupTrackers)...)
	return ic, vms, ipv, warn
}

// instanceSettings carries the instance's own settings over.
func instanceSettings(in *config.Instance, vg *config.VRRPGlobal) vrrp.InstanceConfig {
	ipv6 := in.Family == config.IPv6
	return vrrp.InstanceConfig{
		Name:                  in.Name,
		Interface:             in.Interface,
		VRID:                  uint8(in.VRID),
		Priority:              in.Priority,
		Version:               in.Version,
		IPv6:                  ipv6,
		AdvertInt:             in.AdvertInt,
		AuthPass:              in.AuthPass,
		DontTrackPrimary:      in.DontTrackPrimary,
		SrcIP:                 in.SrcIP,
		McastGroup:            in.McastDst,
		CheckUnicastSrc:       in.CheckUnicastSrc || vg.CheckUnicastSrc,
		Nopreempt:             in.NoPreempt,
		PreemptDelay:          in.PreemptDelay,
		NoAccept:              !in.Accept,
		Strict:                in.Strict,
		LowerPrioNoAdvert:     in.LowerPrioNoAdvert,
		HigherPrioSendAdvert:  in.HigherPrioSendAdvert,
		V3ChecksumAsV2:        in.V3ChecksumAsV2,
		SkipCheckAdvAddr:      in.SkipCheckAdvAddr,
		DownTimerAdverts:      in.DownTimerAdverts,
		NotifyDeleted:         in.Notify.NotifyDeleted,
		NotifyPriorityChanges: in.NotifyPriorityChanges,
		PromoteSecondaries:    in.PromoteSecondaries,
		AddrVMAC:              in.VMAC.AddrVMAC,
		AllowNoVIPs:           in.AllowNoVIPs,
		TrackSrcIP:            in.TrackSrcIP,
		OwnerIgnoreAdverts:    in.OwnerIgnoreAdverts,
		TimerExpiredBackup:    in.TimerExpiredBackup,
		GARP: vrrp.GARPConfig{
			MasterDelay:         in.GARPMasterDelay,
			MasterRepeat:        in.GARPMasterRepeat,
			MasterRefresh:       in.GARPMasterRefresh,
			MasterRefreshRepeat: in.GARPMasterRefreshRepeat,
			LowerPrioDelay:      in.GARPLowerPrioDelay,
			LowerPrioRepeat:     in.GARPLowerPrioRepeat,
			Interval:            vg.GARPInterval,
			NAInterval:          vg.GNAInterval,
		},
	}
}

// instanceRxBuf sets the instance's share of its socket's receive buffer
// as keepalived's vrrp_create_sockpool picks it: kernel_rx_buf_size, else
// the vrrp_rx_bufs_policy size, else the multiplier times the advert's
// length (ADVERT) or the interface's MTU (MTU, known when the socket
// opens). It needs the VIPs (the advert's length).
func instanceRxBuf(ic *vrrp.InstanceConfig, in *config.Instance, vg *config.VRRPGlobal) {
	mult := uint32(vg.RxBufsMultiplier)
	switch {
	case in.KernelRxBufSize > 0:
		ic.RxBuf = in.KernelRxBufSize
	case vg.RxBufsPolicy == config.RxBufsSizePolicy:
		ic.RxBuf = vg.RxBufsSize
	case vg.RxBufsPolicy == config.RxBufsAdvert:
		ic.RxBuf = mult * uint32(vrrp.AdvertLen(ic))
	case vg.RxBufsPolicy == config.RxBufsMTU:
		ic.RxBufMTUs = mult
	}
}

// instanceProtocol sets the checksum mode, configuration faults, initial
// state, authentication and unicast peers.
func instanceProtocol(ic *vrrp.InstanceConfig, in *config.Instance) {
	ipv6 := ic.IPv6
	switch {
	case in.OldUnicastChecksumNever:
		ic.OldUnicastChecksum = vrrp.ChecksumNever
	case in.OldUnicastChecksum:
		ic.OldUnicastChecksum = vrrp.ChecksumOld
	}
	if in.UnicastConfigured && len(in.UnicastPeers) == 0 && in.UnicastFaultNoPeer {
		// keepalived's num_config_faults: the instance never runs.
		ic.ConfigFault = "unicast without any peers (unicast_fault_no_peer)"
	}
	switch in.State {
	case config.StateMaster:
		ic.InitialState = vrrp.StateMaster
	case config.StateBackup:
		ic.InitialState = vrrp.StateBackup
	}
	switch in.Auth {
	case config.AuthPass:
		ic.AuthType = 1
	case config.AuthAH:
		ic.AuthType = 2
	}
	for _, p := range in.UnicastPeers {
		ic.UnicastPeers = append(ic.UnicastPeers, vrrp.Peer{Addr: p.Addr, MinTTL: p.MinTTL, MaxTTL: p.MaxTTL})
	}
	if len(ic.UnicastPeers) > 0 {
		ic.McastGroup = netip.Addr{}
		// unicast_ttl; 255 is the IPv4 socket's own, and IPv6 without it
		// keeps the kernel's default hop limit, as keepalived does. A TTL
		// of 0 cannot be asked of the kernel per packet (compat.md).
		if in.UnicastTTL > 0 && (ipv6 || in.UnicastTTL != 255) {
			ic.UnicastTTL = in.UnicastTTL
		}
	}

}

// instanceVMAC names the instance's VMAC (nil without use_vmac) and its
// source address.
func instanceVMAC(ic *vrrp.InstanceConfig, in *config.Instance, vg *config.VRRPGlobal, opt Options, names vmacNames) (vm *vmac.VMAC, vmacName string, warn []string) {
	ipv6 := ic.IPv6
	if in.VMAC.Enabled && !in.VMAC.IPVLAN {
		vmacName = in.VMAC.IfName
		if vmacName == "" {
			prefix := vg.VMACPrefix
			if prefix == "" {
				prefix = "vrrp"
			}
			vmacName = names.next(prefix, in.VRID, ipv6)
		}
		ic.VMACName = vmacName
		vm = &vmac.VMAC{Name: vmacName, Parent: in.Interface, VRID: uint8(in.VRID), IPv6: ipv6, Instance: in.Name}
		for _, a := range in.ExcludedVIPs {
			if a.Prefix.Addr().Is6() {
				vm.IPv6Enabled = true
			}
		}
		if !in.VMAC.XmitBase {
			ic.Interface = vmacName
			ic.BaseInterface = in.Interface
		}
	}
	if !ic.SrcIP.IsValid() {
		// keepalived takes the source from the base interface, VMAC or not.
		ic.SrcFrom = in.Interface
		if opt.PrimaryAddr != nil {
			ic.SrcIP = opt.PrimaryAddr(in.Interface, ipv6)
		}
	}
	// An IPv6 VMAC sends from a link-local address of its own: the
	// source, configured or the base interface's (keepalived's
	// set_link_local_address); xmit_base sends from the base instead.
	if vm != nil && ipv6 && !in.VMAC.XmitBase && ic.SrcIP.Is6() {
		vm.LinkLocal = ic.SrcIP
	}

	return vm, vmacName, warn
}

// instanceIPVLAN names the instance's use_ipvlan link (nil without it)
// and moves the instance onto it: adverts are sent and received there,
// while the VIPs stay on the configured interface, as keepalived's
// vrrp_complete_instance leaves them (only a VMAC takes them).
func instanceIPVLAN(ic *vrrp.InstanceConfig, in *config.Instance, vg *config.VRRPGlobal, names vmacNames) *vmac.IPVLAN {
	if !in.VMAC.IPVLAN || in.Interface == "" {
		return nil
	}
	name := in.VMAC.IfName
	if name == "" {
		prefix := vg.VMACPrefix
		if prefix == "" {
			prefix = "vrrp"
		}
		name = names.next(prefix, in.VRID, ic.IPv6)
	}
	ic.VMACName = name
	ic.Interface, ic.BaseInterface = name, in.Interface
	v := &vmac.IPVLAN{Name: name, Parent: in.Interface, Flags: uint16(in.VMAC.IPVLANMode), Addr: in.VMAC.IPVLANAddr,
		IPv6: ic.IPv6, Instance: in.Name}
	for _, a := range in.ExcludedVIPs {
		if a.Prefix.Addr().Is6() != ic.IPv6 {
			v.IPv6 = true // keepalived's VRRP_FLAG_EVIP_OTHER_FAMILY
		}
	}
	return v
}

// instanceAddresses places the VIPs and eVIPs (on the VMAC, or on VMACs
// of their own) and returns the VMACs to create.
func instanceAddresses(ic *vrrp.InstanceConfig, in *config.Instance, vg *config.VRRPGlobal, names vmacNames, vm *vmac.VMAC, vmacName string) (vms []vmac.VMAC) {
	ipv6 := ic.IPv6
	defDev := in.Interface
	if vmacName != "" {
		defDev = vmacName
	}
	addrVMAC := addrVMACs{in: in, vg: vg, names: names, byBase: map[string]string{}}
	// A VIP or eVIP on the instance's interface goes on its VMAC when it
	// is of the instance's family; one of the other family (an IPv6 eVIP
	// of an IPv4 instance) stays on the base interface, as keepalived's
	// vrrp_complete_instance places them.
	onVMAC := func(a config.Address) vrrp.Address {
		v := address(a)
		if vmacName != "" && (!a.DevSet || a.Dev == in.Interface) && a.Prefix.Addr().Unmap().Is6() == ipv6 {
			v.Dev = vmacName
		}
		if name := addrVMAC.of(a, ipv6); name != "" {
			v.Dev, v.UseVMAC = name, a.UseVMAC
		}
		// keepalived's nft_update_ipv6_address: by name unless
		// nftables_ifindex, for a dont_track_primary instance's address
		// on its own interface or not tracked.
		v.FilterByName = in.DontTrackPrimary && !vg.Firewall.NFTablesIfIndex &&
			(v.Dev == "" || v.Dev == defDev || a.NoTrack)
		return v
	}
	for _, a := range in.VIPs {
		ic.VIPs = append(ic.VIPs, onVMAC(a))
	}
	for _, a := range in.ExcludedVIPs {
		ic.ExcludedVIPs = append(ic.ExcludedVIPs, onVMAC(a))
	}
	if vm != nil {
		vms = append(vms, *vm)
	}
	vms = append(vms, addrVMAC.made...)

	return vms
}

// goneTrackFiles are the track files keepalived's init_track_files
// removes, with its line, because neither the file nor its directory
// exists (it can watch neither); the instances stop tracking them, so
// their weight never applies.
func goneTrackFiles(cfg *config.Config, opt Options, res *Result) map[string]bool {
	gone := map[string]bool{}
	if opt.TrackFileDir == nil {
		return gone
	}
	for _, f := range cfg.VRRP.Files {
		if !opt.TrackFileDir(f.Path) && tracked(res.VRRP.Instances, f.Name) {
			gone[f.Name] = true
			res.Warnings = append(res.Warnings, fmt.Sprintf("Track file directory for %s does not exist - removing", f.Name))
		}
	}
	for i := range res.VRRP.Instances {
		ic := &res.VRRP.Instances[i]
		ic.TrackFiles = slices.DeleteFunc(ic.TrackFiles, func(t vrrp.TrackRef) bool { return gone[t.Name] })
	}
	return gone
}

// tracked reports whether an instance tracks the file: keepalived forgets
// an untracked one silently.
func tracked(ins []vrrp.InstanceConfig, name string) bool {
	for _, ic := range ins {
		if slices.ContainsFunc(ic.TrackFiles, func(t vrrp.TrackRef) bool { return t.Name == name }) {
			return true
		}
	}
	return false
}

// instanceTrackers resolves the instance's trackers, its sync group's
// included, and returns keepalived's lines for what both track.
func instanceTrackers(ic *vrrp.InstanceConfig, in *config.Instance, groupTrackers []config.Tracker) (warn []string) {
	// A sync group's trackers apply to each member (keepalived copies
	// them down in sync_group_tracking_init). Where the member tracks
	// the same thing itself, keepalived says so and takes the group's
	// weight, unless the member's is 0 (unweighted: it stays so).
	trackers := slices.Clone(in.Trackers)
	for _, t := range groupTrackers {
		if t.Kind == config.TrackInterface && t.Name == in.Interface && !in.DontTrackPrimary {
			// keepalived already tracks the member's own interface,
			// unweighted, when the group's entry comes (add_vrrp_to_interface):
			// it says so and the group's weight is lost.
			warn = append(warn, bothTrackLine(in.Name, t))
			t.Weight, t.Reverse = 0, false
		}
		i := slices.IndexFunc(trackers, func(o config.Tracker) bool { return o.Kind == t.Kind && o.Name == t.Name })
		if i < 0 {
			trackers = append(trackers, t)
			continue
		}
		warn = append(warn, bothTrackLine(in.Name, t))
		if t.Kind == config.TrackBFD {
			// The entry not kept still counts at start (vrrp.InstanceConfig.TrackBFDsAtStart).
			at := t
			if trackers[i].Weight != 0 {
				at = trackers[i]
			}
			ic.TrackBFDsAtStart = append(ic.TrackBFDsAtStart, vrrp.TrackRef{Name: at.Name, Weight: at.Weight, Reverse: at.Reverse})
		}
		if trackers[i].Weight != 0 {
			trackers[i].Weight = t.Weight
			// keepalived keeps a process's direction (add_vrrp_to_track_process).
			if t.Kind != config.TrackProcessKind {
				trackers[i].Reverse = t.Reverse
			}
		}
	}
	for _, t := range trackers {
		ref := vrrp.TrackRef{Name: t.Name, Weight: t.Weight, Reverse: t.Reverse}
		switch t.Kind {
		case config.TrackInterface:
			ic.TrackInterfaces = append(ic.TrackInterfaces, vrrp.TrackInterface(ref))
		case config.TrackScript:
			ic.TrackScripts = append(ic.TrackScripts, ref)
		case config.TrackFileKind:
			ic.TrackFiles = append(ic.TrackFiles, ref)
		case config.TrackProcessKind:
			ic.TrackProcesses = append(ic.TrackProcesses, ref)
		case config.TrackBFD:
			ic.TrackBFDs = append(ic.TrackBFDs, ref)
		}
	}
	return warn
}

// bothTrackLine is keepalived's line for an object a member and its sync
// group both track.
func bothTrackLine(inst string, t config.Tracker) string {
	kind := map[config.TrackerKind]string{config.TrackInterface: "track_interface", config.TrackScript: "track_script",
		config.TrackFileKind: "track_file", config.TrackProcessKind: "track_process", config.TrackBFD: "track_bfd"}[t.Kind]
	tail := "Remove vrrp instance config"
	if t.Kind == config.TrackInterface {
		tail = "Remove vrrp instance or sync group config"
	}
	return fmt.Sprintf("(%s) %s %s is configured on VRRP instance and sync group. %s", inst, kind, t.Name, tail)
}

// addrVMACs are keepalived's VMACs for addresses (use_vmac on a VIP, or
// use_vmac_addr): one per base interface and family, named from
// vmac_addr_prefix (else vmac_prefix, else "vrrp") as create_vmac_name.
type addrVMACs struct {
	in     *config.Instance
	vg     *config.VRRPGlobal
	names  vmacNames
	byBase map[string]string
	made   []vmac.VMAC
}

// of returns the VMAC a goes on, "" for none (the parser already refused
// the combinations keepalived refuses).
func (m *addrVMACs) of(a config.Address, instIPv6 bool) string {
	in := m.in
	v6 := a.Prefix.Addr().Is6()
	base := in.Interface
	if a.DevSet {
		base = a.Dev
	}
	want := a.UseVMAC || in.VMAC.AddrVMAC
	if base == in.Interface {
		// On the instance's interface: the instance's own VMAC for its
		// family; an address VMAC for the other one if asked.
		want = !(in.VMAC.Enabled && v6 == instIPv6) && (a.UseVMAC || (in.VMAC.AddrVMAC && v6 != instIPv6))
	}
	if !want || base == "" {
		return ""
	}
	key := base + "/" + strconv.FormatBool(v6)
	if name, ok := m.byBase[key]; ok {
		return name
	}
	prefix := cmp.Or(m.vg.VMACAddrPrefix, m.vg.VMACPrefix, "vrrp")
	name := m.names.next(prefix, in.VRID, v6)
	m.byBase[key] = name
	m.made = append(m.made, vmac.VMAC{Name: name, Parent: base, VRID: uint8(in.VRID), IPv6: v6, ForAddrs: true, Instance: in.Name})
	return name
}

func address(a config.Address) vrrp.Address {
	v := vrrp.Address{
		Prefix:        a.Prefix,
		Dev:           a.Dev,
		Peer:          a.Peer,
		Label:         a.Label,
		KeepDAD:       a.NoDAD,
		NoPrefixRoute: a.NoPrefixRoute,
		Home:          a.Home,
		MngTmpAddr:    a.MngTmpAddr,
		AutoJoin:      a.AutoJoin,
		NoTrack:       a.NoTrack,
		PreferredLft:  -1,
	}
	if a.HasBrd {
		v.Broadcast = a.Brd
	}
	v.Scope = a.Scope
	if a.PreferredLft != math.MaxUint32 {
		v.PreferredLft = int(a.PreferredLft)
	}
	// keepalived adds every IPv6 VIP with IFA_F_NODAD unless "-nodad" was
	// written: the keyword is a minus, it keeps duplicate address detection.
	v.NoDAD = a.Prefix.Addr().Is6() && !a.NoDAD
	return v
}

func process(p config.TrackProcess) track.Process {
	tp := track.Process{
		Name:        p.Name,
		Process:     p.Process,
		Params:      slices.Clone(p.Params),
		FullCommand: p.FullCommand,
		Quorum:      p.Quorum,
	}
	switch p.ParamMatch {
	case config.MatchInitial:
		tp.ParamMatch = "initial"
	case config.MatchPartial:
		tp.ParamMatch = "partial"
	}
	switch {
	case p.QuorumMax < 0:
	case p.QuorumMax == 0:
		tp.FailRunning = true
	default:
		tp.QuorumMax = p.QuorumMax
	}
	return tp
}

// command turns a parsed command into the argv that runs it, recording
// who it runs as.
func (res *Result) command(c *config.Command, g *config.Global) []string {
	if c == nil {
		return nil
	}
	argv := slices.Clone(c.Argv)
	if c.Shell {
		// keepalived hands these to system(3).
		argv = []string{"/bin/sh", "-c", c.Raw}
	}
	if len(argv) == 0 {
		return nil
	}
	u := User{User: c.User, Group: c.Group}
	if u.User == "" {
		u = User{User: g.ScriptUser, Group: g.ScriptGroup}
	}
	if u.User != "" {
		res.Users[argv[0]] = u
	}
	return argv
}

func (res *Result) notifyConfig(cfg *config.Config) notify.Config {
	g := &cfg.Global
	nc := notify.Config{Instances: map[string]notify.Scripts{}, Groups: map[string]notify.Scripts{}}
	scripts := func(n *config.Notify, instance bool) (notify.Scripts, bool) {
		s := notify.Scripts{
			Master:  res.command(n.Master, g),
			Backup:  res.command(n.Backup, g),
			Fault:   res.command(n.Fault, g),
			Stop:    res.command(n.Stop, g),
			Generic: res.command(n.Generic, g),
		}
		if instance {
			s.MasterRxLowerPri = res.command(n.MasterRxLowerPri, g)
			s.Deleted = res.command(n.Deleted, g)
		}
		empty := s.Master == nil && s.Backup == nil && s.Fault == nil && s.Stop == nil && s.Generic == nil && s.MasterRxLowerPri == nil && s.Deleted == nil
		return s, !empty
	}
	for i := range cfg.VRRP.Instances {
		in := &cfg.VRRP.Instances[i]
		if s, ok := scripts(&in.Notify, true); ok {
			nc.Instances[in.Name] = s
		}
	}
	for i := range cfg.VRRP.SyncGroups {
		sg := &cfg.VRRP.SyncGroups[i]
		if s, ok := scripts(&sg.Notify, false); ok {
			nc.Groups[sg.Name] = s
		}
	}
	for _, f := range []config.FIFO{g.NotifyFIFO, g.VRRPNotifyFIFO} {
		if f.Name == "" || slices.Contains(nc.FIFOs, f.Name) {
			continue
		}
		nc.FIFOs = append(nc.FIFOs, f.Name)
		if argv := res.command(f.Script, g); argv != nil {
			res.FIFOScripts = append(res.FIFOScripts, append(argv, f.Name))
		}
	}
	return nc
}

// vmacNames hands out keepalived's default VMAC names (create_vmac_name):
// <prefix>.<vrid>, and when another instance has that name (the same VRID
// on another interface), <prefix>1.<vrid>, <prefix>2.<vrid>, … — IPv6
// tries <prefix>6.<vrid> first and skips 6 later. Names keep to
// IFNAMSIZ by shortening the prefix.
type vmacNames map[string]bool

func (u vmacNames) next(prefix string, vrid int, ipv6 bool) string {
	num := 0
	for {
		name := vmacName(prefix, num, vrid)
		if !u[name] {
			u[name] = true
			return name
		}
		switch {
		case !ipv6:
			num++
		case num == 0:
			num = 6
		case num == 6:
			num = 1
		default:
			if num++; num == 6 {
				num++
			}
		}
	}
}

// ifNameMax is the longest interface name Linux takes (IFNAMSIZ - 1).
const ifNameMax = 15

func vmacName(prefix string, num, vrid int) string {
	tail := "." + strconv.Itoa(vrid)
	if num > 0 {
		tail = strconv.Itoa(num) + tail
	}
	if over := len(prefix) + len(tail) - ifNameMax; over > 0 {
		prefix = prefix[:max(len(prefix)-over, 0)]
	}
	return prefix + tail
}

// vrrpBFDs drops the track_bfd entries naming a bfd_instance that sends
// its events to the checker process only (its `checker` keyword without
// `vrrp`): keepalived's VRRP process does not know such a session.
func vrrpBFDs(cfg *config.Config, inst string, refs []vrrp.TrackRef, warn []string) ([]vrrp.TrackRef, []string) {
	var keep []vrrp.TrackRef
	for _, t := range refs {
		i := slices.IndexFunc(cfg.VRRP.BFDs, func(b config.BFDInstance) bool { return b.Name == t.Name })
		if i >= 0 && !cfg.VRRP.BFDs[i].ToVRRP {
			warn = append(warn, fmt.Sprintf("(%s) track bfd %s not found, ignoring...", inst, t.Name))
			continue
		}
		keep = append(keep, t)
	}
	return keep, warn
}

// linkbeat lists the polled interfaces as keepalived's
// init_interface_linkbeat settles them, with its lines.
func linkbeat(cfg *config.Config) (names, notes []string) {
	used := map[string]bool{}
	vmacs := map[string]bool{}
	var asked []string
	for _, lb := range cfg.VRRP.Linkbeat {
		asked = append(asked, lb.Name)
	}
	for _, in := range cfg.VRRP.Instances {
		used[in.Interface] = true
		for _, t := range in.Trackers {
			if t.Kind == config.TrackInterface {
				used[t.Name] = true
			}
		}
		if (in.VMAC.Enabled || in.VMAC.IPVLAN) && in.VMAC.IfName != "" {
			vmacs[in.VMAC.IfName] = true
		}
		if in.LinkbeatUsePolling && in.Interface != "" {
			asked = append(asked, in.Interface)
		}
	}
	seen := map[string]bool{}
	for _, n := range asked {
		if seen[n] {
			continue
		}
		seen[n] = true
		switch {
		case vmacs[n]:
		case !used[n]:
			notes = append(notes, "Turning off linkbeat for "+n+" since not used for tracking")
		default:
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		notes = append(notes, "Using MII-BMSR/ETHTOOL NIC polling thread(s)...")
	}
	return names, notes
}

// extraIfs fills each instance's garp_extra_if: the interfaces, other
// than the instance's own, its VIPs and excluded VIPs are on, VMACs only
// unless "all" (keepalived's vrrp_send_vmac_update).
func extraIfs(res *Result, ins []config.Instance) {
	vmacs := map[string]bool{}
	for _, m := range res.VMACs {
		vmacs[m.Name] = true
	}
	for i := range res.VRRP.Instances {
		ic := &res.VRRP.Instances[i]
		in := &ins[i]
		if in.GARPExtraIf <= 0 {
			continue
		}
		ic.GARPExtraIfInterval, ic.GARPExtraIfAll = in.GARPExtraIf, in.GARPExtraIfAll
		var ifs []string
		for _, set := range [][]vrrp.Address{ic.VIPs, ic.ExcludedVIPs} {
			for _, a := range set {
				if a.Dev != ic.Interface && (vmacs[a.Dev] || in.GARPExtraIfAll) && !slices.Contains(ifs, a.Dev) {
					ifs = append(ifs, a.Dev)
				}
			}
		}
		ic.GARPExtraIfs = ifs
	}
}

// trackedScripts are the vrrp_scripts a track_script of an instance or a
// sync group names.
func trackedScripts(cfg *config.Config) map[string]bool {
	out := map[string]bool{}
	add := func(ts []config.Tracker) {
		for _, t := range ts {
			if t.Kind == config.TrackScript {
				out[t.Name] = true
			}
		}
	}
	for i := range cfg.VRRP.Instances {
		add(cfg.VRRP.Instances[i].Trackers)
	}
	for _, sg := range cfg.VRRP.SyncGroups {
		add(sg.Trackers)
	}
	return out
}
