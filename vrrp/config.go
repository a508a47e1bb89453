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

	TrackInterfaces  []TrackInterface
	TrackScripts     []TrackRef
	TrackFiles       []TrackRef
	TrackProcesses   []TrackRef
	TrackBFDs        []TrackRef // track_bfd: keepalived's weight/reverse rules (trackbfd.go)
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
	SkipCheckAdvAddr     bool
	DownTimerAdverts     int // 1..100, default 3

	GARP GARPConfig

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

var (
	defaultMcast4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	defaultMcast6 = netip.MustParseAddr("ff02::12")
)

// normalize applies keepalived's defaults and derivations (grammar §5.1)
// and rejects what keepalived would refuse.
func (c *InstanceConfig) normalize() error {
	if c.Name == "" {
		return fmt.Errorf("vrrp: instance without a name")
	}
	if c.VRID == 0 {
		return fmt.Errorf("vrrp %s: the virtual router id must be set", c.Name)
	}
	if c.Interface == "" {
		return fmt.Errorf("vrrp %s: no interface", c.Name)
	}
	if c.Priority == 0 {
		if c.InitialState == StateMaster {
			c.Priority = 255
		} else {
			c.Priority = 100
		}
	}
	if c.Priority < 1 || c.Priority > 255 {
		return fmt.Errorf("vrrp %s: priority %d out of range 1..255", c.Name, c.Priority)
	}
	if c.InitialState == StateInit {
		c.InitialState = StateBackup
		if c.Priority == 255 {
			c.InitialState = StateMaster
		}
	}
	if c.InitialState != StateMaster && c.InitialState != StateBackup {
		return fmt.Errorf("vrrp %s: initial state %v", c.Name, c.InitialState)
	}
	if c.Version == 0 {
		c.Version = 2
		if c.IPv6 {
			c.Version = 3
		}
	}
	if c.IPv6 && c.Version == 2 {
		c.Version = 3 // keepalived forces v3 for IPv6
	}
	if c.Version != 2 && c.Version != 3 {
		return fmt.Errorf("vrrp %s: version %d", c.Name, c.Version)
	}
	if c.AdvertInt <= 0 {
		c.AdvertInt = time.Second
	}
	if c.Version == 2 {
		c.AdvertInt = c.AdvertInt.Round(time.Second)
		if c.AdvertInt < time.Second {
			c.AdvertInt = time.Second
		}
		if c.AdvertInt > 255*time.Second {
			c.AdvertInt = 255 * time.Second
		}
	} else {
		c.AdvertInt = c.AdvertInt.Round(10 * time.Millisecond)
		if c.AdvertInt < 10*time.Millisecond {
			c.AdvertInt = 10 * time.Millisecond
		}
		if c.AdvertInt > 40950*time.Millisecond {
			c.AdvertInt = 40950 * time.Millisecond
		}
	}
	if c.AuthType != 0 && (c.Version == 3 || c.IPv6) {
		return fmt.Errorf("vrrp %s: authentication is VRRPv2/IPv4 only", c.Name)
	}
	if c.AuthType == 2 && c.InitialState == StateMaster && c.Priority != 255 {
		// keepalived: an AH backup must hear the master's sequence
		// number before taking over ("Initial state master is
		// incompatible with AH authentication - clearing").
		c.InitialState = StateBackup
	}
	if len(c.AuthPass) > 8 {
		c.AuthPass = c.AuthPass[:8]
	}
	for _, v := range c.VIPs {
		if v.Prefix.Addr().Is4() == c.IPv6 {
			return fmt.Errorf("vrrp %s: VIP %v is not of the instance's family", c.Name, v.Prefix)
		}
	}
	if len(c.VIPs) > 255 {
		return fmt.Errorf("vrrp %s: %d VIPs, at most 255 fit an advert", c.Name, len(c.VIPs))
	}
	// VRRPv3 over IPv4 without a source address (the interface has none
	// yet) cannot checksum its adverts: the instance stays in FAULT until
	// a reload brings one, as keepalived's "src address not configured".
	if !c.McastGroup.IsValid() {
		c.McastGroup = defaultMcast4
		if c.IPv6 {
			c.McastGroup = defaultMcast6
		}
	}
	if c.DownTimerAdverts == 0 {
		c.DownTimerAdverts = 3
	}
	if c.DownTimerAdverts < 1 || c.DownTimerAdverts > 100 {
		return fmt.Errorf("vrrp %s: down_timer_adverts %d out of range 1..100", c.Name, c.DownTimerAdverts)
	}
	if c.InitialState == StateMaster || c.Priority == 255 {
		c.Nopreempt = false // keepalived clears it with a warning
	}
	if c.InitialState == StateMaster || c.Strict || c.Nopreempt {
		c.PreemptDelay = 0
	}
	if c.Priority == 255 {
		c.NoAccept = false
	}
	if c.Strict {
		c.LowerPrioNoAdvert = true
		c.GARP.LowerPrioRepeat = 0
	}
	if c.GARP == (GARPConfig{}) {
		c.GARP = DefaultGARP
	}
	if c.GARP.MasterRefreshRepeat == 0 {
		c.GARP.MasterRefreshRepeat = 1
	}
	// Copy before filling in, so the caller's slices stay untouched.
	c.VIPs = slices.Clone(c.VIPs)
	c.ExcludedVIPs = slices.Clone(c.ExcludedVIPs)
	for _, set := range [][]Address{c.VIPs, c.ExcludedVIPs} {
		for i := range set {
			if set[i].Dev == "" {
				set[i].Dev = c.Interface
			}
			set[i].NoAccept = c.NoAccept
		}
	}
	return nil
}
