package vrrp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/wire"
)

// uniV3 is a unicast VRRPv3 instance towards peer.
func uniV3(prio int, state vrrp.State, peer string, mode vrrp.ChecksumCompat) vrrp.InstanceConfig {
	ic := vi("VI_51", 51, prio, state, "10.77.0.100/24")
	ic.Version = 3
	ic.AdvertInt = time.Second
	ic.McastGroup = netip.MustParseAddr("224.0.0.18")
	ic.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr(peer)}}
	ic.OldUnicastChecksum = mode
	return ic
}

// TestOldUnicastChecksum: old_unicast_checksum sends the checksum over
// the group's pseudo-header; a default peer verifies it only that way,
// switches to it with keepalived's line and stays BACKUP; a peer with
// "never" counts checksum errors and takes over.
func TestOldUnicastChecksum(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mode     vrrp.ChecksumCompat
		want     vrrp.State
		switched bool
	}{
		{"auto", vrrp.ChecksumAuto, vrrp.StateBackup, true},
		{"never", vrrp.ChecksumNever, vrrp.StateMaster, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t)
			s.add("h1", one(uniV3(150, vrrp.StateMaster, "10.77.0.12", vrrp.ChecksumOld)))
			s.add("h2", one(uniV3(100, vrrp.StateBackup, "10.77.0.11", tc.mode)))
			s.lan.Capture = true
			s.start("h1", "h2")
			s.at(10 * time.Second)
			s.wantState("h2", "VI_51", tc.want)
			const line = "(VI_51) Setting unicast VRRPv3 checksum to old version"
			if got := count(s.logs["h2"].take(), line) == 1; got != tc.switched {
				t.Fatalf("%q logged: %v, want %v", line, got, tc.switched)
			}
			if !tc.switched {
				if st := s.status("h2", "VI_51").Stats; st.ChecksumErr == 0 {
					t.Fatalf("never: no checksum error counted: %+v", st)
				}
				return
			}
			// Both now send the old checksum: each verifies against the group.
			for _, f := range s.lan.Captured {
				if _, err := wire.Decode(f.Payload, f.Src, netip.MustParseAddr("224.0.0.18"), wire.Options{}); err != nil {
					t.Fatalf("%s sent %x, not the old checksum: %v", f.From, f.Payload, err)
				}
			}
		})
	}
}
