package vrrptest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// ErrLinkDown is what a Conn on a host whose link is down returns on send.
var ErrLinkDown = errors.New("vrrptest: link down")

// LAN is one simulated broadcast segment.
type LAN struct {
	mu    sync.Mutex
	clock *Clock
	hosts []*Host
	queue []Frame
	// Drop, when set, discards frames from one host to another (split
	// brain by firewall, like the baseline's nft drop).
	Drop func(from, to string) bool
	// Capture records every frame sent when true.
	Capture  bool
	Captured []Frame
	// SentCount counts frames sent, captured or not.
	SentCount int
}

// Frame is one advert on the simulated wire.
type Frame struct {
	At      time.Time
	From    string
	Payload []byte
	Src     netip.Addr
	Dst     netip.Addr
	TTL     int
	// AH: Payload is a whole IPv4 datagram for the hosts' AH sockets
	// (auth_type AH), not a VRRP message.
	AH bool
}

// NewLAN builds a segment on clk and hooks its delivery into clk.Advance.
func NewLAN(clk *Clock) *LAN {
	l := &LAN{clock: clk}
	clk.AfterFire = l.Flush
	return l
}

// Host is one machine on the LAN with an IPv4 and an IPv6 address.
type Host struct {
	Name   string
	Addr4  netip.Addr
	Addr6  netip.Addr
	Net    *Network
	Router *vrrp.Router // set after vrrp.New
	lan    *LAN
	conns  []*Conn
	// TTL overrides the TTL/hop limit of frames this host sends (0 = 255).
	TTL int
}

// AddHost attaches a host; addresses are given as strings for brevity.
func (l *LAN) AddHost(name, addr4, addr6 string) *Host {
	h := &Host{Name: name, lan: l}
	if addr4 != "" {
		h.Addr4 = netip.MustParseAddr(addr4)
	}
	if addr6 != "" {
		h.Addr6 = netip.MustParseAddr(addr6)
	}
	h.Net = NewNetwork(l.clock)
	l.mu.Lock()
	l.hosts = append(l.hosts, h)
	l.mu.Unlock()
	return h
}

// Listen is the host's vrrp.Listener.
func (h *Host) Listen(ifname string, ipv6 bool) (vrrp.Conn, error) {
	c := &Conn{host: h, ifname: ifname, ipv6: ipv6, closed: make(chan struct{})}
	h.lan.mu.Lock()
	h.conns = append(h.conns, c)
	h.lan.mu.Unlock()
	return c, nil
}

// ListenAH is the host's Options.ListenAH: a protocol-51 socket whose
// frames carry whole IPv4 datagrams.
func (h *Host) ListenAH(ifname string) (vrrp.Conn, error) {
	c := &Conn{host: h, ifname: ifname, ah: true, closed: make(chan struct{})}
	h.lan.mu.Lock()
	h.conns = append(h.conns, c)
	h.lan.mu.Unlock()
	return c, nil
}

// SetLink takes the host's interface up or down on the wire and tells its
// router, as the wiring's link watcher would.
func (h *Host) SetLink(ifname string, up bool) {
	h.Net.SetLink(ifname, up)
	if h.Router != nil {
		h.Router.LinkChanged(ifname, up)
	}
	h.lan.Flush()
}

// Conn is a fake vrrp.Conn on the LAN. ReadFrom only blocks until Close:
// the LAN calls Router.HandlePacket directly to keep runs deterministic.
type Conn struct {
	host      *Host
	ifname    string
	ipv6      bool
	ah        bool
	closeOnce sync.Once
	closed    chan struct{}
}

// ReadFrom blocks until Close.
func (c *Conn) ReadFrom([]byte) (int, netip.Addr, netip.Addr, int, error) {
	<-c.closed
	return 0, netip.Addr{}, netip.Addr{}, 0, net.ErrClosed
}

// WriteTo queues the payload for delivery at the next Flush.
func (c *Conn) WriteTo(payload []byte, src, dst netip.Addr) error {
	return c.WriteToTTL(payload, src, dst, 0)
}

// WriteToTTL is WriteTo with this packet's TTL (0: the host's).
func (c *Conn) WriteToTTL(payload []byte, src, dst netip.Addr, pttl int) error {
	select {
	case <-c.closed:
		return net.ErrClosed
	default:
	}
	if up, _ := c.host.Net.LinkUp(c.ifname); !up {
		return ErrLinkDown
	}
	if !src.IsValid() {
		src = c.host.Addr4
		if c.ipv6 {
			src = c.host.Addr6
		}
	}
	ttl := 255
	if c.host.TTL != 0 {
		ttl = c.host.TTL
	}
	if pttl != 0 {
		ttl = pttl
	}
	l := c.host.lan
	f := Frame{At: l.clock.Now(), From: c.host.Name, Payload: append([]byte(nil), payload...), Src: src, Dst: dst, TTL: ttl, AH: c.ah}
	l.mu.Lock()
	l.queue = append(l.queue, f)
	l.SentCount++
	if l.Capture {
		l.Captured = append(l.Captured, f)
	}
	l.mu.Unlock()
	return nil
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// Opens counts the sockets the host's router has opened (Listen calls).
func (h *Host) Opens() int {
	h.lan.mu.Lock()
	defer h.lan.mu.Unlock()
	return len(h.conns)
}

// Close unblocks ReadFrom.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

// Inject queues a frame as if host from had sent it (crafted adverts).
func (l *LAN) Inject(f Frame) {
	l.mu.Lock()
	if f.At.IsZero() {
		f.At = l.clock.Now()
	}
	l.queue = append(l.queue, f)
	l.mu.Unlock()
}

// Flush delivers queued frames, and the frames they provoke, until quiet.
func (l *LAN) Flush() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		f := l.queue[0]
		l.queue = l.queue[1:]
		type target struct {
			h *Host
			c *Conn
		}
		var ts []target
		from := l.hostLocked(f.From)
		for _, h := range l.hosts {
			if h.Name == f.From || h.Router == nil {
				continue
			}
			if l.Drop != nil && l.Drop(f.From, h.Name) {
				continue
			}
			if !f.Dst.IsMulticast() && f.Dst != h.Addr4 && f.Dst != h.Addr6 {
				continue
			}
			for _, c := range h.conns {
				if c.ipv6 != f.Dst.Is6() || c.ah != f.AH || c.isClosed() {
					continue
				}
				if up, _ := h.Net.LinkUp(c.ifname); !up {
					continue
				}
				if from != nil && !from.linkUpAny() {
					continue
				}
				ts = append(ts, target{h, c})
			}
		}
		l.mu.Unlock()
		for _, t := range ts {
			if f.AH {
				t.h.Router.HandleAHPacket(t.c.ifname, f.Payload, f.Src, f.Dst, f.TTL)
				continue
			}
			t.h.Router.HandlePacket(t.c.ifname, t.c.ipv6, f.Payload, f.Src, f.Dst, f.TTL)
		}
	}
}

func (l *LAN) hostLocked(name string) *Host {
	for _, h := range l.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func (h *Host) linkUpAny() bool {
	for _, c := range h.conns {
		if up, _ := h.Net.LinkUp(c.ifname); up {
			return true
		}
	}
	return len(h.conns) == 0
}

// Network is a recording vrrp.Network.
type Network struct {
	mu    sync.Mutex
	clock vrrp.Clock
	links map[string]bool
	addrs map[netip.Prefix]string
	// Log is every call, in order.
	Log []NetCall
	// Fail makes every address change fail (error path tests).
	Fail error
}

// NetCall is one recorded Network call.
type NetCall struct {
	At time.Time
	Op string // add-addr, del-addr, add-route, del-route, add-rule, del-rule, garp, na
	IP netip.Addr
}

// NewNetwork starts with every link up and no addresses.
func NewNetwork(clk vrrp.Clock) *Network {
	return &Network{clock: clk, links: map[string]bool{}, addrs: map[netip.Prefix]string{}}
}

func (n *Network) record(op string, ip netip.Addr) {
	n.Log = append(n.Log, NetCall{At: n.clock.Now(), Op: op, IP: ip})
}

// SetLink sets an interface's carrier.
func (n *Network) SetLink(ifname string, up bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[ifname] = up
}

// HasAddr reports whether a VIP is currently configured.
func (n *Network) HasAddr(ip string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	a := netip.MustParseAddr(ip)
	for p := range n.addrs {
		if p.Addr() == a {
			return true
		}
	}
	return false
}

// Count counts recorded calls of op.
func (n *Network) Count(op string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, l := range n.Log {
		if l.Op == op {
			c++
		}
	}
	return c
}

// Calls returns a copy of the log.
func (n *Network) Calls() []NetCall {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]NetCall(nil), n.Log...)
}

// AddAddress implements vrrp.Network.
func (n *Network) AddAddress(_ context.Context, a vrrp.Address) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.Fail != nil {
		return n.Fail
	}
	n.addrs[a.Prefix] = a.Dev
	n.record("add-addr", a.Prefix.Addr())
	return nil
}

// DelAddress implements vrrp.Network.
func (n *Network) DelAddress(_ context.Context, a vrrp.Address) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.Fail != nil {
		return n.Fail
	}
	if _, ok := n.addrs[a.Prefix]; !ok {
		return errors.New("vrrptest: no such address")
	}
	delete(n.addrs, a.Prefix)
	n.record("del-addr", a.Prefix.Addr())
	return nil
}

// AddRoute implements vrrp.Network.
func (n *Network) AddRoute(_ context.Context, r vrrp.Route) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("add-route", r.Dst.Addr())
	return nil
}

// DelRoute implements vrrp.Network.
func (n *Network) DelRoute(_ context.Context, r vrrp.Route) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("del-route", r.Dst.Addr())
	return nil
}

// AddRule implements vrrp.Network.
func (n *Network) AddRule(_ context.Context, r vrrp.Rule) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("add-rule", r.From.Addr())
	return nil
}

// DelRule implements vrrp.Network.
func (n *Network) DelRule(_ context.Context, r vrrp.Rule) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("del-rule", r.From.Addr())
	return nil
}

// GratuitousARP implements vrrp.Network.
func (n *Network) GratuitousARP(_ string, ip netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("garp", ip)
	return nil
}

// UnsolicitedNA implements vrrp.Network.
func (n *Network) UnsolicitedNA(_ string, ip netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record("na", ip)
	return nil
}

// LinkUp implements vrrp.Network; unknown links are up.
func (n *Network) LinkUp(ifname string) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	up, ok := n.links[ifname]
	return up || !ok, nil
}

// Recorder is a vrrp.Notifier that keeps every event.
type Recorder struct {
	mu     sync.Mutex
	Events []vrrp.Event
}

// Notify implements vrrp.Notifier.
func (r *Recorder) Notify(ev vrrp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Events = append(r.Events, ev)
}

// Lines returns the events as FIFO lines without newlines.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.Events))
	for _, e := range r.Events {
		l := e.FIFOLine()
		out = append(out, l[:len(l)-1])
	}
	return out
}
