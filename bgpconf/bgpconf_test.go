package bgpconf

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

func TestSources(t *testing.T) {
	cfg := &config.Config{
		VRRP: config.VRRP{Instances: []config.Instance{{Name: "VI_1",
			VIPs:         []config.Address{{Prefix: netip.MustParsePrefix("192.0.2.10/24")}},
			ExcludedVIPs: []config.Address{{Prefix: netip.MustParsePrefix("2001:db8::10/64")}}}}},
		LVS: config.LVS{VirtualServers: []*config.VirtualServer{{Kind: config.VSAddress, Addr: netip.MustParseAddrPort("192.0.2.20:80")}}},
		BGP: &config.BGP{Announce: []config.BGPAnnounce{
			{Kind: config.AnnounceVRRP, Name: "VI_1"},
			{Kind: config.AnnounceVRRP, Name: "VI_1", MasterOnly: true},
			{Kind: config.AnnounceVRRP, Name: "VI_9"},
			{Kind: config.AnnounceVirtualServer, Service: netip.MustParseAddrPort("192.0.2.20:80"), Protocol: "tcp"},
		}},
	}
	src, warn := Sources(cfg)
	if len(src) != 4 || len(warn) != 1 {
		t.Fatalf("sources %+v warnings %v", src, warn)
	}
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32"), netip.MustParsePrefix("2001:db8::10/128")}
	if src[0].Key != "vrrp VI_1" || !slices.Equal(src[0].Prefixes, want) || src[1].Key != "vrrp-master VI_1" {
		t.Errorf("vrrp sources %+v", src[:2])
	}
	if src[2].Key != "vrrp VI_9" || len(src[2].Prefixes) != 0 || warn[0] != "bgp_speaker: announce_vrrp_instance VI_9: no such vrrp_instance" {
		t.Errorf("unknown instance %+v %v", src[2], warn)
	}
	if src[3].Key != "vs [192.0.2.20]:tcp:80" || !slices.Equal(src[3].Prefixes, []netip.Prefix{netip.MustParsePrefix("192.0.2.20/32")}) {
		t.Errorf("vs source %+v", src[3])
	}
}

// TestHealth: the keys Sources gives are the ones Health fills, with the
// checker's own service IDs.
func TestHealth(t *testing.T) {
	svc := netip.MustParseAddrPort("192.0.2.20:80")
	h := Health([]vrrp.InstanceStatus{{Name: "A", State: vrrp.StateBackup}, {Name: "B", State: vrrp.StateFault}, {Name: "C", State: vrrp.StateMaster}},
		[]check.ServiceStatus{{ID: check.FormatService(svc, "TCP"), QuorumUp: true}, {ID: check.FormatService(svc, "udp")}})
	for key, want := range map[string]bool{
		VRRPKey("A"): true, VRRPMasterKey("A"): false, VRRPKey("B"): false, VRRPMasterKey("B"): false,
		VRRPKey("C"): true, VRRPMasterKey("C"): true,
		VirtualServerKey(ServiceID(svc, "tcp")): true, VirtualServerKey(ServiceID(svc, "udp")): false,
	} {
		if h[key] != want {
			t.Errorf("%s: %v, want %v", key, h[key], want)
		}
	}
}
