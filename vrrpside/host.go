package vrrpside

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/vmac"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
	"github.com/dsas/keepalived-go/vrrphost"
)

func (v *Side) installStatic(res *vrrpconf.Result) {
	ctx := context.Background()
	for _, a := range res.StaticAddresses {
		if err := v.host.AddAddress(ctx, a); err != nil {
			v.netlinkError(err, "RTM_NEWADDR", unix.RTM_NEWADDR, fmt.Sprintf("static address %s", a.Prefix))
		}
	}
	for _, r := range res.StaticRoutes {
		if err := v.host.AddRoute(ctx, r); err != nil {
			v.netlinkError(err, "RTM_NEWROUTE", unix.RTM_NEWROUTE, fmt.Sprintf("static route %s", r.Dst))
		}
	}
	for _, r := range res.StaticRules {
		if err := v.host.AddRule(ctx, r); err != nil {
			v.netlinkError(err, "RTM_NEWRULE", unix.RTM_NEWRULE, "static rule")
		}
	}
}

// netlinkError logs a refused netlink request with keepalived's line
// (`Netlink: error: Network is unreachable(101), type=RTM_NEWROUTE(24),
// seq=N, pid=0`, the sequence number being ours), what was refused and the
// kernel's own words appended, so a grep for keepalived's line finds it.
func (v *Side) netlinkError(err error, typeName string, typ int, what string) {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		v.log.Warn(fmt.Sprintf("%s: %v", what, err))
		return
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	v.log.Warn(fmt.Sprintf("Netlink: error: %s(%d), type=%s(%d), seq=0, pid=0 (%s: %v)", msg, int(errno), typeName, typ, what, err))
}

// removeStale deletes the static entries a reload dropped (keepalived's
// clear_diff_static_*).
func (v *Side) removeStale(old, res *vrrpconf.Result) {
	ctx := context.Background()
	for _, r := range old.StaticRules {
		if !slices.Contains(res.StaticRules, r) {
			v.host.DelRule(ctx, r)
		}
	}
	for _, r := range old.StaticRoutes {
		if !slices.ContainsFunc(res.StaticRoutes, r.Equal) {
			v.host.DelRoute(ctx, r)
		}
	}
	for _, a := range old.StaticAddresses {
		if !slices.Contains(res.StaticAddresses, a) {
			v.host.DelAddress(ctx, a)
		}
	}
}

// hostSink passes the host's events to the engine, and does first what
// the engine does not own: the VMACs and the static addresses.
type hostSink struct{ v *Side }

func (s hostSink) LinkChanged(ifname string, up bool) {
	if p := s.v.beating.Load(); p != nil && (*p)[ifname] {
		return // linkbeat polls it
	}
	s.v.router.LinkChanged(ifname, up)
}

// startLinkbeat (re)starts the linkbeat polling when the polled
// interfaces change.
func (v *Side) startLinkbeat(old, next *vrrpconf.Result) {
	if old != nil && slices.Equal(old.Linkbeat, next.Linkbeat) {
		return
	}
	v.linkbeat.Stop()
	v.linkbeat = nil
	set := map[string]bool{}
	for _, n := range next.Linkbeat {
		set[n] = true
	}
	v.beating.Store(&set)
	if len(next.Linkbeat) > 0 {
		v.linkbeat = vrrphost.StartLinkbeat(next.Linkbeat, vrrphost.LinkbeatInterval, v.router.LinkChanged)
	}
}

func (s hostSink) MTUChanged(ifname string) { s.v.router.MTUChanged(ifname) }

func (s hostSink) SourceChanged(ifname string, ipv6 bool, src netip.Addr) {
	s.v.router.SourceChanged(ifname, ipv6, src)
}

// LinkReplaced re-creates the VMACs on an interface that came back (the
// kernel deletes a macvlan with its parent); their own creation then
// reaches the engine as a replacement in turn.
func (s hostSink) LinkReplaced(ifname string) {
	for _, m := range s.v.vmacs() {
		if m.Parent == ifname {
			s.v.recreateVMAC(m)
		}
	}
	s.v.recreateIPVLANs(func(l vmac.IPVLAN) bool { return l.Parent == ifname })
	s.v.router.LinkReplaced(ifname)
}

// LinkDeleted re-creates one of our VMACs deleted by hand, as keepalived
// does while its parent exists.
func (s hostSink) LinkDeleted(ifname string) {
	s.v.router.LinkDeleted(ifname)
	for _, m := range s.v.vmacs() {
		if m.Name == ifname {
			s.v.recreateVMAC(m)
		}
	}
	s.v.recreateIPVLANs(func(l vmac.IPVLAN) bool { return l.Name == ifname })
}

// AddressRemoved puts back a static address deleted behind our back
// (keepalived's reinstate_static_address), then lets the engine restore
// its VIPs.
func (s hostSink) AddressRemoved(ifname string, a netip.Addr, present func() bool) {
	s.v.mu.Lock()
	statics := s.v.res.StaticAddresses
	s.v.mu.Unlock()
	for _, st := range statics {
		if st.Prefix.Addr() == a && st.Dev == ifname && !st.NoTrack && !present() {
			if err := s.v.host.AddAddress(context.Background(), st); err == nil {
				s.v.log.Info(fmt.Sprintf("Restoring deleted static address %s dev %s", st.Prefix, st.Dev))
			}
		}
	}
	s.v.router.AddressRemoved(ifname, a, present)
}

// checkTrackedSources puts in FAULT, at start, the track_src_ip instances
// whose configured source address is not on the host (the watcher reports
// its later comings and goings).
func (v *Side) checkTrackedSources(res *vrrpconf.Result) {
	var present func(netip.Addr) bool
	for _, in := range res.VRRP.Instances {
		if !in.TrackSrcIP || !in.SrcIP.IsValid() {
			continue
		}
		if present == nil {
			present = vrrphost.HostAddresses() // one dump for every instance
		}
		if !present(in.SrcIP) {
			v.router.AddressRemoved(in.Interface, in.SrcIP, func() bool { return false })
		}
	}
}

// AddressAdded lets the engine see a tracked source address come back.
func (s hostSink) AddressAdded(ifname string, a netip.Addr) { s.v.router.AddressAdded(ifname, a) }

// RouteRemoved restores a static route deleted behind our back
// (keepalived's reinstate_static_route), then lets the engine act.
func (s hostSink) RouteRemoved(deleted vrrp.Route, present func() bool) {
	s.v.mu.Lock()
	statics := s.v.res.StaticRoutes
	s.v.mu.Unlock()
	for _, rt := range statics {
		if !rt.NoTrack && rt.Matches(deleted) && !present() {
			if err := s.v.host.AddRoute(context.Background(), rt); err == nil {
				s.v.log.Info(fmt.Sprintf("Restoring deleted static route %s", rt.Dst))
			}
		}
	}
	s.v.router.RouteRemoved(deleted, present)
}

// RouteAdded logs keepalived's line for one of its routes the kernel
// reports without an interface (netlink_route_filter): a multipath
// route or an IPv4 blackhole, among the families it monitors.
func (s hostSink) RouteAdded(added vrrp.Route, oif string) {
	s.v.mu.Lock()
	res := s.v.res
	s.v.mu.Unlock()
	if oif != "" || res == nil || !routeOurs(res, added) {
		return
	}
	s.v.log.Info("New route doesn't have i/f index")
}

// routeOurs is keepalived's route_is_ours for a report without an
// interface, in a monitored family: a virtual route with the same
// table, destination, metric and tos and no dev of its own, or a static
// route with the same table, destination and tos.
func routeOurs(res *vrrpconf.Result, added vrrp.Route) bool {
	v6 := added.Dst.Addr().Is6()
	if v6 && !res.RouteMonitor.IPv6 || !v6 && !res.RouteMonitor.IPv4 {
		return false
	}
	same := func(r vrrp.Route) bool {
		return r.Dst.Masked() == added.Dst.Masked() && cmp.Or(r.Table, 254) == added.Table && r.Tos == added.Tos
	}
	for _, in := range res.VRRP.Instances {
		for _, r := range in.Routes {
			if same(r) && r.Metric == added.Metric && r.Dev == "" {
				return true
			}
		}
	}
	return slices.ContainsFunc(res.StaticRoutes, same)
}

// RuleRemoved restores a static rule (keepalived's reinstate_static_rule).
func (s hostSink) RuleRemoved(deleted vrrp.Rule, present func() bool) {
	s.v.mu.Lock()
	statics := s.v.res.StaticRules
	s.v.mu.Unlock()
	for _, ru := range statics {
		if !ru.NoTrack && ru.Matches(deleted) && !present() {
			if err := s.v.host.AddRule(context.Background(), ru); err == nil {
				s.v.log.Info(fmt.Sprintf("Restoring deleted static rule %s", describeRule(ru)))
			}
		}
	}
	s.v.router.RuleRemoved(deleted, present)
}

func describeRule(r vrrp.Rule) string {
	var b strings.Builder
	if r.From.IsValid() {
		fmt.Fprintf(&b, "from %s ", r.From)
	}
	if r.To.IsValid() {
		fmt.Fprintf(&b, "to %s ", r.To)
	}
	fmt.Fprintf(&b, "table %d", r.Table)
	return b.String()
}

func (v *Side) vmacs() []vmac.VMAC {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.res.VMACs
}

func (v *Side) recreateVMAC(m vmac.VMAC) {
	if v.stopping.Load() {
		return
	}
	if err := v.createVMAC(m); err != nil {
		v.log.Warn(fmt.Sprintf("Unable to re-create VMAC %s on %s: %v", m.Name, m.Parent, err))
		return
	}
	v.log.Info(fmt.Sprintf("VMAC %s re-created on %s", m.Name, m.Parent))
}

// createVMAC makes the VMAC and puts it in keepalived's nftables VMAC map,
// so a backup's IGMP/MLD reports never teach the switches the virtual MAC.
// A firewall failure is logged, not fatal: failover comes first.
func (v *Side) createVMAC(m vmac.VMAC) error { return v.createVMACWith(vmac.Create, m) }

// createVMACs makes the VMACs of a start-up on one netlink socket and one
// link dump (vmac.Batch); it stops at the first error.
func (v *Side) createVMACs(list []vmac.VMAC) error {
	if len(list) == 0 {
		return nil
	}
	b, err := vmac.NewBatch()
	if err != nil {
		return err
	}
	defer b.Close()
	for _, m := range list {
		if err := v.createVMACWith(b.Create, m); err != nil {
			return fmt.Errorf("vmac %s: %w", m.Name, err)
		}
	}
	return nil
}

func (v *Side) createVMACWith(create func(vmac.VMAC) error, m vmac.VMAC) error {
	if err := create(m); err != nil {
		return err
	}
	// keepalived's -D line (netlink_link_add_vmac), colon included.
	v.log.Debug(fmt.Sprintf("(%s): Success creating VMAC interface %s", m.Instance, m.Name))
	if m.ForAddrs {
		v.addrVMACLinkLocal(m)
		return nil
	}
	if !m.IPv6 && v.cfg.Global.DisableLocalIGMP {
		// keepalived leaves an IPv4 VMAC out of the map then: the host
		// sends no link-local IGMP reports at all.
		return nil
	}
	// An IPv4 VMAC with IPv6 eVIPs is in both families' maps.
	if err := v.host.AddVMAC(m.Name, m.Parent, m.IPv6, !m.IPv6 && m.IPv6Enabled); err != nil {
		v.log.Warn(fmt.Sprintf("VMAC %s: nftables: %v", m.Name, err))
	}
	if m.IPv6 && m.LinkLocal.IsValid() {
		// nodad: the base interface may hold the same address;
		// deprecated (preferred_lft 0): nothing else picks it as a
		// source. keepalived's add_link_local_address does the same.
		ll := vrrp.Address{Prefix: netip.PrefixFrom(m.LinkLocal, 64), Dev: m.Name, NoDAD: true, PreferredLft: 0}
		if err := v.host.AddAddress(context.Background(), ll); err != nil {
			v.log.Info(fmt.Sprintf("Adding link-local address to vmac failed (%s on %s: %v)", m.LinkLocal, m.Name, err))
		}
	}
	return nil
}

func (v *Side) deleteVMAC(m vmac.VMAC) {
	_ = v.host.DelVMAC(m.Name)
	if vmac.Delete(m.Name) == nil {
		// keepalived's -D line (netlink_link_del_vmac), no colon.
		v.log.Debug(fmt.Sprintf("(%s) Success removing VMAC interface %s", m.Instance, m.Name))
	}
}

// deleteVMACs removes every VMAC at stop in one batch (vmac.DeleteAll):
// one by one, 2 000 took more than a minute. Their nftables map entries
// go with the table when the host closes.
func (v *Side) deleteVMACs(list []vmac.VMAC) {
	names := make([]string, len(list))
	inst := make(map[string]string, len(list))
	for i, m := range list {
		names[i] = m.Name
		inst[m.Name] = m.Instance
	}
	gone, err := vmac.DeleteAll(names)
	for _, name := range gone {
		// keepalived's -D line (netlink_link_del_vmac), no colon.
		v.log.Debug(fmt.Sprintf("(%s) Success removing VMAC interface %s", inst[name], name))
	}
	if err != nil {
		v.log.Info(err.Error())
	}
}

// containsVMAC compares what is created: an instance renamed over the
// same VMAC keeps it rather than deleting it after re-creating it.
func containsVMAC(list []vmac.VMAC, m vmac.VMAC) bool {
	m.Instance = ""
	for _, x := range list {
		if x.Instance = ""; x == m {
			return true
		}
	}
	return false
}

// addrVMACLinkLocal gives an IPv6 address VMAC its base interface's
// link-local address, deprecated and without DAD, as keepalived's
// set_link_local_address does for the VMAC of an address (no instance
// source on it). An IPv4 one needs nothing.
func (v *Side) addrVMACLinkLocal(m vmac.VMAC) {
	if !m.IPv6 {
		return
	}
	ifi, err := net.InterfaceByName(m.Parent)
	if err != nil {
		v.log.Info(fmt.Sprintf("VMAC %s: %v", m.Name, err))
		return
	}
	addrs, _ := ifi.Addrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok || !ip.Is6() || !ip.IsLinkLocalUnicast() {
			continue
		}
		ll := vrrp.Address{Prefix: netip.PrefixFrom(ip, 64), Dev: m.Name, Scope: 253, NoDAD: true, PreferredLft: 0}
		if err := v.host.AddAddress(context.Background(), ll); err != nil {
			v.log.Info(fmt.Sprintf("VMAC %s: adding link-local address failed: %v", m.Name, err))
		}
		return
	}
}
