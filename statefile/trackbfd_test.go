package statefile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/status/statustest"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestTrackedBFDs: an instance's track_bfd entries are listed after its
// tracked processes in keepalived's words (vrrp_track.c dump_tracked_bfd).
func TestTrackedBFDs(t *testing.T) {
	src := statustest.Sources()
	v := src.VRRP.(*statustest.VRRP)
	v.Cfg.Instances[0].TrackBFDs = []vrrp.TrackRef{{Name: "UPLINK"}, {Name: "B2", Weight: -20, Reverse: true}}
	var b bytes.Buffer
	FormatData(&b, src, time.UTC)
	want := "   Tracked BFDs :\n     UPLINK: weight 0\n     B2: weight -20 reverse\n"
	if !strings.Contains(b.String(), want) {
		t.Fatalf("no tracked BFDs in\n%s", b.String())
	}
}
