package vrrphost

import (
	"bytes"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/ifaddr"
)

// Flags of a veth as the kernel reports them: up and running, its peer
// down (no carrier), administratively down.
const (
	vethUp       = 0x11043
	vethNoCarrer = 0x1003
	vethAdmDown  = 0x1002
)

// fakeWatcher is a Watcher fed events by hand, no netlink.
func fakeWatcher(d map[string]Delay) (*Watcher, *linkRec, *bytes.Buffer) {
	rec := &linkRec{}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	lw := &Watcher{sink: rec, log: log, links: map[string]linkView{}, names: map[int]string{}}
	lw.SetDelays(d)
	lw.feed(ifaddr.Link{Index: 3, Name: "eth0", Up: true, Running: true, Flags: vethUp})
	rec.ev = nil
	buf.Reset()
	return lw, rec, &buf
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
		return slog.Attr{}
	}
	return a
}

func (lw *Watcher) feed(l ifaddr.Link) {
	lw.state.Lock()
	defer lw.state.Unlock()
	lw.link(l)
}

func link(flags uint32) ifaddr.Link {
	return ifaddr.Link{Index: 3, Name: "eth0", Up: flags&0x1 != 0, Running: flags&0x40 != 0, Flags: flags}
}

func (l *linkRec) events() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.ev, ",")
}

// TestDelayedLinkChange follows keepalived's update_interface_flags: a
// change of usability waits for its delay and is dropped when the link is
// back in time.
func TestDelayedLinkChange(t *testing.T) {
	const d = 150 * time.Millisecond
	t.Run("back within the delay", func(t *testing.T) {
		lw, rec, buf := fakeWatcher(map[string]Delay{"eth0": {Up: d, Down: d}})
		lw.feed(link(vethNoCarrer))
		lw.feed(link(vethUp))
		if !strings.Contains(buf.String(), `msg="eth0: Adding flags change from 0x11043 to 0x1003 delay by 150000"`) {
			t.Errorf("log %q", buf.String())
		}
		time.Sleep(2 * d)
		if rec.events() != "" || lw.Pending("eth0") {
			t.Errorf("events %q pending %v", rec.events(), lw.Pending("eth0"))
		}
		if strings.Contains(buf.String(), "cancelled") {
			t.Errorf("back to the very flags is silent: %q", buf.String())
		}
	})
	t.Run("down longer than the delay", func(t *testing.T) {
		lw, rec, buf := fakeWatcher(map[string]Delay{"eth0": {Down: d}})
		lw.feed(link(vethNoCarrer))
		lw.feed(link(vethAdmDown)) // still down: the pending change takes these flags
		if !lw.Pending("eth0") || rec.events() != "" {
			t.Fatalf("acted before the delay: %q", rec.events())
		}
		if d := lw.Delayed(); len(d) != 1 || d["eth0"] != vethUp {
			t.Errorf("Delayed %v, want eth0 with the flags before the change", d)
		}
		rec.waitFor(t, "eth0 down")
		if lw.links["eth0"].flags != vethAdmDown {
			t.Errorf("flags 0x%x", lw.links["eth0"].flags)
		}
		// No up delay: back up at once.
		lw.feed(link(vethUp))
		if rec.events() != "eth0 down,eth0 up" {
			t.Errorf("events %q", rec.events())
		}
		if strings.Count(buf.String(), "Netlink reports") != 2 {
			t.Errorf("log %q", buf.String())
		}
	})
	t.Run("back with other flags", func(t *testing.T) {
		lw, rec, buf := fakeWatcher(map[string]Delay{"eth0": {Up: d, Down: d}})
		lw.feed(link(vethNoCarrer))
		lw.feed(link(vethUp | 0x100)) // up again, now promiscuous
		if !strings.Contains(buf.String(), `msg="Delay timer for eth0 cancelled"`) || lw.Pending("eth0") {
			t.Errorf("log %q", buf.String())
		}
		time.Sleep(2 * d)
		if rec.events() != "" {
			t.Errorf("events %q", rec.events())
		}
	})
	t.Run("never seen up", func(t *testing.T) {
		lw, rec, _ := fakeWatcher(map[string]Delay{"eth1": {Up: d, Down: d}})
		lw.feed(ifaddr.Link{Index: 4, Name: "eth1", Flags: vethAdmDown})
		lw.feed(ifaddr.Link{Index: 4, Name: "eth1", Up: true, Running: true, Flags: vethUp})
		if rec.events() != "eth1 replaced,eth1 up" {
			t.Errorf("events %q", rec.events())
		}
	})
	t.Run("deleted while waiting", func(t *testing.T) {
		lw, rec, _ := fakeWatcher(map[string]Delay{"eth0": {Down: d}})
		lw.feed(link(vethNoCarrer))
		lw.feed(ifaddr.Link{Index: 3, Name: "eth0", Deleted: true})
		if rec.events() != "eth0 down,eth0 deleted" || lw.Pending("eth0") {
			t.Errorf("events %q", rec.events())
		}
		time.Sleep(2 * d)
		if rec.events() != "eth0 down,eth0 deleted" {
			t.Errorf("events %q", rec.events())
		}
	})
	t.Run("no delay", func(t *testing.T) {
		lw, rec, _ := fakeWatcher(nil)
		lw.feed(link(vethNoCarrer))
		if rec.events() != "eth0 down" {
			t.Errorf("events %q", rec.events())
		}
	})
}

// TestCutDelays: a delay of the limit or more is cut, others kept; the
// map given to SetDelays is not written.
func TestCutDelays(t *testing.T) {
	given := map[string]Delay{"eth0": {Up: 3 * time.Second, Down: time.Second}, "vrrp.1": {Up: 3 * time.Second}}
	lw, _, _ := fakeWatcher(given)
	if lw.CutDelays([]string{"eth0", "vrrp.1", "eth9"}, time.Second, 999*time.Millisecond) != true {
		t.Fatal("nothing cut")
	}
	want := map[string]Delay{"eth0": {Up: 999 * time.Millisecond, Down: 999 * time.Millisecond}, "vrrp.1": {Up: 999 * time.Millisecond}}
	if got := lw.Delays(); !maps.Equal(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	if given["eth0"].Up != 3*time.Second {
		t.Error("SetDelays' map written")
	}
	if lw.CutDelays([]string{"eth0"}, time.Second, 999*time.Millisecond) {
		t.Error("cut again")
	}
}
