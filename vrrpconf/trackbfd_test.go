package vrrpconf

import (
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
)

// TestTrackBFD: track_bfd in an instance and in its sync group reach the
// engine, with the bfd_instance's weight as the default; the group's is
// copied down unless the member tracks the same session.
func TestTrackBFD(t *testing.T) {
	r := parse(t, `bfd_instance B1 {
  neighbor_ip 10.0.0.2
  weight -20
}
bfd_instance B2 {
  neighbor_ip 10.0.0.3
}
vrrp_sync_group G {
  group { VI_1 VI_2 }
  track_bfd {
    B2
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress { 10.0.0.100 }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 150
  virtual_ipaddress { 10.0.0.101 }
  track_bfd {
    B2 weight 0 reverse
  }
}
vrrp_instance VI_3 {
  interface eth0
  virtual_router_id 53
  priority 150
  virtual_ipaddress { 10.0.0.102 }
  track_bfd {
    B1
  }
}`)
	got := map[string][]vrrp.TrackRef{}
	for _, ic := range r.VRRP.Instances {
		got[ic.Name] = ic.TrackBFDs
	}
	want(t, "VI_1", len(got["VI_1"]), 1)
	want(t, "VI_1 B2 from the group", got["VI_1"][0], vrrp.TrackRef{Name: "B2"})
	want(t, "VI_2", len(got["VI_2"]), 1)
	want(t, "VI_2 own B2 wins", got["VI_2"][0], vrrp.TrackRef{Name: "B2", Reverse: true})
	want(t, "VI_3", len(got["VI_3"]), 1)
	want(t, "VI_3 B1 weight from bfd_instance", got["VI_3"][0], vrrp.TrackRef{Name: "B1", Weight: -20})
	// keepalived's add_vrrp_to_track_bfd says so, and keeps the member's
	// unweighted entry.
	const both = "(VI_2) track_bfd B2 is configured on VRRP instance and sync group. Remove vrrp instance config"
	if len(r.Warnings) != 1 || r.Warnings[0] != both {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// TestGroupTrackerWeightWins: an object a member and its sync group both
// track takes the group's weight unless the member's is 0 (corpus 038:
// keepalived's LAN instance ran at 78, not 94).
func TestGroupTrackerWeightWins(t *testing.T) {
	r := parse(t, `vrrp_sync_group G {
  group { VI_1 VI_2 }
  track_interface {
    eth3 weight -18
  }
  sync_group_tracking_weight
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 150
  virtual_ipaddress { 10.0.0.101 }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress { 10.0.0.100 }
  track_interface {
    eth3 weight -8
  }
}`)
	ti := r.VRRP.Instances[0].TrackInterfaces
	if len(ti) != 1 || ti[0].Weight != -18 {
		t.Fatalf("track_interface %+v", ti)
	}
	const both = "(VI_1) track_interface eth3 is configured on VRRP instance and sync group. Remove vrrp instance or sync group config"
	if len(r.Warnings) != 1 || r.Warnings[0] != both {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// TestTrackBFDAtStart: of a BFD both a member (-6) and its sync group
// (-16) track, the group's weight is kept and the member's counted at
// start only (corpus 038: keepalived's LAN at 100-6-16 = 78).
func TestTrackBFDAtStart(t *testing.T) {
	r := parse(t, `bfd_instance lanchk {
  neighbor_ip 10.0.0.2
}
vrrp_sync_group G {
  group { LAN WAN }
  track_bfd {
    lanchk weight -16
  }
  sync_group_tracking_weight
}
vrrp_instance LAN {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 10.0.0.100 }
  track_bfd {
    lanchk weight -6
  }
}
vrrp_instance WAN {
  interface eth0
  virtual_router_id 52
  priority 100
  virtual_ipaddress { 10.0.0.101 }
}`)
	ic := r.VRRP.Instances[0]
	if len(ic.TrackBFDs) != 1 || len(ic.TrackBFDsAtStart) != 1 {
		t.Fatalf("kept %v, at start %v", ic.TrackBFDs, ic.TrackBFDsAtStart)
	}
	want(t, "kept", ic.TrackBFDs[0], vrrp.TrackRef{Name: "lanchk", Weight: -16})
	want(t, "at start", ic.TrackBFDsAtStart[0], vrrp.TrackRef{Name: "lanchk", Weight: -6})
}
