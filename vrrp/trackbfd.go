package vrrp

import "fmt"

// BFDState records whether bfd_instance name is Up, as keepalived's VRRP
// process reads its BFD event pipe. Every instance tracking it logs the
// change; tracking is then re-evaluated.
func (r *Router) BFDState(name string, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, seen := r.bfds[name]; seen && old == up || !seen && !up {
		// A session starts Down (keepalived's bfd_up starts false).
		return
	}
	if r.bfds == nil {
		r.bfds = make(map[string]bool)
	}
	r.bfds[name] = up
	word := map[bool]string{true: "UP", false: "DOWN"}[up]
	for _, in := range r.insts {
		for _, t := range in.cfg.TrackBFDs {
			if t.Name == name {
				r.log.Info(fmt.Sprintf("VRRP_Instance(%s) Tracked BFD instance %s is %s", in.cfg.Name, name, word), "instance", in.cfg.Name)
			}
		}
	}
	r.reevaluateAll("track_bfd " + name)
}

// bfdTracking is the priority change and fault of the instance's
// track_bfd entries. keepalived's rules (vrrp_handle_bfd_event) differ
// from the other trackers': weight 0 faults while the session's up state
// equals reverse; otherwise a positive weight counts while Up, a negative
// one while Down, and reverse only negates the amount.
func (in *instance) bfdTracking() (sum int, fault bool) {
	for _, t := range in.cfg.TrackBFDs {
		up := in.r.bfds[t.Name]
		if t.Weight == 0 {
			if up == t.Reverse {
				fault = true
			}
			continue
		}
		w := 0
		if up && t.Weight > 0 || !up && t.Weight < 0 {
			w = t.Weight
		}
		if t.Reverse {
			w = -w
		}
		sum += w
	}
	// keepalived's start walks the instance's and the sync group's
	// track_bfd lists (initialise_vrrp_tracking_priorities), so a BFD
	// both name counts twice there, with each weight, while its session
	// changes move the priority by the kept weight only: the other
	// entry's Down amount stays for good. (A weight-0 one is not
	// reproduced: keepalived would hold the instance in FAULT forever.)
	for _, t := range in.cfg.TrackBFDsAtStart {
		if t.Weight < 0 && t.Reverse {
			sum -= t.Weight
		} else if t.Weight < 0 {
			sum += t.Weight
		}
	}
	return sum, fault
}
