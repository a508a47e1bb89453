package nftfilter

import (
	"encoding/binary"
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

// The nftables_ipvs table, as keepalived 2.2.7 builds it
// (check_nftables.c): the addresses and ports of a virtual_server_group
// are marked on input, and one IPVS fwmark service per group balances
// them. Per family, on the first entry of a protocol:
//
//	table ip keepalived_ipvs
//	  map tcp_map { type ipv4_addr . inet_service : mark; flags interval; }
//	  chain in { type filter hook input priority P; policy accept;
//	    meta l4proto tcp meta mark set ip daddr . tcp dport map @tcp_map return }
//
// (udp_map, sctp_map likewise; ip6 with ipv6_addr). Each group entry is one
// element, FIRST-LAST . PORT : MARK. The table goes at shutdown.

// IPVSConfig is global_defs nftables_ipvs, nftables_ipvs_priority and
// nftables_counters.
type IPVSConfig struct {
	Table    string // "keepalived_ipvs" when empty
	Priority int32  // keepalived's default is -1
	Counters bool   // a counter in the rules and on each map element
}

// IPVSEntry is one element: the addresses First..Last (one family) with
// Port, for Protocol (unix.IPPROTO_TCP, _UDP or _SCTP), marked Mark.
type IPVSEntry struct {
	Protocol    uint8
	First, Last netip.Addr
	Port        uint16
	Mark        uint32
}

func (e IPVSEntry) String() string {
	return fmt.Sprintf("%s %s-%s . %d : %d", mapName(e.Protocol), e.First, e.Last, e.Port, e.Mark)
}

// IPVSMarks owns the nftables_ipvs table of one network namespace. It is
// safe for concurrent use.
type IPVSMarks struct {
	mu     sync.Mutex
	c      *nftables.Conn
	raw    rawConn
	cfg    IPVSConfig
	tables [2]*nftables.Table
	chains [2]*nftables.Chain
	maps   map[ipvsMap]*nftables.Set
	have   map[IPVSEntry]bool
	purged bool
}

type ipvsMap struct {
	fam   int // 0 ip, 1 ip6
	proto uint8
}

// NewIPVS opens an nftables netlink connection in the caller's network
// namespace (opts are passed through, for tests). Nothing is created
// until the first entry.
func NewIPVS(cfg IPVSConfig, opts ...nftables.ConnOption) (*IPVSMarks, error) {
	if cfg.Table == "" {
		cfg.Table = "keepalived_ipvs"
	}
	c, err := nftables.New(append([]nftables.ConnOption{nftables.AsLasting()}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("nftfilter: %w", err)
	}
	m := &IPVSMarks{c: c, cfg: cfg, maps: map[ipvsMap]*nftables.Set{}, have: map[IPVSEntry]bool{}}
	if rc, err := netlink.Dial(unix.NETLINK_NETFILTER, nil); err == nil {
		m.raw = rc // for the maps (rawset.go); a failure shows when one is built
	}
	return m, nil
}

// Config is the configuration the table was built with.
func (m *IPVSMarks) Config() IPVSConfig { return m.cfg }

// Set makes the elements exactly want: entries no longer wanted are
// deleted first, then new ones added in order, each in its own batch as
// keepalived sends them, so that one refused element (an overlap with
// another group's range) does not stop the others. Maps and rules are
// created on first use and stay until Close.
func (m *IPVSMarks) Set(want []IPVSEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := make(map[IPVSEntry]bool, len(want))
	for _, e := range want {
		keep[normEntry(e)] = true
	}
	var errs []error
	for e := range m.have {
		if keep[e] {
			continue
		}
		delete(m.have, e)
		if err := m.elem(e, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, e := range want {
		e = normEntry(e)
		if m.have[e] {
			continue
		}
		if err := m.elem(e, true); err != nil {
			errs = append(errs, err)
			continue
		}
		m.have[e] = true
	}
	return errors.Join(errs...)
}

// Close deletes the tables built and closes the connection, as
// keepalived's nft_ipvs_end does at shutdown.
func (m *IPVSMarks) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var err error
	if m.tables[0] != nil || m.tables[1] != nil {
		for i, t := range m.tables {
			if t != nil {
				m.c.DelTable(t)
				m.tables[i] = nil
			}
		}
		if ferr := m.c.Flush(); ferr != nil {
			err = fmt.Errorf("nftfilter: delete table %s: %w", m.cfg.Table, ferr)
		}
	}
	return errors.Join(err, m.release())
}

// Release closes the connection and leaves the tables in place
// (keepalived's --dont-release-ipvs).
func (m *IPVSMarks) Release() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.release()
}

func (m *IPVSMarks) release() error {
	clear(m.have)
	clear(m.maps)
	m.tables, m.chains = [2]*nftables.Table{}, [2]*nftables.Chain{}
	if m.raw != nil {
		m.raw.Close()
		m.raw = nil
	}
	return m.c.CloseLasting()
}

func normEntry(e IPVSEntry) IPVSEntry {
	e.First, e.Last = e.First.Unmap().WithZone(""), e.Last.Unmap().WithZone("")
	if !e.Last.IsValid() {
		e.Last = e.First
	}
	return e
}

func mapName(proto uint8) string {
	switch proto {
	case unix.IPPROTO_TCP:
		return "tcp_map"
	case unix.IPPROTO_UDP:
		return "udp_map"
	}
	return "sctp_map"
}

// elem adds or deletes one element, building the family's table and the
// protocol's map and rule first if needed (nft_update_ipvs_entry).
func (m *IPVSMarks) elem(e IPVSEntry, add bool) error {
	fam := famIndex(e.First.Is6())
	k := ipvsMap{fam: fam, proto: e.Protocol}
	s := m.maps[k]
	if s == nil {
		if !add {
			return nil
		}
		var err error
		if s, err = m.buildMap(k); err != nil {
			return fmt.Errorf("nftfilter: %s %s %s: %w", famName(fam), m.cfg.Table, mapName(e.Protocol), err)
		}
	}
	el := nftables.SetElement{
		Key:    ipvsKey(e.First, e.Port),
		KeyEnd: ipvsKey(e.Last, e.Port),
		Val:    binaryutil.NativeEndian.PutUint32(e.Mark),
	}
	op, what := m.c.SetAddElements, "add"
	if !add {
		op, what, el.Val = m.c.SetDeleteElements, "delete", nil
	}
	if err := op(s, []nftables.SetElement{el}); err != nil {
		return fmt.Errorf("nftfilter: %s %s: %w", what, e, err)
	}
	if err := m.c.Flush(); err != nil {
		return fmt.Errorf("nftfilter: %s %s in %s %s: %w", what, e, famName(fam), m.cfg.Table, err)
	}
	return nil
}

// ipvsKey is keepalived's element key: the address, then the port in
// network order, padded to a 32-bit register.
func ipvsKey(a netip.Addr, port uint16) []byte {
	return append(binary.BigEndian.AppendUint16(a.AsSlice(), port), 0, 0)
}

// buildMap creates the table and its in chain (nft_ipvs_setup) if the
// family has none yet, then the map and its rule
// (nft_ipvs_add_set_rule).
func (m *IPVSMarks) buildMap(k ipvsMap) (*nftables.Set, error) {
	if m.tables[k.fam] == nil {
		if !m.purged {
			if err := m.purge(); err != nil {
				return nil, err
			}
		}
		tf := [2]nftables.TableFamily{nftables.TableFamilyIPv4, nftables.TableFamilyIPv6}[k.fam]
		t := m.c.AddTable(&nftables.Table{Family: tf, Name: m.cfg.Table})
		prio := nftables.ChainPriority(m.cfg.Priority)
		accept := nftables.ChainPolicyAccept
		ch := m.c.AddChain(&nftables.Chain{
			Name: "in", Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookInput, Priority: &prio, Policy: &accept,
		})
		if err := m.c.Flush(); err != nil {
			return nil, err
		}
		m.tables[k.fam], m.chains[k.fam] = t, ch
	}
	t := m.tables[k.fam]
	name := mapName(k.proto)
	if err := addIPVSMap(m.raw, t.Family, t.Name, name, k.fam == 1, m.cfg.Counters); err != nil {
		return nil, err
	}
	m.c.AddRule(&nftables.Rule{Table: t, Chain: m.chains[k.fam], Exprs: markRule(k, name, m.cfg.Counters)})
	if err := m.c.Flush(); err != nil {
		return nil, err
	}
	// Elements refer to the map by name; the key type only sizes them.
	s := &nftables.Set{Table: t, Name: name, IsMap: true, Interval: true, Concatenation: true}
	m.maps[k] = s
	return s, nil
}

// purge deletes tables of our name left by an earlier run killed without
// cleaning up; keepalived would append its rules to such a table a second
// time (docs/compat.md).
func (m *IPVSMarks) purge() error {
	if err := purgeTables(m.c, m.cfg.Table); err != nil {
		return err
	}
	m.purged = true
	return nil
}

// markRule is keepalived's setup_rule_set_mark:
//
//	meta l4proto P meta mark set ip daddr . P dport map @P_map [counter] return
//
// with its registers: the address in register 1, the port right after it
// (32-bit register 9 after an IPv4 address, 128-bit register 2 after an
// IPv6 one).
func markRule(k ipvsMap, set string, counters bool) []expr.Any {
	daddr, alen, portReg := uint32(ipv4Dst), uint32(4), uint32(9)
	if k.fam == 1 {
		daddr, alen, portReg = ipv6Dst, 16, 2
	}
	e := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{k.proto}},
		addrLoad(daddr, alen),
		// The destination port is at offset 2 in TCP, UDP and SCTP alike.
		&expr.Payload{DestRegister: portReg, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Lookup{SourceRegister: 1, DestRegister: 1, IsDestRegSet: true, SetName: set, SetID: 1},
		&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
	}
	if counters {
		e = append(e, &expr.Counter{})
	}
	return append(e, &expr.Verdict{Kind: expr.VerdictReturn})
}
