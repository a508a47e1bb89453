//go:build !vmtest

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
		name, strict, accept string
		answer               bool
	}{
		{"strict", "  vrrp_strict\n", "", false},
		{"strict+accept", "  vrrp_strict\n", "  accept\n", true},
		{"not strict", "", "", true}, // keepalived accepts by default
	} {
		t.Run(c.name, func(t *testing.T) {
			l := lab.New(t, 2)
			h, client := l.Host(1), l.Host(2)
			config := fmt.Sprintf("global_defs {\n%s  vrrp_version 3\n}\n"+
				"vrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 78\n  priority 150\n  advert_int 0.5\n%s"+
				"  virtual_ipaddress {\n    %s/24\n  }\n}\n", c.strict, lab.Link, c.accept, vip1)
			r := startRouter(t, h, config)
			r.waitFor("MASTER with the VIP", func() bool { return r.state() == "MASTER" && r.hasAddr(vip1) })

			if mac, err := client.Arping(vip1); err != nil || mac.String() != h.MAC.String() {
				t.Fatalf("client resolves the VIP to %v (%v), want %v", mac, err, h.MAC)
			}
			rules, err := h.Run("nft", "list", "ruleset")
			if err != nil {
				t.Fatal(err)
			}
			if filtered := strings.Contains(rules, "elements = { "+vip1.String()+" }"); filtered == c.answer {
				t.Fatalf("VIP filtered=%v:\n%s", filtered, rules)
			}
			if c.answer && strings.TrimSpace(rules) != "" {
				t.Fatalf("an accepting master created a table:\n%s", rules)
			}
			if want, ok := keepalivedRuleset(t, config); ok && rules != want {
				t.Fatalf("ruleset differs from keepalived's with the same config\nkeepalived-go:\n%s\nkeepalived:\n%s", rules, want)
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

// keepalivedRuleset runs Debian's keepalived with config on a lab host of
// its own until it is MASTER and returns its nft ruleset; ok is false when
// keepalived is not installed.
func keepalivedRuleset(t *testing.T, config string) (ruleset string, ok bool) {
	t.Helper()
	const ka = "/usr/sbin/keepalived"
	if _, err := os.Stat(ka); err != nil {
		t.Log("no " + ka + ": differential skipped")
		return "", false
	}
	h := lab.New(t, 1).Host(1)
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	p := h.Start(t, ka, "-n", "-l", "-D", "-f", conf, "-p", filepath.Join(dir, "k.pid"),
		"-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.Output(), "(VI_1) Entering MASTER STATE") {
		if time.Now().After(deadline) {
			t.Fatalf("keepalived never became MASTER:\n%s", p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// keepalived sets the filter right after logging MASTER.
	for {
		out, err := h.Run("nft", "list", "ruleset")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(config, "vrrp_strict") || strings.Contains(config, "accept\n") || strings.Contains(out, vip1.String()) || time.Now().After(deadline) {
			return out, true
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestVMACRulesetLab: with use_vmac keepalived adds a VMAC map and rules
// that send the VMAC's IGMP reports from the parent, so a backup never
// teaches the switches the virtual MAC (issue 11, divergence 6). The
// ruleset must be keepalived's, with and without vrrp_strict, and go at
// SIGTERM.
func TestVMACRulesetLab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs the nft command (apt-get install nftables) to read the ruleset back")
	}
	for _, strict := range []string{"", "  vrrp_strict\n"} {
		t.Run(fmt.Sprintf("strict=%v", strict != ""), func(t *testing.T) {
			h := lab.New(t, 1).Host(1)
			config := fmt.Sprintf("global_defs {\n%s  vrrp_version 3\n}\n"+
				"vrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 78\n  priority 150\n  advert_int 0.5\n  use_vmac\n"+
				"  virtual_ipaddress {\n    %s/24\n  }\n}\n", strict, lab.Link, vip1)
			r := startRouter(t, h, config)
			r.waitFor("MASTER", func() bool { return r.state() == "MASTER" })
			var rules string
			r.waitFor("the VMAC map", func() bool {
				rules, _ = h.Run("nft", "list", "ruleset")
				return strings.Contains(rules, `"vrrp.78" : "`+lab.Link+`"`) && (strict == "" || strings.Contains(rules, vip1.String()))
			})
			if want, ok := keepalivedRuleset(t, config); ok && rules != want {
				t.Fatalf("ruleset differs from keepalived's\nkeepalived-go:\n%s\nkeepalived:\n%s", rules, want)
			}
			r.signal(syscall.SIGTERM)
			if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
				t.Fatalf("after SIGTERM: exited %v err %v\n%s", exited, err, r.proc.Output())
			}
			if rules, _ := h.Run("nft", "list", "ruleset"); strings.TrimSpace(rules) != "" {
				t.Fatalf("table left after SIGTERM:\n%s", rules)
			}
			// keepalived's -D lines (issue 11 divergence 12).
			for _, l := range []string{"(VI_1): Success creating VMAC interface vrrp.78", "(VI_1) Success removing VMAC interface vrrp.78"} {
				if !r.logged(l) {
					t.Errorf("not logged: %q\n%s", l, r.proc.Output())
				}
			}
		})
	}
}
