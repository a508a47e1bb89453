package vrrpconf

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// TestComplete: keepalived's derivations, made once; completing twice
// changes nothing, and the engine accepts the result but not the input.
func TestComplete(t *testing.T) {
	vip := vrrp.Address{Prefix: netip.MustParsePrefix("fd00::1/64")}
	in := vrrp.Config{
		Instances: []vrrp.InstanceConfig{
			{Name: "v6", Interface: "eth0", VRID: 1, IPv6: true, Version: 2, AdvertInt: 1234 * time.Millisecond, VIPs: []vrrp.Address{vip}},
			{Name: "own", Interface: "eth0", VRID: 2, InitialState: vrrp.StateMaster, Nopreempt: true, NoAccept: true, Strict: true},
			{Name: "ah", Interface: "eth0", VRID: 3, Priority: 200, InitialState: vrrp.StateMaster, AuthType: 2, AuthPass: "0123456789", AdvertInt: 1600 * time.Millisecond},
		},
		Scripts: []vrrp.ScriptConfig{{Name: "s"}},
	}
	got := Complete(in)
	v6, own, ah := got.Instances[0], got.Instances[1], got.Instances[2]
	checks := []struct {
		what      string
		got, want any
	}{
		{"IPv6 version", v6.Version, 3},
		{"IPv6 priority", v6.Priority, 100},
		{"IPv6 state", v6.InitialState, vrrp.StateBackup},
		{"v3 advert_int", v6.AdvertInt, 1230 * time.Millisecond},
		{"IPv6 group", v6.McastGroup, netip.MustParseAddr("ff02::12")},
		{"VIP interface", v6.VIPs[0].Dev, "eth0"},
		{"owner priority", own.Priority, 255},
		{"owner nopreempt", own.Nopreempt, false},
		{"owner accepts", own.NoAccept, false},
		{"strict", own.LowerPrioNoAdvert, true},
		{"strict garp", own.GARP.LowerPrioRepeat, 0},
		{"AH master", ah.InitialState, vrrp.StateBackup},
		{"auth_pass", ah.AuthPass, "01234567"},
		{"v2 advert_int", ah.AdvertInt, 2 * time.Second},
		{"garp", ah.GARP, vrrp.DefaultGARP},
		{"script rise", got.Scripts[0].Rise, 1},
	}
	for _, c := range checks {
		if fmt.Sprintf("%#v", c.got) != fmt.Sprintf("%#v", c.want) {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if in.Instances[0].VIPs[0].Dev != "" || in.Instances[0].Priority != 0 {
		t.Error("Complete modified its argument")
	}
	if twice := Complete(got); !reflect.DeepEqual(got, twice) {
		t.Errorf("completing twice changed it:\n%+v\n%+v", got, twice)
	}
	listen := func(string, bool) (vrrp.Conn, error) { return nil, nil }
	if _, err := vrrp.New(in, vrrp.Options{Listen: listen, Network: nopNet{}}); err == nil {
		t.Error("the engine accepted a configuration without its defaults")
	}
	if _, err := vrrp.New(got, vrrp.Options{Listen: listen, Network: nopNet{}}); err != nil {
		t.Errorf("the engine refused the completed configuration: %v", err)
	}
}
