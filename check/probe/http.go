package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"unicode"

	"github.com/dsas/keepalived-go/check/pcre"
)

// StatusRange is one status_code item: a single code has Lo == Hi.
type StatusRange struct{ Lo, Hi int }

// URL is one url block of HTTP_GET / SSL_GET.
type URL struct {
	Path        string
	Digest      string        // MD5 of the body, hex; empty: not checked
	Status      []StatusRange // empty: 200-299
	VirtualHost string        // overrides HTTP.VirtualHost
	// Match is the url's regex; nil: the body is not matched.
	Match *pcre.Matcher
	// MatchErr is why the configured regex cannot run (RE2 lacks a
	// construct): the check then always fails rather than pass unmatched.
	MatchErr error
	// TLSCompliant is SSL_GET tls_compliant (keepalived 2.3, checker or
	// url): the connection ends with a close_notify alert. keepalived
	// otherwise shuts TLS down quietly (SSL_set_quiet_shutdown), and so do
	// we: the TCP connection is closed with no alert.
	TLSCompliant bool
}

// maxRegexBody bounds the body kept for a regex: keepalived matches a
// stream in 4 KiB windows; RE2 needs the bytes at once.
const maxRegexBody = 4 << 20

// HTTP is HTTP_GET, or SSL_GET when TLS is set. A check fetches one url,
// the one Aim chose (keepalived's url iterator, kept by the engine), on its
// own connection within connect_timeout, exactly as keepalived builds the
// request: `GET path HTTP/1.x`, `User-Agent: KeepAliveClient`, optional
// `Connection: close`, `Host`.
type HTTP struct {
	Conn Conn
	URLs []URL
	// VirtualHost is the checker's Host, already resolved checker > RS > VS;
	// empty means Host is the connect address `IP:PORT` (`[v6]:PORT`).
	VirtualHost string
	// Protocol is http_protocol: "1.0" (default), "1.1" or "1.0C".
	Protocol string
	// TLS turns the checker into SSL_GET. Certificates are only verified
	// when RootCAs is set, and then only the chain (keepalived never checks
	// the name); Certificates is the client certificate, if any.
	TLS *tls.Config
	// EnableSNI sends the virtual host as SNI (SSL_GET only).
	EnableSNI bool

	// cache is what stepped checks build once (step.go).
	cache stepCache
	// url is the index of the url the next check fetches (Aim).
	url int
}

// Walker is a Prober whose check covers one of several parts, chosen
// before each check: keepalived's HTTP_GET and SSL_GET fetch one url per
// check, and check_http.c's epilog decides which (the engine keeps that
// iterator, the failed url and the retries, package check).
type Walker interface {
	Prober
	// Parts is how many parts there are (urls).
	Parts() int
	// Part names part i (the url's path), for status and logs.
	Part(i int) string
	// Aim makes the next check (Check or Begin) cover part i.
	Aim(i int)
}

// Parts implements Walker.
func (h *HTTP) Parts() int { return len(h.URLs) }

// Part implements Walker.
func (h *HTTP) Part(i int) string { return h.URLs[i].Path }

// Aim implements Walker; an index out of range is taken as the first url.
func (h *HTTP) Aim(i int) {
	if i < 0 || i >= len(h.URLs) {
		i = 0
	}
	h.url = i
}

// Check implements Prober: it fetches the url Aim chose.
func (h *HTTP) Check(ctx context.Context) Result {
	if len(h.URLs) == 0 {
		return fail(errors.New("http: no url configured"))
	}
	if err := h.fetch(ctx, &h.URLs[min(h.url, len(h.URLs)-1)]); err != nil {
		return fail(err)
	}
	return Result{}
}

func (h *HTTP) host(u *URL) (vhost, header string) {
	switch {
	case u.VirtualHost != "":
		return u.VirtualHost, u.VirtualHost
	case h.VirtualHost != "":
		return h.VirtualHost, h.VirtualHost
	}
	return "", h.Conn.Addr.String()
}

// Request returns the exact bytes sent for u (exported for tests and for a
// genhash-like tool).
func (h *HTTP) Request(u *URL) []byte {
	minor, closeHdr := "0", ""
	switch strings.ToUpper(h.Protocol) {
	case "1.1":
		minor, closeHdr = "1", "Connection: close\r\n"
	case "1.0C":
		closeHdr = "Connection: close\r\n"
	}
	_, host := h.host(u)
	return []byte("GET " + u.Path + " HTTP/1." + minor + "\r\nUser-Agent: KeepAliveClient\r\n" +
		closeHdr + "Host: " + host + "\r\n\r\n")
}

func (h *HTTP) fetch(ctx context.Context, u *URL) error {
	raw, stop, err := h.Conn.dial(ctx, "tcp")
	if err != nil {
		return fmt.Errorf("http %s%s: %w", h.Conn.Addr, u.Path, err)
	}
	defer stop()
	defer raw.Close()
	var c net.Conn = raw
	if h.TLS != nil {
		vhost, _ := h.host(u)
		tc := tls.Client(raw, h.tlsConfig(vhost))
		// The conn deadline set by dial bounds the handshake too.
		if err := tc.Handshake(); err != nil {
			return fmt.Errorf("https %s%s: handshake: %w", h.Conn.Addr, u.Path, err)
		}
		if u.TLSCompliant {
			// Close sends close_notify (bounded by the conn deadline) before
			// it closes the socket; the deferred raw.Close is then a no-op.
			defer tc.Close()
		}
		c = tc
	}
	if _, err := c.Write(h.Request(u)); err != nil {
		return fmt.Errorf("http %s%s: send: %w", h.Conn.Addr, u.Path, err)
	}
	if err := checkResponse(bufio.NewReaderSize(c, 4096), u); err != nil {
		return fmt.Errorf("http %s%s: %w", h.Conn.Addr, u.Path, err)
	}
	return nil
}

func (h *HTTP) tlsConfig(vhost string) *tls.Config {
	cfg := h.TLS.Clone()
	roots := cfg.RootCAs
	cfg.RootCAs = nil
	cfg.ServerName = ""
	if h.EnableSNI && vhost != "" {
		cfg.ServerName = vhost
	}
	// Name checks are never done; the chain only when a CA was configured.
	cfg.InsecureSkipVerify = true
	if roots != nil {
		cfg.VerifyPeerCertificate = func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(rawCerts, roots)
		}
	}
	return cfg
}

func verifyChain(rawCerts [][]byte, roots *x509.CertPool) error {
	if len(rawCerts) == 0 {
		return errors.New("no peer certificate")
	}
	certs := make([]*x509.Certificate, len(rawCerts))
	for i, r := range rawCerts {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("peer certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	return err
}

// checkResponse reads the whole response, like keepalived, so a body that
// stalls fails the check even when no digest is wanted. The digest covers the
// raw bytes after the header (chunk framing included), as genhash computes it.
func checkResponse(r *bufio.Reader, u *URL) error {
	line, err := httpLine(r)
	if err != nil {
		return fmt.Errorf("status line: %w", err)
	}
	code, err := parseStatus(line)
	if err != nil {
		return err
	}
	length := int64(-1)
	for {
		hl, err := httpLine(r)
		if err != nil {
			return fmt.Errorf("headers: %w", err)
		}
		hl = bytes.TrimRight(hl, "\r\n")
		if len(hl) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(hl, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil && n >= 0 {
				length = n
			}
		}
	}
	if length >= 0 && u.Digest == "" && u.Match == nil {
		// The common case, without the LimitReader an io.Copy needs.
		n, err := r.Discard(int(min(length, math.MaxInt32)))
		switch {
		case err == io.EOF:
			return fmt.Errorf("body: %d of %d bytes", n, length)
		case err != nil:
			return fmt.Errorf("body: %w", err)
		}
		if !statusOK(code, u.Status) {
			return fmt.Errorf("status %d not expected", code)
		}
		return checkRegex(u, nil)
	}
	var body io.Reader = r
	if length >= 0 {
		body = io.LimitReader(r, length)
	}
	// The body is read whole in any case; hashed only for a digest, kept
	// only for a regex (a hash per check cost an allocation and CPU).
	var sum hash.Hash
	var kept *bytes.Buffer
	var sink io.Writer = io.Discard
	if u.Digest != "" {
		sum = md5.New()
		sink = sum
	}
	if u.Match != nil {
		kept = new(bytes.Buffer)
		lb := &limitedBuffer{buf: kept, max: maxRegexBody}
		if sum != nil {
			sink = io.MultiWriter(sum, lb)
		} else {
			sink = lb
		}
	}
	n, err := io.Copy(sink, body)
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if length >= 0 && n < length {
		return fmt.Errorf("body: %d of %d bytes", n, length)
	}
	if !statusOK(code, u.Status) {
		return fmt.Errorf("status %d not expected", code)
	}
	if u.Digest != "" {
		if got := hex.EncodeToString(sum.Sum(nil)); !strings.EqualFold(got, u.Digest) {
			return fmt.Errorf("digest %s, want %s", got, u.Digest)
		}
	}
	var b []byte
	if kept != nil {
		b = kept.Bytes()
	}
	return checkRegex(u, b)
}

func checkRegex(u *URL, body []byte) error {
	switch {
	case u.MatchErr != nil:
		return fmt.Errorf("regex cannot run: %w", u.MatchErr)
	case u.Match == nil || u.Match.OK(body):
		return nil
	case u.Match.NoMatch:
		return errors.New("regex matched (regex_no_match)")
	}
	return errors.New("regex match failed")
}

// limitedBuffer keeps the first max bytes written and drops the rest
// without error, so the digest still sees the whole body.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func parseStatus(line []byte) (int, error) {
	proto, rest, ok := nextField(line)
	codeField, _, ok2 := nextField(rest)
	if !ok || !ok2 || !bytes.HasPrefix(proto, []byte("HTTP/")) {
		return 0, fmt.Errorf("bad status line %q", bytes.TrimSpace(line))
	}
	code, err := strconv.Atoi(string(codeField))
	if err != nil || code < 100 || code > 999 {
		return 0, fmt.Errorf("bad status code in %q", bytes.TrimSpace(line))
	}
	return code, nil
}

// nextField is the first field of s as bytes.Fields splits it, and
// what follows it; without Fields' slice, as every check parses a line.
func nextField(s []byte) (field, rest []byte, ok bool) {
	s = bytes.TrimLeftFunc(s, unicode.IsSpace)
	if len(s) == 0 {
		return nil, nil, false
	}
	i := bytes.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, nil, true
	}
	return s[:i], s[i:], true
}

// httpLine is the next line of r with its newline, valid until r is read
// again: bufio's own buffer unless the line is longer (a copy then), so a
// check's status line and headers cost no allocation (ReadString's did).
func httpLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	long := append([]byte(nil), line...)
	for err == bufio.ErrBufferFull {
		line, err = r.ReadSlice('\n')
		long = append(long, line...)
	}
	return long, err
}

func statusOK(code int, ranges []StatusRange) bool {
	if len(ranges) == 0 {
		return code >= 200 && code <= 299
	}
	for _, r := range ranges {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}
