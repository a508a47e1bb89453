package vrrphost

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/vrrp"
)

// Sink is what the watcher reports to; *vrrp.Router implements it.
type Sink interface {
	// LinkChanged reports an interface becoming usable or unusable.
	LinkChanged(ifname string, up bool)
	// LinkReplaced reports that the name now belongs to another
	// interface (deleted and created again, or renamed onto it): sockets
	// bound to the old one hear and send nothing any more.
	LinkReplaced(ifname string)
	// LinkDeleted reports the interface named ifname deleted.
	LinkDeleted(ifname string)
	// AddressRemoved reports an address deleted from an interface.
	// present re-reads the kernel, for a sink that acts only on an
	// address that is still absent (a stale event must not undo what the
	// sink has just added back).
	AddressRemoved(ifname string, a netip.Addr, present func() bool)
	// AddressAdded reports an address added to an interface.
	AddressAdded(ifname string, a netip.Addr)
	// RouteRemoved and RuleRemoved report a keepalived route or rule
	// deleted (only the fields the kernel's report identifies it by are
	// set; see vrrp.Route.Matches); present re-reads the kernel.
	RouteRemoved(deleted vrrp.Route, present func() bool)
	RuleRemoved(deleted vrrp.Rule, present func() bool)
	// SourceChanged reports the interface's primary address of a family
	// (keepalived's default VRRP source: the first IPv4 address, the
	// first IPv6 link-local one); the zero Addr when it has none left.
	SourceChanged(ifname string, ipv6 bool, src netip.Addr)
}

// MTUSink is a Sink that also hears of MTU changes (keepalived's
// update_mtu: the VRRP receive buffers follow the MTU).
type MTUSink interface {
	MTUChanged(ifname string)
}

// RouteAddSink is a Sink that also hears of keepalived routes added:
// keepalived logs some of them (netlink_route_filter).
type RouteAddSink interface {
	// RouteAdded reports a keepalived route the kernel added (Dst,
	// Table, Metric and Tos set), with the name of its RTA_OIF interface,
	// "" when the report has none.
	RouteAdded(added vrrp.Route, oif string)
}

// Watcher follows link and address events and reports what the engine
// cares about: usability, a name moving to a new interface, addresses
// removed, primary addresses changing.
type Watcher struct {
	w       *ifaddr.Watcher
	nl      *ifaddr.Conn
	mu      sync.Mutex
	sink    Sink
	done    chan struct{}
	closing atomic.Bool
	log     *slog.Logger

	// delays are interface_up_down_delays by interface name (guarded by
	// mu).
	delays map[string]Delay

	// state guards what follows: the loop goroutine and the delay timers
	// both change it.
	state   sync.Mutex
	links   map[string]linkView // by name
	names   map[int]string      // by index
	mtus    map[int]int         // by index
	primary map[srcKey]netip.Addr
}

type linkView struct {
	index int // 0: no interface has the name now
	up    bool
	// flags are keepalived's ifi_flags for the interface: as read when it
	// appeared and at each change of usability acted on since (other
	// flag changes are not recorded, as in keepalived).
	flags uint32
	// seenUp: the interface has been usable since it appeared; a delay
	// applies only then (keepalived's seen_up).
	seenUp bool
	// pending is a change of usability waiting for its delay.
	pending *delayed
}

type srcKey struct {
	index int
	ipv6  bool
}

// Watch subscribes to link and address events and reports them to sink,
// logging keepalived's lines for them. Call SetSink to move to a new
// engine.
func Watch(sink Sink, log *slog.Logger) (*Watcher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, err := ifaddr.Watch(nil)
	if err != nil {
		return nil, err
	}
	nl, err := ifaddr.Dial(nil)
	if err != nil {
		w.Close()
		return nil, err
	}
	lw := &Watcher{w: w, nl: nl, sink: sink, done: make(chan struct{}), log: log}
	// What every link looks like now, read after subscribing so no change
	// is lost, lets the first event of a link be told apart from a change.
	lw.state.Lock()
	lw.resync(false)
	lw.state.Unlock()
	go lw.loop()
	return lw, nil
}

// SetSink changes where events go.
func (lw *Watcher) SetSink(s Sink) {
	lw.mu.Lock()
	lw.sink = s
	lw.mu.Unlock()
}

func (lw *Watcher) currentSink() Sink {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.sink
}

// resync reads every link and primary address again: at start, and after
// the socket overflowed and events were lost (report says whether to
// report what changed meanwhile).
func (lw *Watcher) resync(report bool) {
	links, err := lw.nl.Links()
	if err != nil {
		return
	}
	if !report {
		lw.links, lw.names, lw.primary = map[string]linkView{}, map[int]string{}, map[srcKey]netip.Addr{}
		lw.mtus = map[int]int{}
	}
	primary := lw.readPrimaries()
	seen := map[string]bool{}
	for _, l := range links {
		seen[l.Name] = true
		if report {
			lw.link(l)
			continue
		}
		lw.links[l.Name] = linkView{index: l.Index, up: l.Usable(), flags: l.Flags, seenUp: l.Usable()}
		lw.names[l.Index] = l.Name
		lw.mtus[l.Index] = l.MTU
		for _, v6 := range []bool{false, true} {
			k := srcKey{l.Index, v6}
			lw.primary[k] = primary(k)
		}
	}
	for name, v := range lw.links {
		if !seen[name] && v.index != 0 {
			lw.link(ifaddr.Link{Index: v.index, Name: name, Deleted: true})
		}
	}
	if report {
		for k := range lw.primary {
			lw.source(k, primary(k))
		}
	}
}

// readPrimaries reads every interface's primary addresses in one dump per
// family (not two dumps per link); should a dump fail, each is asked for
// alone.
func (lw *Watcher) readPrimaries() func(srcKey) netip.Addr {
	var fam [2]map[int][]ifaddr.AddrEvent
	for i, v6 := range []bool{false, true} {
		m, err := lw.nl.AddrsByIndex(v6)
		if err != nil {
			return func(k srcKey) netip.Addr { return lw.readPrimary(k.index, k.ipv6) }
		}
		fam[i] = m
	}
	return func(k srcKey) netip.Addr {
		i := 0
		if k.ipv6 {
			i = 1
		}
		return firstCandidate(fam[i][k.index])
	}
}

func (lw *Watcher) loop() {
	defer close(lw.done)
	for {
		ev, err := lw.w.Next()
		if err != nil {
			if lw.closing.Load() {
				return
			}
			// An overflow (ENOBUFS) loses events: read everything again.
			lw.state.Lock()
			lw.resync(true)
			lw.state.Unlock()
			time.Sleep(10 * time.Millisecond) // do not spin on a broken socket
			continue
		}
		lw.state.Lock()
		lw.event(ev)
		lw.state.Unlock()
	}
}

// event follows one event; the caller holds state.
func (lw *Watcher) event(ev ifaddr.Event) {
	switch {
	case ev.Link != nil && ev.Link.Name != "":
		lw.link(*ev.Link)
	case ev.Addr != nil:
		lw.addr(*ev.Addr)
	case ev.RouteDeleted != nil:
		lw.route(*ev.RouteDeleted)
	case ev.RouteAdded != nil:
		lw.routeAdded(*ev.RouteAdded)
	case ev.RuleDeleted != nil:
		lw.rule(*ev.RuleDeleted)
	}
}

// link follows one link event: renames and re-creations move a name to
// another index, and the old holder of a name or index stops being it.
func (lw *Watcher) link(l ifaddr.Link) {
	sink := lw.currentSink()
	lw.mtu(sink, l)
	if l.Deleted {
		if lw.names[l.Index] == l.Name {
			delete(lw.names, l.Index)
			lw.cancel(l.Name)
			lw.usable(sink, l.Name, linkView{}, true)
			if sink != nil {
				sink.LinkDeleted(l.Name)
			}
		}
		lw.forgetSources(l.Index)
		return
	}
	if old, ok := lw.names[l.Index]; ok && old != l.Name {
		// Renamed away: the old name has no interface any more.
		lw.log.Info(fmt.Sprintf("Interface name has changed from %s to %s", old, l.Name))
		lw.cancel(old)
		lw.usable(sink, old, linkView{}, true)
	}
	lw.names[l.Index] = l.Name
	v, seen := lw.links[l.Name]
	if v.index == l.Index {
		lw.flagsChanged(sink, l)
		return
	}
	// A new interface under the name: its state counts at once.
	lw.log.Debug(fmt.Sprintf("Interface %s added", l.Name))
	lw.cancel(l.Name)
	lw.links[l.Name] = linkView{index: l.Index, up: v.up}
	if sink != nil {
		sink.LinkReplaced(l.Name)
	}
	lw.usable(sink, l.Name, linkView{index: l.Index, up: l.Usable(), flags: l.Flags, seenUp: l.Usable()}, seen)
}

// mtu reports a change of a known interface's MTU.
func (lw *Watcher) mtu(sink Sink, l ifaddr.Link) {
	if l.Deleted {
		delete(lw.mtus, l.Index)
		return
	}
	if l.MTU == 0 {
		return // not in this report
	}
	if lw.mtus == nil {
		lw.mtus = map[int]int{}
	}
	old, ok := lw.mtus[l.Index]
	lw.mtus[l.Index] = l.MTU
	if s, is := sink.(MTUSink); is && ok && old != l.MTU {
		s.MTUChanged(l.Name)
	}
}

// usable records a name's new view and reports a change of usability.
func (lw *Watcher) usable(sink Sink, name string, v linkView, logIt bool) {
	old := lw.links[name]
	lw.links[name] = v
	if old.up == v.up {
		return
	}
	if logIt || old.up {
		lw.log.Info(fmt.Sprintf("Netlink reports %s %s", name, map[bool]string{true: "up", false: "down"}[v.up]))
	}
	if sink != nil {
		sink.LinkChanged(name, v.up)
	}
}

func (lw *Watcher) forgetSources(index int) {
	for _, v6 := range []bool{false, true} {
		k := srcKey{index, v6}
		if lw.primary[k].IsValid() {
			lw.source(k, netip.Addr{})
		}
		delete(lw.primary, k)
	}
}

// addr follows one address event.
func (lw *Watcher) addr(a ifaddr.AddrEvent) {
	name, ok := lw.names[a.Index]
	if !ok {
		return
	}
	sink := lw.currentSink()
	v6 := a.Addr.Is6()
	k := srcKey{a.Index, v6}
	if a.Deleted {
		if sink != nil {
			sink.AddressRemoved(name, a.Addr, func() bool { return lw.present(a.Index, a.Addr) })
		}
		if lw.primary[k] == a.Addr {
			lw.source(k, lw.readPrimary(a.Index, v6))
		}
		return
	}
	if sink != nil {
		sink.AddressAdded(name, a.Addr)
	}
	if !lw.primary[k].IsValid() && candidate(a.Addr, a.Scope) {
		lw.source(k, a.Addr)
	}
}

func (lw *Watcher) route(k ifaddr.RouteKey) {
	if sink := lw.currentSink(); sink != nil {
		sink.RouteRemoved(vrrp.Route{Dst: k.Dst, Table: k.Table, Metric: k.Metric}, func() bool {
			ok, err := lw.nl.HasRoute(k)
			return ok || err != nil
		})
	}
}

func (lw *Watcher) routeAdded(a ifaddr.RouteAdd) {
	if sink, ok := lw.currentSink().(RouteAddSink); ok {
		var oif string
		if a.OIF != 0 {
			// An interface the watcher has not named yet still counts.
			oif = cmp.Or(lw.names[a.OIF], "#"+strconv.Itoa(a.OIF))
		}
		sink.RouteAdded(vrrp.Route{Dst: a.Dst, Table: a.Table, Metric: a.Metric, Tos: a.Tos}, oif)
	}
}

func (lw *Watcher) rule(k ifaddr.RuleKey) {
	if sink := lw.currentSink(); sink != nil {
		deleted := vrrp.Rule{IPv6: k.IPv6, Priority: k.Priority, Table: k.Table, From: k.From, To: k.To, FwMark: k.FwMark}
		sink.RuleRemoved(deleted, func() bool {
			ok, err := lw.nl.HasRule(k)
			return ok || err != nil
		})
	}
}

func (lw *Watcher) source(k srcKey, src netip.Addr) {
	if lw.primary[k] == src {
		return
	}
	old := lw.primary[k]
	lw.primary[k] = src
	name, ok := lw.names[k.index]
	if !ok {
		return
	}
	// keepalived's -D lines for the address an instance sends from.
	if old.IsValid() {
		lw.log.Debug(fmt.Sprintf("Deassigned address %s from interface %s", old, name))
	}
	if src.IsValid() {
		lw.log.Debug(fmt.Sprintf("Assigned address %s for interface %s", src, name))
	}
	if sink := lw.currentSink(); sink != nil {
		sink.SourceChanged(name, k.ipv6, src)
	}
}

// candidate reports whether an address can be keepalived's default
// source: any IPv4 address, an IPv6 one only if link-local.
func candidate(a netip.Addr, scope ifaddr.Scope) bool {
	return a.Is4() || (a.IsLinkLocalUnicast() && scope == ifaddr.ScopeLink)
}

// readPrimary is the first candidate in the kernel's order.
func (lw *Watcher) readPrimary(index int, ipv6 bool) netip.Addr {
	addrs, err := lw.nl.Addrs(index, ipv6)
	if err != nil {
		return netip.Addr{}
	}
	return firstCandidate(addrs)
}

func firstCandidate(addrs []ifaddr.AddrEvent) netip.Addr {
	for _, a := range addrs {
		if candidate(a.Addr, a.Scope) {
			return a.Addr
		}
	}
	return netip.Addr{}
}

func (lw *Watcher) present(index int, addr netip.Addr) bool {
	addrs, err := lw.nl.Addrs(index, addr.Is6())
	if err != nil {
		// Unknown: acting on a stale event is worse than waiting for
		// the next one.
		return true
	}
	for _, a := range addrs {
		if a.Addr == addr {
			return true
		}
	}
	return false
}

// Close stops the watcher.
func (lw *Watcher) Close() error {
	lw.closing.Store(true)
	err := lw.w.Close()
	<-lw.done
	lw.state.Lock()
	for name := range lw.links {
		lw.cancel(name)
	}
	lw.state.Unlock()
	return errors.Join(err, lw.nl.Close())
}

// PrimaryAddr is keepalived's default source address of an interface:
// its first IPv4 address, or its IPv6 link-local address. It returns the
// zero Addr when there is none (yet).
func PrimaryAddr(ifname string, ipv6 bool) netip.Addr {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return netip.Addr{}
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ipv6 && ip.Is6() && ip.IsLinkLocalUnicast() {
			return ip
		}
		if !ipv6 && ip.Is4() {
			return ip
		}
	}
	return netip.Addr{}
}

// PrimaryAddrs returns PrimaryAddr remembering each answer, for one
// translation of a configuration: every instance asks for its interface's
// address, and each question is two netlink dumps (the link, then its
// addresses), a fifth of the start-up of 512 instances.
func PrimaryAddrs() func(ifname string, ipv6 bool) netip.Addr {
	type key struct {
		ifname string
		ipv6   bool
	}
	seen := map[key]netip.Addr{}
	return func(ifname string, ipv6 bool) netip.Addr {
		k := key{ifname, ipv6}
		a, ok := seen[k]
		if !ok {
			a = PrimaryAddr(ifname, ipv6)
			seen[k] = a
		}
		return a
	}
}
