package nftfilter

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The VMAC part of the table, as keepalived 2.2.7 builds it for use_vmac
// (nft_setup_igmp): a backup's VMAC must never send from the virtual MAC,
// or the switches learn it on the wrong port. Its IGMP (IPv4) or MLDv2
// (IPv6) reports are sent again from the parent interface and dropped on
// the VMAC, and its IPv6 router solicitations are dropped:
//
//	map vmac_map { type iface_index : iface_index }   (VMAC → parent)
//	set vmac_set { type iface_index }                 (IPv6 only)
//	chain out:
//	  ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop
//	  icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop
//	  icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop

// metaOIFKind is NFT_META_OIFKIND (after NFT_META_SECPATH and
// NFT_META_IIFKIND), which the nftables module does not name.
const metaOIFKind expr.MetaKey = unix.NFT_META_PRANDOM + 3

// macvlan is the interface kind the rules match, as keepalived passes it
// (IFNAMSIZ bytes, NUL padded).
var macvlan = func() []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, "macvlan")
	return b
}()

// AddVMAC adds a VMAC (interface index vmac, on the parent interface
// index parent) to the family's map, building the VMAC part of the table
// first if needed.
func (f *Filter) AddVMAC(vmac, parent int, ipv6 bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fm, err := f.vmacPart(ipv6)
	if err != nil {
		return fmt.Errorf("nftfilter: table %s for VMAC %d: %w", f.cfg.Table, vmac, err)
	}
	return f.vmacElems(fm, vmac, parent, true)
}

// DelVMAC removes a VMAC added with AddVMAC; the table stays.
func (f *Filter) DelVMAC(vmac, parent int, ipv6 bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fm := f.fam[famIndex(ipv6)]
	if fm == nil || fm.vmacMap == nil {
		return nil
	}
	return f.vmacElems(fm, vmac, parent, false)
}

func famIndex(ipv6 bool) int {
	if ipv6 {
		return 1
	}
	return 0
}

func (f *Filter) vmacElems(fm *family, vmac, parent int, add bool) error {
	key := binaryutil.NativeEndian.PutUint32(uint32(vmac))
	op := f.c.SetAddElements
	if !add {
		op = f.c.SetDeleteElements
	}
	if err := op(fm.vmacMap, []nftables.SetElement{{Key: key, Val: binaryutil.NativeEndian.PutUint32(uint32(parent))}}); err != nil {
		return fmt.Errorf("nftfilter: VMAC %d: %w", vmac, err)
	}
	if fm.vmacSet != nil {
		if err := op(fm.vmacSet, []nftables.SetElement{{Key: key}}); err != nil {
			return fmt.Errorf("nftfilter: VMAC %d: %w", vmac, err)
		}
	}
	if err := f.c.Flush(); err != nil {
		return fmt.Errorf("nftfilter: VMAC %d in %s %s: %w", vmac, famName(famIndex(fm.table.Family == nftables.TableFamilyIPv6)), f.cfg.Table, err)
	}
	return nil
}

// vmacPart builds the map, set and rules of the family once.
func (f *Filter) vmacPart(ipv6 bool) (*family, error) {
	fm, err := f.base(famIndex(ipv6))
	if err != nil || fm.vmacMap != nil {
		return fm, err
	}
	t := fm.table
	m := &nftables.Set{Table: t, Name: "vmac_map", KeyType: nftables.TypeIFIndex, DataType: nftables.TypeIFIndex, IsMap: true}
	if err := f.c.Flush(); err != nil { // the table and chain first
		return nil, err
	}
	if err := addHostOrderMap(f.raw, t.Family, t.Name, m.Name); err != nil {
		return nil, err
	}
	var s *nftables.Set
	if ipv6 {
		s = &nftables.Set{Table: t, Name: "vmac_set", KeyType: nftables.TypeIFIndex, KeyByteOrder: binaryutil.NativeEndian}
		if err := f.c.AddSet(s, nil); err != nil {
			return nil, err
		}
	}
	f.rule(t, fm.out, drop(), moveReports(ipv6, m)...)
	if ipv6 {
		f.rule(t, fm.out, drop(), dropSolicits(s)...)
	}
	if err := f.c.Flush(); err != nil {
		return nil, err
	}
	fm.vmacMap, fm.vmacSet = m, s
	return fm, nil
}

// moveReports is keepalived's setup_rule_move_igmp (with the dup
// statement, which every kernel it supports has).
func moveReports(ipv6 bool, m *nftables.Set) []expr.Any {
	var e []expr.Any
	if !ipv6 {
		e = append(e,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 9, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_IGMP}},
			addrLoad(ipv4Dst, 4))
	} else {
		e = append(e, icmpv6Type(143)...) // MLDv2 listener report
		e = append(e, addrLoad(ipv6Dst, 16))
	}
	return append(e,
		&expr.Meta{Key: metaOIFKind, Register: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 2, Data: macvlan},
		&expr.Meta{Key: expr.MetaKeyOIF, Register: 2},
		&expr.Lookup{SourceRegister: 2, DestRegister: 2, IsDestRegSet: true, SetName: m.Name, SetID: m.ID},
		&expr.Dup{RegAddr: 1, RegDev: 2, IsRegDevSet: true})
}

// dropSolicits is keepalived's setup_rule_drop_router_solicit.
func dropSolicits(s *nftables.Set) []expr.Any {
	return append(icmpv6Type(133), // router solicitation
		&expr.Meta{Key: metaOIFKind, Register: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 2, Data: macvlan},
		&expr.Meta{Key: expr.MetaKeyOIF, Register: 2},
		&expr.Lookup{SourceRegister: 2, SetName: s.Name, SetID: s.ID})
}

func icmpv6Type(typ byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{typ}},
	}
}
