package vrrpconf

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestRouteMonitor: keepalived listens to a family's route changes when
// a virtual route of it is tracked or a static one has a track_group.
func TestRouteMonitor(t *testing.T) {
	v := &config.VRRP{Instances: []config.Instance{{Routes: []config.Route{{Family: config.IPv4, NoTrack: true}}}}}
	if v4, v6 := RouteMonitor(v); v4 || v6 {
		t.Errorf("no_track route: %v %v", v4, v6)
	}
	v.Instances[0].Routes = append(v.Instances[0].Routes, config.Route{Family: config.IPv4, Dev: "eth0"})
	v.StaticRoutes = []config.Route{{Family: config.IPv6, Dev: "eth0", TrackGroup: "G"}}
	if v4, v6 := RouteMonitor(v); !v4 || !v6 {
		t.Errorf("tracked routes: %v %v", v4, v6)
	}
}
