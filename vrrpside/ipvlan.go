package vrrpside

import (
	"fmt"
	"slices"

	"github.com/dsas/keepalived-go/vmac"
)

// createIPVLAN is vmac.CreateIPVLAN; tests replace it.
var createIPVLAN = vmac.CreateIPVLAN

// deleteIPVLAN is vmac.DeleteIPVLAN; tests replace it.
var deleteIPVLAN = vmac.DeleteIPVLAN

// matchIPVLAN is vmac.MatchIPVLAN; tests replace it.
var matchIPVLAN = vmac.MatchIPVLAN

// createIPVLANs makes the use_ipvlan links not in had. A link the kernel
// refuses (no ipvlan module, a name in use) is not fatal, as in
// keepalived's netlink_link_add_ipvlan: the line is logged and the
// instance, whose interface is then missing, stays in FAULT. A link
// already there gets the line keepalived's search for it logs (a reload
// finds them all).
func (v *Side) createIPVLANs(list, had []vmac.IPVLAN) {
	for _, l := range list {
		switch m, _ := matchIPVLAN(l); m {
		case vmac.Matching:
			v.log.Info(fmt.Sprintf("(%s) Found matching interface %s", l.Instance, l.Name))
		case vmac.Incompatible:
			v.log.Info(fmt.Sprintf("(%s) IPVLAN %s already exists but is incompatible. It will be deleted/updated", l.Instance, l.Name))
		}
		if slices.Contains(had, l) {
			continue
		}
		if err := createIPVLAN(l); err != nil {
			v.log.Info(fmt.Sprintf("(%s): Unable to create ipvlan interface %s", l.Instance, l.Name))
			v.log.Debug(err.Error())
			continue
		}
		// keepalived's -D line (LOG_DETAIL), colon included.
		v.log.Debug(fmt.Sprintf("(%s): Success creating ipvlan interface %s", l.Instance, l.Name))
	}
}

// deleteIPVLANs removes the use_ipvlan links not in keep (at stop, all).
func (v *Side) deleteIPVLANs(list, keep []vmac.IPVLAN) {
	for _, l := range list {
		if slices.ContainsFunc(keep, func(k vmac.IPVLAN) bool { return k.Name == l.Name }) {
			continue
		}
		gone, err := deleteIPVLAN(l.Name)
		if err != nil {
			v.log.Info(err.Error())
		} else if gone {
			// keepalived's -D line (netlink_link_del_vmac, for ipvlans
			// too), no colon.
			v.log.Debug(fmt.Sprintf("(%s) Success removing VMAC interface %s", l.Instance, l.Name))
		}
	}
}

// recreateIPVLANs makes again the use_ipvlan links which, gone with their
// parent or deleted by hand, keepalived's setup_interface re-creates.
func (v *Side) recreateIPVLANs(which func(vmac.IPVLAN) bool) {
	if v.stopping.Load() {
		return
	}
	v.mu.Lock()
	list := slices.Clone(v.res.IPVLANs)
	v.mu.Unlock()
	list = slices.DeleteFunc(list, func(l vmac.IPVLAN) bool { return !which(l) })
	v.createIPVLANs(list, nil)
}
