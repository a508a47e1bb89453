package vrrp_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/ah"
	"github.com/dsas/keepalived-go/vrrp/wire"
	"github.com/dsas/keepalived-go/vrrpconf"
)

func ahPair(t *testing.T, pass1, pass2 string, prio2 int) *sim {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateBackup, "10.77.0.100/24")
	b := vi("VI_51", 51, prio2, vrrp.StateBackup, "10.77.0.100/24")
	a.AuthType, a.AuthPass = wire.AuthAH, pass1
	b.AuthType, b.AuthPass = wire.AuthAH, pass2
	s.add("h1", one(a))
	s.add("h2", one(b))
	s.lan.Capture = true
	return s
}

// sentAH parses the AH frames host sent, checking each verifies with pass.
func sentAH(t *testing.T, s *sim, host, pass string) []ah.Packet {
	t.Helper()
	var out []ah.Packet
	for _, f := range s.lan.Captured {
		if f.From != host {
			continue
		}
		if !f.AH {
			t.Fatalf("%s sent a protocol-112 frame with auth_type AH", host)
		}
		p, err := ah.Parse(f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := ah.NewSigner(pass).Verify(f.Payload, &p, false); err != nil {
			t.Fatalf("%s sent a frame that does not verify: %v", host, err)
		}
		out = append(out, p)
	}
	return out
}

// TestAHElection: two AH routers elect, the sequence numbers count from 1
// and the backup takes over from the master's last number.
func TestAHElection(t *testing.T) {
	s := ahPair(t, "secret", "secret", 100)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	sent := sentAH(t, s, "h1", "secret")
	if len(sent) < 5 {
		t.Fatalf("h1 sent %d adverts", len(sent))
	}
	for i, p := range sent {
		if p.Seq != uint32(i+1) || p.TTL != 255 || p.SPI != p.Src.As4() {
			t.Fatalf("advert %d: seq %d ttl %d spi %v", i, p.Seq, p.TTL, p.SPI)
		}
		if p.VRRP[4] != wire.AuthAH || [8]byte(p.VRRP[len(p.VRRP)-8:]) != [8]byte{} {
			t.Fatalf("advert %d: VRRP message %x", i, p.VRRP)
		}
	}
	if st := s.status("h2", "VI_51").Stats; st.AdvertRcvd == 0 || st.AuthFailure != 0 {
		t.Fatalf("h2 stats %+v", st)
	}
	last := sent[len(sent)-1].Seq
	// Stop h1: its priority-0 advert numbers on, and h2 continues after it.
	s.h["h1"].Router.Stop(false)
	s.lan.Flush()
	s.at(12 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	sent = sentAH(t, s, "h1", "secret")
	if z := sent[len(sent)-1]; z.VRRP[2] != 0 || z.Seq != last+1 {
		t.Fatalf("h1's last advert: prio %d seq %d, want 0 and %d", z.VRRP[2], z.Seq, last+1)
	}
	if h2 := sentAH(t, s, "h2", "secret"); len(h2) == 0 || h2[0].Seq != last+2 {
		t.Fatalf("h2's first advert %+v, want seq %d", h2, last+2)
	}
}

// TestAHWrongKey: adverts signed with another password are counted as
// auth failures, logged in keepalived's words and change nothing: a
// higher priority router with the wrong key does not displace the master.
func TestAHWrongKey(t *testing.T) {
	s := ahPair(t, "secret", "other", 200)
	s.start("h1")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.start("h2")
	s.at(15 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateMaster) // it hears nothing valid either
	for _, h := range []string{"h1", "h2"} {
		st := s.status(h, "VI_51")
		if st.Stats.AuthFailure == 0 || st.Stats.AdvertRcvd != 0 {
			t.Errorf("%s stats %+v", h, st.Stats)
		}
		msg := "(VI_51) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
		if n := count(s.logs[h].take(), msg); n == 0 {
			t.Errorf("%s did not log %q", h, msg)
		}
	}
	for _, tr := range s.status("h1", "VI_51").History {
		if tr.From == vrrp.StateMaster {
			t.Fatalf("h1 left MASTER: %+v", tr)
		}
	}
}

// keepalivedFrames reads the adverts captured from keepalived 2.2.7.
func keepalivedFrames(t testing.TB, pass string) [][]byte {
	t.Helper()
	f, err := os.Open("ah/testdata/keepalived-2.2.7.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pass "); ok {
			cur = p
			continue
		}
		if fs := strings.Fields(line); cur == pass && len(fs) == 3 && !strings.HasPrefix(line, "#") {
			b, err := hex.DecodeString(fs[2])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// TestAHKeepalivedFramesAndReplay feeds a backup the adverts keepalived
// 2.2.7 sent: they are accepted, and a replayed one is refused with
// keepalived's message, counted, and does not hold the backup.
func TestAHKeepalivedFramesAndReplay(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 51, 100, vrrp.StateBackup, "10.78.0.100/24")
	ic.AuthType, ic.AuthPass = wire.AuthAH, "ab"
	s.add("h2", one(ic))
	s.start("h2")
	r := s.h["h2"].Router
	frames := keepalivedFrames(t, "ab")
	src, dst := ip("10.78.0.11"), ip("224.0.0.18")
	r.HandleAHPacket("eth0", frames[0], src, dst, 255)
	r.HandleAHPacket("eth0", frames[1], src, dst, 255)
	if st := s.status("h2", "VI_1").Stats; st.AdvertRcvd != 2 || st.AuthFailure != 0 {
		t.Fatalf("keepalived's adverts: %+v", st)
	}
	s.logs["h2"].take()
	for i := range 8 {
		s.at(time.Duration(i+1) * time.Second)
		r.HandleAHPacket("eth0", frames[0], src, dst, 255)
	}
	st := s.status("h2", "VI_1")
	if st.Stats.AuthFailure != 8 || st.Stats.AdvertRcvd != 2 {
		t.Fatalf("replays: %+v", st.Stats)
	}
	// Local is the shared counter: 2 from the frames heard, then the
	// numbers of h2's own adverts once it is master.
	logs := s.logs["h2"].take()
	if n := count(logs, "(VI_1) IPSEC-AH : sequence number 1 already processed. Packet dropped. Local(2)"); n != 3 {
		t.Fatalf("replays as backup logged %d times, want 3: %q", n, logs)
	}
	n := 0
	for _, l := range logs {
		if strings.HasPrefix(l, "(VI_1) IPSEC-AH : sequence number 1 already processed. Packet dropped. Local(") {
			n++
		}
	}
	if n != 8 {
		t.Fatalf("replays logged %d times, want 8: %q", n, logs)
	}
	s.wantState("h2", "VI_1", vrrp.StateMaster) // replays did not hold it
	// A frame with a TTL changed in flight fails the ICV; one to a
	// non-AH instance's socket is not seen by it.
	b := append([]byte(nil), frames[2]...)
	b[8] = 254
	r.HandleAHPacket("eth0", b, src, dst, 255)
	if st := s.status("h2", "VI_1").Stats; st.AuthFailure != 9 {
		t.Fatalf("TTL-mutated frame: %+v", st)
	}
}

// TestAHSyncLower: a master hearing a lower-priority master jumps its
// sequence number past the other's, as keepalived does.
func TestAHSyncLower(t *testing.T) {
	s := ahPair(t, "secret", "secret", 100)
	s.start("h1")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	// h2, lower priority, believes it is master with a large number.
	msg := wire.Packet{Version: 2, VRID: 51, Priority: 100, AuthType: wire.AuthAH, AdvertInt: 1, Addrs: addrs("10.77.0.100")}
	m, err := msg.AppendEncode(nil, ip("10.77.0.12"), ip("224.0.0.18"), wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ah.NewSigner("secret").AppendSeal(nil, ah.Frame{Src: ip("10.77.0.12"), Dst: ip("224.0.0.18"), ID: 1, TTL: 255, Seq: 1000}, m)
	if err != nil {
		t.Fatal(err)
	}
	s.lan.Captured = nil
	s.h["h1"].Router.HandleAHPacket("eth0", b, ip("10.77.0.12"), ip("224.0.0.18"), 255)
	logs := s.logs["h1"].take()
	if count(logs, "(VI_51) IPSEC-AH : Syncing seq_num - Increment seq") != 1 {
		t.Fatalf("no sync logged: %q", logs)
	}
	sent := sentAH(t, s, "h1", "secret")
	if len(sent) == 0 || sent[0].Seq != 1002 {
		t.Fatalf("h1's advert after the sync: %+v, want seq 1002", sent)
	}
}

// TestAHReloadKeepsSeq: a reload keeps the counter, as keepalived's.
func TestAHReloadKeepsSeq(t *testing.T) {
	s := ahPair(t, "secret", "secret", 100)
	s.start("h1")
	s.at(6 * time.Second)
	before := sentAH(t, s, "h1", "secret")
	c := vi("VI_51", 51, 160, vrrp.StateBackup, "10.77.0.100/24")
	c.AuthType, c.AuthPass, c.SrcIP = wire.AuthAH, "secret", s.h["h1"].Addr4
	s.lan.Captured = nil
	if err := s.h["h1"].Router.Reload(vrrpconf.Complete(one(c))); err != nil {
		t.Fatal(err)
	}
	s.at(8 * time.Second)
	after := sentAH(t, s, "h1", "secret")
	if len(after) == 0 || after[0].Seq != before[len(before)-1].Seq+1 {
		t.Fatalf("after reload: first seq %v, last before %d", after, before[len(before)-1].Seq)
	}
	if id := binary.BigEndian.Uint16(s.lan.Captured[0].Payload[4:6]); int(id) != len(before)+1 {
		t.Fatalf("IP ID after reload %d, want %d", id, len(before)+1)
	}
}

// TestAHDropLogRateLimit: a flood of adverts with a wrong ICV is counted
// in full and logged within the drop-log limit, like the other drops.
func TestAHDropLogRateLimit(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 51, 100, vrrp.StateBackup, "10.78.0.100/24")
	ic.AuthType, ic.AuthPass = wire.AuthAH, "wrong"
	s.add("h2", one(ic))
	s.start("h2")
	s.logs["h2"].take()
	b := keepalivedFrames(t, "ab")[0]
	for range 1000 {
		s.h["h2"].Router.HandleAHPacket("eth0", b, ip("10.78.0.11"), ip("224.0.0.18"), 255)
	}
	const line = "(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
	if n := count(s.logs["h2"].take(), line); n != 10 {
		t.Fatalf("%q logged %d times in the flood, want 10", line, n)
	}
	if st := s.status("h2", "VI_1").Stats; st.AuthFailure != 1000 {
		t.Fatalf("AuthFailure %d, want 1000", st.AuthFailure)
	}
	s.at(1500 * time.Millisecond)
	s.h["h2"].Router.HandleAHPacket("eth0", b, ip("10.78.0.11"), ip("224.0.0.18"), 255)
	if n := count(s.logs["h2"].take(), "(VI_1) suppressed 990 similar messages about dropped adverts"); n != 1 {
		t.Fatal("no summary of the suppressed lines")
	}
}

func FuzzHandleAHPacket(f *testing.F) {
	for _, b := range keepalivedFrames(f, "ab") {
		f.Add(b, 255)
	}
	f.Fuzz(func(t *testing.T, b []byte, ttl int) {
		s := newSim(t)
		ic := vi("VI_1", 51, 100, vrrp.StateBackup, "10.78.0.100/24")
		ic.AuthType, ic.AuthPass = wire.AuthAH, "ab"
		s.add("h2", one(ic))
		s.start("h2")
		s.at(time.Second)
		s.h["h2"].Router.HandleAHPacket("eth0", b, ip("10.78.0.11"), ip("224.0.0.18"), ttl)
		s.at(5 * time.Second)
	})
}

// TestAHNeedsSource: without an IPv4 address to sign with (the SPI is
// the source address), an AH instance waits in FAULT like a VRRPv3 one.
func TestAHNeedsSource(t *testing.T) {
	s := newSim(t)
	h := s.lan.AddHost("h9", "", "")
	ic := vi("VI_1", 51, 100, vrrp.StateBackup, "10.78.0.100/24")
	ic.AuthType, ic.AuthPass = wire.AuthAH, "ab"
	r, err := vrrp.New(vrrpconf.Complete(one(ic)), vrrp.Options{Listen: h.Listen, ListenAH: h.ListenAH, Network: h.Net, Clock: s.clk})
	if err != nil {
		t.Fatal(err)
	}
	h.Router = r
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	s.at(5 * time.Second)
	if st, _ := r.InstanceStatus("VI_1"); st.State != vrrp.StateFault {
		t.Fatalf("state %v, want FAULT", st.State)
	}
	if got := r.NeedsSource(); len(got) != 1 || got[0] != "VI_1" {
		t.Fatalf("NeedsSource %v", got)
	}
}
