package vrrp_test

import (
	"net/netip"
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
	}{
		{"good", mut(func(*wire.Packet) {}), 255, func(s vrrp.Stats) uint64 { return s.AdvertRcvd }, true},
		{"ttl 254", mut(func(*wire.Packet) {}), 254, func(s vrrp.Stats) uint64 { return s.IPTTLErr }, false},
		{"wrong password", mut(func(p *wire.Packet) { p.Auth = [8]byte([]byte("badpass!")) }), 255, func(s vrrp.Stats) uint64 { return s.AuthFailure }, false},
		{"auth none", mut(func(p *wire.Packet) { p.AuthType, p.Auth = 0, [8]byte{} }), 255, func(s vrrp.Stats) uint64 { return s.AuthTypeMismatch }, false},
		{"auth type 7", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[4] = 7
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.InvalidAuthType }, false},
		{"interval 2", mut(func(p *wire.Packet) { p.AdvertInt = 2 }), 255, func(s vrrp.Stats) uint64 { return s.AdvertIntervalErr }, false},
		{"other VIP", mut(func(p *wire.Packet) { p.Addrs = addrs("10.77.0.101") }), 255, func(s vrrp.Stats) uint64 { return s.AddrListErr }, false},
		{"extra VIP", mut(func(p *wire.Packet) { p.Addrs = addrs("10.77.0.100", "10.77.0.101") }), 255, func(s vrrp.Stats) uint64 { return s.AddrListErr }, false},
		{"count 2 with 1 address", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[3] = 2
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.PacketLenErr }, false},
		{"type 2", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[0] = 0x22
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.InvalidTypeRcvd }, false},
		{"bad checksum", func() []byte {
			b := mut(func(*wire.Packet) {})
			b[6] ^= 0xff
			return b
		}(), 255, func(s vrrp.Stats) uint64 { return s.ChecksumErr }, false},
		{"v3 to a v2 instance", func() []byte {
			p := wire.Packet{Version: 3, VRID: 51, Priority: 150, AdvertInt: 100, Addrs: addrs("10.77.0.100")}
			return encode(t, p, src, dst)
		}(), 255, func(s vrrp.Stats) uint64 { return s.VersionErr }, false},
		{"truncated", []byte{0x21, 51, 150}, 255, func(s vrrp.Stats) uint64 { return s.PacketLenErr }, false},
		{"prio 0", mut(func(p *wire.Packet) { p.Priority = 0 }), 255, func(s vrrp.Stats) uint64 { return s.PriZeroRcvd }, false},
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
