package vrrp_test

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrp/wire"
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
	r, err := vrrp.New(one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")), vrrp.Options{
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
