package vrrpside

import (
	"slices"

	"github.com/dsas/keepalived-go/config"

	"github.com/dsas/keepalived-go/vrrpconf"
	"github.com/dsas/keepalived-go/vrrphost"
)

// disableLocalIGMP is keepalived's set_disable_local_igmp, at start only
// (a reload does not change it, as in keepalived).
func (v *Side) disableLocalIGMP(cfg *config.Config) {
	if !cfg.Global.DisableLocalIGMP {
		return
	}
	changed, err := vrrphost.DisableLocalIGMP()
	if err != nil {
		v.log.Info(err.Error())
	}
	v.igmpOff = changed
}

// promote moves the promote_secondaries sysctls from what old asked for to
// what next asks for (nil: nothing), as keepalived's
// set_promote_secondaries / reset_promote_secondaries: on where asked, and
// off again only where this process turned it on.
func (v *Side) promote(old, next *vrrpconf.Result) {
	var want, had []string
	if next != nil {
		want = next.PromoteSecondaries
	}
	if old != nil {
		had = old.PromoteSecondaries
	}
	for _, ifname := range had {
		if slices.Contains(want, ifname) || !v.promoted[ifname] {
			continue
		}
		delete(v.promoted, ifname)
		if err := vrrphost.ResetPromoteSecondaries(ifname); err != nil {
			v.log.Debug(err.Error())
		}
	}
	for _, ifname := range want {
		if v.promoted[ifname] {
			continue
		}
		changed, err := vrrphost.PromoteSecondaries(ifname)
		if err != nil {
			// An interface that does not exist yet: keepalived sets it
			// only on interfaces it found, too.
			v.log.Debug(err.Error())
			continue
		}
		if changed {
			if v.promoted == nil {
				v.promoted = map[string]bool{}
			}
			v.promoted[ifname] = true
		}
	}
}
