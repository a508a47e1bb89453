package vrrpside

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrpconf"
	"github.com/dsas/keepalived-go/vrrphost"
)

// TestLinkDelaysSkipPolled: a linkbeat interface's changes are polled and
// count at once (keepalived ignores its netlink events, delays and all).
func TestLinkDelaysSkipPolled(t *testing.T) {
	c := &config.Config{}
	c.VRRP.UpDownDelays = []config.InterfaceDelay{{Name: "eth0", Down: time.Second}, {Name: "eth1", Up: time.Second}}
	got := linkDelays(c, &vrrpconf.Result{Linkbeat: []string{"eth1"}})
	if len(got) != 1 || got["eth0"] != (vrrphost.Delay{Down: time.Second}) {
		t.Errorf("delays %v, want eth0's only", got)
	}
}

// TestDebounceCut: the parser's cut for advert_int 1 (2.5 s became
// 1996094us side by side with keepalived 2.2.7), and a master's 0.1 s.
func TestDebounceCut(t *testing.T) {
	for _, tt := range []struct {
		n          int
		iv         time.Duration
		limit, cut time.Duration
	}{
		{3, time.Second, 2 * time.Second, 1996094 * time.Microsecond},
		{3, 100 * time.Millisecond, 200 * time.Millisecond, 199610 * time.Microsecond},
	} {
		if l, c := debounceCut(tt.n, tt.iv); l != tt.limit || c != tt.cut {
			t.Errorf("%d × %v: %v %v, want %v %v", tt.n, tt.iv, l, c, tt.limit, tt.cut)
		}
	}
}
