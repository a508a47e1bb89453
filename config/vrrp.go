package config

import (
	"net/netip"
	"time"
)

// Family is an address family. The zero value means "not decided yet";
// the parser always resolves instances, routes and rules to IPv4 or IPv6.
type Family uint8

const (
	FamilyUnspec Family = 0
	IPv4         Family = 4
	IPv6         Family = 6
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return "unspec"
}

// FamilyOf is the family of a (non-zero) address.
func FamilyOf(a netip.Addr) Family {
	if !a.IsValid() {
		return FamilyUnspec
	}
	if a.Is4() {
		return IPv4
	}
	return IPv6
}

// VRRPGlobal is the VRRP part of global_defs: defaults every instance
// starts from, plus process-wide VRRP settings. The parser fills in
// keepalived's defaults (see DefaultVRRPGlobal) before global_defs is read.
type VRRPGlobal struct {
	Version     int        // vrrp_version, 2 or 3
	McastGroup4 netip.Addr // vrrp_mcast_group4
	McastGroup6 netip.Addr // vrrp_mcast_group6

	GARPMasterDelay         time.Duration // whole seconds
	GARPMasterRepeat        int
	GARPMasterRefresh       time.Duration // whole seconds; 0 = off
	GARPMasterRefreshRepeat int
	// GARPLowerPrio* default to the GARPMaster* values when unset; the
	// parser resolves them at the end of the parse.
	GARPLowerPrioDelay  time.Duration
	GARPLowerPrioRepeat int
	GARPInterval        time.Duration // vrrp_garp_interval, per interface
	GNAInterval         time.Duration // vrrp_gna_interval
	GARPExtraIf         time.Duration // vrrp_garp_extra_if (whole seconds; 0 = off)
	GARPExtraIfAll      bool

	DownTimerAdverts     int
	LowerPrioNoAdvert    bool
	HigherPrioSendAdvert bool
	CheckUnicastSrc      bool
	SkipCheckAdvAddr     bool
	Strict               bool
	V3ChecksumAsV2       bool
	OwnerIgnoreAdverts   bool
	StartupDelay         time.Duration
	LogUnknownVRIDs      bool
	VMACPrefix           string // default "vrrp"
	VMACAddrPrefix       string // empty: VMACPrefix

	Firewall VRRPFirewall

	NotifyPriorityChanges   bool
	FIFOWriteStatesOnReload bool

	NetlinkCmdRcvBufs          uint32
	NetlinkCmdRcvBufsForce     bool
	NetlinkMonitorRcvBufs      uint32
	NetlinkMonitorRcvBufsForce bool
	ProcessMonitorRcvBufs      uint32
	ProcessMonitorRcvBufsForce bool

	RxBufsPolicy     RxBufsPolicy
	RxBufsSize       uint32 // with RxBufsSizePolicy
	RxBufsMultiplier int    // default 3

	// DynamicInterfaces allows interfaces that do not exist yet
	// (dynamic_interfaces); AllowIfChanges is its allow_if_changes option.
	DynamicInterfaces bool
	AllowIfChanges    bool
	// DefaultInterface is where static addresses without dev go.
	DefaultInterface string
}

// RxBufsPolicy is vrrp_rx_bufs_policy.
type RxBufsPolicy uint8

const (
	RxBufsSystem RxBufsPolicy = iota // not set: kernel default
	RxBufsMTU
	RxBufsAdvert
	RxBufsSizePolicy
)

// VRRPFirewall is how keepalived filters traffic to VIPs of non-accept
// instances (vrrp_iptables / vrrp_ipsets / nftables).
type VRRPFirewall struct {
	IPTables         bool
	IPTablesInChain  string
	IPTablesOutChain string
	IPSets           []string // up to 6 set names as written
	NFTables         bool
	// NFTablesByVRRP: NFTables was turned on by an instance that needs it
	// (use_vmac, no_accept or strict), not by the nftables keyword; only
	// keepalived's VRRP process decides that, its other processes never
	// see it.
	NFTablesByVRRP   bool
	NFTablesTable    string // default "keepalived"
	NFTablesPriority int    // default -1
	NFTablesIfIndex  bool
	// NFTablesCounters is nftables_counters, for this table and the
	// nftables_ipvs one.
	NFTablesCounters bool
}

// DefaultVRRPGlobal is keepalived's global_data VRRP defaults.
func DefaultVRRPGlobal() VRRPGlobal {
	return VRRPGlobal{
		Version:                 2,
		McastGroup4:             netip.MustParseAddr("224.0.0.18"),
		McastGroup6:             netip.MustParseAddr("ff02::12"),
		GARPMasterDelay:         5 * time.Second,
		GARPMasterRepeat:        5,
		GARPMasterRefreshRepeat: 1,
		GARPLowerPrioDelay:      -1,
		GARPLowerPrioRepeat:     -1,
		DownTimerAdverts:        3,
		VMACPrefix:              "vrrp",
		RxBufsMultiplier:        3,
		DefaultInterface:        "eth0",
		Firewall:                VRRPFirewall{NFTablesPriority: -1},
	}
}

// VRRP is the VRRP side of a configuration, in configuration order.
type VRRP struct {
	StaticAddresses []Address
	StaticRoutes    []Route
	StaticRules     []Rule

	TrackGroups []TrackGroup
	// Linkbeat lists interfaces polled for link state (linkbeat_interfaces).
	Linkbeat []LinkbeatInterface
	// UpDownDelays are interface_up_down_delays.
	UpDownDelays []InterfaceDelay
	GARPGroups   []GARPGroup

	Scripts   []Script
	Processes []TrackProcess
	Files     []TrackFile
	BFDs      []BFDInstance
	// BFDConfigured: the file has a bfd_instance block, usable or not;
	// keepalived then starts its BFD child (have_bfd_config).
	BFDConfigured bool

	SyncGroups []SyncGroup
	Instances  []Instance

	// Refused is set when keepalived's VRRP process would exit at start
	// with its permanent CONFIG error (a non-existent interface without
	// dynamic_interfaces, an instance below chk_min_cfg's minimum, a VRID
	// conflict): the whole daemon then terminates with exit 2. The
	// reason was reported with the file's other diagnostics.
	Refused bool
	// RefusedCompleted: the refusal came after every instance was
	// completed (a VRID conflict), so keepalived's shutdown notifies give
	// each instance its priority; before that they carry 0.
	RefusedCompleted bool
}

// Instance returns the instance called name, or nil.
func (v *VRRP) Instance(name string) *Instance {
	for i := range v.Instances {
		if v.Instances[i].Name == name {
			return &v.Instances[i]
		}
	}
	return nil
}

// Address is one item of static_ipaddress, virtual_ipaddress or
// virtual_ipaddress_excluded: `ip addr add` syntax.
type Address struct {
	Prefix netip.Prefix // address with its prefix length (/32, /128 default)
	// Dev is the interface; for VIPs without dev the parser sets the
	// instance's interface (the engine puts it on the VMAC if use_vmac).
	Dev           string
	DevSet        bool  // dev was written
	Scope         uint8 // RT_SCOPE_*; 0 = global
	HasBrd        bool
	Brd           netip.Addr
	Label         string
	Peer          netip.Prefix // valid when a peer address was given
	Home          bool
	NoDAD         bool
	MngTmpAddr    bool
	NoPrefixRoute bool
	AutoJoin      bool
	// NoTrack: the address going away does not fault the instance.
	NoTrack bool
	// PreferredLft is in seconds; math.MaxUint32 = forever.
	PreferredLft uint32
	UseVMAC      bool   // VIP only
	TrackGroup   string // static only
}

// Route is one item of static_routes / virtual_routes (`ip route` syntax).
type Route struct {
	Family    Family
	Type      string // unicast (default), local, blackhole, ...
	Dst       netip.Prefix
	Src       netip.Prefix // "from" (IPv6 source routing)
	PrefSrc   netip.Addr   // "src"
	Via       netip.Addr
	Dev       string
	Table     uint32 // default 254 (main)
	Metric    uint32
	HasMetric bool
	Scope     uint8
	HasScope  bool
	// Protocol is RTPROT_KEEPALIVED (18) for tracked routes.
	Protocol uint8
	Tos      uint8
	OnLink   bool
	// Realms is "realms FROM/TO" as the kernel's RTA_FLOW: FROM<<16 | TO.
	Realms uint32
	// Metrics and other options (mtu, advmss, realms, pref, ...) by name,
	// value as written, for what has no dedicated field.
	Options    []RouteOption
	Nexthops   []Nexthop
	NoTrack    bool
	TrackGroup string
}

// RouteOption is a route attribute with no dedicated field.
type RouteOption struct {
	Name  string
	Value string
	Lock  bool // "mtu lock 1400"
}

// Nexthop is one nexthop of a multipath route.
type Nexthop struct {
	Via    netip.Addr
	Dev    string
	Weight int
	OnLink bool
}

// Rule is one item of static_rules / virtual_rules (`ip rule` syntax).
type Rule struct {
	Family Family
	From   netip.Prefix
	To     netip.Prefix
	// FromAny and ToAny: written as default/any/all (From/To unset), which
	// keepalived's dump prints as 0.0.0.0/0.
	FromAny, ToAny bool
	Not            bool
	// Action: "table" (with Table), "goto", "nop", "blackhole",
	// "prohibit", "unreachable", "l3mdev".
	Action            string
	Table             uint32
	Goto              uint32
	Priority          uint32
	HasPriority       bool
	Tos               uint8
	FwMark            uint32
	FwMask            uint32
	HasFwMark         bool
	Realms            string
	RealmsValue       uint32 // Realms as FRA_FLOW: FROM<<16 | TO
	SuppressPrefixLen int    // -1 unset
	SuppressIfGroup   string
	SuppressIfGroupID uint32 // SuppressIfGroup's number
	IIf, OIf          string
	TunnelID          uint64
	UIDRange          string
	Protocol          string
	ProtocolID        uint8 // Protocol's number
	IPProto           string
	SPort             string
	DPort             string
	NoTrack           bool
	TrackGroup        string
}

// TrackGroup is track_group NAME { group { INST ... } }: the instances whose
// state decides whether static entries naming this group are installed.
type TrackGroup struct {
	Name      string
	Instances []string
}

// LinkbeatInterface is one item of linkbeat_interfaces.
type LinkbeatInterface struct {
	Name string
	Type string // "" (auto), MII, ETHTOOL, IOCTL
}

// InterfaceDelay is one item of interface_up_down_delays.
type InterfaceDelay struct {
	Name string
	Down time.Duration
	Up   time.Duration
}

// GARPGroup is a garp_group: per-interface GARP/NA pacing.
type GARPGroup struct {
	GARPInterval time.Duration
	GNAInterval  time.Duration
	Interfaces   []string
	// AggregationGroup is keepalived's aggregation_group: only an
	// "interfaces" block numbers a group (1 + the groups numbered
	// before); one given by "interface" alone stays 0.
	AggregationGroup int
}

// Script is a vrrp_script.
type Script struct {
	Name     string
	Command  Command
	Interval time.Duration // default 1s, ms resolution
	// Timeout 0 means use Interval.
	Timeout       time.Duration
	Weight        int
	WeightReverse bool
	Rise, Fall    int
	InitFail      bool
}

// ProcessMatch is how vrrp_track_process compares parameters.
type ProcessMatch uint8

const (
	MatchNone ProcessMatch = iota
	MatchExact
	MatchInitial
	MatchPartial
)

// TrackProcess is a vrrp_track_process.
type TrackProcess struct {
	Name          string
	Process       string
	Params        []string
	ParamMatch    ProcessMatch
	FullCommand   bool
	Weight        int
	WeightReverse bool
	Quorum        int
	// QuorumMax -1 = unlimited.
	QuorumMax      int
	TerminateDelay time.Duration
	ForkDelay      time.Duration
}

// TrackFile is a track_file (or deprecated vrrp_track_file).
type TrackFile struct {
	Name          string
	Path          string
	Weight        int // default 1
	WeightReverse bool
	Init          bool // init_file given
	InitValue     int
	InitOverwrite bool
}

// BFDInstance is a bfd_instance (as far as VRRP and the BFD process care).
type BFDInstance struct {
	Name          string
	Neighbor      netip.Addr
	Source        netip.Addr
	MinRx         time.Duration // default 10ms
	MinTx         time.Duration // default 10ms
	IdleTx        time.Duration // default 1s
	Multiplier    int           // default 5
	Passive       bool
	TTL           int // 0: 255 (IPv4) / 64 (IPv6)
	MaxHops       int
	Weight        int
	WeightReverse bool
	// ToVRRP / ToChecker: which processes get events; both when neither
	// vrrp nor checker is written.
	ToVRRP    bool
	ToChecker bool
	// Disabled: keepalived's BFD child refuses the block (no neighbour, a
	// family mismatch, a duplicate neighbour) and runs no session, but
	// its VRRP child, which checks none of that, still tracks the name:
	// always down.
	Disabled bool
}

// TrackerKind says what a Tracker tracks.
type TrackerKind uint8

const (
	TrackInterface TrackerKind = iota + 1
	TrackScript
	TrackFileKind
	TrackProcessKind
	TrackBFD
)

// Tracker is one line of track_interface / track_script / track_file /
// track_process / track_bfd. Weight and Reverse are resolved (defaults from
// the tracked object applied). Weight 0: failure faults the instance;
// >0: added while up; <0: added while down; Reverse flips up/down.
type Tracker struct {
	Kind    TrackerKind
	Name    string // interface, script, file, process or BFD name
	Weight  int
	Reverse bool
}

// Notify holds the notify scripts of an instance or sync group; nil = none.
type Notify struct {
	Master, Backup, Fault, Stop *Command
	// Generic gets 4 extra arguments: type, name, state, priority.
	Generic *Command
	// Deleted / MasterRxLowerPri: instances only.
	Deleted          *Command
	NotifyDeleted    bool // notify_deleted given (with or without a script)
	MasterRxLowerPri *Command
}

// SyncGroup is a vrrp_sync_group.
type SyncGroup struct {
	Name      string
	Members   []string // existing instances, each in one group only
	Trackers  []Tracker
	Notify    Notify
	SMTPAlert bool
	// NotifyPriorityChanges: -1 unset (instances then use the global).
	NotifyPriorityChanges int
	TrackingWeight        bool // sync_group_tracking_weight / global_tracking
}

// State is an initial VRRP state.
type State uint8

const (
	StateBackup State = iota + 1
	StateMaster
)

func (s State) String() string {
	if s == StateMaster {
		return "MASTER"
	}
	return "BACKUP"
}

// AuthType is the VRRPv2 authentication type.
type AuthType uint8

const (
	AuthNone AuthType = iota
	AuthPass
	AuthAH
)

// UnicastPeer is one unicast_peer item.
type UnicastPeer struct {
	Addr   netip.Addr
	MinTTL int // 0
	MaxTTL int // 255
}

// VMAC is use_vmac (macvlan) or use_ipvlan.
type VMAC struct {
	Enabled bool
	IPVLAN  bool
	// IfName is the interface name; empty: <vmac_prefix>.<vrid>.
	IfName string
	// MAC: configured MAC (use_vmac only); MACUseVRID: the last octet is
	// the VRID (a 5-octet MAC was written).
	MAC           [6]byte
	MACSet        bool
	MACUseVRID    bool
	NetlinkNotify bool
	Group         uint32 // interface group
	HasGroup      bool
	// IPVLANAddr/IPVLANMode: use_ipvlan's address and bridge|private|vepa.
	IPVLANAddr netip.Prefix
	IPVLANMode IPVLANMode
	// AddrVMAC is use_vmac_addr; XmitBase is vmac_xmit_base.
	AddrVMAC bool
	XmitBase bool
}

// IPVLANMode is use_ipvlan's bridge|private|vepa; the zero value is
// bridge, keepalived's default.
type IPVLANMode uint8

// The use_ipvlan modes, numbered as the kernel's IFLA_IPVLAN_FLAGS.
const (
	IPVLANBridge  IPVLANMode = 0
	IPVLANPrivate IPVLANMode = 1
	IPVLANVEPA    IPVLANMode = 2
)

// String is the mode's keyword.
func (m IPVLANMode) String() string {
	switch m {
	case IPVLANBridge:
		return "bridge"
	case IPVLANPrivate:
		return "private"
	case IPVLANVEPA:
		return "vepa"
	}
	return "unknown"
}

// Instance is a vrrp_instance with keepalived's completion applied: an
// engine can use every field as is.
//
// Reading it: Family and Version are final; Interface is the configured
// interface (may be empty only for unicast instances, then VRF/SrcIP
// decide); VIPs are advertised, ExcludedVIPs not; each Address.Dev is set.
// Priority is the base priority (255 = address owner), State the initial
// wanted state. Multicast instances send to McastDst; Unicast instances to
// UnicastPeers from SrcIP. Trackers carry resolved weights. Timers are
// final (AdvertInt rounded to the version's resolution).
type Instance struct {
	Name       string
	Interface  string
	VRF        string
	VRID       int
	Priority   int
	State      State
	Family     Family
	Version    int
	AdvertInt  time.Duration
	NativeIPv6 bool

	DontTrackPrimary bool
	TrackSrcIP       bool
	// SrcIP is mcast_src_ip/unicast_src_ip (or use_ipvlan's address);
	// invalid: the interface's primary address, chosen at runtime.
	SrcIP    netip.Addr
	McastDst netip.Addr // multicast group (unset for unicast instances)

	// Unicast is true when there are unicast peers;
	// UnicastConfigured when any unicast keyword was written.
	Unicast                 bool
	UnicastConfigured       bool
	UnicastPeers            []UnicastPeer
	UnicastTTL              int // -1: kernel default (IPv6); 255 IPv4 default
	UnicastFaultNoPeer      bool
	CheckUnicastSrc         bool
	OldUnicastChecksum      bool
	OldUnicastChecksumNever bool
	V3ChecksumAsV2          bool

	Auth     AuthType
	AuthPass string // ≤ 8 bytes

	VIPs               []Address
	ExcludedVIPs       []Address
	Routes             []Route
	Rules              []Rule
	AllowNoVIPs        bool
	PromoteSecondaries bool

	Trackers []Tracker

	NoPreempt            bool
	PreemptDelay         time.Duration
	Accept               bool
	Strict               bool
	SkipCheckAdvAddr     bool
	LowerPrioNoAdvert    bool
	HigherPrioSendAdvert bool
	OwnerIgnoreAdverts   bool
	// TimerExpiredBackup: highest other priority (0 = off).
	TimerExpiredBackup int

	GARPMasterDelay         time.Duration
	GARPMasterRepeat        int
	GARPMasterRefresh       time.Duration
	GARPMasterRefreshRepeat int
	GARPLowerPrioDelay      time.Duration
	GARPLowerPrioRepeat     int
	GARPExtraIf             time.Duration
	GARPExtraIfAll          bool
	DownTimerAdverts        int

	VMAC VMAC

	LinkbeatUsePolling bool
	KernelRxBufSize    uint32
	Debug              int

	Notify                Notify
	SMTPAlert             bool
	NotifyPriorityChanges bool

	// SyncGroup is the name of the sync group the instance is in, if any.
	SyncGroup string
}

// IsOwner reports whether the instance is the address owner (priority 255).
func (in *Instance) IsOwner() bool { return in.Priority == 255 }
