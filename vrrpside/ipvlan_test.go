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

	list := []vmac.IPVLAN{{Name: "ipvlan.252", Parent: "eth10", Instance: "VIt_252"}, {Name: "ipvl2", Parent: "eth1", Instance: "VI_2"}}
	v.createIPVLANs(list, nil)
	v.createIPVLANs(list, list[1:]) // a reload keeping ipvl2
	v.deleteIPVLANs(list, nil)
	log := buf.String()
	for _, want := range []string{"(VIt_252): Unable to create ipvlan interface ipvlan.252", "(VI_2): Success creating ipvlan interface ipvl2",
		"(VI_2) Success removing VMAC interface ipvl2"} {
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
