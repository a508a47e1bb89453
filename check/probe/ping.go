package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Ping is PING_CHECK: one ICMP echo, answered before the deadline. It uses
// an unprivileged ICMP datagram socket when net.ipv4.ping_group_range
// allows, else a raw socket (root).
type Ping struct {
	Conn Conn
}

func (p *Ping) listen() (*icmp.PacketConn, bool, error) {
	v6 := p.Conn.Addr.Addr().Is6() && !p.Conn.Addr.Addr().Is4In6()
	laddr := "0.0.0.0"
	dgram, raw := "udp4", "ip4:icmp"
	if v6 {
		laddr, dgram, raw = "::", "udp6", "ip6:ipv6-icmp"
	}
	if p.Conn.BindAddr.IsValid() {
		laddr = p.Conn.BindAddr.String()
	}
	if c, err := icmp.ListenPacket(dgram, laddr); err == nil {
		return c, true, nil
	}
	c, err := icmp.ListenPacket(raw, laddr)
	return c, false, err
}

// Check implements Prober.
func (p *Ping) Check(ctx context.Context) Result {
	ctx, cancel := deadline(ctx, p.Conn.Timeout)
	defer cancel()
	c, dgram, err := p.listen()
	if err != nil {
		return fail(fmt.Errorf("ping %s: socket: %w", p.Conn.Addr.Addr(), err))
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stopAfter := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stopAfter()

	dst := p.Conn.target().Addr()
	v6 := dst.Is6() && !dst.Is4In6()
	var typ, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := 1
	if v6 {
		typ, reply, proto = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	id := int(token[0])<<8 | int(token[1])
	seq := int(token[2])<<8 | int(token[3])
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: token}}
	wb, err := msg.Marshal(nil)
	if err != nil {
		return fail(fmt.Errorf("ping: %w", err))
	}
	var to net.Addr = &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	if dgram {
		to = &net.UDPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	}
	if _, err := c.WriteTo(wb, to); err != nil {
		return fail(fmt.Errorf("ping %s: send: %w", dst, err))
	}
	rb := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(rb)
		if err != nil {
			return fail(fmt.Errorf("ping %s: %w", dst, err))
		}
		if !sameHost(from, dst) {
			continue
		}
		m, err := icmp.ParseMessage(proto, rb[:n])
		if err != nil || m.Type != reply {
			continue
		}
		// The kernel rewrites the id of datagram sockets, so the token in
		// the data is what identifies our echo.
		if e, ok := m.Body.(*icmp.Echo); ok && e.Seq == seq && bytes.Equal(e.Data, token) {
			return Result{}
		}
	}
}

func sameHost(a net.Addr, want netip.Addr) bool {
	var ip net.IP
	switch v := a.(type) {
	case *net.IPAddr:
		ip = v.IP
	case *net.UDPAddr:
		ip = v.IP
	default:
		return false
	}
	got, ok := netip.AddrFromSlice(ip)
	return ok && got.Unmap() == want.Unmap().WithZone("")
}
