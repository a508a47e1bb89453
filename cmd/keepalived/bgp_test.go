package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

func TestBGPSpeakerConfig(t *testing.T) {
	c := &config.BGP{LocalAS: 65001, RouterID: netip.MustParseAddr("10.0.0.2"), MED: 5, MEDSet: true,
		Neighbors: []config.BGPNeighbor{{Addr: netip.MustParseAddr("10.0.0.1"), RemoteAS: 65000, HoldTime: 3 * time.Second, Passive: true}}}
	sc := speakerConfig(c)
	if sc.ListenPort != 179 || sc.MED == nil || *sc.MED != 5 || sc.LocalPref != nil || len(sc.Neighbors) != 1 || !sc.Neighbors[0].Passive {
		t.Errorf("speaker config %+v", sc)
	}
	// Announce lines alone do not restart the sessions; anything else does.
	d := *c
	d.Announce = []config.BGPAnnounce{{Name: "VI_1"}}
	if !sameSpeaker(c, &d) {
		t.Error("an announce change restarts the speaker")
	}
	d.MED = 6
	if sameSpeaker(c, &d) || sameSpeaker(c, nil) || !sameSpeaker(nil, nil) {
		t.Error("a MED change keeps the speaker")
	}
}
