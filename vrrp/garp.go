package vrrp

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Announcements keep the LAN's ARP/ND caches pointing at the master.
//
// On becoming MASTER: garp_master_repeat rounds at once, the same again
// after garp_master_delay, and garp_master_refresh_repeat rounds every
// garp_master_refresh. A round sends one GARP (IPv4) or unsolicited NA
// (IPv6) per VIP, excluded VIPs included; garp_interval/gna_interval space
// every message of a burst, as keepalived's queue does: per base
// interface, so instances on VMACs of one interface wait for each other.
//
// Difference from keepalived, on purpose. When a master hears a
// lower-priority advert (a split brain healing, or a restarted peer that
// has not heard us yet) keepalived sends garp_lower_prio_repeat rounds at
// once and again after garp_lower_prio_delay, for every such advert: with
// the defaults that is 5 + 5 delayed per advert, a storm of ~100 GARPs/s
// at advert_int 0.1 that trails on for 5 s after the split brain ends
// (measured, baseline §2c). With garp_lower_prio_repeat 0, or in strict
// mode, it sends nothing and the VIP can stay on the wrong MAC. We always
// send a fresh burst right away (at least one round, even when
// garp_lower_prio_repeat is 0 or vrrp_strict is set) so clients move back
// at once, but at most once per own advert interval, and keep a single
// pending delayed burst rather than one per advert.

func (in *instance) garpSpacing() time.Duration {
	if in.cfg.IPv6 {
		return in.cfg.GARP.NAInterval
	}
	return in.cfg.GARP.Interval
}

// announced are the addresses a round announces: VIPs, then eVIPs.
func (in *instance) announced() []Address {
	if len(in.cfg.ExcludedVIPs) == 0 {
		return in.cfg.VIPs
	}
	return append(append(make([]Address, 0, len(in.cfg.VIPs)+len(in.cfg.ExcludedVIPs)), in.cfg.VIPs...), in.cfg.ExcludedVIPs...)
}

// logRound logs keepalived's -D line for each address of a burst's first
// round (vrrp_send_update logs it as it sends or queues each one).
func (in *instance) logRound(addrs []Address) {
	for _, a := range addrs {
		ip := a.Prefix.Addr()
		what := "gratuitous ARPs"
		if ip.Is6() && !ip.Is4In6() {
			what = "Unsolicited Neighbour Adverts"
		}
		in.detailf("Sending/queueing %s on %s for %s", what, a.Dev, ip)
	}
}

// announceRound sends one round at once; the first round of a burst logs.
func (in *instance) announceRound(first bool) {
	addrs := in.announced()
	if first {
		in.logRound(addrs)
	}
	for _, a := range addrs {
		in.announceOne(a)
	}
}

// announceOne sends one GARP or unsolicited NA.
func (in *instance) announceOne(a Address) {
	r := in.r
	n := r.opt.Network
	ip := a.Prefix.Addr()
	var err error
	if ip.Is6() && !ip.Is4In6() {
		err = n.UnsolicitedNA(a.Dev, ip)
	} else {
		err = n.GratuitousARP(a.Dev, ip)
	}
	if err != nil {
		in.stats.SendErr++
		r.log.Debug("vrrp: announce failed", "instance", in.cfg.Name, "vip", ip, "err", err)
		return
	}
	in.stats.GARPSent++
	if ip.Is6() && !ip.Is4In6() {
		r.log.Debug(fmt.Sprintf("Sending unsolicited Neighbour Advert on %s for %s", a.Dev, ip))
	} else {
		r.log.Debug(fmt.Sprintf("Sending gratuitous ARP on %s for %s", a.Dev, ip))
	}
}

// paced sends the next message of a burst under garp_interval /
// gna_interval: keepalived spaces every message by the interval (its
// per-interface queues, one for GARPs and one for NAs), not whole rounds.
func (in *instance) paced(b *burst, now time.Time, spacing time.Duration) {
	addrs := in.announced()
	if !b.logged && !b.started {
		in.logRound(addrs)
		b.logged = true
	}
	// The next address of each family: IPv4 GARPs and IPv6 NAs queue
	// apart in keepalived, so an instance's NA is not held behind its
	// GARPs.
	next := func(from int, v6 bool) int {
		for i := from; i < len(addrs); i++ {
			ip := addrs[i].Prefix.Addr()
			if (ip.Is6() && !ip.Is4In6()) == v6 {
				return i
			}
		}
		return len(addrs)
	}
	b.pos, b.pos6 = next(b.pos, false), next(b.pos6, true)
	b.at = time.Time{}
	for _, pos := range []*int{&b.pos, &b.pos6} {
		if *pos >= len(addrs) {
			continue
		}
		a := addrs[*pos]
		slot := in.garpSlot(a)
		if free := in.r.garpFree[slot]; now.Before(free) {
			b.at = earliest(b.at, free) // another instance sent there
			continue
		}
		in.announceOne(a)
		in.r.garpFree[slot] = now.Add(spacing)
		b.at = earliest(b.at, now.Add(spacing))
		*pos = next(*pos+1, pos == &b.pos6)
	}
	if b.pos >= len(addrs) && b.pos6 >= len(addrs) {
		b.pos, b.pos6 = 0, 0
		b.left--
		b.started = true
	}
	if b.at.IsZero() {
		b.at = now.Add(spacing)
	}
}

// garpSlot is where keepalived paces an address's GARPs (NAs): its base
// interface's garp_delay, whichever instance sends.
type garpSlot struct {
	ifname string
	ipv6   bool
}

func (in *instance) garpSlot(a Address) garpSlot {
	ip := a.Prefix.Addr()
	dev := a.Dev
	if dev == "" || dev == in.cfg.Interface || dev == in.cfg.VMACName {
		dev = cmp.Or(in.cfg.BaseInterface, in.cfg.Interface)
	}
	return garpSlot{ifname: dev, ipv6: ip.Is6() && !ip.Is4In6()}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// announceExtra is keepalived's vrrp_send_vmac_update (garp_extra_if):
// one GARP/NA on each extra interface, for the first address on it.
func (in *instance) announceExtra() {
	done := map[string]bool{}
	for _, a := range in.announced() {
		if done[a.Dev] || !slices.Contains(in.cfg.GARPExtraIfs, a.Dev) {
			continue
		}
		done[a.Dev] = true
		in.logRound([]Address{a})
		in.announceOne(a)
	}
}

func (in *instance) lowerPrioAnnounce(now time.Time) {
	g := in.cfg.GARP
	if in.lastLowerRx.IsZero() || now.Sub(in.lastLowerRx) >= in.cfg.AdvertInt {
		in.lastLowerRx = now
		in.bursts = append(in.bursts, burst{at: now, left: max(g.LowerPrioRepeat, 1)})
	}
	if g.LowerPrioRepeat > 0 && g.LowerPrioDelay > 0 {
		pending := false
		for _, b := range in.bursts {
			if b.lower {
				pending = true
				break
			}
		}
		if !pending {
			in.bursts = append(in.bursts, burst{at: now.Add(g.LowerPrioDelay), left: g.LowerPrioRepeat, lower: true})
		}
	}
	in.runBursts(now)
}

// runBursts sends what is due and re-arms the announcement timer.
func (in *instance) runBursts(now time.Time) {
	if in.state != StateMaster {
		return
	}
	spacing := in.garpSpacing()
	if !in.refreshAt.IsZero() && !in.refreshAt.After(now) {
		in.bursts = append(in.bursts, burst{at: now, left: in.cfg.GARP.MasterRefreshRepeat})
		in.refreshAt = now.Add(in.cfg.GARP.MasterRefresh)
	}
	if !in.extraAt.IsZero() && !in.extraAt.After(now) {
		in.announceExtra()
		in.extraAt = now.Add(in.cfg.GARPExtraIfInterval)
	}
	keep := in.bursts[:0]
	for _, b := range in.bursts {
		for b.left > 0 && !b.at.After(now) {
			if spacing > 0 {
				in.paced(&b, now, spacing)
				continue
			}
			in.announceRound(!b.started)
			b.started = true
			b.left--
		}
		if b.left > 0 {
			keep = append(keep, b)
		}
	}
	in.bursts = keep
	var next time.Time
	for _, b := range in.bursts {
		if next.IsZero() || b.at.Before(next) {
			next = b.at
		}
	}
	for _, at := range []time.Time{in.refreshAt, in.extraAt} {
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if next.IsZero() {
		in.garpArmed = false
		if in.garpTimer != nil {
			in.garpTimer.Stop()
		}
		return
	}
	d := next.Sub(now)
	in.garpDeadline = next
	in.garpArmed = true
	if in.garpTimer == nil {
		in.garpTimer = in.r.clock.AfterFunc(d, in.onGARP)
	} else {
		in.garpTimer.Reset(d)
	}
}

func (in *instance) fireGARP() {
	r := in.r
	r.mu.Lock()
	defer r.mu.Unlock()
	now := in.now()
	if r.stopped || !in.garpArmed || now.Before(in.garpDeadline) {
		return
	}
	in.garpArmed = false
	in.runBursts(now)
}

// SendGARP sends one round of gratuitous ARPs / unsolicited NAs for the
// named instance's addresses when it holds them (MASTER), as keepalived's
// D-Bus SendGarp does; it reports whether the instance exists.
func (r *Router) SendGARP(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.byName[name]
	if !ok {
		return false
	}
	if in.state == StateMaster {
		r.log.Info(fmt.Sprintf("Sending garps on %s on DBus request", in.cfg.Name), "instance", in.cfg.Name)
		in.announceRound(true)
	}
	return true
}
