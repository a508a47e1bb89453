//go:build !vmtest

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// authConf is a VRRPv2 instance with a password.
func authConf(prio int, pass string) string {
	return fmt.Sprintf("vrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 77\n  priority %d\n  advert_int 1\n"+
		"  authentication {\n    auth_type PASS\n    auth_pass %s\n  }\n  virtual_ipaddress {\n    %s/24\n  }\n}\n",
		lab.Link, prio, pass, vip1)
}

// TestDroppedAdvertLogged: two routers with different passwords drop each
// other's adverts and say so in keepalived's words. The peer is keepalived
// 2.2.7 when installed, so both daemons are seen logging the same line for
// the same packets.
func TestDroppedAdvertLogged(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	peer := ""
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		peer = "/usr/sbin/keepalived"
	}
	ours := startRouter(t, l.Host(1), authConf(150, "secret1"))
	other := startReloadRouter(t, l.Host(2), authConf(100, "secret2"), peer)
	const line = "(VI_1) received an invalid passwd!"
	ours.waitFor("keepalived-go logs the drop", func() bool { return ours.logged(line) })
	other.waitFor("the peer logs the drop", func() bool { return other.logged(line) })
	if n := strings.Count(ours.proc.Output(), "suppressed"); n != 0 {
		t.Errorf("one advert a second was rate limited:\n%s", ours.proc.Output())
	}
	t.Logf("peer %q; keepalived-go logged %q %d times", peer, line, strings.Count(ours.proc.Output(), line))
}
