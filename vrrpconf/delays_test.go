package vrrpconf

import (
	"reflect"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestLinkDelays: the last item for an interface counts, zero delays are
// none, and a VMAC takes its base's, with vmac_xmit_base too.
func TestLinkDelays(t *testing.T) {
	s := time.Second
	c := &config.Config{}
	c.VRRP.UpDownDelays = []config.InterfaceDelay{{Name: "eth0", Down: s}, {Name: "eth0", Down: 2 * s, Up: s}, {Name: "eth1", Down: s}, {Name: "eth1"}}
	c.VRRP.Instances = []config.Instance{{Name: "A", Interface: "eth0"}, {Name: "B", Interface: "eth0"}, {Name: "C", Interface: "eth1"}}
	inst := []vrrp.InstanceConfig{
		{Name: "A", Interface: "vrrp.1", BaseInterface: "eth0", VMACName: "vrrp.1"},
		{Name: "B", Interface: "eth0", VMACName: "vrrp.2"}, // vmac_xmit_base
		{Name: "C", Interface: "vrrp.3", BaseInterface: "eth1", VMACName: "vrrp.3"},
	}
	got := LinkDelays(c, inst)
	want := map[string]config.InterfaceDelay{
		"eth0":   {Name: "eth0", Down: 2 * s, Up: s},
		"vrrp.1": {Name: "vrrp.1", Down: 2 * s, Up: s},
		"vrrp.2": {Name: "vrrp.2", Down: 2 * s, Up: s},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
