package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestViolations feeds a synthetic graph holding one import of each kind
// the layers forbid, next to imports they allow.
func TestViolations(t *testing.T) {
	bad := []edge{
		{"ifaddr", "vrrp", false},             // adapter imports ours
		{"vrrpsock", "internal/netns", false}, // adapter imports test infra
		{"vrrp", "vrrpsock", false},           // engine imports adapter
		{"check", "config", false},            // engine imports configuration
		{"vrrp/track", "daemon", false},       // engine imports daemon
		{"vrrphost", "daemon", false},         // only cmd/* imports daemon
		{"status", "daemon", true},            // ... not even in tests
		{"daemon", "check", false},            // daemon imports engine
		{"daemon", "vrrp/track", false},       // ... any part of one
		{"daemon", "bfd/wire", false},         // ... the BFD engine's too
		{"lvs", "vrrp/vrrptest", false},       // production imports test infra
		{"metrics", "internal/lab", false},
		{"control", "status/statustest", false},
		{"internal/strerror", "config", false}, // a leaf imports nothing of ours
	}
	good := []edge{
		{"cmd/keepalived", "daemon", false},
		{"daemon", "daemon", true},
		{"daemon", "bfdrun", false},
		{"bfdrun", "bfd", false},
		{"bfd", "bfd/wire", false},
		{"cmd/keepalived", "vrrpside", false},
		{"vrrpside", "vrrp", false},
		{"daemon", "ipvs", false},
		{"vrrp", "vrrp/wire", false},
		{"vrrp/notify", "vrrp/script", false},
		{"check", "check/probe", false},
		{"vrrphost", "ifaddr", false},
		{"lvs", "ipvs", false},
		{"internal/vrrplab", "internal/lab", false},
		{"status/statustest", "vrrp", false},
		{"vrrp/vrrptest", "vrrp", false},
		{"ifaddr", "internal/netns", true},
		{"status", "vrrp/vrrptest", true},
		{"vrrp", "internal/strerror", false}, // leaves serve every layer
		{"bfd", "internal/strerror", false},
		{"ifaddr", "internal/strerror", false},
	}
	// A stale entry is noted, not failed.
	allowed[[2]string{"daemon", "vrrp/notify"}] = "test"
	defer delete(allowed, [2]string{"daemon", "vrrp/notify"})
	var out, note bytes.Buffer
	n := report(&out, &note, append(append([]edge{}, bad...), good...))
	if n != len(bad) {
		t.Errorf("report found %d violations, want %d:\n%s", n, len(bad), out.String())
	}
	for _, e := range bad {
		if !strings.Contains(out.String(), e.from+" imports") {
			t.Errorf("no violation reported for %v", e)
		}
	}
	for _, e := range good {
		if why := violation(e); why != "" && allowed[[2]string{e.from, e.to}] == "" {
			t.Errorf("%v reported: %s", e, why)
		}
	}
	if !strings.Contains(note.String(), "daemon no longer imports vrrp/notify") {
		t.Errorf("stale allow-list entry not noted:\n%s", note.String())
	}
}
