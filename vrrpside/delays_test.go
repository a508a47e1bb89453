package vrrpside

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrphost"
	"github.com/dsas/keepalived-go/vrrpconf"
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
