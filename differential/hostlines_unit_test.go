package differential

import (
	"reflect"
	"testing"
)

// TestHostLinesCounters: two runs whose nftables rules are the same but
// whose counters saw a different number of packets compare equal.
func TestHostLinesCounters(t *testing.T) {
	a := hostLines("ip6 saddr fe80::/10 counter packets 5 bytes 520 goto out_link_local\n")
	b := hostLines("ip6 saddr fe80::/10 counter packets 6 bytes 616 goto out_link_local\n")
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("counters not normalised:\n%q\n%q", a, b)
	}
}
