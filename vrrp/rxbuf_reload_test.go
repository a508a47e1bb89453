package vrrp_test

import (
	"slices"
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// rbConn is a Conn whose receive buffer settings are recorded.
type rbConn struct {
	vrrp.Conn
	set *[]int
}

func (c rbConn) SetRcvBuf(n int) error { *c.set = append(*c.set, n); return nil }

// TestReloadSetsRcvBuf: a socket a reload keeps is given the receive
// buffer Options.RcvBuf plans for the reloaded configuration, as
// keepalived's reopened socket has it; a new socket gets it from Listen.
func TestReloadSetsRcvBuf(t *testing.T) {
	s := newSim(t)
	var set []int
	size := 0
	var asked []string
	s.options = func(_ string, o *vrrp.Options) {
		listen := o.Listen
		o.Listen = func(ifname string, ipv6 bool) (vrrp.Conn, error) {
			c, err := listen(ifname, ipv6)
			return rbConn{c, &set}, err
		}
		o.RcvBuf = func(ifname string, ipv6, ah bool) int {
			asked = append(asked, ifname)
			return size
		}
	}
	cfg := one(vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24"))
	s.add("h1", cfg)
	s.start("h1")
	if len(set) != 0 {
		t.Fatalf("SetRcvBuf at start: %v (Listen sizes a new socket)", set)
	}
	size = 9000
	cfg.Instances[0].SrcIP = s.h["h1"].Addr4
	if err := s.h["h1"].Router.Reload(vrrpconf.Complete(cfg)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set, []int{9000}) || len(asked) != 1 {
		t.Errorf("SetRcvBuf calls %v for %v, want [9000] once", set, asked)
	}
}
