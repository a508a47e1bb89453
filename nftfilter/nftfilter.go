// Package nftfilter is the no_accept firewall: the nftables table through
// which keepalived makes a non-owner MASTER drop traffic addressed to (and
// sent from) its virtual addresses, built exactly as keepalived 2.2.7 builds
// it so that `nft list ruleset` cannot tell the two daemons apart.
//
// Per family, on the first address added, one batch deletes any stale table
// of the same name (a previous run killed with -9) and creates:
//
//	table ip keepalived
//	  set vips { type ipv4_addr }
//	  chain out { type filter hook output priority P; policy accept; ip saddr @vips drop }
//	  chain in  { type filter hook input priority P; policy accept; ip daddr @vips drop }
//	table ip6 keepalived
//	  set vips { type ipv6_addr }
//	  set neighbor-discovery { type icmpv6_type; flags constant; nd-neighbor-solicit, nd-neighbor-advert }
//	  chain out { icmpv6 type @neighbor-discovery accept; ip6 saddr fe80::/10 goto out_link_local; ip6 saddr @vips drop }
//	  chain in  { icmpv6 type @neighbor-discovery accept; ip6 daddr fe80::/10 goto in_link_local; ip6 daddr @vips drop }
//	  chain in_link_local, out_link_local (regular chains)
//	  set vips_link_local { type ipv6_addr . iface_index } and its drop rules,
//	    created with the first link-local address
//
// Addresses then come and go as set elements (keepalived adds them when an
// instance becomes MASTER and removes them when it leaves), and Close deletes
// the tables, as keepalived does at shutdown. The tables are left alone
// until the first address, as keepalived does, so a host whose instances
// all accept never sees them.
//
// With use_vmac the same table also gets keepalived's VMAC part (vmac.go),
// built when the first VMAC is created, before any VIP.
//
// IPVSMarks (ipvs.go) is the other table keepalived builds, for
// nftables_ipvs: virtual_server_group addresses marked for one IPVS fwmark
// service.
//
// A link-local VIP of a dont_track_primary instance is keyed by interface
// name instead (AddName), in keepalived's vips_link_local_name set of
// ipv6_addr . ifname with iifname/oifname rules, unless nftables_ifindex:
// the instance may outlive its interface, and a name still matches the
// interface created again.
package nftfilter

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Config is the part of global_defs that shapes the table (nftables,
// nftables_priority, nftables_counters).
type Config struct {
	Table    string // "keepalived" when empty
	Priority int32  // keepalived's default is -1
	Counters bool   // a counter in every rule
}

// DefaultConfig is keepalived's default: table keepalived, priority -1.
func DefaultConfig() Config { return Config{Table: "keepalived", Priority: -1} }

// Filter owns the table. It is safe for concurrent use.
type Filter struct {
	mu     sync.Mutex
	c      *nftables.Conn
	raw    *netlink.Conn // for the one message the nftables module cannot build (rawset.go)
	cfg    Config
	fam    [2]*family // [0] ip, [1] ip6
	elems  map[elem]int
	purged bool
}

type elem struct {
	ip      netip.Addr
	ifindex int    // link-local IPv6 only
	ifname  string // link-local IPv6 only, instead of ifindex (AddName)
}

// family is one table as built so far: the table and its out chain
// (keepalived's nft_setup_ipv4/6), then the no_accept part (vips and the
// rest) and the VMAC part, each on first use.
type family struct {
	table     *nftables.Table
	out       *nftables.Chain
	vips      *nftables.Set // nil until the first no_accept address
	linkLocal *nftables.Set // nil until the first link-local address
	llName    *nftables.Set // vips_link_local_name: nil until the first one by name
	vmacMap   *nftables.Set // nil until the first VMAC
	vmacSet   *nftables.Set // IPv6 only
}

// New opens an nftables netlink connection in the caller's network
// namespace (opts are passed through, for tests). Nothing is created yet.
func New(cfg Config, opts ...nftables.ConnOption) (*Filter, error) {
	if cfg.Table == "" {
		cfg.Table = "keepalived"
	}
	c, err := nftables.New(append([]nftables.ConnOption{nftables.AsLasting()}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("nftfilter: %w", err)
	}
	f := &Filter{c: c, cfg: cfg, elems: map[elem]int{}}
	// Opened now, in the caller's namespace; only the VMAC map needs it,
	// so a failure only shows when that is built.
	f.raw, _ = netlink.Dial(unix.NETLINK_NETFILTER, nil)
	return f, nil
}

// Configure replaces the configuration; it only shapes tables not yet
// created (keepalived too keeps a table it has built across reloads).
func (f *Filter) Configure(cfg Config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cfg.Table == "" {
		cfg.Table = "keepalived"
	}
	if f.fam[0] == nil && f.fam[1] == nil {
		f.cfg = cfg
	}
}

// Add makes the host drop traffic to and from ip. ifindex is the
// interface of a link-local IPv6 address and is ignored otherwise. Adding
// the same address twice (two instances sharing a VIP) is counted, so it
// takes two Dels to lift the filter.
func (f *Filter) Add(ip netip.Addr, ifindex int) error {
	return f.add(ip, key(ip, ifindex))
}

// AddName is Add for a link-local IPv6 address keyed by the name of its
// interface (keepalived's vips_link_local_name); other addresses ignore
// ifname.
func (f *Filter) AddName(ip netip.Addr, ifname string) error {
	return f.add(ip, keyName(ip, ifname))
}

// DelName lifts what AddName did.
func (f *Filter) DelName(ip netip.Addr, ifname string) error {
	return f.del(ip, keyName(ip, ifname))
}

func (f *Filter) add(ip netip.Addr, e elem) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.elems[e] > 0 {
		f.elems[e]++
		return nil
	}
	if err := f.ensure(e); err != nil {
		return fmt.Errorf("nftfilter: table %s for %s: %w", f.cfg.Table, ip, err)
	}
	fam, s := f.setFor(e)
	if err := f.c.SetAddElements(s, []nftables.SetElement{{Key: elemKey(e)}}); err != nil {
		return fmt.Errorf("nftfilter: add %s: %w", ip, err)
	}
	if err := f.c.Flush(); err != nil {
		return fmt.Errorf("nftfilter: add %s to %s %s: %w", ip, famName(fam), s.Name, err)
	}
	f.elems[e] = 1
	return nil
}

// Del lifts what Add did for ip. An address never added is not an error:
// keepalived also removes elements it never set when it leaves MASTER.
func (f *Filter) Del(ip netip.Addr, ifindex int) error {
	return f.del(ip, key(ip, ifindex))
}

func (f *Filter) del(ip netip.Addr, e elem) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch n := f.elems[e]; {
	case n == 0:
		return nil
	case n > 1:
		f.elems[e]--
		return nil
	}
	delete(f.elems, e)
	fam, s := f.setFor(e)
	if s == nil {
		return nil
	}
	if err := f.c.SetDeleteElements(s, []nftables.SetElement{{Key: elemKey(e)}}); err != nil {
		return fmt.Errorf("nftfilter: delete %s: %w", ip, err)
	}
	if err := f.c.Flush(); err != nil {
		return fmt.Errorf("nftfilter: delete %s from %s %s: %w", ip, famName(fam), s.Name, err)
	}
	return nil
}

// Close deletes the tables this Filter created and closes the connection.
func (f *Filter) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if f.fam[0] != nil || f.fam[1] != nil {
		for i, fm := range f.fam {
			if fm != nil {
				f.c.DelTable(fm.table)
				f.fam[i] = nil
			}
		}
		if ferr := f.c.Flush(); ferr != nil {
			err = fmt.Errorf("nftfilter: delete table %s: %w", f.cfg.Table, ferr)
		}
	}
	clear(f.elems)
	if f.raw != nil {
		f.raw.Close()
	}
	return errors.Join(err, f.c.CloseLasting())
}

func key(ip netip.Addr, ifindex int) elem {
	ip = ip.Unmap().WithZone("")
	if !ip.Is6() || !ip.IsLinkLocalUnicast() {
		ifindex = 0
	}
	return elem{ip: ip, ifindex: ifindex}
}

func keyName(ip netip.Addr, ifname string) elem {
	e := key(ip, 1)
	if e.ifindex == 0 {
		return e
	}
	return elem{ip: e.ip, ifname: ifname}
}

// ifNameSize is IFNAMSIZ, the width of an ifname key.
const ifNameSize = 16

func elemKey(e elem) []byte {
	k := e.ip.AsSlice()
	if e.ifname != "" {
		name := make([]byte, ifNameSize)
		copy(name, e.ifname)
		k = append(k, name...)
	}
	if e.ifindex != 0 {
		k = append(k, binaryutil.NativeEndian.PutUint32(uint32(e.ifindex))...)
	}
	return k
}

func (f *Filter) setFor(e elem) (int, *nftables.Set) {
	i := 0
	if e.ip.Is6() {
		i = 1
	}
	fm := f.fam[i]
	if fm == nil {
		return i, nil
	}
	switch {
	case e.ifindex != 0:
		return i, fm.linkLocal
	case e.ifname != "":
		return i, fm.llName
	}
	return i, fm.vips
}

func famName(i int) string { return [2]string{"ip", "ip6"}[i] }

// ensure builds, in one batch, whatever the table of e's family still
// lacks for e.
func (f *Filter) ensure(e elem) error {
	i, _ := f.setFor(e)
	fm, err := f.base(i)
	if err != nil {
		return err
	}
	if fm.vips == nil {
		if i == 0 {
			err = f.buildIPv4(fm)
		} else {
			err = f.buildIPv6(fm)
		}
		if err != nil {
			return err
		}
		if err := f.c.Flush(); err != nil {
			return err
		}
	}
	if e.ifindex != 0 && fm.linkLocal == nil {
		s, err := f.buildLinkLocal(fm.table, false)
		if err != nil {
			return err
		}
		if err := f.c.Flush(); err != nil {
			return err
		}
		fm.linkLocal = s
	}
	if e.ifname != "" && fm.llName == nil {
		s, err := f.buildLinkLocal(fm.table, true)
		if err != nil {
			return err
		}
		if err := f.c.Flush(); err != nil {
			return err
		}
		fm.llName = s
	}
	return nil
}

// base creates the family's table and its out chain if they do not exist
// yet, removing a stale table of an earlier run first.
func (f *Filter) base(i int) (*family, error) {
	if fm := f.fam[i]; fm != nil {
		return fm, nil
	}
	if !f.purged {
		if err := f.purge(); err != nil {
			return nil, err
		}
	}
	tf := [2]nftables.TableFamily{nftables.TableFamilyIPv4, nftables.TableFamilyIPv6}[i]
	t := f.c.AddTable(&nftables.Table{Family: tf, Name: f.cfg.Table})
	fm := &family{table: t, out: f.chain(t, "out", nftables.ChainHookOutput)}
	if err := f.c.Flush(); err != nil {
		return nil, err
	}
	f.fam[i] = fm
	return fm, nil
}

// purge deletes tables of our name left by an earlier run, in both
// families, as keepalived does before it creates its first one.
func (f *Filter) purge() error {
	if err := purgeTables(f.c, f.cfg.Table); err != nil {
		return err
	}
	f.purged = true
	return nil
}

// purgeTables deletes the IPv4 and IPv6 tables named name.
func purgeTables(c *nftables.Conn, name string) error {
	for _, tf := range []nftables.TableFamily{nftables.TableFamilyIPv4, nftables.TableFamilyIPv6} {
		ts, err := c.ListTablesOfFamily(tf)
		if err != nil {
			return fmt.Errorf("list tables: %w", err)
		}
		for _, t := range ts {
			if t.Name == name {
				c.DelTable(t)
			}
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("delete stale table: %w", err)
	}
	return nil
}

func (f *Filter) chain(t *nftables.Table, name string, hook *nftables.ChainHook) *nftables.Chain {
	prio := nftables.ChainPriority(f.cfg.Priority)
	accept := nftables.ChainPolicyAccept
	return f.c.AddChain(&nftables.Chain{
		Name: name, Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: hook, Priority: &prio, Policy: &accept,
	})
}

// rule appends a rule, with keepalived's optional counter just before the
// verdict.
func (f *Filter) rule(t *nftables.Table, c *nftables.Chain, verdict expr.Any, exprs ...expr.Any) {
	if f.cfg.Counters {
		exprs = append(exprs, &expr.Counter{})
	}
	f.c.AddRule(&nftables.Rule{Table: t, Chain: c, Exprs: append(exprs, verdict)})
}

func drop() expr.Any { return &expr.Verdict{Kind: expr.VerdictDrop} }

func addrLoad(offset, length uint32) expr.Any {
	return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: length}
}

const (
	ipv4Src, ipv4Dst = 12, 16
	ipv6Src, ipv6Dst = 8, 24
)

// buildIPv4 is keepalived's nft_setup_ipv4_vips.
func (f *Filter) buildIPv4(fm *family) error {
	t, out := fm.table, fm.out
	in := f.chain(t, "in", nftables.ChainHookInput)
	vips := &nftables.Set{Table: t, Name: "vips", KeyType: nftables.TypeIPAddr}
	if err := f.c.AddSet(vips, nil); err != nil {
		return err
	}
	f.rule(t, in, drop(), addrLoad(ipv4Dst, 4), &expr.Lookup{SourceRegister: 1, SetName: vips.Name, SetID: vips.ID})
	f.rule(t, out, drop(), addrLoad(ipv4Src, 4), &expr.Lookup{SourceRegister: 1, SetName: vips.Name, SetID: vips.ID})
	fm.vips = vips
	return nil
}

// buildIPv6 is keepalived's nft_setup_ipv6_vips.
func (f *Filter) buildIPv6(fm *family) error {
	t, out := fm.table, fm.out
	in := f.chain(t, "in", nftables.ChainHookInput)
	inLL := f.c.AddChain(&nftables.Chain{Name: "in_link_local", Table: t})
	outLL := f.c.AddChain(&nftables.Chain{Name: "out_link_local", Table: t})
	vips := &nftables.Set{Table: t, Name: "vips", KeyType: nftables.TypeIP6Addr}
	if err := f.c.AddSet(vips, nil); err != nil {
		return err
	}
	nd := &nftables.Set{Table: t, Name: "neighbor-discovery", KeyType: nftables.TypeICMP6Type, Constant: true}
	if err := f.c.AddSet(nd, []nftables.SetElement{
		{Key: []byte{135}}, {Key: []byte{136}}, // nd-neighbor-solicit, nd-neighbor-advert
	}); err != nil {
		return err
	}
	// Neighbour discovery to and from a VIP must pass, or no peer could
	// resolve the master's VIP at all.
	ndAccept := func() []expr.Any {
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 6, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
			&expr.Lookup{SourceRegister: 1, SetName: nd.Name, SetID: nd.ID},
		}
	}
	linkLocal := func(offset uint32) []expr.Any {
		return []expr.Any{
			addrLoad(offset, 16),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 16,
				Mask: []byte{0xff, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
				Xor:  make([]byte, 16)},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		}
	}
	accept := &expr.Verdict{Kind: expr.VerdictAccept}
	f.rule(t, in, accept, ndAccept()...)
	f.rule(t, in, &expr.Verdict{Kind: expr.VerdictGoto, Chain: inLL.Name}, linkLocal(ipv6Dst)...)
	f.rule(t, out, accept, ndAccept()...)
	f.rule(t, out, &expr.Verdict{Kind: expr.VerdictGoto, Chain: outLL.Name}, linkLocal(ipv6Src)...)
	f.rule(t, in, drop(), addrLoad(ipv6Dst, 16), &expr.Lookup{SourceRegister: 1, SetName: vips.Name, SetID: vips.ID})
	f.rule(t, out, drop(), addrLoad(ipv6Src, 16), &expr.Lookup{SourceRegister: 1, SetName: vips.Name, SetID: vips.ID})
	fm.vips = vips
	return nil
}

// buildLinkLocal adds keepalived's vips_link_local set (byName:
// vips_link_local_name): a link-local VIP is only the VIP on its own
// interface, known by index or by name.
func (f *Filter) buildLinkLocal(t *nftables.Table, byName bool) (*nftables.Set, error) {
	s := &nftables.Set{Table: t, Name: "vips_link_local",
		KeyType: nftables.MustConcatSetType(nftables.TypeIP6Addr, nftables.TypeIFIndex)}
	in, out := expr.MetaKeyIIF, expr.MetaKeyOIF
	if byName {
		// nft ≥ 0.8.3's ifname type, as keepalived picks on such a host.
		s = &nftables.Set{Table: t, Name: "vips_link_local_name",
			KeyType: nftables.MustConcatSetType(nftables.TypeIP6Addr, nftables.TypeIFName)}
		in, out = expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME
	}
	if err := f.c.AddSet(s, nil); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		chain  string
		offset uint32
		meta   expr.MetaKey
	}{{"in_link_local", ipv6Dst, in}, {"out_link_local", ipv6Src, out}} {
		f.rule(t, &nftables.Chain{Name: r.chain, Table: t}, drop(),
			addrLoad(r.offset, 16),
			&expr.Meta{Key: r.meta, Register: 2},
			&expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID})
	}
	return s, nil
}
