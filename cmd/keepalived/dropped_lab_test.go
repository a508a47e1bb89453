//go:build !vmtest

package main

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

var vip3 = netip.MustParseAddr("10.213.0.102")

// authConf is two VRRPv2 instances: VI_1 with a password, VI_2 with the
// given virtual address.
func authConf(prio int, pass string, vi2 netip.Addr) string {
	return fmt.Sprintf("vrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 77\n  priority %d\n  advert_int 1\n"+
		"  authentication {\n    auth_type PASS\n    auth_pass %s\n  }\n  virtual_ipaddress {\n    %s/24\n  }\n}\n"+
		"vrrp_instance VI_2 {\n  interface %s\n  virtual_router_id 78\n  priority %d\n  advert_int 1\n"+
		"  virtual_ipaddress {\n    %s/24\n  }\n}\n",
		lab.Link, prio, pass, vip1, lab.Link, prio, vi2)
}

// TestDroppedAdvertLogged: two routers with different passwords (VI_1) and
// different addresses (VI_2) drop each other's adverts and say so in
// keepalived's words. The peer is keepalived
// 2.2.7 when installed, so both daemons are seen logging the same line for
// the same packets.
func TestDroppedAdvertLogged(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	peer := ""
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		peer = "/usr/sbin/keepalived"
	}
	ours := startRouter(t, l.Host(1), authConf(150, "secret1", vip2))
	other := startReloadRouter(t, l.Host(2), authConf(100, "secret2", vip3), peer)
	lines := map[*router][]string{
		// Each drops the other's VI_1 adverts (password) and VI_2
		// adverts (the other's address is not its own).
		ours:  {"(VI_1) received an invalid passwd!", "(VI_2) ip address associated with VRID 78 not present in MASTER advert: " + vip2.String()},
		other: {"(VI_1) received an invalid passwd!", "(VI_2) ip address associated with VRID 78 not present in MASTER advert: " + vip3.String()},
	}
	for r, want := range lines {
		for _, line := range want {
			r.waitFor("logged: "+line, func() bool { return r.logged(line) })
		}
	}
	if strings.Contains(ours.proc.Output(), "suppressed") {
		t.Errorf("one advert a second was rate limited:\n%s", ours.proc.Output())
	}
	t.Logf("peer %q; keepalived-go logged %q %d times", peer, lines[ours][0], strings.Count(ours.proc.Output(), lines[ours][0]))
}
