package probe

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// udpServer answers each datagram with reply(datagram); nil means silence.
func udpServer(t *testing.T, reply func([]byte) [][]byte) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			for _, r := range reply(append([]byte(nil), buf[:n]...)) {
				_, _ = pc.WriteTo(r, from)
			}
		}
	})
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

func closedUDPPort(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(pc.LocalAddr().String())
	pc.Close()
	return ap
}

func TestParseHexPattern(t *testing.T) {
	for _, tc := range []struct {
		in         string
		data, mask []byte
		bad        bool
	}{
		{"0102 ff", []byte{1, 2, 0xff}, nil, false},
		{"abc", []byte{0x0a, 0xbc}, nil, false},
		{"4x x5", []byte{0x40, 0x05}, []byte{0x0f, 0xf0}, false},
		{"zz", nil, nil, true},
	} {
		d, m, err := ParseHexPattern(tc.in)
		if (err != nil) != tc.bad || !bytes.Equal(d, tc.data) || !bytes.Equal(m, tc.mask) {
			t.Errorf("%q: %x %x %v", tc.in, d, m, err)
		}
	}
}

func TestUDP(t *testing.T) {
	echo := func(b []byte) [][]byte { return [][]byte{b} }
	silent := func([]byte) [][]byte { return nil }
	pattern, mask, _ := ParseHexPattern("de ad xx ef")
	for _, tc := range []struct {
		name   string
		reply  func([]byte) [][]byte
		closed bool
		u      UDP
		wantOK bool
	}{
		{"echo, no reply needed", echo, false, UDP{Payload: []byte("hi")}, true},
		{"silent, no reply needed", silent, false, UDP{Payload: []byte("hi")}, true},
		{"closed port refuses", nil, true, UDP{Payload: []byte("hi")}, false},
		{"echo required", echo, false, UDP{Payload: []byte{0xde, 0xad, 0x00, 0xef}, RequireReply: true}, true},
		{"silent but reply required", silent, false, UDP{Payload: []byte("hi"), RequireReply: true}, false},
		{"wildcard match", echo, false, UDP{Payload: []byte{0xde, 0xad, 0x42, 0xef, 1}, RequireReply: true, Reply: pattern, Mask: mask}, true},
		{"wildcard mismatch", echo, false, UDP{Payload: []byte{0xde, 0xae, 0x42, 0xef}, RequireReply: true, Reply: pattern, Mask: mask}, false},
		{"too short", echo, false, UDP{Payload: []byte("hi"), RequireReply: true, MinLen: 3}, false},
		{"too long", echo, false, UDP{Payload: []byte("hello"), RequireReply: true, MaxLen: 4}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			u := tc.u
			if tc.closed {
				u.Conn.Addr = closedUDPPort(t)
			} else {
				u.Conn.Addr = udpServer(t, tc.reply)
			}
			u.Conn.Timeout = shortTimeout
			if r := mustReturn(t, &u); r.OK() != tc.wantOK {
				t.Fatalf("ok=%v err=%v, want %v", r.OK(), r.Err, tc.wantOK)
			}
		})
	}
}

// dnsResponder answers like a tiny authoritative server; stray first sends a
// reply with the wrong id before the real one.
func dnsResponder(rcode dnsmessage.RCode, stray bool, seen *[]dnsmessage.Question, mu *sync.Mutex) func([]byte) [][]byte {
	return func(b []byte) [][]byte {
		var p dnsmessage.Parser
		h, err := p.Start(b)
		if err != nil {
			return nil
		}
		q, err := p.Question()
		if err != nil {
			return nil
		}
		mu.Lock()
		*seen = append(*seen, q)
		mu.Unlock()
		build := func(id uint16) []byte {
			bl := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: true, RCode: rcode, RecursionDesired: h.RecursionDesired})
			_ = bl.StartQuestions()
			_ = bl.Question(q)
			out, _ := bl.Finish()
			return out
		}
		var out [][]byte
		if stray {
			out = append(out, build(h.ID+1))
		}
		return append(out, build(h.ID))
	}
}

func TestDNS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rcode    dnsmessage.RCode
		stray    bool
		silent   bool
		d        DNS
		wantOK   bool
		wantType dnsmessage.Type
		wantName string
	}{
		{"default SOA root", dnsmessage.RCodeSuccess, false, false, DNS{}, true, dnsmessage.TypeSOA, "."},
		{"A name", dnsmessage.RCodeSuccess, false, false, DNS{Type: "a", Name: "www.example.com"}, true, dnsmessage.TypeA, "www.example.com."},
		{"stray id ignored", dnsmessage.RCodeSuccess, true, false, DNS{Type: "AAAA", Name: "x."}, true, dnsmessage.TypeAAAA, "x."},
		{"servfail", dnsmessage.RCodeServerFailure, false, false, DNS{}, false, dnsmessage.TypeSOA, "."},
		{"silent", 0, false, true, DNS{}, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			var mu sync.Mutex
			var seen []dnsmessage.Question
			reply := dnsResponder(tc.rcode, tc.stray, &seen, &mu)
			if tc.silent {
				reply = func([]byte) [][]byte { return nil }
			}
			d := tc.d
			d.Conn = Conn{Addr: udpServer(t, reply), Timeout: shortTimeout}
			if r := mustReturn(t, &d); r.OK() != tc.wantOK {
				t.Fatalf("ok=%v err=%v, want %v", r.OK(), r.Err, tc.wantOK)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.wantName != "" && (len(seen) != 1 || seen[0].Type != tc.wantType || seen[0].Name.String() != tc.wantName) {
				t.Errorf("questions %v", seen)
			}
		})
	}
	// dns_final's reasons, keepalived's words.
	quiet := udpServer(t, func([]byte) [][]byte { return nil })
	servfail := udpServer(t, dnsResponder(dnsmessage.RCodeServerFailure, false, new([]dnsmessage.Question), new(sync.Mutex)))
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := netip.MustParseAddrPort(pc.LocalAddr().String())
	pc.Close()
	for addr, want := range map[netip.AddrPort]string{
		quiet:    "read timeout from socket",
		servfail: "read error occurred. (rcode = 2)",
		closed:   "failed to read socket; errno 111 (Connection refused)",
	} {
		r := mustReturn(t, &DNS{Conn: Conn{Addr: addr, Timeout: shortTimeout}})
		var de *DNSError
		if !errors.As(r.Err, &de) || de.Reason != want {
			t.Errorf("%s: %v, want DNSError %q", addr, r.Err, want)
		}
	}
	if _, err := (&DNS{Type: "BOGUS"}).query(1); err == nil {
		t.Error("unknown type accepted")
	}
}
