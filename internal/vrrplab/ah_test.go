package vrrplab_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
	"github.com/dsas/keepalived-go/vrrp/ah"
	"github.com/dsas/keepalived-go/vrrpsock"
)

const ahPass = "kl51ah"

func ahAuth(pass string) []string {
	return []string{"authentication {", "  auth_type AH", "  auth_pass " + pass, "}"}
}

// TestInteropAH runs keepalived-go and keepalived 2.2.7 with auth_type AH,
// multicast and unicast (where the TTL is left out of the ICV), each in
// turn as the master: election (each side verifies the other's
// ICVs and sequence numbers, or the backup would not stay backup), kill
// -9 and preemption, the frames compared on the wire and verified here
// too, a replayed advert refused, SIGTERM's priority-0 advert; then the old master comes back with
// a higher priority and the wrong password: the master logs keepalived's
// message and stays MASTER.
func TestInteropAH(t *testing.T) {
	vrrplab.Binary(t, vrrplab.CDaemon)
	for _, v := range []variant{{version: 2, adv: "1"}, {version: 2, adv: "1", unicast: true}} {
		for _, d := range [][2]vrrplab.Daemon{{vrrplab.GoDaemon, vrrplab.CDaemon}, {vrrplab.CDaemon, vrrplab.GoDaemon}} {
			t.Run(v.String()+"/"+string(d[0])+"-master", func(t *testing.T) {
				t.Parallel()
				p := newPair(t, v, d[0], d[1], ahAuth(ahPass), ahAuth(ahPass))
				p.crashAndBack(t)
				p.sameOnTheWire(t)
				p.ahVerified(t)
				p.replay(t)
				p.termOver(t)
				p.wrongKey(t)
			})
		}
	}
}

// ahVerified checks every advert on the wire is AH, verifies with the
// password and numbers on from the previous one of the same sender run.
func (p *pair) ahVerified(t *testing.T) {
	t.Helper()
	s := ah.NewSigner(ahPass)
	for _, r := range []*vrrplab.Router{p.r1, p.r2} {
		fs := p.e.Sniffer.Since(0, vrrplab.From(r.MAC()), vrrplab.Kind(vrrplab.Advert))
		if len(fs) == 0 {
			t.Errorf("no adverts from %s (%s)", r.Name, r.Daemon)
			continue
		}
		var last uint32
		for _, f := range fs {
			if !f.AH {
				t.Fatalf("%s (%s) sent an advert without AH: %s", r.Name, r.Daemon, f)
			}
			b := f.Raw[14:]
			pk, err := ah.Parse(b)
			if err == nil {
				err = s.Verify(b, &pk, p.v.unicast)
			}
			if err != nil {
				t.Fatalf("%s (%s): %s: %v", r.Name, r.Daemon, f, err)
			}
			if pk.Seq <= last && pk.Seq != 1 { // 1: a restart starts again
				t.Errorf("%s (%s): sequence number %d after %d", r.Name, r.Daemon, pk.Seq, last)
			}
			last = pk.Seq
		}
		t.Logf("%s (%s): %d AH adverts verified, last sequence number %d", r.Name, r.Daemon, len(fs), last)
	}
}

// replay sends h1's first advert again, from the client host: the backup
// must refuse it as already processed, in keepalived's words, and nothing
// may change.
func (p *pair) replay(t *testing.T) {
	t.Helper()
	fs := p.e.Sniffer.Since(0, vrrplab.From(p.r1.MAC()), vrrplab.Kind(vrrplab.Advert))
	if len(fs) == 0 {
		t.Fatal("no advert from h1 to replay")
	}
	f := fs[0]
	pk, err := ah.Parse(f.Raw[14:])
	if err != nil {
		t.Fatal(err)
	}
	before := len(p.r2.Events())
	p.e.Host(3).NS.MustDo(t, func() error {
		c, err := vrrpsock.ListenAH(p.e.Host(3).Link, &vrrpsock.Config{NoJoin: true})
		if err != nil {
			return err
		}
		defer c.Close()
		return c.WriteTo(f.Raw[14:], netip.Addr{}, f.Dst)
	})
	msg := fmt.Sprintf("(VI_51) IPSEC-AH : sequence number %d already processed. Packet dropped. Local(", pk.Seq)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.r2.Output(), msg) {
		if time.Now().After(deadline) {
			t.Fatalf("h2 (%s) did not log %q; log:\n%s", p.r2.Daemon, msg, p.r2.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ns := p.r2.Events()[before:]; len(ns) > 0 || p.r1.State(inst) != "MASTER" {
		t.Errorf("a replayed advert changed states: h2 %+v, h1 %s", ns, p.r1.State(inst))
	}
	t.Logf("h2 (%s) refused h1's replayed advert %d", p.r2.Daemon, pk.Seq)
}

// wrongKey restarts h1 (stopped by termOver) with priority 200 and
// another password: h2, master, must drop its adverts with keepalived's
// message and stay MASTER; h1 hears nothing valid and becomes master too.
func (p *pair) wrongKey(t *testing.T) {
	t.Helper()
	p.r1.WaitExit(t, 10*time.Second)
	p.r1.Configure(t, p.v.config(p.e, 1, 2, 200, "BACKUP", ahAuth("wrongkey")...))
	before := len(p.r2.Events())
	p.r1.Start(t)
	p.r1.WaitState(t, inst, "MASTER", p.v.wait())
	const msg = "(VI_51) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.r2.Output(), msg) {
		if time.Now().After(deadline) {
			t.Fatalf("h2 (%s) did not log %q; log:\n%s", p.r2.Daemon, msg, p.r2.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("h2 (%s) logged %q %d times", p.r2.Daemon, msg, strings.Count(p.r2.Output(), msg))
	if st := p.r2.State(inst); st != "MASTER" {
		t.Errorf("h2 (%s) is %s after adverts with a wrong key", p.r2.Daemon, st)
	}
	if ns := p.r2.Events()[before:]; len(ns) > 0 {
		t.Errorf("h2 (%s) changed state on adverts with a wrong key: %+v", p.r2.Daemon, ns)
	}
}
