package statefile

import (
	"bytes"
	"fmt"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"net/netip"
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

// TestTrackBFDsSection: the "VRRP Track BFDs" section of keepalived
// 2.2.7's keepalived.data (vrrp_data.c dump_vrrp_tracked_bfd), line for
// line as the runtime differential captured it for a session that never
// came up.
func TestTrackBFDsSection(t *testing.T) {
	c := &config.Config{}
	c.VRRP.BFDs = []config.BFDInstance{{Name: "b1", Weight: 20, ToVRRP: true}, {Name: "chk_only", ToChecker: true}}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VI_1", TrackBFDs: []vrrp.TrackRef{{Name: "b1", Weight: 20}}}}}
	var lines []string
	p := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
	dumpTrackBFDs(p, c, cfg, []status.Instance{{InstanceStatus: vrrp.InstanceStatus{Trackers: []vrrp.TrackerStatus{{Kind: "bfd", Name: "b1", Known: true}}}}})
	want := `------< VRRP Track BFDs >------
 VRRP Track BFD = b1
   Weight = 20
   Bfd is down
   Tracking VRRP instances :
   Tracking instances :
     VI_1, weight 20`
	if got := strings.Join(lines, "\n"); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestVRRPDumpKeepsLVSFIFOScript: the checker drops an lvs_notify_fifo
// script it cannot run, but keepalived's VRRP process never checks it and
// prints it in keepalived.data (corpus 041).
func TestVRRPDumpKeepsLVSFIFOScript(t *testing.T) {
	c := &config.Config{}
	c.Global.LVSNotifyFIFO = config.FIFO{Name: "/tmp/f", DroppedByChecker: &config.Command{Argv: []string{"/x/notify_fifo.sh"}, Raw: "/x/notify_fifo.sh"}}
	var b bytes.Buffer
	FormatDataHost(&b, statustest.Sources(), time.UTC, Host{Config: c})
	if want := " LVS notify fifo script = '/x/notify_fifo.sh', uid:gid 0:0"; !strings.Contains(b.String(), want) {
		t.Fatalf("no %q in\n%s", want, b.String())
	}
}

// TestMasterRouterNeverHeard: a BACKUP that never heard a master prints
// keepalived's stale formatting buffer as its master router (the previous
// address formatted: the global IPv6 group for the first instance, the
// previous instance's multicast group or last unicast peer after) and
// priority 0 (corpus 007).
func TestMasterRouterNeverHeard(t *testing.T) {
	src := statustest.Sources()
	v := src.VRRP.(*statustest.VRRP)
	// VI_1 (multicast 224.0.0.18) precedes VI_6, made never to have heard one.
	v.St[1].SaddrMaster, v.St[1].SaddrPriority = "", 0
	first := v.St[1]
	first.Name = "VI_FIRST"
	v.St = append([]vrrp.InstanceStatus{first}, v.St...)
	c := &config.Config{}
	c.Global.VRRP.McastGroup6 = netip.MustParseAddr("ff02::99")
	var b bytes.Buffer
	FormatDataHost(&b, src, time.UTC, Host{Config: c})
	out := b.String()
	for _, want := range []string{
		" VRRP Instance = VI_FIRST\n   VRRP Version = 3\n   Sync group = G_WEB\n   Using Native IPv6\n   State = BACKUP\n   Master router = ff02::99\n   Master priority = 0\n",
		" VRRP Instance = VI_6\n   VRRP Version = 3\n   Sync group = G_WEB\n   Using Native IPv6\n   State = BACKUP\n   Master router = 224.0.0.18\n   Master priority = 0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no\n%s\nin\n%s", want, out)
		}
	}
}

// TestMemberListsOwnWeight: an object a sync group member and its group
// both track runs with the group's weight but is listed under the member
// with the member's own (corpus 038: "eth3 weight -8", "lanchk: weight
// -6" while the group says -18 and -16).
func TestMemberListsOwnWeight(t *testing.T) {
	src := statustest.Sources()
	v := src.VRRP.(*statustest.VRRP)
	v.Cfg.Instances[0].TrackInterfaces = []vrrp.TrackInterface{{Name: "eth3", Weight: -18}}
	v.Cfg.Instances[0].TrackBFDs = []vrrp.TrackRef{{Name: "lanchk", Weight: -16}}
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: v.St[0].Name, Trackers: []config.Tracker{
		{Kind: config.TrackInterface, Name: "eth3", Weight: -8}, {Kind: config.TrackBFD, Name: "lanchk", Weight: -6}}}}
	var b bytes.Buffer
	FormatDataHost(&b, src, time.UTC, Host{Config: c})
	for _, want := range []string{"   Tracked interfaces :\n     eth3 weight -8\n", "   Tracked BFDs :\n     lanchk: weight -6\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}
