package vrrp_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/wire"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, ip(s))
	}
	return out
}

func encode(t testing.TB, p wire.Packet, src, dst string) []byte {
	t.Helper()
	b, err := p.AppendEncode(nil, ip(src), ip(dst), wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if l == s {
			n++
		}
	}
	return n
}

// TestMalformedCounted feeds crafted adverts (the baseline's craft tests)
// to a BACKUP and checks each is dropped, counted, and does not hold it.
func TestMalformedCounted(t *testing.T) {
	good := wire.Packet{Version: 2, VRID: 51, Priority: 150, AdvertInt: 1, AuthType: wire.AuthPass, Auth: [8]byte([]byte("kl51pass")), Addrs: addrs("10.77.0.100")}
	const src, dst = "10.77.0.11", "224.0.0.18"
	mut := func(f func(*wire.Packet)) []byte {
		p := good
		p.Addrs = append([]netip.Addr(nil), good.Addrs...)
		f(&p)
		return encode(t, p, src, dst)
	}
	tests := []struct {
		name    string
		b       []byte
		ttl     int
		counter func(vrrp.Stats) uint64
		held    bool
		log     string // keepalived's line for the drop, once per advert
	}{
		{"good", mut(func(*wire.Packet) {}), 255, func(s vrrp.Stats) uint64 { return s.AdvertRcvd }, true, ""},
		{"ttl 254", mut(func(*wire.Packet) {}), 254, func(s vrrp.Stats) uint64 { return s.IPTTLErr }, false, "invalid TTL/HL. Received 254 and expect 255"},
		{"wrong password", mut(func(p *wire.Packet) { p.Auth = [8]byte([]byte("badpass!")) }), 255, func(s vrrp.Stats) uint64 { return s.AuthFailure }, false, "received an invalid passwd!"},
		{"auth none", mut(func(p *wire.Packet) { p.AuthType, p.Auth = 0, [8]byte{} }), 255, func(s vrrp.Stats) uint64 { return s.AuthTypeMismatch }, false, "received a 0 auth, expecting 1!"},
		{"auth type 7", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[4] = 7
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.InvalidAuthType }, false, "Invalid auth type: 7"},
		{"interval 2", mut(func(p *wire.Packet) { p.AdvertInt = 2 }), 255, func(s vrrp.Stats) uint64 { return s.AdvertIntervalErr }, false, "advertisement interval mismatch mine=1 sec rcv'd=2 sec"},
		{"other VIP", mut(func(p *wire.Packet) { p.Addrs = addrs("10.77.0.101") }), 255, func(s vrrp.Stats) uint64 { return s.AddrListErr }, false, "ip address associated with VRID 51 not present in MASTER advert: 10.77.0.100"},
		{"extra VIP", mut(func(p *wire.Packet) { p.Addrs = addrs("10.77.0.100", "10.77.0.101") }), 255, func(s vrrp.Stats) uint64 { return s.AddrListErr }, false, "received an unexpected ip number count 2, expected 1!"},
		{"count 2 with 1 address", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[3] = 2
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.PacketLenErr }, false, "vrrp packet too short, length 40 and expect 44"},
		{"type 2", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[0] = 0x22
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.InvalidTypeRcvd }, false, "Invalid packet type. 2 and expect 1"},
		{"bad checksum", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[6] ^= 0xff
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.ChecksumErr }, false, "Invalid VRRPv2 checksum"},
		{"v3 to a v2 instance", func() []byte {
			p := wire.Packet{Version: 3, VRID: 51, Priority: 150, AdvertInt: 100, Addrs: addrs("10.77.0.100")}
			return encode(t, p, src, dst)
		}(), 255, func(s vrrp.Stats) uint64 { return s.VersionErr }, false, "wrong version. Received 3 and expect 2"},
		{"truncated", []byte{0x21, 51, 150}, 255, func(s vrrp.Stats) uint64 { return s.PacketLenErr }, false, ""},
		{"prio 0", mut(func(p *wire.Packet) { p.Priority = 0 }), 255, func(s vrrp.Stats) uint64 { return s.PriZeroRcvd }, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			ic := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
			ic.AuthType, ic.AuthPass = wire.AuthPass, "kl51pass"
			s.add("h2", one(ic))
			s.start("h2")
			r := s.h["h2"].Router
			// One advert a second for 8 s, as craft.py did.
			for i := range 8 {
				s.at(time.Duration(i) * time.Second)
				r.HandlePacket("eth0", false, tt.b, ip(src), ip(dst), tt.ttl)
			}
			st := s.status("h2", "VI_51")
			if got := tt.counter(st.Stats); got != 8 {
				t.Fatalf("counter %d, want 8 (%+v)", got, st.Stats)
			}
			logged := s.logs["h2"].take()
			if tt.log != "" {
				if n := count(logged, "(VI_51) "+tt.log); n != 8 {
					t.Fatalf("%q logged %d times, want 8; log:\n%s", tt.log, n, strings.Join(logged, "\n"))
				}
			}
			s.at(8 * time.Second)
			want := vrrp.StateMaster
			if tt.held {
				want = vrrp.StateBackup
			}
			if st := s.state("h2", "VI_51"); st != want {
				t.Fatalf("state %v, want %v", st, want)
			}
		})
	}
}

func TestUnknownVRIDSilent(t *testing.T) {
	s := newSim(t)
	s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h2")
	b := encode(t, wire.Packet{Version: 2, VRID: 52, Priority: 150, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.11", "224.0.0.18")
	r := s.h["h2"].Router
	r.HandlePacket("eth0", false, b, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	r.HandlePacket("eth0", false, nil, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	r.HandlePacket("nope", false, b, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	if r.DroppedUnknownVRID() != 1 {
		t.Fatalf("unknown VRID count %d", r.DroppedUnknownVRID())
	}
	if st := s.status("h2", "VI_51").Stats; st.AdvertRcvd != 0 {
		t.Fatalf("instance saw a foreign advert: %+v", st)
	}
}

// TestUnknownVRIDLogged: with log_unknown_vrids, keepalived's line for
// each foreign advert, and the count as without it.
func TestUnknownVRIDLogged(t *testing.T) {
	s := newSim(t)
	cfg := one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24"))
	cfg.LogUnknownVRIDs = true
	s.add("h2", cfg)
	s.start("h2")
	s.logs["h2"].take()
	b := encode(t, wire.Packet{Version: 2, VRID: 52, Priority: 150, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.11", "224.0.0.18")
	r := s.h["h2"].Router
	r.HandlePacket("eth0", false, b, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	r.HandlePacket("eth0", false, b, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	const line = "Unknown VRID(52) received on interface(eth0). ignoring..."
	if got := count(s.logs["h2"].take(), line); got != 2 || r.DroppedUnknownVRID() != 2 {
		t.Fatalf("%q logged %d times, counted %d; want 2, 2", line, got, r.DroppedUnknownVRID())
	}
}

func FuzzHandlePacket(f *testing.F) {
	f.Add([]byte{0x21, 51, 150, 1, 0, 1, 0x3e, 0x19, 10, 77, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 255)
	f.Fuzz(func(t *testing.T, b []byte, ttl int) {
		s := newSim(t)
		s.add("h1", one(vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")))
		s.start("h1")
		s.at(4 * time.Second)
		s.h["h1"].Router.HandlePacket("eth0", false, b, ip("10.77.0.12"), ip("224.0.0.18"), ttl)
		s.at(5 * time.Second)
	})
}

// TestDropLogRateLimit: a flood of bad adverts is logged at most 10 lines
// per instance per second, then one line saying how many were held back;
// the summary also comes when the flood stops (with the next advert sent).
func TestDropLogRateLimit(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	ic.AuthType, ic.AuthPass = wire.AuthPass, "kl51pass"
	s.add("h2", one(ic))
	s.start("h2")
	r := s.h["h2"].Router
	bad := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 150, AdvertInt: 1, AuthType: wire.AuthPass,
		Auth: [8]byte([]byte("badpass!")), Addrs: addrs("10.77.0.100")}, "10.77.0.11", "224.0.0.18")
	flood := func(n int) {
		for range n {
			r.HandlePacket("eth0", false, bad, ip("10.77.0.11"), ip("224.0.0.18"), 255)
		}
	}
	const passwd = "(VI_51) received an invalid passwd!"
	check := func(what string, lines []string, want map[string]int) {
		t.Helper()
		for line, n := range want {
			if got := count(lines, line); got != n {
				t.Errorf("%s: %q logged %d times, want %d; log:\n%s", what, line, got, n, strings.Join(lines, "\n"))
			}
		}
	}
	s.logs["h2"].take()
	flood(1000)
	check("first second", s.logs["h2"].take(), map[string]int{passwd: 10})
	s.at(1500 * time.Millisecond)
	flood(1)
	check("next window", s.logs["h2"].take(), map[string]int{
		"(VI_51) suppressed 990 similar messages about dropped adverts": 1, passwd: 1})
	s.at(1600 * time.Millisecond)
	flood(1000)
	check("second flood", s.logs["h2"].take(), map[string]int{passwd: 9})
	if st := s.status("h2", "VI_51").Stats; st.AuthFailure != 2001 {
		t.Errorf("AuthFailure %d, want every advert counted (2001)", st.AuthFailure)
	}
	// No more packets: the instance becomes MASTER and its adverts flush
	// the window.
	s.at(10 * time.Second)
	check("after the flood", s.logs["h2"].take(), map[string]int{
		"(VI_51) suppressed 991 similar messages about dropped adverts": 1, passwd: 0})
}

// TestAddrCountBeforeAdvertCounted: keepalived rejects a wrong address
// count before counting the advert as received, and a right count with a
// wrong address after.
func TestAddrCountBeforeAdvertCounted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		addrs []netip.Addr
		rcvd  uint64
	}{
		{"wrong count", addrs("10.77.0.100", "10.77.0.101"), 0},
		{"wrong address", addrs("10.77.0.101"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t)
			s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
			s.start("h2")
			b := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 150, AdvertInt: 1, Addrs: tc.addrs}, "10.77.0.11", "224.0.0.18")
			s.h["h2"].Router.HandlePacket("eth0", false, b, ip("10.77.0.11"), ip("224.0.0.18"), 255)
			st := s.status("h2", "VI_51").Stats
			if st.AddrListErr != 1 || st.AdvertRcvd != tc.rcvd {
				t.Fatalf("AddrListErr %d AdvertRcvd %d, want 1 and %d", st.AddrListErr, st.AdvertRcvd, tc.rcvd)
			}
		})
	}
}

// TestOwnerIgnoreAdverts: an address owner with owner_ignore_adverts
// drops adverts unread and uncounted, with keepalived 2.3's line.
func TestOwnerIgnoreAdverts(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_51", 51, 255, vrrp.StateMaster, "10.77.0.100/24")
	ic.OwnerIgnoreAdverts = true
	s.add("h1", one(ic))
	s.start("h1")
	s.at(3 * time.Second)
	s.logs["h1"].take()
	b := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 255, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.99", "224.0.0.18")
	s.h["h1"].Router.HandlePacket("eth0", false, b, ip("10.77.0.99"), ip("224.0.0.18"), 255)
	st := s.status("h1", "VI_51")
	if st.Stats.AdvertRcvd != 0 || st.State != vrrp.StateMaster {
		t.Fatalf("owner read the advert: %+v %v", st.Stats, st.State)
	}
	const line = "(VI_51) Dropping packet(s) from 10.77.0.99 since we are address owner"
	if got := count(s.logs["h1"].take(), line); got != 1 {
		t.Fatalf("%q logged %d times", line, got)
	}
}
