//go:build !vmtest

package main

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestNoAcceptLab: a vrrp_strict master (no_accept by default) answers
// ARP for its VIP but drops pings to it, through keepalived's nftables
// table; with `accept` the VIP answers; SIGTERM removes the table.
func TestNoAcceptLab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs the nft command (apt-get install nftables) to read the ruleset back")
	}
	for _, c := range []struct {
		accept string
		answer bool
	}{{"", false}, {"  accept\n", true}} {
		t.Run(fmt.Sprintf("answer=%v", c.answer), func(t *testing.T) {
			l := lab.New(t, 2)
			h, client := l.Host(1), l.Host(2)
			r := startRouter(t, h, fmt.Sprintf("global_defs {\n  vrrp_strict\n  vrrp_version 3\n}\n"+
				"vrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 78\n  priority 150\n  advert_int 0.5\n%s"+
				"  virtual_ipaddress {\n    %s/24\n  }\n}\n", lab.Link, c.accept, vip1))
			r.waitFor("MASTER with the VIP", func() bool { return r.state() == "MASTER" && r.hasAddr(vip1) })

			if mac, err := client.Arping(vip1); err != nil || mac.String() != h.MAC.String() {
				t.Fatalf("client resolves the VIP to %v (%v), want %v", mac, err, h.MAC)
			}
			rules, err := h.Run("nft", "list", "ruleset")
			if err != nil {
				t.Fatal(err)
			}
			if filtered := strings.Contains(rules, "elements = { "+vip1.String()+" }"); filtered == c.answer {
				t.Fatalf("VIP filtered=%v with accept=%v:\n%s", filtered, c.answer, rules)
			}
			if err := client.Ping(h.IPv4.Addr(), 5*time.Second); err != nil {
				t.Fatalf("the router's own address: %v", err)
			}
			if answered := client.Ping(vip1, 2*time.Second) == nil; answered != c.answer {
				t.Fatalf("ping to the VIP answered=%v, want %v\n%s", answered, c.answer, rules)
			}

			r.signal(syscall.SIGTERM)
			if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
				t.Fatalf("after SIGTERM: exited %v err %v\n%s", exited, err, r.proc.Output())
			}
			if rules, _ := h.Run("nft", "list", "ruleset"); strings.TrimSpace(rules) != "" {
				t.Fatalf("table left after SIGTERM:\n%s", rules)
			}
		})
	}
}
