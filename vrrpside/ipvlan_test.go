package vrrpside

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/vmac"
	"golang.org/x/sys/unix"
)

// TestIPVLANLifecycle: a link the kernel refuses logs keepalived's
// "Unable to create ipvlan interface" and is not fatal; a created one logs
// the -D success line, is not made again by a reload that keeps it, and is
// removed at stop with keepalived's line.
func TestIPVLANLifecycle(t *testing.T) {
	var buf bytes.Buffer
	v := &Side{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	made, gone := map[string]int{}, map[string]int{}
	defer func(c func(vmac.IPVLAN) error, d func(string) (bool, error)) { createIPVLAN, deleteIPVLAN = c, d }(createIPVLAN, deleteIPVLAN)
	createIPVLAN = func(l vmac.IPVLAN) error {
		made[l.Name]++
		if l.Name == "ipvlan.252" {
			return fmt.Errorf("ipvlan: create %s on eth10: %w", l.Name, unix.EOPNOTSUPP)
		}
		return nil
	}
	deleteIPVLAN = func(name string) (bool, error) { gone[name]++; return name != "ipvlan.252", nil }
	defer func(m func(vmac.IPVLAN) (vmac.IPVLANMatch, error)) { matchIPVLAN = m }(matchIPVLAN)
	matchIPVLAN = func(l vmac.IPVLAN) (vmac.IPVLANMatch, error) {
		if made[l.Name] > 0 && l.Name == "ipvl2" {
			return vmac.Matching, nil
		}
		return vmac.NoLink, nil
	}

	list := []vmac.IPVLAN{{Name: "ipvlan.252", Parent: "eth10", Instance: "VIt_252"}, {Name: "ipvl2", Parent: "eth1", Instance: "VI_2"}}
	v.createIPVLANs(list, nil)
	v.createIPVLANs(list, list[1:]) // a reload keeping ipvl2
	v.deleteIPVLANs(list, nil)
	log := buf.String()
	for _, want := range []string{"(VIt_252): Unable to create ipvlan interface ipvlan.252", "(VI_2): Success creating ipvlan interface ipvl2",
		"(VI_2) Success removing VMAC interface ipvl2", "(VI_2) Found matching interface ipvl2"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "Success removing VMAC interface ipvlan.252") {
		t.Errorf("removal logged for a link never created:\n%s", log)
	}
	if made["ipvl2"] != 1 || made["ipvlan.252"] != 2 || gone["ipvl2"] != 1 {
		t.Errorf("created %v, deleted %v", made, gone)
	}
}

// TestIPVLANFoundLines: links already there get the line keepalived's
// search logs, a reload's unchanged ones too.
func TestIPVLANFoundLines(t *testing.T) {
	var buf bytes.Buffer
	v := &Side{log: slog.New(slog.NewTextHandler(&buf, nil))}
	defer func(c func(vmac.IPVLAN) error, m func(vmac.IPVLAN) (vmac.IPVLANMatch, error)) {
		createIPVLAN, matchIPVLAN = c, m
	}(createIPVLAN, matchIPVLAN)
	createIPVLAN = func(vmac.IPVLAN) error { return nil }
	matchIPVLAN = func(l vmac.IPVLAN) (vmac.IPVLANMatch, error) {
		return map[string]vmac.IPVLANMatch{"ipvl2": vmac.Incompatible, "vrrp.253": vmac.Matching}[l.Name], nil
	}
	list := []vmac.IPVLAN{{Name: "ipvl2", Instance: "VI_2"}, {Name: "vrrp.253", Instance: "VI_3"}, {Name: "ipvl4", Instance: "VI_4"}}
	v.createIPVLANs(list, list[1:])
	log := buf.String()
	for _, want := range []string{"(VI_2) IPVLAN ipvl2 already exists but is incompatible. It will be deleted/updated",
		"(VI_3) Found matching interface vrrp.253"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "ipvl4") {
		t.Errorf("a link not there got a line:\n%s", log)
	}
}
