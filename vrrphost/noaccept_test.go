package vrrphost

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/nftfilter"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestNoAcceptFilter: a no_accept VIP is filtered from before it is added
// until after it is removed, an accepting one never creates the table, and
// Close removes the table.
func TestNoAcceptFilter(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs the nft command (apt-get install nftables) to read the ruleset back")
	}
	ns, peer := netns.New(t, "vna"), netns.New(t, "vnp")
	netns.Veth(t, ns, "v0", peer, "v0")
	ns.MustRun(t, "ip", "addr", "add", "10.67.0.1/24", "dev", "v0")
	ns.MustRun(t, "ip", "link", "set", "v0", "up")
	peer.MustRun(t, "ip", "addr", "add", "10.67.0.2/24", "dev", "v0")
	peer.MustRun(t, "ip", "link", "set", "v0", "up")
	var h *Host
	ns.MustDo(t, func() (err error) { h, err = New(); return err })
	t.Cleanup(func() { h.Close() })
	h.SetNoAcceptFilter(nftfilter.Config{Table: "ka_test", Priority: -1})
	ctx := context.Background()
	rules := func() string { return ns.MustRun(t, "nft", "list", "ruleset") }
	ping := func(ip string) bool {
		_, err := peer.Run("ping", "-c", "1", "-W", "1", ip)
		return err == nil
	}

	accepting := vrrp.Address{Prefix: netip.MustParsePrefix("10.67.0.50/24"), Dev: "v0", PreferredLft: -1}
	if err := h.AddAddress(ctx, accepting); err != nil {
		t.Fatal(err)
	}
	if r := rules(); strings.TrimSpace(r) != "" || !ping("10.67.0.50") {
		t.Fatalf("an accepting VIP touched nftables or does not answer:\n%s", r)
	}

	strict := vrrp.Address{Prefix: netip.MustParsePrefix("10.67.0.100/24"), Dev: "v0", PreferredLft: -1, NoAccept: true}
	if err := h.AddAddress(ctx, strict); err != nil {
		t.Fatal(err)
	}
	if r := rules(); !strings.Contains(r, "table ip ka_test") || !strings.Contains(r, "elements = { 10.67.0.100 }") {
		t.Fatalf("no_accept VIP not filtered:\n%s", r)
	}
	if ping("10.67.0.100") {
		t.Error("no_accept VIP answers ping")
	}
	if err := h.DelAddress(ctx, strict); err != nil {
		t.Fatal(err)
	}
	if r := rules(); strings.Contains(r, "10.67.0.100") || !strings.Contains(r, "table ip ka_test") {
		t.Fatalf("after DelAddress (the table stays, empty, as keepalived's does):\n%s", r)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if r := rules(); strings.TrimSpace(r) != "" {
		t.Fatalf("Close left:\n%s", r)
	}
}
