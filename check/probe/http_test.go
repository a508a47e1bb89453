package probe

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// httpReply answers one request with a fixed response after reading the
// request header, recording the request.
func httpReply(resp string, got *requests) func(net.Conn) {
	return func(c net.Conn) {
		req, err := readRequest(c)
		if err != nil {
			return
		}
		got.add(req)
		_, _ = io.WriteString(c, resp)
	}
}

type requests struct {
	mu   sync.Mutex
	list []string
}

func (r *requests) add(s string) { r.mu.Lock(); r.list = append(r.list, s); r.mu.Unlock() }
func (r *requests) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.list...)
}

func readRequest(c net.Conn) (string, error) {
	br := bufio.NewReader(c)
	var b strings.Builder
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		b.WriteString(l)
		if l == "\r\n" {
			return b.String(), nil
		}
	}
}

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func TestHTTP(t *testing.T) {
	body := "hello keepalived"
	ok := "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body
	for _, tc := range []struct {
		name   string
		resp   string
		url    URL
		wantOK bool
	}{
		{"200", ok, URL{Path: "/"}, true},
		{"200 with content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", URL{Path: "/"}, true},
		{"500", "HTTP/1.0 500 Oops\r\n\r\n", URL{Path: "/"}, false},
		{"500 expected", "HTTP/1.0 500 Oops\r\n\r\n", URL{Path: "/", Status: []StatusRange{{200, 200}, {500, 503}}}, true},
		{"301 not in default", "HTTP/1.0 301 Moved\r\n\r\n", URL{Path: "/"}, false},
		{"digest good", ok, URL{Path: "/", Digest: md5hex(body)}, true},
		{"digest upper case", ok, URL{Path: "/", Digest: strings.ToUpper(md5hex(body))}, true},
		{"digest wrong", ok, URL{Path: "/", Digest: md5hex("other")}, false},
		{"garbage", "SSH-2.0-OpenSSH\r\n", URL{Path: "/"}, false},
		{"short body", "HTTP/1.0 200 OK\r\nContent-Length: 50\r\n\r\nhello", URL{Path: "/"}, false},
		{"empty", "", URL{Path: "/"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			var got requests
			addr := tcpServer(t, httpReply(tc.resp, &got))
			h := &HTTP{Conn: Conn{Addr: addr, Timeout: 2 * time.Second}, URLs: []URL{tc.url}}
			r := mustReturn(t, h)
			if r.OK() != tc.wantOK {
				t.Fatalf("ok=%v err=%v, want ok=%v", r.OK(), r.Err, tc.wantOK)
			}
		})
	}
}

func TestHTTPRequestFormat(t *testing.T) {
	v4 := netip.MustParseAddrPort("10.1.2.3:8080")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:80")
	for _, tc := range []struct {
		name  string
		h     HTTP
		url   URL
		wantS string
	}{
		{"default 1.0", HTTP{Conn: Conn{Addr: v4}}, URL{Path: "/x"},
			"GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.1.2.3:8080\r\n\r\n"},
		{"1.1 closes", HTTP{Conn: Conn{Addr: v4}, Protocol: "1.1"}, URL{Path: "/"},
			"GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 10.1.2.3:8080\r\n\r\n"},
		{"1.0C", HTTP{Conn: Conn{Addr: v4}, Protocol: "1.0c"}, URL{Path: "/"},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 10.1.2.3:8080\r\n\r\n"},
		{"v6 brackets", HTTP{Conn: Conn{Addr: v6}}, URL{Path: "/"},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [2001:db8::1]:80\r\n\r\n"},
		{"checker vhost", HTTP{Conn: Conn{Addr: v6}, VirtualHost: "www.example"}, URL{Path: "/"},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example\r\n\r\n"},
		{"url vhost wins", HTTP{Conn: Conn{Addr: v4}, VirtualHost: "www.example"}, URL{Path: "/", VirtualHost: "u.example"},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: u.example\r\n\r\n"},
	} {
		if got := string(tc.h.Request(&tc.url)); got != tc.wantS {
			t.Errorf("%s: got %q want %q", tc.name, got, tc.wantS)
		}
	}
}

func TestHTTPSeveralURLs(t *testing.T) {
	leakCheck(t)
	var got requests
	addr := tcpServer(t, func(c net.Conn) {
		req, err := readRequest(c)
		if err != nil {
			return
		}
		got.add(strings.SplitN(req, "\r\n", 2)[0])
		if strings.HasPrefix(req, "GET /bad ") {
			_, _ = io.WriteString(c, "HTTP/1.0 404 No\r\n\r\n")
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
	})
	// One url per check, the one Aim chose (the engine keeps keepalived's
	// url iterator); out of range means the first.
	h := &HTTP{Conn: Conn{Addr: addr, Timeout: 2 * time.Second}, URLs: []URL{{Path: "/a"}, {Path: "/bad"}, {Path: "/c"}}}
	if h.Parts() != 3 || h.Part(1) != "/bad" {
		t.Fatalf("parts %d, part 1 %q", h.Parts(), h.Part(1))
	}
	for i, want := range []bool{true, false, true, true} {
		h.Aim(i)
		if r := mustReturn(t, h); r.OK() != want {
			t.Fatalf("url %d: ok %v (%v), want %v", i, r.OK(), r.Err, want)
		}
	}
	want := "GET /a HTTP/1.0,GET /bad HTTP/1.0,GET /c HTTP/1.0,GET /a HTTP/1.0"
	if s := strings.Join(got.all(), ","); s != want {
		t.Fatalf("requests %s, want %s", s, want)
	}
}

// TestHTTPStalls covers peers that never finish: every one must fail within
// the single connect_timeout, however the bytes dribble in.
func TestHTTPStalls(t *testing.T) {
	for _, tc := range []struct {
		name   string
		handle func(net.Conn)
	}{
		{"black hole", func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }},
		{"slow", func(c net.Conn) {
			_, _ = readRequest(c)
			time.Sleep(2 * shortTimeout)
			_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
		}},
		{"trickle headers", func(c net.Conn) {
			_, _ = readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n")
			for {
				if _, err := io.WriteString(c, "X: y\r\n"); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}},
		{"trickle body", func(c net.Conn) {
			_, _ = readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
			for {
				if _, err := io.WriteString(c, "."); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}},
		{"reset", func(c net.Conn) {
			_, _ = readRequest(c)
			_ = c.(*net.TCPConn).SetLinger(0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			addr := tcpServer(t, tc.handle)
			h := &HTTP{Conn: Conn{Addr: addr, Timeout: shortTimeout}, URLs: []URL{{Path: "/"}}}
			r := mustReturn(t, h)
			if r.OK() {
				t.Fatal("stalled peer passed")
			}
			t.Log(r.Err)
		})
	}
}

// TestHTTPFullBacklog points the checker at a listener whose accept queue is
// full and never drained: the SYN is dropped, so only the deadline ends it.
func TestHTTPFullBacklog(t *testing.T) {
	leakCheck(t)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*unix.SockaddrInet4).Port))
	// Fill the queue: connections complete until it is full, then hang.
	var fill []net.Conn
	defer func() {
		for _, c := range fill {
			c.Close()
		}
	}()
	for range 8 {
		c, err := net.DialTimeout("tcp4", addr.String(), 100*time.Millisecond)
		if err != nil {
			break
		}
		fill = append(fill, c)
	}
	h := &HTTP{Conn: Conn{Addr: addr, Timeout: shortTimeout}, URLs: []URL{{Path: "/"}}}
	r := mustReturn(t, h)
	if r.OK() {
		t.Fatal("full backlog passed")
	}
	t.Logf("filled with %d connections; %v", len(fill), r.Err)
	tcp := &TCP{Conn: Conn{Addr: addr, Timeout: shortTimeout}}
	if r := mustReturn(t, tcp); r.OK() {
		t.Fatal("TCP_CHECK on a full backlog passed")
	}
}

func selfSigned(t *testing.T, name string) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, cert
}

func TestSSLGet(t *testing.T) {
	srvCert, srvX509 := selfSigned(t, "good.example")
	_, otherX509 := selfSigned(t, "other.example")
	own, other := x509.NewCertPool(), x509.NewCertPool()
	own.AddCert(srvX509)
	other.AddCert(otherX509)
	body := "secure"
	for _, tc := range []struct {
		name    string
		vhost   string
		sni     bool
		roots   *x509.CertPool
		wantSNI string
		wantOK  bool
	}{
		{"self-signed, no verification", "", false, nil, "", true},
		{"wrong name is not checked", "bad.example", true, nil, "bad.example", true},
		{"sni off sends none", "good.example", false, nil, "", true},
		{"verified chain", "bad.example", false, own, "", true},
		{"unknown CA", "", false, other, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			var mu sync.Mutex
			var sawSNI string
			srvCfg := &tls.Config{Certificates: []tls.Certificate{srvCert},
				GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
					mu.Lock()
					sawSNI = h.ServerName
					mu.Unlock()
					return nil, nil
				}}
			var got requests
			addr := tcpServer(t, func(c net.Conn) {
				tc := tls.Server(c, srvCfg)
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				httpReply("HTTP/1.0 200 OK\r\n\r\n"+body, &got)(tc)
				_ = tc.Close()
			})
			h := &HTTP{Conn: Conn{Addr: addr, Timeout: 2 * time.Second}, VirtualHost: tc.vhost, EnableSNI: tc.sni,
				TLS: &tls.Config{RootCAs: tc.roots}, URLs: []URL{{Path: "/", Digest: md5hex(body)}}}
			r := mustReturn(t, h)
			if r.OK() != tc.wantOK {
				t.Fatalf("ok=%v err=%v, want %v", r.OK(), r.Err, tc.wantOK)
			}
			mu.Lock()
			defer mu.Unlock()
			if sawSNI != tc.wantSNI {
				t.Errorf("SNI %q, want %q", sawSNI, tc.wantSNI)
			}
		})
	}
}

func TestSSLGetPlainPeerStalls(t *testing.T) {
	leakCheck(t)
	// A plain server that never answers the ClientHello.
	addr := tcpServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	h := &HTTP{Conn: Conn{Addr: addr, Timeout: shortTimeout}, TLS: &tls.Config{}, URLs: []URL{{Path: "/"}}}
	if r := mustReturn(t, h); r.OK() {
		t.Fatal("handshake with a silent peer passed")
	}
}

func ExampleHTTP_Request() {
	h := &HTTP{Conn: Conn{Addr: netip.MustParseAddrPort("192.0.2.1:80")}}
	fmt.Printf("%q\n", h.Request(&URL{Path: "/health"}))
	// Output: "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.1:80\r\n\r\n"
}

// recordConn keeps every byte read from the client.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

func (r *recordConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.buf = append(r.buf, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// TestSSLGetTLSCompliant: keepalived shuts an SSL_GET connection down
// quietly (no close_notify) unless tls_compliant (2.3) is set on the
// checker or the url. TLS 1.2 leaves the record type in clear, so the
// server sees whether an alert record (21) came after the request.
func TestSSLGetTLSCompliant(t *testing.T) {
	srvCert, _ := selfSigned(t, "good.example")
	srvCfg := &tls.Config{Certificates: []tls.Certificate{srvCert}, MaxVersion: tls.VersionTLS12}
	for _, compliant := range []bool{false, true} {
		t.Run(fmt.Sprint("compliant=", compliant), func(t *testing.T) {
			leakCheck(t)
			alerts := make(chan int, 1)
			addr := tcpServer(t, func(c net.Conn) {
				rc := &recordConn{Conn: c}
				tc := tls.Server(rc, srvCfg)
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := readRequest(tc); err != nil {
					alerts <- -1
					return
				}
				_, _ = io.WriteString(tc, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
				_, _ = io.Copy(io.Discard, rc) // raw records, until the client closes
				rc.mu.Lock()
				defer rc.mu.Unlock()
				alerts <- countRecords(rc.buf, 21)
			})
			h := &HTTP{Conn: Conn{Addr: addr, Timeout: 2 * time.Second}, TLS: &tls.Config{},
				URLs: []URL{{Path: "/", TLSCompliant: compliant}}}
			if r := mustReturn(t, h); !r.OK() {
				t.Fatal(r.Err)
			}
			want := 0
			if compliant {
				want = 1
			}
			if got := <-alerts; got != want {
				t.Errorf("client sent %d alert records, want %d", got, want)
			}
		})
	}
}

// countRecords counts the TLS records of type typ in a client's byte stream.
func countRecords(b []byte, typ byte) int {
	n := 0
	for len(b) >= 5 {
		l := int(b[3])<<8 | int(b[4])
		if b[0] == typ {
			n++
		}
		if len(b) < 5+l {
			break
		}
		b = b[5+l:]
	}
	return n
}

// A passing response with a Content-Length is parsed without allocating
// (status line, headers and body come from the reader's buffer), and a
// header longer than that buffer still parses.
func TestCheckResponseNoAlloc(t *testing.T) {
	resp := "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
	u := &URL{Path: "/"}
	br := bufio.NewReaderSize(nil, 512)
	var sr strings.Reader
	allocs := testing.AllocsPerRun(100, func() {
		sr.Reset(resp)
		br.Reset(&sr)
		if err := checkResponse(br, u); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("checkResponse: %v allocations, want 0", allocs)
	}
	long := "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("a", 2000) + "\r\nContent-Length: 2\r\n\r\nok"
	br.Reset(strings.NewReader(long))
	if err := checkResponse(br, u); err != nil {
		t.Errorf("long header: %v", err)
	}
	br.Reset(strings.NewReader("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nok"))
	if err := checkResponse(br, u); err == nil || !strings.Contains(err.Error(), "2 of 5 bytes") {
		t.Errorf("short body: %v, want 2 of 5 bytes", err)
	}
}
