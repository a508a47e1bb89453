// Package plan compares the host a dsas.conf describes with the host as it
// is and lists the steps that close the gap, in an order the kernel accepts.
// It never touches the system: package apply reads the state and runs steps.
package plan

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/dsas/keepalived-go/dsas/host"
)

// Link is the part of a network link's state that dsas.conf controls.
type Link struct {
	Name   string
	Kind   string // "bond", "vlan", "veth", ...; empty for plain NICs
	Up     bool
	Master string
	Bond   *host.Bond // options only; Slaves unused
	Vlan   *host.Vlan
	// Owned: dsas-init created this link (it names the links it creates
	// with the alias OwnerAlias). Only owned bonds and VLANs are deleted
	// when the file no longer has them.
	Owned bool
}

// OwnerAlias is the interface alias (IFLA_IFALIAS, `ip link` shows it) on
// the bonds and VLANs dsas-init creates.
const OwnerAlias = "dsas-init"

// State is a snapshot of the host.
type State struct {
	Hostname     string
	HostnameFile string // content of /etc/hostname, trimmed; "" when absent
	Links        map[string]*Link
	Addrs        map[string][]netip.Prefix // IPv4 global addresses per link
	// Owned holds the addresses of Addrs that dsas-init set (it marks
	// them, see apply.Proto). Only those are ever deleted: the others
	// belong to someone else, such as keepalived's virtual addresses.
	Owned  map[string][]netip.Prefix
	Routes []host.Route // IPv4 unicast routes with a gateway, main table
	// OwnedRoutes are the routes of Routes that dsas-init set; likewise,
	// only those are ever deleted.
	OwnedRoutes []host.Route
	Swaps       map[string]bool   // active swap devices
	Mounts      map[string]string // mount point → source device
	Devices     map[string]bool   // which configured block devices exist
	// Missing lists the kernel features the configuration needs that the
	// kernel lacks, e.g. "bonding"; Make fails on them before planning.
	Missing []string
	// Unloaded lists the MODULES entries that are not loaded, and
	// Unavailable those of them that this kernel does not have either.
	Unloaded, Unavailable []string
}

// Op is what a step does.
type Op int

// The step kinds, in the order Make emits them.
const (
	LoadModule Op = iota
	SetHostname
	WriteHostname
	DeleteLink
	CreateBond
	SetBondMode
	SetBondOptions
	Release
	LinkDown
	Enslave
	SetPrimary
	CreateVlan
	LinkUp
	DelAddr
	AddAddr
	ReplaceRoute
	DelRoute
	Swapon
	Mount
)

// Step is one change. Its String is what `plan` prints.
type Step struct {
	Op     Op
	Link   string // the link acted on
	Other  string // master for Enslave, primary for SetPrimary, parent for CreateVlan
	Bond   *host.Bond
	Vlan   *host.Vlan
	Addr   netip.Prefix
	Route  *host.Route
	Mount  *host.Mount
	Module *host.Module
	Name   string // host name
}

func (s Step) String() string {
	switch s.Op {
	case SetHostname:
		return fmt.Sprintf("set host name %s", s.Name)
	case WriteHostname:
		return fmt.Sprintf("write /etc/hostname: %s", s.Name)
	case LoadModule:
		return strings.Join(append([]string{"load module", s.Module.Name}, s.Module.Params...), " ")
	case CreateBond:
		return "create bond " + s.Link + " " + bondOpts(s.Bond, true)
	case DeleteLink:
		return "delete link " + s.Link
	case SetBondMode:
		return fmt.Sprintf("set bond %s mode %s", s.Link, host.ModeName(s.Bond.Mode))
	case SetBondOptions:
		return "set bond " + s.Link + " " + bondOpts(s.Bond, false)
	case Release:
		return fmt.Sprintf("release %s from %s", s.Link, s.Other)
	case LinkDown:
		return fmt.Sprintf("set link %s down", s.Link)
	case Enslave:
		return fmt.Sprintf("enslave %s to %s", s.Link, s.Other)
	case SetPrimary:
		return fmt.Sprintf("set bond %s primary %s", s.Link, s.Other)
	case CreateVlan:
		return fmt.Sprintf("create vlan %s on %s id %d", s.Link, s.Vlan.Parent, s.Vlan.ID)
	case LinkUp:
		return fmt.Sprintf("set link %s up", s.Link)
	case DelAddr:
		return fmt.Sprintf("delete address %s from %s", s.Addr, s.Link)
	case AddAddr:
		return fmt.Sprintf("add address %s to %s", s.Addr, s.Link)
	case ReplaceRoute:
		return fmt.Sprintf("route %s via %s dev %s metric %d", s.Route.Dst, s.Route.Gw, s.Route.Dev, s.Route.Metric)
	case DelRoute:
		return fmt.Sprintf("delete route %s via %s dev %s metric %d", s.Route.Dst, s.Route.Gw, s.Route.Dev, s.Route.Metric)
	case Swapon:
		return "swap on " + s.Mount.Device
	case Mount:
		return fmt.Sprintf("mount %s on %s", s.Mount.Device, s.Mount.Dir)
	}
	return fmt.Sprintf("op %d", s.Op)
}

func bondOpts(b *host.Bond, withMode bool) string {
	var f []string
	if withMode {
		f = append(f, "mode", host.ModeName(b.Mode))
	}
	if b.ArpInterval > 0 {
		var t []string
		for _, a := range b.ArpTargets {
			t = append(t, a.String())
		}
		f = append(f, "arp_interval", fmt.Sprint(b.ArpInterval), "arp_ip_target", strings.Join(t, ","))
	} else {
		f = append(f, "miimon", fmt.Sprint(b.Miimon))
	}
	if b.UpDelay > 0 || b.DownDelay > 0 {
		f = append(f, "updelay", fmt.Sprint(b.UpDelay), "downdelay", fmt.Sprint(b.DownDelay))
	}
	if withMode && b.Primary != "" {
		f = append(f, "primary", b.Primary)
	}
	return strings.Join(f, " ")
}

// Note is something Make decided not to do, for the operator (stderr).
type Note string

// MissingError names a kernel feature the configuration needs.
type MissingError struct{ Feature string }

func (e *MissingError) Error() string {
	switch e.Feature {
	case "bonding":
		return "bonding: not supported by this kernel (CONFIG_BONDING missing / module bonding not loadable)"
	case "8021q":
		return "802.1Q VLAN: not supported by this kernel (CONFIG_VLAN_8021Q missing / module 8021q not loadable)"
	}
	return e.Feature + ": not supported by this kernel"
}

// Make returns the steps that turn cur into cfg, and notes on what it
// skipped. cur is not modified.
func Make(cfg *host.Config, cur *State) ([]Step, []Note, error) {
	need := map[string]bool{}
	for _, b := range cfg.Bonds {
		if l := cur.Links[b.Name]; l == nil || l.Kind != "bond" {
			need["bonding"] = true
		}
	}
	for _, v := range cfg.Vlans {
		if l := cur.Links[v.Name]; l == nil || l.Kind != "vlan" {
			need["8021q"] = true
		}
	}
	for _, m := range cur.Missing {
		if need[m] {
			return nil, nil, &MissingError{m}
		}
	}
	p := &planner{cfg: cfg, cur: cur.clone(), flushed: map[string]bool{}}
	p.modules()
	p.hostname()
	p.links()
	p.addrs()
	p.routes()
	p.mounts()
	return p.steps, p.notes, nil
}

type planner struct {
	cfg   *host.Config
	cur   *State
	steps []Step
	notes []Note
	// flushed holds links whose routes the kernel drops on the way, so
	// they must be replaced even if they are there now: a link set down
	// (and the VLANs on it, which 8021q sets down and up with it), or a
	// link that loses an address (when the last one goes, even for a
	// moment, every route through it goes too).
	flushed map[string]bool
}

func (p *planner) add(s Step) { p.steps = append(p.steps, s) }

func (p *planner) hostname() {
	n := p.cfg.Hostname
	if n == "" {
		return
	}
	if p.cur.Hostname != n {
		p.add(Step{Op: SetHostname, Name: n})
	}
	if p.cur.HostnameFile != n {
		p.add(Step{Op: WriteHostname, Name: n})
	}
}

// modules loads the MODULES entries that are not loaded yet, before the
// links: a NIC driver must be there before its NIC is enslaved. Parameters
// of a module that is loaded already cannot change; it is left as it is.
func (p *planner) modules() {
	for i := range p.cfg.Modules {
		m := &p.cfg.Modules[i]
		switch {
		case !slices.Contains(p.cur.Unloaded, m.Name):
		case slices.Contains(p.cur.Unavailable, m.Name):
			p.notes = append(p.notes, Note(fmt.Sprintf("module %s: not loaded, and this kernel has no such module; skipped", m.Name)))
		default:
			p.add(Step{Op: LoadModule, Module: m})
		}
	}
}

func (p *planner) link(name string) *Link {
	l := p.cur.Links[name]
	if l == nil {
		l = &Link{Name: name}
		p.cur.Links[name] = l
	}
	return l
}

func (p *planner) links() {
	p.deleteDropped()
	for i := range p.cfg.Bonds {
		b := &p.cfg.Bonds[i]
		for _, s := range b.Slaves {
			if _, ok := p.cur.Links[s]; !ok {
				p.notes = append(p.notes, Note(fmt.Sprintf("%s: slave %s does not exist; it is skipped", b.Name, s)))
			}
		}
		l, ok := p.cur.Links[b.Name]
		oldPrimary := ""
		if ok && l.Bond != nil {
			oldPrimary = l.Bond.Primary
		}
		switch {
		case !ok:
			p.add(Step{Op: CreateBond, Link: b.Name, Bond: b})
			l = p.link(b.Name)
			l.Kind = "bond"
			l.Bond = b
		case l.Kind != "bond":
			p.notes = append(p.notes, Note(fmt.Sprintf("%s exists and is not a bond (kind %q); delete it first", b.Name, l.Kind)))
			continue
		default:
			if l.Bond.Mode != b.Mode {
				// The kernel changes a bond's mode only while it is down and
				// has no slaves; they are re-enslaved below.
				if l.Up {
					p.add(Step{Op: LinkDown, Link: b.Name})
					l.Up = false
					p.flushed[b.Name] = true
					for n, v := range p.cur.Links {
						if v.Vlan != nil && v.Vlan.Parent == b.Name {
							p.flushed[n] = true
						}
					}
				}
				for _, s := range p.slavesOf(b.Name) {
					p.add(Step{Op: Release, Link: s, Other: b.Name})
					p.cur.Links[s].Master = ""
				}
				p.add(Step{Op: SetBondMode, Link: b.Name, Bond: b})
			}
			if !sameMonitor(l.Bond, b) {
				p.add(Step{Op: SetBondOptions, Link: b.Name, Bond: b})
			}
			l.Bond = b
		}
		for _, s := range b.Slaves {
			sl, ok := p.cur.Links[s]
			if !ok {
				continue
			}
			if sl.Master == b.Name {
				// Enslaved already; one set down by hand comes back up.
				p.up(s)
				continue
			}
			if sl.Master != "" {
				p.add(Step{Op: Release, Link: s, Other: sl.Master})
			}
			if sl.Up {
				p.add(Step{Op: LinkDown, Link: s})
			}
			p.add(Step{Op: Enslave, Link: s, Other: b.Name})
			sl.Master = b.Name
			sl.Up = true // the bonding driver opens its slaves
		}
		for _, s := range p.slavesOf(b.Name) {
			if !slices.Contains(b.Slaves, s) {
				p.add(Step{Op: Release, Link: s, Other: b.Name})
				p.cur.Links[s].Master = ""
			}
		}
		if b.Primary != "" && oldPrimary != b.Primary && ok {
			if sl := p.cur.Links[b.Primary]; sl != nil && sl.Master == b.Name {
				p.add(Step{Op: SetPrimary, Link: b.Name, Other: b.Primary})
			}
		}
		p.up(b.Name)
	}
	for i := range p.cfg.Vlans {
		v := &p.cfg.Vlans[i]
		l, ok := p.cur.Links[v.Name]
		if ok && (l.Kind != "vlan" || l.Vlan == nil || l.Vlan.ID != v.ID || l.Vlan.Parent != v.Parent) {
			p.notes = append(p.notes, Note(fmt.Sprintf("%s exists but is not VLAN %d on %s; delete it first", v.Name, v.ID, v.Parent)))
			continue
		}
		if _, pok := p.cur.Links[v.Parent]; !pok {
			p.notes = append(p.notes, Note(fmt.Sprintf("%s: parent %s does not exist; VLAN skipped", v.Name, v.Parent)))
			continue
		}
		if !ok {
			p.add(Step{Op: CreateVlan, Link: v.Name, Vlan: v})
			l = p.link(v.Name)
			l.Kind, l.Vlan = "vlan", v
		}
		p.up(v.Parent)
		p.up(v.Name)
	}
	for _, a := range p.cfg.Addrs {
		if _, ok := p.cur.Links[a.Dev]; ok {
			p.up(a.Dev)
		}
	}
}

// deleteDropped deletes the bonds and VLANs dsas-init created that the
// file no longer has, VLANs first. Deleting a bond releases its slaves
// (the bonding driver sets them down) and takes the VLANs on it, and a
// link takes its addresses and routes with it.
func (p *planner) deleteDropped() {
	want := map[string]bool{}
	for _, b := range p.cfg.Bonds {
		want[b.Name] = true
	}
	for _, v := range p.cfg.Vlans {
		want[v.Name] = true
	}
	for _, kind := range []string{"vlan", "bond"} {
		for _, name := range slices.Sorted(maps.Keys(p.cur.Links)) {
			l := p.cur.Links[name]
			if l == nil || !l.Owned || l.Kind != kind || want[name] {
				continue
			}
			p.add(Step{Op: DeleteLink, Link: name})
			p.forget(name)
			if kind != "bond" {
				continue
			}
			for n, o := range p.cur.Links {
				switch {
				case o.Master == name:
					o.Master, o.Up = "", false
				case o.Vlan != nil && o.Vlan.Parent == name:
					p.forget(n)
				}
			}
		}
	}
}

// forget drops a deleted link from the state being planned against.
func (p *planner) forget(name string) {
	delete(p.cur.Links, name)
	delete(p.cur.Addrs, name)
	delete(p.cur.Owned, name)
	gone := func(r host.Route) bool { return r.Dev == name }
	p.cur.Routes = slices.DeleteFunc(p.cur.Routes, gone)
	p.cur.OwnedRoutes = slices.DeleteFunc(p.cur.OwnedRoutes, gone)
}

func (p *planner) up(name string) {
	if l := p.cur.Links[name]; l != nil && !l.Up {
		p.add(Step{Op: LinkUp, Link: name})
		l.Up = true
	}
}

func (p *planner) slavesOf(master string) []string {
	var out []string
	for n, l := range p.cur.Links {
		if l.Master == master {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func sameMonitor(a, b *host.Bond) bool {
	if a.ArpInterval != b.ArpInterval || a.UpDelay != b.UpDelay || a.DownDelay != b.DownDelay {
		return false
	}
	if b.ArpInterval > 0 {
		return slices.Equal(a.ArpTargets, b.ArpTargets)
	}
	return a.Miimon == b.Miimon
}

// addrs adds the configured addresses and removes the ones dsas-init set
// earlier that the file no longer lists: a changed IPADDRESSn must replace,
// not add. Addresses someone else set (keepalived's VIPs) are left alone.
func (p *planner) addrs() {
	want := map[string][]netip.Prefix{}
	var order []string
	for _, a := range p.cfg.Addrs {
		if _, ok := want[a.Dev]; !ok {
			order = append(order, a.Dev)
		}
		want[a.Dev] = append(want[a.Dev], a.Prefix)
	}
	for _, dev := range order {
		if _, ok := p.cur.Links[dev]; !ok {
			p.notes = append(p.notes, Note(fmt.Sprintf("%s does not exist; its addresses are skipped", dev)))
			continue
		}
		p.delStale(dev, want[dev])
		for _, w := range want[dev] {
			if !slices.Contains(p.cur.Addrs[dev], w) {
				p.add(Step{Op: AddAddr, Link: dev, Addr: w})
			}
		}
	}
	// Links the file no longer gives an address keep their link, but lose
	// the addresses dsas-init set there.
	for _, dev := range slices.Sorted(maps.Keys(p.cur.Owned)) {
		if _, ok := want[dev]; !ok {
			p.delStale(dev, nil)
		}
	}
}

// delStale deletes the addresses dsas-init set on dev that are not in keep.
func (p *planner) delStale(dev string, keep []netip.Prefix) {
	for _, have := range p.cur.Addrs[dev] {
		if slices.Contains(p.cur.Owned[dev], have) && !slices.Contains(keep, have) {
			p.add(Step{Op: DelAddr, Link: dev, Addr: have})
			p.flushed[dev] = true
		}
	}
}

// routes replaces the routes the file wants that are missing or that the
// kernel dropped on the way, then deletes the routes dsas-init set that the
// file no longer has. A route is the kernel's (table, destination,
// metric): one with a new gateway replaces the old, it is not deleted.
func (p *planner) routes() {
	type key struct {
		dst    netip.Prefix
		metric uint32
	}
	wanted := map[key]bool{}
	for i := range p.cfg.Routes {
		r := &p.cfg.Routes[i]
		wanted[key{r.Dst, r.Metric}] = true
		if _, ok := p.cur.Links[r.Dev]; !ok {
			continue // already noted with its addresses
		}
		if p.flushed[r.Dev] || !slices.Contains(p.cur.Routes, *r) {
			p.add(Step{Op: ReplaceRoute, Route: r})
		}
	}
	for i := range p.cur.OwnedRoutes {
		r := &p.cur.OwnedRoutes[i]
		// Even through a flushed link: the kernel may or may not have
		// dropped it, and apply takes "no such route" as done.
		if !wanted[key{r.Dst, r.Metric}] {
			p.add(Step{Op: DelRoute, Route: r})
		}
	}
}

func (p *planner) mounts() {
	for i := range p.cfg.Mounts {
		m := &p.cfg.Mounts[i]
		if !p.cur.Devices[m.Device] {
			p.notes = append(p.notes, Note(fmt.Sprintf("%s=%s: no such device; skipped", m.Key, m.Device)))
			continue
		}
		if m.Swap {
			if !p.cur.Swaps[m.Device] {
				p.add(Step{Op: Swapon, Mount: m})
			}
			continue
		}
		if src, ok := p.cur.Mounts[m.Dir]; ok {
			if src != m.Device {
				p.notes = append(p.notes, Note(fmt.Sprintf("%s: %s is already mounted from %s; left alone", m.Key, m.Dir, src)))
			}
			continue
		}
		p.add(Step{Op: Mount, Mount: m})
	}
}

func (s *State) clone() *State {
	c := *s
	c.Links = map[string]*Link{}
	for k, v := range s.Links {
		l := *v
		c.Links[k] = &l
	}
	// The planner deletes from these as it deletes links: never from the
	// caller's.
	c.Addrs = maps.Clone(s.Addrs)
	if c.Addrs == nil {
		c.Addrs = map[string][]netip.Prefix{}
	}
	c.Owned = maps.Clone(s.Owned)
	c.Routes = slices.Clone(s.Routes)
	c.OwnedRoutes = slices.Clone(s.OwnedRoutes)
	return &c
}
