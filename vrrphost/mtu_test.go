package vrrphost

import (
	"log/slog"
	"testing"

	"github.com/dsas/keepalived-go/ifaddr"
)

// mtuRec is a linkRec that also hears of MTU changes.
type mtuRec struct{ linkRec }

func (m *mtuRec) MTUChanged(ifname string) { m.add(ifname + " mtu") }

// TestWatcherMTUChanged: a change of a known interface's MTU is told to
// an MTUSink once; its first report, a report without one and a new
// interface under the index are not changes.
func TestWatcherMTUChanged(t *testing.T) {
	rec := &mtuRec{}
	lw := &Watcher{sink: rec, log: slog.New(slog.DiscardHandler), links: map[string]linkView{}, names: map[int]string{}}
	up := func(mtu int) ifaddr.Link {
		return ifaddr.Link{Index: 3, Name: "eth0", Up: true, Running: true, Flags: vethUp, MTU: mtu}
	}
	lw.feed(up(1500))
	lw.feed(up(1500))
	lw.feed(up(0))
	lw.feed(up(1400))
	lw.feed(ifaddr.Link{Index: 3, Name: "eth0", Deleted: true})
	lw.feed(up(9000))
	var mtu []string
	for _, e := range rec.ev {
		if len(e) > 4 && e[len(e)-4:] == " mtu" {
			mtu = append(mtu, e)
		}
	}
	if len(mtu) != 1 {
		t.Errorf("MTU reports %q, want one (1500 -> 1400)", mtu)
	}
}
