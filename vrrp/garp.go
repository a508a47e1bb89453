package vrrp

import (
	"fmt"
	"time"
)

// Announcements keep the LAN's ARP/ND caches pointing at the master.
//
// On becoming MASTER: garp_master_repeat rounds at once, the same again
// after garp_master_delay, and garp_master_refresh_repeat rounds every
// garp_master_refresh. A round sends one GARP (IPv4) or unsolicited NA
// (IPv6) per VIP, excluded VIPs included; garp_interval/gna_interval space
// the rounds of a burst.
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

// announceRound sends one round; the first round of a burst logs
// keepalived's -D line for each address (vrrp_send_update).
func (in *instance) announceRound(first bool) {
	r := in.r
	n := r.opt.Network
	for _, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
		for _, a := range set {
			ip := a.Prefix.Addr()
			if first {
				what := "gratuitous ARPs"
				if ip.Is6() && !ip.Is4In6() {
					what = "Unsolicited Neighbour Adverts"
				}
				in.detailf("Sending/queueing %s on %s for %s", what, a.Dev, ip)
			}
			var err error
			if ip.Is6() && !ip.Is4In6() {
				err = n.UnsolicitedNA(a.Dev, ip)
			} else {
				err = n.GratuitousARP(a.Dev, ip)
			}
			if err != nil {
				in.stats.SendErr++
				r.log.Debug("vrrp: announce failed", "instance", in.cfg.Name, "vip", ip, "err", err)
				continue
			}
			in.stats.GARPSent++
			if ip.Is6() && !ip.Is4In6() {
				r.log.Debug(fmt.Sprintf("Sending unsolicited Neighbour Advert on %s for %s", a.Dev, ip))
			} else {
				r.log.Debug(fmt.Sprintf("Sending gratuitous ARP on %s for %s", a.Dev, ip))
			}
		}
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
	keep := in.bursts[:0]
	for _, b := range in.bursts {
		for b.left > 0 && !b.at.After(now) {
			in.announceRound(!b.started)
			b.started = true
			b.left--
			if spacing > 0 {
				b.at = now.Add(spacing)
			}
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
	if !in.refreshAt.IsZero() && (next.IsZero() || in.refreshAt.Before(next)) {
		next = in.refreshAt
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
