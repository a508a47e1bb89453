package vrrp

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Conn is one raw VRRP socket on one interface and family (IP header
// stripped on receive).
type Conn interface {
	ReadFrom(b []byte) (n int, src, dst netip.Addr, ttl int, err error)
	WriteTo(payload []byte, src, dst netip.Addr) error
	Close() error
}

// TTLConn is a Conn that can set one packet's TTL / hop limit (an
// instance's unicast_ttl); a Conn without it sends with its own.
type TTLConn interface {
	WriteToTTL(payload []byte, src, dst netip.Addr, ttl int) error
}

// Packet is one received VRRP message (IP header stripped) for BatchConn.
// The reader sets Buf; ReadBatch fills in the rest.
type Packet struct {
	Buf      []byte
	N        int // bytes of Buf used
	Src, Dst netip.Addr
	TTL      int // TTL or hop limit, -1 if unknown
}

// BatchConn is a Conn that reads all queued packets, up to len(ps), in one
// call, blocking until there is at least one. The Router reads through it
// when its Conn has it and handles each batch under one lock: a master's
// adverts arrive in bursts.
type BatchConn interface {
	Conn
	ReadBatch(ps []Packet) (int, error)
}

// Network changes the host: addresses, routes, rules, announcements.
type Network interface {
	AddAddress(ctx context.Context, a Address) error
	DelAddress(ctx context.Context, a Address) error
	AddRoute(ctx context.Context, r Route) error
	DelRoute(ctx context.Context, r Route) error
	AddRule(ctx context.Context, r Rule) error
	DelRule(ctx context.Context, r Rule) error
	GratuitousARP(ifname string, ip netip.Addr) error // request form, as keepalived sends; MAC read fresh at send time
	UnsolicitedNA(ifname string, ip netip.Addr) error
	LinkUp(ifname string) (bool, error) // for track_interface / own interface state
}

// Listener opens the shared Conn for an interface and family. The Router
// calls it once per (interface, family) and demultiplexes by VRID, like
// keepalived's socket pool.
type Listener func(ifname string, ipv6 bool) (Conn, error)

// Clock is the engine's only source of time, so tests can run on a fake.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or, for fakes, synchronously
	// from the test) once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is the subset of *time.Timer the engine uses.
type Timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// Notifier receives state events in the order they happen. Implementations
// must not block: the engine calls Notify with its lock held, so queue the
// work (package vrrp/notify does, one ordered queue per instance or group).
type Notifier interface {
	Notify(ev Event)
}

// RealClock is the production Clock on top of package time.
type RealClock struct{}

// Now returns time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Address is one virtual (or excluded) IP address as keepalived configures
// it: `IP[/len] [brd X] [dev IF] [scope S] [label L] [peer P] [no_track]
// [home] [nodad] [mngtmpaddr] [noprefixroute] [autojoin] [preferred_lft N]`.
type Address struct {
	Prefix    netip.Prefix // IP and length; /32 or /128 when none was given
	Dev       string       // defaults to the instance interface
	Broadcast netip.Addr
	Peer      netip.Prefix
	Scope     uint8 // ifa_scope as the kernel numbers it: 0 global (default), 253 link, 254 host, ...
	Label     string
	NoDAD     bool
	// KeepDAD is keepalived's "-nodad" (IFA_F_NODAD in its flagmask): the
	// address keeps duplicate address detection, and dumps say "-nodad".
	KeepDAD       bool
	NoPrefixRoute bool
	Home          bool
	// MngTmpAddr and AutoJoin are the kernel's IFA_F_MANAGETEMPADDR and
	// IFA_F_MCAUTOJOIN, set as configured (mngtmpaddr, autojoin).
	MngTmpAddr bool
	AutoJoin   bool
	// PreferredLft is -1 for "forever" (the kernel default) and 0 to
	// deprecate the address, which keepalived uses for IPv6 VIPs that must
	// not be chosen as source.
	PreferredLft int
	NoTrack      bool // do not fault the instance when the address's dev goes down
	// NoAccept asks the adapter to drop traffic to this address while it
	// is configured (no_accept mode), as keepalived does with nftables.
	NoAccept bool
	// FilterByName keys a link-local IPv6 NoAccept address by its
	// interface's name rather than index (keepalived's
	// vips_link_local_name: a dont_track_primary instance's address on its
	// own interface or no_track, unless nftables_ifindex).
	FilterByName bool
	// UseVMAC is the address's use_vmac option (it lives on an address
	// VMAC); the dumps print it.
	UseVMAC bool
}

// Route is one virtual_routes entry, plain data for the Network adapter:
// every value is the number the kernel takes, checked when the
// configuration is translated, so the adapter only copies it.
type Route struct {
	Dst      netip.Prefix // always set; 0.0.0.0/0 or ::/0 for a default route
	Src      netip.Addr
	Via      netip.Addr
	Dev      string
	Table    uint32
	Metric   uint32
	Scope    uint8 // rtm_scope, when HasScope; else the kernel's choice
	HasScope bool
	Protocol uint8     // rtm_protocol; zero means boot
	Type     RouteType // zero means unicast
	Onlink   bool
	// Nexthops make a multipath route; Via and Dev are then unset.
	Nexthops []Nexthop
	Metrics  RouteMetrics
	NoTrack  bool
	Tos      uint8  // rtm_tos
	Realms   uint32 // RTA_FLOW (FROM<<16 | TO); zero is none
	// TTLPropagate (RTA_TTL_PROPAGATE), Pref (RTA_PREF) and Expires
	// (RTA_EXPIRES) are sent when their Has flag is set.
	TTLPropagate    uint8
	HasTTLPropagate bool
	Pref            uint8
	HasPref         bool
	Expires         uint32
	HasExpires      bool
}

// ScopeName is how keepalived and ip(8) write scope s.
func ScopeName(s uint8) string {
	switch s {
	case 0:
		return "global"
	case 200:
		return "site"
	case 253:
		return "link"
	case 254:
		return "host"
	case 255:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}

// RouteType is rtm_type, numbered as the kernel numbers it (RTN_*).
type RouteType uint8

// The route types keepalived's virtual_routes accept.
const (
	RouteUnicast     RouteType = 1
	RouteLocal       RouteType = 2
	RouteBroadcast   RouteType = 3
	RouteAnycast     RouteType = 4
	RouteMulticast   RouteType = 5
	RouteBlackhole   RouteType = 6
	RouteUnreachable RouteType = 7
	RouteProhibit    RouteType = 8
	RouteThrow       RouteType = 9
	RouteNAT         RouteType = 10
)

// Nexthop is one path of a multipath route.
type Nexthop struct {
	Via    netip.Addr
	Dev    string
	Weight int // 1..256; zero means 1
	Onlink bool
}

// RouteMetrics are the RTA_METRICS values installed with a route,
// indexed by their RTAX_* number (MetricMTU...): Set has bit n when
// Values[n] is sent, Lock is RTAX_LOCK (bit n locks metric n) and CongCtl,
// when not empty, RTAX_CC_ALGO. The values are the kernel's units (rtt in
// 1/8 ms, rttvar in 1/4 ms, rto_min in ms).
type RouteMetrics struct {
	Values  [MetricMax + 1]uint32
	Set     uint32
	Lock    uint32
	CongCtl string
}

// The RTAX_* numbers of the route metrics.
const (
	MetricMTU              = 2
	MetricWindow           = 3
	MetricRTT              = 4
	MetricRTTVar           = 5
	MetricSSThresh         = 6
	MetricCwnd             = 7
	MetricAdvMSS           = 8
	MetricReordering       = 9
	MetricHopLimit         = 10
	MetricInitCwnd         = 11
	MetricFeatures         = 12
	MetricRTOMin           = 13
	MetricInitRwnd         = 14
	MetricQuickAck         = 15
	MetricCCAlgo           = 16
	MetricFastopenNoCookie = 17
	MetricMax              = 17
)

// With returns m with metric n set to v.
func (m RouteMetrics) With(n int, v uint32) RouteMetrics {
	m.Values[n], m.Set = v, m.Set|1<<n
	return m
}

// Equal reports whether r and o are the same entry (Route holds a slice,
// so == does not compile).
func (r Route) Equal(o Route) bool {
	return r.Dst == o.Dst && r.Src == o.Src && r.Via == o.Via && r.Dev == o.Dev &&
		r.Table == o.Table && r.Metric == o.Metric && r.Scope == o.Scope && r.HasScope == o.HasScope &&
		r.Protocol == o.Protocol && r.Type == o.Type && r.Onlink == o.Onlink &&
		slices.Equal(r.Nexthops, o.Nexthops) && r.Metrics == o.Metrics && r.NoTrack == o.NoTrack &&
		r.Tos == o.Tos && r.Realms == o.Realms && r.TTLPropagate == o.TTLPropagate &&
		r.HasTTLPropagate == o.HasTTLPropagate && r.Pref == o.Pref && r.HasPref == o.HasPref &&
		r.Expires == o.Expires && r.HasExpires == o.HasExpires
}

// RuleAction is a rule's action, numbered as the kernel numbers it
// (FR_ACT_*).
type RuleAction uint8

// The rule actions keepalived's virtual_rules accept.
const (
	RuleToTable     RuleAction = 1
	RuleGoto        RuleAction = 2
	RuleNop         RuleAction = 3
	RuleBlackhole   RuleAction = 6
	RuleUnreachable RuleAction = 7
	RuleProhibit    RuleAction = 8
)

// Rule is one virtual_rules entry.
type Rule struct {
	IPv6     bool
	From     netip.Prefix
	To       netip.Prefix
	Priority uint32 // "preference"
	Table    uint32
	FwMark   uint32
	FwMask   uint32
	IIf      string
	OIf      string
	TOS      uint8
	Action   RuleAction // zero means lookup Table
	Not      bool       // invert the match
	Protocol uint8      // FRA_PROTOCOL; keepalived's rules are RTPROT_KEEPALIVED (18)
	Goto     uint32
	NoTrack  bool
	Realms   uint32 // FRA_FLOW (FROM<<16 | TO); zero is none
	// UIDStart..UIDEnd is FRA_UID_RANGE, sent when HasUIDRange.
	UIDStart, UIDEnd uint32
	HasUIDRange      bool
	// L3MDev is FRA_L3MDEV: look up the table of the packet's VRF device
	// (Table is then unset).
	L3MDev bool
	// NoProtocol sends no FRA_PROTOCOL (a no_track rule without one).
	NoProtocol bool
	// The selectors below are sent when their Has flag is set (TunnelID
	// when not zero).
	SuppressPrefixLen    uint32
	HasSuppressPrefixLen bool
	SuppressIfGroup      uint32
	HasSuppressIfGroup   bool
	TunnelID             uint64
	IPProto              uint8
	HasIPProto           bool
	SPort, DPort         [2]uint16 // start, end
	HasSPort, HasDPort   bool
}
