package ipvs

import (
	"testing"

	cf "github.com/cloudflare/ipvs"
)

// The 64-bit counters win; a kernel older than 4.1 sends only the 32-bit
// ones, and those are used then.
func TestCountersPrefer64(t *testing.T) {
	for _, c := range []struct {
		name   string
		s64, s cf.Stats
		want   Counters
	}{
		{"64-bit", cf.Stats{Connections: 1 << 40, IncomingBytes: 7}, cf.Stats{Connections: 3}, Counters{Connections: 1 << 40, InBytes: 7}},
		{"32-bit only", cf.Stats{}, cf.Stats{Connections: 3, IncomingPackets: 4, OutgoingPackets: 5, IncomingBytes: 6, OutgoingBytes: 7},
			Counters{Connections: 3, InPackets: 4, OutPackets: 5, InBytes: 6, OutBytes: 7}},
	} {
		if got := counters(c.s64, c.s); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
