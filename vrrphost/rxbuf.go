package vrrphost

import (
	"github.com/dsas/keepalived-go/internal/ifindex"
	"github.com/dsas/keepalived-go/vrrp"
)

// rxPlan is what a socket's receive buffer is made of: the instances
// sharing it, whose shares under vrrp_rx_bufs_policy MTU depend on their
// interface's MTU when the socket opens (keepalived reads it then too).
type rxPlan struct {
	ins []rxShare
}

type rxShare struct {
	ifname        string
	rxBuf, perMTU uint32
}

type rxKey struct {
	ifname   string
	ipv6, ah bool
}

// RcvBuf returns the receive buffer (SO_RCVBUF; 0: the kernel's default)
// of each socket of cfg's instances, by interface, family and AH: what
// Listener and ListenerAH give a new socket, and what a reload gives a
// socket it keeps (vrrp.Options.RcvBuf). A socket's MTU shares are read
// when it is asked for.
func RcvBuf(cfg vrrp.Config) func(ifname string, ipv6, ah bool) int {
	plans := map[rxKey]*rxPlan{}
	for i := range cfg.Instances {
		ic := &cfg.Instances[i]
		k := rxKey{ic.Interface, ic.IPv6, isAH(ic)}
		p := plans[k]
		if p == nil {
			p = &rxPlan{}
			plans[k] = p
		}
		p.add(ic)
	}
	return func(ifname string, ipv6, ah bool) int {
		if p := plans[rxKey{ifname, ipv6, ah}]; p != nil {
			return p.rcvBuf()
		}
		return 0
	}
}

func (p *rxPlan) add(ic *vrrp.InstanceConfig) {
	if ic.RxBuf != 0 || ic.RxBufMTUs != 0 {
		p.ins = append(p.ins, rxShare{ic.Interface, ic.RxBuf, ic.RxBufMTUs})
	}
}

// rcvBuf is the socket's SO_RCVBUF (0: the kernel's default).
func (p *rxPlan) rcvBuf() int {
	var sum vrrp.RxBufSum
	mtus := map[string]int{}
	for _, x := range p.ins {
		mtu, ok := mtus[x.ifname]
		if !ok && x.perMTU != 0 {
			if m, err := ifindex.MTU(x.ifname); err == nil {
				mtu = m
			}
			mtus[x.ifname] = mtu
		}
		sum.Add(x.rxBuf, x.perMTU, mtu)
	}
	return sum.SockOpt()
}
