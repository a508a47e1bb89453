package vrrp_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// TestCreatedLinkMissing: an instance on a link the VRRP side failed to
// create (use_ipvlan without ipvlan in the kernel) does not stop the
// engine from starting: its socket waits for the link and the instance
// stays in FAULT, as keepalived's (its sockpool entry has no descriptor).
func TestCreatedLinkMissing(t *testing.T) {
	s := newSim(t)
	h := s.lan.AddHost("h9", "10.78.0.9", "")
	ic := vi("VI_2", 252, 100, vrrp.StateBackup, "10.78.0.100/24")
	ic.Interface, ic.BaseInterface = "ipvl2", "eth0"
	ic.VIPs[0].Dev = "eth0"
	h.Net.SetLink("ipvl2", false)
	listen := func(ifname string, ipv6 bool) (vrrp.Conn, error) {
		if ifname == "ipvl2" {
			return nil, errors.New("route ip+net: no such network interface")
		}
		return h.Listen(ifname, ipv6)
	}
	r, err := vrrp.New(vrrpconf.Complete(one(ic)), vrrp.Options{Listen: listen, Network: h.Net, Clock: s.clk})
	if err != nil {
		t.Fatal(err)
	}
	h.Router = r
	if err := r.Start(); err != nil {
		t.Fatalf("Start: %v, want the socket to wait for ipvl2", err)
	}
	s.at(5 * time.Second)
	if st, _ := r.InstanceStatus("VI_2"); st.State != vrrp.StateFault {
		t.Fatalf("state %v, want FAULT", st.State)
	}
}
