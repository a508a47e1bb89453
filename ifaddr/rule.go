package ifaddr

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// RuleAction is the fib rule action (fib_rule_hdr.action).
type RuleAction uint8

// Rule actions; the zero value means "lookup Table".
const (
	RuleToTable     RuleAction = unix.FR_ACT_TO_TBL
	RuleGoto        RuleAction = unix.FR_ACT_GOTO
	RuleNop         RuleAction = unix.FR_ACT_NOP
	RuleBlackhole   RuleAction = unix.FR_ACT_BLACKHOLE
	RuleUnreachable RuleAction = unix.FR_ACT_UNREACHABLE
	RuleProhibit    RuleAction = unix.FR_ACT_PROHIBIT
)

// Rule is keepalived's virtual_rules / static_rules line, the common
// subset of `ip rule`.
type Rule struct {
	// IPv6 selects the family when neither From nor To is set.
	IPv6 bool
	// From and To match the source and destination prefixes.
	From, To netip.Prefix
	// Not inverts the match.
	Not bool
	// Priority is the rule preference; zero lets the kernel choose one
	// (on add) or matches any (on delete).
	Priority uint32
	// FwMark and FwMask match the packet mark (fwmark MARK/MASK); a zero
	// FwMask means all bits.
	FwMark, FwMask uint32
	// IIF and OIF match the input / output interface by name.
	IIF, OIF string
	// Table is the table to look up (lookup / table).
	Table uint32
	// Action is what the rule does; zero means lookup Table.
	Action RuleAction
	// Goto is the target preference of a goto rule.
	Goto uint32
	// Protocol is the rule's protocol (FRA_PROTOCOL); zero means boot.
	Protocol uint8
	// TOS matches the packet's type of service (tos / dsfield).
	TOS uint8
	// Realms is FRA_FLOW, FROM<<16 | TO; zero is none.
	Realms uint32
	// UIDStart..UIDEnd is FRA_UID_RANGE (uidrange), sent when HasUIDRange.
	UIDStart, UIDEnd uint32
	HasUIDRange      bool
	// L3MDev is FRA_L3MDEV (l3mdev): the table is the one of the
	// packet's VRF device, so Table is not sent.
	L3MDev bool
	// NoProtocol sends no FRA_PROTOCOL on add (the kernel's unspec), as
	// keepalived does for a no_track rule written without a protocol.
	NoProtocol bool
	// FRA_SUPPRESS_PREFIXLEN, FRA_SUPPRESS_IFGROUP, FRA_IP_PROTO and the
	// port ranges, sent when their Has flag is set; FRA_TUN_ID when not 0.
	SuppressPrefixLen    uint32
	HasSuppressPrefixLen bool
	SuppressIfGroup      uint32
	HasSuppressIfGroup   bool
	TunnelID             uint64
	IPProto              uint8
	HasIPProto           bool
	SPort, DPort         [2]uint16 // start, end
	HasSPort, HasDPort   bool
}

// ruleRequest is a rule message with the attributes appended that the
// rtnetlink package encodes wrongly (its uid range is two uint16s, the
// kernel's fib_rule_uid_range two uint32s) or not at all.
type ruleRequest struct {
	*rtnetlink.RuleMessage
	extra []byte
}

// MarshalBinary is the embedded message followed by the extra attributes.
func (r *ruleRequest) MarshalBinary() ([]byte, error) {
	b, err := r.RuleMessage.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(b, r.extra...), nil
}

// extraAttributes encodes FRA_FLOW, FRA_UID_RANGE and FRA_L3MDEV.
func (r Rule) extraAttributes() ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	if r.Realms != 0 {
		ae.Uint32(unix.FRA_FLOW, r.Realms)
	}
	if r.HasUIDRange {
		b := make([]byte, 8)
		ae.ByteOrder.PutUint32(b, r.UIDStart)
		ae.ByteOrder.PutUint32(b[4:], r.UIDEnd)
		ae.Bytes(unix.FRA_UID_RANGE, b)
	}
	if r.L3MDev {
		ae.Uint8(unix.FRA_L3MDEV, 1)
	}
	if r.HasSuppressPrefixLen {
		ae.Uint32(unix.FRA_SUPPRESS_PREFIXLEN, r.SuppressPrefixLen)
	}
	if r.HasSuppressIfGroup {
		ae.Uint32(unix.FRA_SUPPRESS_IFGROUP, r.SuppressIfGroup)
	}
	if r.TunnelID != 0 {
		// The kernel's FRA_TUN_ID is big-endian (__be64).
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, r.TunnelID)
		ae.Bytes(unix.FRA_TUN_ID, b)
	}
	if r.HasIPProto {
		ae.Uint8(unix.FRA_IP_PROTO, r.IPProto)
	}
	for _, pr := range []struct {
		typ uint16
		set bool
		rng [2]uint16
	}{{unix.FRA_SPORT_RANGE, r.HasSPort, r.SPort}, {unix.FRA_DPORT_RANGE, r.HasDPort, r.DPort}} {
		if pr.set {
			b := make([]byte, 4)
			ae.ByteOrder.PutUint16(b, pr.rng[0])
			ae.ByteOrder.PutUint16(b[2:], pr.rng[1])
			ae.Bytes(pr.typ, b)
		}
	}
	return ae.Encode()
}

func (r Rule) String() string {
	var b strings.Builder
	if r.Not {
		b.WriteString("not ")
	}
	if r.From.IsValid() {
		fmt.Fprintf(&b, "from %s ", r.From)
	}
	if r.To.IsValid() {
		fmt.Fprintf(&b, "to %s ", r.To)
	}
	if r.FwMark != 0 {
		fmt.Fprintf(&b, "fwmark %#x/%#x ", r.FwMark, r.FwMask)
	}
	if r.IIF != "" {
		fmt.Fprintf(&b, "iif %s ", r.IIF)
	}
	if r.OIF != "" {
		fmt.Fprintf(&b, "oif %s ", r.OIF)
	}
	if r.Priority != 0 {
		fmt.Fprintf(&b, "pref %d ", r.Priority)
	}
	if r.HasUIDRange {
		fmt.Fprintf(&b, "uidrange %d-%d ", r.UIDStart, r.UIDEnd)
	}
	if r.L3MDev {
		b.WriteString("l3mdev")
		return b.String()
	}
	fmt.Fprintf(&b, "table %d", r.Table)
	return b.String()
}

func (r Rule) message(add bool) (*ruleRequest, error) {
	m := &rtnetlink.RuleMessage{Family: unix.AF_INET, Action: uint8(r.Action), TOS: r.TOS, Attributes: &rtnetlink.RuleAttributes{}}
	v6 := r.IPv6
	for _, p := range []netip.Prefix{r.From, r.To} {
		if p.IsValid() {
			v6 = p.Addr().Unmap().Is6()
		}
	}
	if r.From.IsValid() && r.To.IsValid() && r.From.Addr().Unmap().Is6() != r.To.Addr().Unmap().Is6() {
		return nil, fmt.Errorf("from and to of different families")
	}
	if v6 {
		m.Family = unix.AF_INET6
	}
	if m.Action == 0 {
		m.Action = unix.FR_ACT_TO_TBL
		if r.Goto != 0 {
			m.Action = unix.FR_ACT_GOTO
		}
	}
	if r.Not {
		m.Flags |= unix.FIB_RULE_INVERT
	}
	a := m.Attributes
	if r.From.IsValid() {
		p := r.From.Masked()
		m.SrcLength = uint8(p.Bits())
		ip := ipOf(p.Addr().Unmap())
		a.Src = &ip
	}
	if r.To.IsValid() {
		p := r.To.Masked()
		m.DstLength = uint8(p.Bits())
		ip := ipOf(p.Addr().Unmap())
		a.Dst = &ip
	}
	if r.Priority != 0 {
		a.Priority = ptr(r.Priority)
	}
	if r.FwMark != 0 || r.FwMask != 0 {
		a.FwMark = ptr(r.FwMark)
		mask := r.FwMask
		if mask == 0 {
			mask = 0xffffffff
		}
		a.FwMask = ptr(mask)
	}
	if r.IIF != "" {
		a.IIFName = ptr(r.IIF)
	}
	if r.OIF != "" {
		a.OIFName = ptr(r.OIF)
	}
	if r.Goto != 0 {
		a.Goto = ptr(r.Goto)
	}
	if m.Action == unix.FR_ACT_TO_TBL && !r.L3MDev {
		t := r.Table
		if t == 0 && add {
			t = unix.RT_TABLE_MAIN
		}
		if t != 0 {
			if t < 256 {
				m.Table = uint8(t)
			}
			a.Table = ptr(t)
		}
	}
	switch {
	case add && !r.NoProtocol:
		proto := r.Protocol
		if proto == 0 {
			proto = unix.RTPROT_BOOT
		}
		a.Protocol = ptr(proto)
	case !add && r.Protocol != 0:
		a.Protocol = ptr(r.Protocol)
	}
	extra, err := r.extraAttributes()
	if err != nil {
		return nil, err
	}
	return &ruleRequest{RuleMessage: m, extra: extra}, nil
}

func ptr[T any](v T) *T { return &v }

// AddRule installs r. A rule that already exists is not an error.
func (c *Conn) AddRule(r Rule) error {
	m, err := r.message(true)
	if err == nil {
		_, err = c.rt.Execute(m, unix.RTM_NEWRULE, netlink.Request|netlink.Create|netlink.Acknowledge|netlink.Excl)
	}
	if err != nil && !ignore(err, unix.EEXIST) {
		return fmt.Errorf("ifaddr: add rule %s: %w", r, err)
	}
	return nil
}

// DelRule removes r. A rule that is already gone is not an error.
func (c *Conn) DelRule(r Rule) error {
	m, err := r.message(false)
	if err == nil {
		_, err = c.rt.Execute(m, unix.RTM_DELRULE, netlink.Request|netlink.Acknowledge)
	}
	if err != nil && !ignore(err, unix.ENOENT, unix.ESRCH) {
		return fmt.Errorf("ifaddr: delete rule %s: %w", r, err)
	}
	return nil
}
