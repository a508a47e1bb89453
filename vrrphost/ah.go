package vrrphost

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/wire"
	"github.com/dsas/keepalived-go/vrrpsock"
)

// isAH reports whether an instance sends and receives IPsec AH adverts
// (keepalived ignores AH for IPv6, as the engine does).
func isAH(ic *vrrp.InstanceConfig) bool { return ic.AuthType == wire.AuthAH && !ic.IPv6 }

// ListenerAH returns the engine's Options.ListenAH for the instances of
// cfg: one protocol-51 socket per interface with AH instances, joined to
// their multicast groups, or to none when all of them are unicast.
func ListenerAH(cfg vrrp.Config) func(ifname string) (vrrp.Conn, error) {
	groups := map[string][]netip.Addr{}
	for _, ic := range cfg.Instances {
		if !isAH(&ic) {
			continue
		}
		if len(ic.UnicastPeers) > 0 {
			continue
		}
		g := ic.McastGroup
		if !g.IsValid() {
			g = vrrpsock.GroupIPv4
		}
		if !slices.Contains(groups[ic.Interface], g) {
			groups[ic.Interface] = append(groups[ic.Interface], g)
		}
	}
	rcvBuf := RcvBuf(cfg)
	return func(ifname string) (vrrp.Conn, error) {
		gs := groups[ifname]
		c := &vrrpsock.Config{NoJoin: len(gs) == 0, RcvBuf: rcvBuf(ifname, false, true)}
		if len(gs) > 0 {
			c.Group = gs[0]
		}
		conn, err := vrrpsock.ListenAH(ifname, c)
		if err != nil {
			return nil, err
		}
		for _, g := range gs[min(1, len(gs)):] {
			if err := conn.JoinGroup(g); err != nil {
				conn.Close()
				return nil, fmt.Errorf("vrrphost %s: join %v: %w", ifname, g, err)
			}
		}
		return conn, nil
	}
}
