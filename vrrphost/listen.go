package vrrphost

import (
	"fmt"
	"net/netip"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpsock"
)

// Listener returns the vrrp.Listener for the instances of cfg: one socket
// per interface and family, joined to every multicast group an instance
// on it uses, or to none when all of them are unicast (keepalived does
// not join then either).
func Listener(cfg vrrp.Config) vrrp.Listener {
	type key struct {
		ifname string
		ipv6   bool
	}
	type plan struct {
		groups []netip.Addr
	}
	plans := map[key]*plan{}
	for _, ic := range cfg.Instances {
		if isAH(&ic) {
			continue // on the AH socket (ListenerAH)
		}
		k := key{ic.Interface, ic.IPv6}
		p := plans[k]
		if p == nil {
			p = &plan{}
			plans[k] = p
		}
		if len(ic.UnicastPeers) > 0 {
			continue
		}
		g := ic.McastGroup
		if !g.IsValid() {
			g = vrrpsock.GroupIPv4
			if ic.IPv6 {
				g = vrrpsock.GroupIPv6
			}
		}
		found := false
		for _, x := range p.groups {
			found = found || x == g
		}
		if !found {
			p.groups = append(p.groups, g)
		}
	}
	rcvBuf := RcvBuf(cfg)
	return func(ifname string, ipv6 bool) (vrrp.Conn, error) {
		p := plans[key{ifname, ipv6}]
		if p == nil {
			p = &plan{}
		}
		network := "ip4"
		if ipv6 {
			network = "ip6"
		}
		c := &vrrpsock.Config{NoJoin: len(p.groups) == 0, RcvBuf: rcvBuf(ifname, ipv6, false)}
		if len(p.groups) > 0 {
			c.Group = p.groups[0]
		}
		conn, err := vrrpsock.Listen(network, ifname, c)
		if err != nil {
			return nil, err
		}
		for _, g := range p.groups[min(1, len(p.groups)):] {
			if err := conn.JoinGroup(g); err != nil {
				conn.Close()
				return nil, fmt.Errorf("vrrphost %s: join %v: %w", ifname, g, err)
			}
		}
		return &batchConn{Conn: conn}, nil
	}
}

// batchConn gives the engine vrrpsock's batched reads (vrrp.BatchConn):
// one recvmmsg and one engine lock for a burst of adverts.
type batchConn struct {
	*vrrpsock.Conn
	ps []vrrpsock.Packet // used by the one read loop of the socket only
}

var _ vrrp.BatchConn = (*batchConn)(nil)

// ReadBatch implements vrrp.BatchConn.
func (c *batchConn) ReadBatch(ps []vrrp.Packet) (int, error) {
	if len(c.ps) < len(ps) {
		c.ps = make([]vrrpsock.Packet, len(ps))
	}
	sp := c.ps[:len(ps)]
	for i := range ps {
		sp[i].Buf = ps[i].Buf
	}
	n, err := c.Conn.ReadBatch(sp)
	for i := range n {
		ps[i] = vrrp.Packet{Buf: ps[i].Buf, N: sp[i].N, Src: sp[i].Src, Dst: sp[i].Dst, TTL: sp[i].TTL}
	}
	return n, err
}
