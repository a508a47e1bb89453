package vrrp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Config is everything the engine needs from keepalived.conf, already
// resolved by the config layer (defaults applied, names looked up).
type Config struct {
	Instances  []InstanceConfig
	SyncGroups []SyncGroupConfig
	// Scripts are the vrrp_script definitions referenced by track_script.
	// Only rise/fall/init_fail matter here; running them is package
	// vrrp/track's job, which feeds results back with ScriptResult.
	Scripts []ScriptConfig
	// StartupDelay is vrrp_startup_delay.
	StartupDelay time.Duration
	// LogUnknownVRIDs is log_unknown_vrids: an advert for a VRID no
	// instance runs on its interface is logged, not only counted.
	LogUnknownVRIDs bool
	// DynamicInterfaces is dynamic_interfaces: an instance's interface
	// may not exist yet. Its socket is then opened when the interface
	// comes up, and the instance stays in FAULT until then, as keepalived.
	DynamicInterfaces bool
	// FIFOStatesOnReload is fifo_write_vrrp_states_on_reload: after a
	// reload, instances and sync groups whose state did not change
	// write it to the notify FIFOs again.
	FIFOStatesOnReload bool
}

// InstanceConfig is one vrrp_instance.
type InstanceConfig struct {
	Name      string
	Interface string
	// BaseInterface is the interface under a VMAC (Interface is then the
	// VMAC); empty otherwise.
	BaseInterface string
	VRID          uint8
	// Priority 1..255; 0 derives keepalived's default (255 with InitialState
	// MASTER, else 100).
	Priority int
	// InitialState is the `state` keyword: StateMaster or StateBackup (the
	// zero value derives it: MASTER when owner, else BACKUP).
	InitialState State
	Version      int  // 2 or 3; 0 means 2, or 3 for IPv6
	IPv6         bool // family of the instance; VIPs must match
	// AdvertInt defaults to 1 s; v2 rounds to whole seconds, v3 to 10 ms.
	AdvertInt time.Duration

	AuthType int    // wire.AuthNone or wire.AuthPass (v2 only)
	AuthPass string // up to 8 bytes, longer is truncated as keepalived does

	VIPs         []Address
	ExcludedVIPs []Address // virtual_ipaddress_excluded: installed, not advertised
	Routes       []Route
	Rules        []Rule

	TrackInterfaces []TrackInterface
	TrackScripts    []TrackRef
	TrackFiles      []TrackRef
	TrackProcesses  []TrackRef
	TrackBFDs       []TrackRef // track_bfd: keepalived's weight/reverse rules (trackbfd.go)
	// TrackBFDsAtStart are the track_bfd entries of a BFD both the
	// instance and its sync group track that TrackBFDs does not keep:
	// keepalived counts them once, at start, as the session is Down
	// (trackbfd.go).
	TrackBFDsAtStart []TrackRef
	DontTrackPrimary bool

	// SrcIP is mcast_src_ip/unicast_src_ip, or the interface's primary
	// address resolved by the wiring. It is needed for the VRRPv3 IPv4
	// checksum and the equal-priority tie break.
	SrcIP netip.Addr
	// SrcFrom names the interface SrcIP was taken from when the
	// configuration gives no source (keepalived takes it from the base
	// interface, VMAC or not); empty when it does. The engine follows
	// that interface's primary address (Router.SourceChanged).
	SrcFrom      string
	McastGroup   netip.Addr // mcast_dst_ip; default 224.0.0.18 / ff02::12
	UnicastPeers []Peer
	// CheckUnicastSrc drops adverts whose source is not a configured peer.
	CheckUnicastSrc bool
	// RxBuf is the instance's share of its socket's receive buffer
	// (keepalived sums the shares of the instances sharing a socket): its
	// kernel_rx_buf_size or, without one, what vrrp_rx_bufs_policy gives
	// (a size, or vrrp_rx_bufs_multiplier × the advert's length); 0 adds
	// nothing. See SocketRxBuf.
	RxBuf uint32
	// RxBufMTUs, under vrrp_rx_bufs_policy MTU and without a
	// kernel_rx_buf_size, is vrrp_rx_bufs_multiplier: the share is that
	// many times the MTU of Interface when the socket opens.
	RxBufMTUs uint32
	// UnicastTTL is unicast_ttl, the TTL / hop limit of unicast adverts
	// (1-255); 0 leaves the socket's: 255 for IPv4, the kernel's default
	// hop limit for IPv6, as keepalived does.
	UnicastTTL int

	Nopreempt    bool
	PreemptDelay time.Duration
	// NoAccept is no_accept (keepalived's default under vrrp_strict): the
	// master must not accept traffic for its VIPs, which the Network adapter
	// enforces from Address.NoAccept. Owners always accept.
	NoAccept bool
	Strict   bool // vrrp_strict / strict_mode

	LowerPrioNoAdvert bool
	// HigherPrioSendAdvert (higher_prio_send_advert) changes nothing
	// here: a master always sends one advert as it steps down (see
	// yieldAdvert). The dumps report the configured value.
	HigherPrioSendAdvert bool
	V3ChecksumAsV2       bool
	// OldUnicastChecksum is old_unicast_checksum (oldchecksum.go).
	OldUnicastChecksum ChecksumCompat
	SkipCheckAdvAddr   bool
	DownTimerAdverts   int // 1..100, default 3

	GARP GARPConfig
	// GARPExtraIfInterval is garp_extra_if: a MASTER sends one GARP/NA
	// on each of GARPExtraIfs (its VIPs' other interfaces) this often.
	GARPExtraIfInterval time.Duration
	GARPExtraIfs        []string
	// GARPExtraIfAll is garp_extra_if's "all" (for the dumps: the
	// wiring already chose GARPExtraIfs by it).
	GARPExtraIfAll bool

	// NotifyPriorityChanges is notify_priority_changes (instance, sync
	// group or vrrp_notify_priority_changes, resolved by the parser): a
	// change of the effective priority is told on the notify FIFOs.
	NotifyPriorityChanges bool

	// OwnerIgnoreAdverts is owner_ignore_adverts (keepalived 2.3): an
	// address owner drops every advert unread.
	OwnerIgnoreAdverts bool

	// TimerExpiredBackup is timer_expired_backup (keepalived 2.3): the
	// highest priority of the other routers; 0 = off.
	TimerExpiredBackup int

	// TrackSrcIP is track_src_ip: FAULT while the configured SrcIP is
	// not on the host (the parser clears it without a configured one).
	TrackSrcIP bool

	// PromoteSecondaries is the promote_secondaries keyword; the VRRP
	// side sets the sysctl, the dumps show it.
	PromoteSecondaries bool
	// VMACName is the instance's use_vmac interface as vrrpconf named it
	// (keepalived's create_vmac_name: vrrp6.N for an IPv6 instance whose
	// vrrp.N is taken), for the dumps; Interface is it too unless
	// xmit_base. Empty without use_vmac.
	VMACName string
	// AddrVMAC is use_vmac_addr, for the dumps (vrrpconf already put the
	// addresses concerned on their VMACs).
	AddrVMAC bool
	// AllowNoVIPs is no_virtual_ipaddress (keepalived 2.3), for the
	// dumps; the parser has already let the instance have no VIP.
	AllowNoVIPs bool

	// ConfigFault, when set, says why the configuration holds the
	// instance in FAULT for as long as it runs (keepalived's
	// num_config_faults, e.g. unicast_fault_no_peer without peers).
	ConfigFault string

	// NotifyDeleted is notify_deleted: an instance removed by a reload is
	// reported DELETED rather than FAULT.
	NotifyDeleted bool
}

// TrackInterface is one track_interface entry.
type TrackInterface struct {
	Name    string
	Weight  int
	Reverse bool
}

// TrackRef is a track_script/track_file/track_process entry with its
// resolved weight (the vrrp_script default when the entry gave none).
type TrackRef struct {
	Name    string
	Weight  int
	Reverse bool
}

// Peer is one unicast_peer with its optional TTL window.
type Peer struct {
	Addr   netip.Addr
	MinTTL int // 0 = unchecked
	MaxTTL int // 0 = unchecked
}

// GARPConfig are the per-instance garp_* settings (copied from global_defs
// unless the instance overrides them).
type GARPConfig struct {
	MasterDelay         time.Duration // garp_master_delay, default 5 s (0 = no second burst)
	MasterRepeat        int           // garp_master_repeat, default 5
	MasterRefresh       time.Duration // garp_master_refresh, 0 = off
	MasterRefreshRepeat int           // garp_master_refresh_repeat, default 1
	LowerPrioDelay      time.Duration // garp_lower_prio_delay, default = MasterDelay
	LowerPrioRepeat     int           // garp_lower_prio_repeat, default = MasterRepeat
	Interval            time.Duration // garp_interval: spacing of GARPs within a burst
	NAInterval          time.Duration // gna_interval: same for unsolicited NAs
}

// DefaultGARP is keepalived's global default.
var DefaultGARP = GARPConfig{
	MasterDelay:         5 * time.Second,
	MasterRepeat:        5,
	MasterRefreshRepeat: 1,
	LowerPrioDelay:      5 * time.Second,
	LowerPrioRepeat:     5,
}

// SyncGroupConfig is one vrrp_sync_group.
type SyncGroupConfig struct {
	Name    string
	Members []string // instance names
}

// ScriptConfig is the tracking side of one vrrp_script.
type ScriptConfig struct {
	Name     string
	Rise     int // successes to turn good, default 1
	Fall     int // failures to turn bad, default 1
	InitFail bool
}

// validate checks the invariants the engine relies on. Defaults and
// keepalived's derivations are not applied here: vrrpconf.Complete fills
// them in before a configuration reaches the engine.
func (c *InstanceConfig) validate() error {
	if c.Name == "" {
		return fmt.Errorf("vrrp: instance without a name")
	}
	var err error
	switch {
	case c.VRID == 0:
		err = fmt.Errorf("the virtual router id must be set")
	case c.Interface == "":
		err = fmt.Errorf("no interface")
	case c.Priority < 1 || c.Priority > 255:
		err = fmt.Errorf("priority %d out of range 1..255", c.Priority)
	case c.InitialState != StateMaster && c.InitialState != StateBackup:
		err = fmt.Errorf("initial state %v", c.InitialState)
	case c.protocolError() != nil:
		err = c.protocolError()
	case !c.McastGroup.IsValid():
		err = fmt.Errorf("no multicast group")
	case c.DownTimerAdverts < 1 || c.DownTimerAdverts > 100:
		err = fmt.Errorf("down_timer_adverts %d out of range 1..100", c.DownTimerAdverts)
	case c.GARP.MasterRefreshRepeat < 1:
		err = fmt.Errorf("garp_master_refresh_repeat %d", c.GARP.MasterRefreshRepeat)
	case len(c.VIPs) > 255:
		err = fmt.Errorf("%d VIPs, at most 255 fit an advert", len(c.VIPs))
	}
	if err != nil {
		return fmt.Errorf("vrrp %s: %w", c.Name, err)
	}
	for _, v := range c.VIPs {
		if v.Prefix.Addr().Is4() == c.IPv6 {
			return fmt.Errorf("vrrp %s: VIP %v is not of the instance's family", c.Name, v.Prefix)
		}
	}
	for _, v := range slices.Concat(c.VIPs, c.ExcludedVIPs) {
		if v.Dev == "" {
			return fmt.Errorf("vrrp %s: VIP %v has no interface", c.Name, v.Prefix)
		}
	}
	return nil
}

// protocolError checks what the adverts carry: the version for the
// family, an advert_int the version can encode, authentication (v2 only).
func (c *InstanceConfig) protocolError() error {
	switch {
	case c.Version != 2 && c.Version != 3 || c.IPv6 && c.Version != 3:
		return fmt.Errorf("version %d", c.Version)
	case c.AdvertInt <= 0 || c.Version == 2 && (c.AdvertInt%time.Second != 0 || c.AdvertInt > 255*time.Second) ||
		c.AdvertInt%(10*time.Millisecond) != 0 || c.AdvertInt > 40950*time.Millisecond:
		return fmt.Errorf("advert_int %v cannot be carried by VRRPv%d", c.AdvertInt, c.Version)
	case c.AuthType != 0 && (c.Version == 3 || c.IPv6):
		return fmt.Errorf("authentication is VRRPv2/IPv4 only")
	case len(c.AuthPass) > 8:
		return fmt.Errorf("auth_pass longer than 8 bytes")
	}
	return nil
}

// trackedDev is an interface the instance tracks at weight 0 because one
// of its addresses, routes or rules uses it.
type trackedDev struct{ name, what string }

// trackedDevs are the interfaces keepalived's vrrp_complete_instance makes
// the instance track (weight 0: down means FAULT) besides its own: a VIP's
// dev, a virtual route's dev, a virtual rule's iif and oif, each unless
// no_track.
func (c *InstanceConfig) trackedDevs() []trackedDev {
	var out []trackedDev
	add := func(name, what string) {
		if name != "" && name != c.Interface && !slices.ContainsFunc(out, func(d trackedDev) bool { return d.name == name }) {
			out = append(out, trackedDev{name, what})
		}
	}
	for _, v := range c.VIPs {
		if !v.NoTrack {
			add(v.Dev, "VIP")
		}
	}
	for _, rt := range c.Routes {
		if !rt.NoTrack {
			add(rt.Dev, "route")
		}
	}
	for _, ru := range c.Rules {
		if !ru.NoTrack {
			add(ru.IIf, "rule")
			add(ru.OIf, "rule")
		}
	}
	return out
}
