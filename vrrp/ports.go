package vrrp

import (
	"context"
	"net/netip"
	"time"
)

// Conn is one raw VRRP socket on one interface and family (IP header
// stripped on receive).
type Conn interface {
	ReadFrom(b []byte) (n int, src, dst netip.Addr, ttl int, err error)
	WriteTo(payload []byte, src, dst netip.Addr) error
	Close() error
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
// [home] [nodad] [noprefixroute] [preferred_lft N]`.
type Address struct {
	Prefix        netip.Prefix // IP and length; /32 or /128 when none was given
	Dev           string       // defaults to the instance interface
	Broadcast     netip.Addr
	Peer          netip.Prefix
	Scope         string // "global" (default), "host", "link", "site", "nowhere" or a number
	Label         string
	NoDAD         bool
	NoPrefixRoute bool
	Home          bool
	// PreferredLft is -1 for "forever" (the kernel default) and 0 to
	// deprecate the address, which keepalived uses for IPv6 VIPs that must
	// not be chosen as source.
	PreferredLft int
	NoTrack      bool // do not fault the instance when the address's dev goes down
	// NoAccept asks the adapter to drop traffic to this address while it
	// is configured (no_accept mode), as keepalived does with nftables.
	NoAccept bool
}

// Route is one virtual_routes entry, plain data for the Network adapter.
type Route struct {
	Dst      netip.Prefix // zero means default route of the family
	Src      netip.Addr
	Via      netip.Addr
	Dev      string
	Table    uint32
	Metric   uint32
	Scope    string
	Protocol string
	Type     string // "unicast" (default), "blackhole", "unreachable", "prohibit", "local", ...
	Onlink   bool
	MTU      uint32
	NoTrack  bool
}

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
	Action   string // "" = lookup table; "goto", "nop", "blackhole", "unreachable", "prohibit"
	Goto     uint32
	NoTrack  bool
	// Protocol is the rule's protocol: 18 (keepalived) for a tracked
	// rule, as keepalived sets it; 0 means the kernel's default.
	Protocol uint8
}
