package vrrp_test

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrp/wire"
	"github.com/dsas/keepalived-go/vrrpconf"
)

type rx struct {
	b        []byte
	src, dst netip.Addr
	ttl      int
}

// chanConn delivers what the test pushes, like a kernel socket would.
type chanConn struct {
	in     chan rx
	once   sync.Once
	closed chan struct{}
}

func (c *chanConn) ReadFrom(b []byte) (int, netip.Addr, netip.Addr, int, error) {
	select {
	case p := <-c.in:
		return copy(b, p.b), p.src, p.dst, p.ttl, nil
	case <-c.closed:
		return 0, netip.Addr{}, netip.Addr{}, 0, net.ErrClosed
	}
}
func (c *chanConn) WriteTo([]byte, netip.Addr, netip.Addr) error { return nil }
func (c *chanConn) Close() error                                 { c.once.Do(func() { close(c.closed) }); return nil }

// TestReadLoopRealClock runs the production path: socket read goroutine,
// real timers, Stop unblocking the reader.
func TestReadLoopRealClock(t *testing.T) {
	conn := &chanConn{in: make(chan rx), closed: make(chan struct{})}
	n := vrrptest.NewNetwork(vrrp.RealClock{})
	r, err := vrrp.New(vrrpconf.Complete(one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24"))), vrrp.Options{
		Listen:  func(string, bool) (vrrp.Conn, error) { return conn, nil },
		Network: n,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	src, dst := ip("10.77.0.11"), ip("224.0.0.18")
	b := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 150, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.11", "224.0.0.18")
	conn.in <- rx{b, src, dst, 255}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := r.InstanceStatus("VI_51")
		if st.Stats.AdvertRcvd == 1 {
			if st.State != vrrp.StateBackup || st.MasterAddr != "10.77.0.11" {
				t.Fatalf("status %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("advert never processed")
		}
		time.Sleep(time.Millisecond)
	}
	if err := r.Stop(false); err != nil {
		t.Fatal(err)
	}
}

// batchConn hands the read loop every packet queued so far at once.
type batchConn struct{ chanConn }

func (c *batchConn) ReadBatch(ps []vrrp.Packet) (int, error) {
	n := 0
	for n < len(ps) {
		var p rx
		if n == 0 {
			select {
			case p = <-c.in:
			case <-c.closed:
				return 0, net.ErrClosed
			}
		} else {
			select {
			case p = <-c.in:
			default:
				return n, nil
			}
		}
		ps[n].N = copy(ps[n].Buf, p.b)
		ps[n].Src, ps[n].Dst, ps[n].TTL = p.src, p.dst, p.ttl
		n++
	}
	return n, nil
}

// startOn starts a router on cfg whose every socket is conn, with real
// timers; it stops with the test.
func startOn(t *testing.T, cfg vrrp.Config, conn vrrp.Conn) *vrrp.Router {
	t.Helper()
	r, err := vrrp.New(vrrpconf.Complete(cfg), vrrp.Options{
		Listen:  func(string, bool) (vrrp.Conn, error) { return conn, nil },
		Network: vrrptest.NewNetwork(vrrp.RealClock{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(false) })
	return r
}

// TestReadLoopBatch: a Conn that reads in batches gets every packet of a
// batch handled, in order, each to its own instance.
func TestReadLoopBatch(t *testing.T) {
	conn := &batchConn{chanConn{in: make(chan rx, 32), closed: make(chan struct{})}}
	var cfg vrrp.Config
	for vrid := 1; vrid <= 20; vrid++ {
		cfg.Instances = append(cfg.Instances, vi(fmt.Sprintf("VI_%d", vrid), uint8(vrid), 100, vrrp.StateBackup, fmt.Sprintf("10.77.0.%d/24", 100+vrid)))
	}
	r := startOn(t, cfg, conn)
	src, dst := ip("10.77.0.11"), ip("224.0.0.18")
	for vrid := 1; vrid <= 20; vrid++ {
		vip := fmt.Sprintf("10.77.0.%d", 100+vrid)
		b := encode(t, wire.Packet{Version: 2, VRID: uint8(vrid), Priority: 150, AdvertInt: 1, Addrs: addrs(vip)}, "10.77.0.11", "224.0.0.18")
		conn.in <- rx{b, src, dst, 255}
	}
	// A second advert for VRID 1 in the same batch.
	b := encode(t, wire.Packet{Version: 2, VRID: 1, Priority: 160, AdvertInt: 1, Addrs: addrs("10.77.0.101")}, "10.77.0.11", "224.0.0.18")
	conn.in <- rx{b, src, dst, 255}
	deadline := time.Now().Add(10 * time.Second)
	for vrid := 1; vrid <= 20; vrid++ {
		name := fmt.Sprintf("VI_%d", vrid)
		want := uint64(1)
		if vrid == 1 {
			want = 2
		}
		for {
			st, _ := r.InstanceStatus(name)
			if st.Stats.AdvertRcvd == want {
				if st.State != vrrp.StateBackup || st.MasterAddr != "10.77.0.11" {
					t.Fatalf("%s: status %+v", name, st)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d adverts processed, want %d", name, st.Stats.AdvertRcvd, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// The read loop's buffers hold the longest valid advert whole: 255 IPv6
// addresses in VRRPv3 (4088 bytes).
func TestReadLoopLongestAdvert(t *testing.T) {
	conn := &chanConn{in: make(chan rx), closed: make(chan struct{})}
	var vips []string
	for i := 1; i <= 255; i++ {
		vips = append(vips, fmt.Sprintf("2001:db8::%x/64", i))
	}
	ic := vi("VI_6", 6, 100, vrrp.StateBackup, vips...)
	ic.Version = 3
	r := startOn(t, one(ic), conn)
	var as []netip.Addr
	for _, v := range vips {
		as = append(as, netip.MustParsePrefix(v).Addr())
	}
	b := encode(t, wire.Packet{Version: 3, VRID: 6, Priority: 150, AdvertInt: 100, Addrs: as}, "fe80::11", "ff02::12")
	if len(b) != 8+255*16 {
		t.Fatalf("advert of %d bytes", len(b))
	}
	conn.in <- rx{b, ip("fe80::11"), ip("ff02::12"), 255}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := r.InstanceStatus("VI_6")
		if st.Stats.AdvertRcvd == 1 {
			break
		}
		if st.Stats.PacketLenErr > 0 || st.Stats.AddrListErr > 0 || time.Now().After(deadline) {
			t.Fatalf("advert not taken whole: %+v", st.Stats)
		}
		time.Sleep(time.Millisecond)
	}
}
