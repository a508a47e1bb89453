package parser

import "testing"

// TestCanonicalName: keepalived's default router_id is the node name's
// canonical name from getaddrinfo; in the test VM ("127.0.0.1 localhost
// vm") keepalived 2.2.7 printed "Router ID = localhost" for node "vm".
func TestCanonicalName(t *testing.T) {
	hosts := "# comment vm\n127.0.0.1 localhost vm\n::1 localhost\n127.0.1.1 h.example.com h # h2\n"
	for name, want := range map[string]string{"vm": "localhost", "h": "h.example.com", "h2": "h2", "other": "other"} {
		if got := canonicalName(hosts, name); got != want {
			t.Errorf("canonicalName(%q) = %q, want %q", name, got, want)
		}
	}
}
