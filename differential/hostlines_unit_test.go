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

// TestHostLinesLifetimes: a finite lifetime read a second later is the
// same address; forever stays distinct from a number.
func TestHostLinesLifetimes(t *testing.T) {
	a := hostLines("eth1 inet6 1000::3/128 scope global nodad valid_lft forever preferred_lft 15sec\n")
	b := hostLines("eth1 inet6 1000::3/128 scope global nodad valid_lft forever preferred_lft 14sec\n")
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("lifetimes not normalised:\n%q\n%q", a, b)
	}
	c := hostLines("eth1 inet6 1000::3/128 scope global nodad valid_lft forever preferred_lft forever\n")
	if reflect.DeepEqual(a, c) {
		t.Fatalf("forever and a finite lifetime compare equal: %q", c)
	}
}
