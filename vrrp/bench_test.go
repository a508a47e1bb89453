package vrrp_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrp/wire"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// nullConn counts sends and blocks reads until closed.
type nullConn struct {
	sent   int
	closed chan struct{}
}

func (c *nullConn) ReadFrom([]byte) (int, netip.Addr, netip.Addr, int, error) {
	<-c.closed
	return 0, netip.Addr{}, netip.Addr{}, 0, net.ErrClosed
}
func (c *nullConn) WriteTo([]byte, netip.Addr, netip.Addr) error { c.sent++; return nil }
func (c *nullConn) Close() error                                 { close(c.closed); return nil }

type nullNet struct{}

func (nullNet) AddAddress(context.Context, vrrp.Address) error { return nil }
func (nullNet) DelAddress(context.Context, vrrp.Address) error { return nil }
func (nullNet) AddRoute(context.Context, vrrp.Route) error     { return nil }
func (nullNet) DelRoute(context.Context, vrrp.Route) error     { return nil }
func (nullNet) AddRule(context.Context, vrrp.Rule) error       { return nil }
func (nullNet) DelRule(context.Context, vrrp.Rule) error       { return nil }
func (nullNet) GratuitousARP(string, netip.Addr) error         { return nil }
func (nullNet) UnsolicitedNA(string, netip.Addr) error         { return nil }
func (nullNet) LinkUp(string) (bool, error)                    { return true, nil }

func bench255(b *testing.B, prio int, state vrrp.State) (*vrrp.Router, *vrrptest.Clock, *nullConn) {
	var cfg vrrp.Config
	for i := range 255 {
		ic := vi(fmt.Sprintf("VI_%d", i+1), uint8(i+1), prio, state, fmt.Sprintf("10.77.%d.%d/16", i/200, i%200+20))
		ic.SrcIP = netip.MustParseAddr("10.77.0.11")
		cfg.Instances = append(cfg.Instances, ic)
	}
	clk := vrrptest.NewClock()
	conn := &nullConn{closed: make(chan struct{})}
	r, err := vrrp.New(vrrpconf.Complete(cfg), vrrp.Options{
		Listen:  func(string, bool) (vrrp.Conn, error) { return conn, nil },
		Network: nullNet{}, Clock: clk,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Stop(true) })
	return r, clk, conn
}

func reportPerAdvert(b *testing.B, adverts int, before runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(adverts), "allocs/advert")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(adverts), "ns/advert")
}

// BenchmarkMaster255 sends one second of adverts from 255 master instances
// (advert_int 1) per iteration, on the fake clock.
func BenchmarkMaster255(b *testing.B) {
	_, clk, conn := bench255(b, 255, vrrp.StateMaster)
	clk.Advance(10 * time.Second) // past the delayed GARP burst
	start := conn.sent
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		clk.Advance(time.Second)
	}
	reportPerAdvert(b, conn.sent-start, before)
}

// BenchmarkBackup255 receives one advert for each of 255 backup instances
// per iteration and advances the clock a second.
func BenchmarkBackup255(b *testing.B) {
	r, clk, _ := bench255(b, 100, vrrp.StateBackup)
	src, dst := netip.MustParseAddr("10.77.0.12"), netip.MustParseAddr("224.0.0.18")
	var pkts [][]byte
	for i := range 255 {
		p := wire.Packet{Version: 2, VRID: uint8(i + 1), Priority: 150, AdvertInt: 1,
			Addrs: []netip.Addr{netip.MustParseAddr(fmt.Sprintf("10.77.%d.%d", i/200, i%200+20))}}
		buf, err := p.AppendEncode(nil, src, dst, wire.Options{})
		if err != nil {
			b.Fatal(err)
		}
		pkts = append(pkts, buf)
	}
	n := 0
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pkts {
			r.HandlePacket("eth0", false, p, src, dst, 255)
		}
		n += len(pkts)
		clk.Advance(time.Second)
	}
	b.StopTimer()
	reportPerAdvert(b, n, before)
	if st, _ := r.InstanceStatus("VI_1"); st.State != vrrp.StateBackup {
		b.Fatalf("VI_1 is %v", st.State)
	}
}
