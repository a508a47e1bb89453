// Package genhash is keepalived's genhash utility: it fetches one URL the
// way HTTP_GET/SSL_GET does and prints the MD5 digest of the body, the
// value an operator copies into a url's `digest` line. Options, messages,
// verbose dumps and exit statuses are keepalived 2.2.7's, so scripts that
// run genhash keep working; the request itself is check/probe's, so the
// digest is the one the checker will compute.
package genhash

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/tls"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// Main runs genhash. prog is argv[0] as invoked; asGenhash is false for
// `keepalived --genhash`, whose usage line says so; args are the words
// after the program name (or after --genhash) and argc keepalived's own
// argc. The status is keepalived's: 1 for a bad command line, 0 once a
// fetch was attempted, whatever its outcome.
func Main(prog string, asGenhash bool, args []string, argc int, stdout, stderr io.Writer) int {
	o, ok := parseArgs(args, argc, stderr)
	if !ok {
		usage(stderr, prog, asGenhash)
		return 1
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	Fetch(ctx, o, out, stderr)
	if o.Verbose {
		fmt.Fprintf(out, "\nGlobal response time for [%s] = %d usecs\n", o.URL, time.Since(start).Microseconds())
	}
	return 0
}

func usage(w io.Writer, prog string, asGenhash bool) {
	cmd := " --genhash"
	if asGenhash {
		cmd = ""
	}
	fmt.Fprintf(w, "Usage: %s%s COMMAND [OPTIONS]\n"+
		"Commands:\n"+
		"   -s server-address -p port -u url\n"+
		"   -S -s server-address -p port -u url\n"+
		"   -h\n\n", prog, cmd)
	io.WriteString(w, usageOptions)
}

const usageOptions = `Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`

// failure is one of keepalived's timeout_epilog messages, printed on
// stdout in genhash mode.
type failure string

func (f failure) Error() string { return string(f) }

// Fetch fetches o's URL and writes the digest (or keepalived's failure
// message) to out; "no data received" goes to errw, as keepalived's does.
func Fetch(ctx context.Context, o Options, out, errw io.Writer) {
	h := probe.HTTP{
		Conn:        probe.Conn{Addr: netip.AddrPortFrom(o.Server, o.Port), FWMark: o.FWMark},
		VirtualHost: o.VirtualHost,
		Protocol:    o.Protocol,
	}
	u := probe.URL{Path: o.URL}
	c, err := connect(ctx, o, h.Conn)
	if err != nil {
		fmt.Fprintln(out, err)
		return
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_ = c.SetWriteDeadline(time.Now().Add(o.Timeout))
	if _, err := c.Write(h.Request(&u)); err != nil {
		fmt.Fprintln(out, "Cannot send get request to")
		return
	}
	r := reader{o: o, out: out, sum: md5.New(), contentLen: -1}
	r.read(c)
	switch {
	case r.failed != "":
		fmt.Fprintln(out, r.failed)
	case r.header == nil:
		fmt.Fprintln(errw, "no data received from remote webserver")
	default:
		fmt.Fprintf(out, "%x\n", r.sum.Sum(nil))
	}
}

// connect opens the TCP connection, and the TLS session for -S, with
// keepalived's failure messages.
func connect(ctx context.Context, o Options, pc probe.Conn) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	raw, err := pc.Dialer("tcp").DialContext(dctx, "tcp", pc.Addr.String())
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, failure("Timeout connecting")
		}
		return nil, failure("Connection failed")
	}
	if !o.SSL {
		return raw, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: true} // genhash verifies nothing
	if o.SNI && o.VirtualHost != "" {
		cfg.ServerName = o.VirtualHost
	}
	tc := tls.Client(raw, cfg)
	_ = raw.SetDeadline(time.Now().Add(o.Timeout))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		if isTimeout(err) {
			return nil, failure("Timeout connecting")
		}
		return nil, failure("SSL handshake/communication error connecting to")
	}
	_ = raw.SetDeadline(time.Time{})
	return tc, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// keepalived's buffer: each read asks for what is left of 4096 bytes less
// the terminating NUL, and the buffer restarts once the header is found.
const maxBuffer = 4096

// reader follows keepalived's http_read_thread/ssl_read_thread and
// http_process_response: read by read, the header is looked for in what
// has accumulated, then every body byte up to Content-Length is hashed.
type reader struct {
	o          Options
	out        io.Writer
	sum        hash.Hash
	buf        []byte
	header     []byte // nil until the blank line is seen
	contentLen int64  // -1: none
	rx         int64
	failed     string
}

func (r *reader) read(c net.Conn) {
	_, isTLS := c.(*tls.Conn)
	chunk := make([]byte, maxBuffer-1)
	first := true
	for {
		room := maxBuffer - 1 - len(r.buf)
		if r.header != nil {
			room = maxBuffer - 1
		}
		_ = c.SetReadDeadline(time.Now().Add(r.o.Timeout))
		n, err := c.Read(chunk[:room])
		if n > 0 {
			r.process(chunk[:n])
			first = false
			continue
		}
		r.finish(err, first, isTLS, room)
		return
	}
}

// finish handles the end of the stream: EOF dumps the final digest in
// verbose mode, a timeout or read error is keepalived's message.
func (r *reader) finish(err error, first, isTLS bool, room int) {
	eof := err == nil || errors.Is(err, io.EOF) || room == 0
	switch {
	case isTimeout(err) && first:
		r.failed = "Timeout WEB read"
	case isTimeout(err) && isTLS:
		r.failed = "Timeout SSL read"
	case isTimeout(err):
		r.failed = "Timeout HTTP read"
	case !eof && !isTLS:
		r.failed = "Read error with"
	}
	if r.failed != "" {
		return
	}
	if eof && r.o.Verbose {
		io.WriteString(r.out, "\n"+delim("    HTML hash resulting    "))
		dump(r.out, r.sum.Sum(nil))
		io.WriteString(r.out, delim(" HTML hash final resulting "))
	}
}

func (r *reader) process(p []byte) {
	if r.header != nil {
		r.hashBody(p)
		return
	}
	if r.o.Verbose {
		io.WriteString(r.out, delim("    HTTP Header Buffer    "))
	}
	r.buf = append(r.buf, p...)
	end := headerEnd(r.buf)
	if end < 0 {
		return
	}
	r.header = r.buf[:end]
	r.contentLen = contentLength(r.buf)
	if r.o.Verbose {
		dump(r.out, r.header)
		io.WriteString(r.out, delim(" HTTP Header Ascii Buffer "))
		fmt.Fprintf(r.out, "%s\n", r.header)
	}
	body := r.buf[end:]
	if n := r.take(int64(len(body))); n > 0 {
		r.sum.Write(body[:n])
		if r.o.Verbose {
			io.WriteString(r.out, delim("        HTML Buffer        "))
			dump(r.out, body[:n])
		}
	}
	r.rx = int64(len(body))
	r.buf = nil
}

func (r *reader) hashBody(p []byte) {
	if n := r.take(int64(len(p))); n > 0 {
		r.sum.Write(p[:n])
		if r.o.Verbose {
			dump(r.out, p[:n])
		}
	}
	r.rx += int64(len(p))
}

// take is how many of n new body bytes are hashed: all of them without a
// Content-Length, else only up to it.
func (r *reader) take(n int64) int64 {
	switch {
	case r.contentLen < 0:
		return n
	case r.contentLen <= r.rx:
		return 0
	}
	return min(n, r.contentLen-r.rx)
}

// headerEnd is the offset just past the first CRLFCRLF, or -1.
func headerEnd(b []byte) int {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' && b[i+2] == '\r' && b[i+3] == '\n' {
			return i + 4
		}
	}
	return -1
}

// contentLength is keepalived's: the first "Content-Length:" (exact case)
// anywhere in the buffer, a decimal number after optional blanks, then the
// end of the line; anything else means no length.
func contentLength(b []byte) int64 {
	s := string(b)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	const tag = "Content-Length:"
	i := strings.Index(s, tag)
	if i < 0 {
		return -1
	}
	rest := s[i+len(tag):]
	v := strings.TrimLeft(rest, " \t\n\v\f\r")
	if v == "" || v[0] < '0' || v[0] > '9' {
		// No digits: strtoul leaves its end pointer right after the tag.
		if rest == "" || rest[0] == '\r' || rest[0] == '\n' {
			return 0
		}
		return -1
	}
	j := 0
	for j < len(v) && v[j] >= '0' && v[j] <= '9' {
		j++
	}
	if j < len(v) && v[j] != '\r' && v[j] != '\n' {
		return -1
	}
	n, err := strconv.ParseInt(v[:j], 10, 64)
	if err != nil {
		return 1<<63 - 1 // strtoul saturates
	}
	return n
}

func delim(title string) string {
	return "-----------------------[" + title + "]-----------------------\n"
}

// dump is keepalived's dump_buffer: 16 bytes a line, offset, hex with a
// dash after the eighth byte, then the printable characters.
func dump(w io.Writer, b []byte) {
	var s strings.Builder
	for line := 0; line < len(b); line += 16 {
		fmt.Fprintf(&s, "%.4d ", line&0xffff)
		for i := line; i < line+16; i++ {
			if i < len(b) {
				fmt.Fprintf(&s, "%3.2x", b[i])
			} else {
				s.WriteString("   ")
			}
			if i == line+7 {
				s.WriteString(" -")
			}
		}
		s.WriteString("   ")
		for i := line; i < line+16; i++ {
			switch {
			case i >= len(b):
				s.WriteByte(' ')
			case b[i] >= 0x20 && b[i] <= 0x7e:
				s.WriteByte(b[i])
			default:
				s.WriteByte('.')
			}
		}
		s.WriteByte('\n')
	}
	io.WriteString(w, s.String())
}
