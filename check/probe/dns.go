package probe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsTypes are the record types DNS_CHECK accepts.
var dnsTypes = map[string]dnsmessage.Type{
	"A": dnsmessage.TypeA, "NS": dnsmessage.TypeNS, "CNAME": dnsmessage.TypeCNAME,
	"SOA": dnsmessage.TypeSOA, "MX": dnsmessage.TypeMX, "TXT": dnsmessage.TypeTXT,
	"AAAA": dnsmessage.TypeAAAA, "RRSIG": dnsmessage.Type(46), "DNSKEY": dnsmessage.Type(48),
}

// DNSType maps a DNS_CHECK `type` word to its record type.
func DNSType(word string) (dnsmessage.Type, bool) {
	t, ok := dnsTypes[strings.ToUpper(word)]
	return t, ok
}

// DNS is DNS_CHECK: one UDP query (recursion desired); up when an answer
// with our id, the QR bit and RCODE 0 comes back before the deadline.
type DNS struct {
	Conn Conn
	Type string // default SOA
	Name string // default "." (root)
}

func (d *DNS) query(id uint16) ([]byte, error) {
	qt := dnsmessage.TypeSOA
	if d.Type != "" {
		t, ok := DNSType(d.Type)
		if !ok {
			return nil, fmt.Errorf("dns: unknown type %q", d.Type)
		}
		qt = t
	}
	name := d.Name
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	n, err := dnsmessage.NewName(name)
	if err != nil {
		return nil, fmt.Errorf("dns: name %q: %w", d.Name, err)
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), dnsmessage.Header{ID: id, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: n, Type: qt, Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// DNSError is a failed DNS_CHECK; its text is keepalived's (dns_final's
// reasons, which it logs as "DNS_CHECK (RS) REASON").
type DNSError struct {
	Reason string // e.g. "failed to read socket; errno 111 (Connection refused)"
	Err    error
}

func (e *DNSError) Error() string { return e.Reason }
func (e *DNSError) Unwrap() error { return e.Err }

// Check implements Prober.
func (d *DNS) Check(ctx context.Context) Result {
	failed := func(reason string, err error) Result { return fail(&DNSError{Reason: reason, Err: err}) }
	id := uint16(rand.Uint32())
	q, err := d.query(id)
	if err != nil {
		return fail(err)
	}
	c, stop, err := d.Conn.dial(ctx, "udp")
	if err != nil {
		// A UDP connect(2) fails only at once (no route).
		return failed(fmt.Sprintf("network unreachable for [%s]:%d", d.Conn.Addr.Addr().WithZone(""), d.Conn.Addr.Port()), err)
	}
	defer stop()
	defer c.Close()
	if _, err := c.Write(q); err != nil {
		if isTimeout(err) {
			return failed("write timeout to socket.", err)
		}
		return failed("failed to write socket.", err)
	}
	buf := make([]byte, 1500)
	for {
		n, err := c.Read(buf)
		if err != nil {
			if isTimeout(err) {
				return failed("read timeout from socket", err)
			}
			return failed("failed to read socket; "+errnoText(err), err)
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil || h.ID != id || !h.Response {
			continue // stray or late datagram: keep waiting until the deadline
		}
		if h.RCode != dnsmessage.RCodeSuccess {
			return failed(fmt.Sprintf("read error occurred. (rcode = %d)", h.RCode), nil)
		}
		return Result{}
	}
}

// errnoText is C's "errno N (strerror)": glibc's messages are Go's with
// a capital.
func errnoText(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return "errno 0 (" + err.Error() + ")"
	}
	msg := en.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return fmt.Sprintf("errno %d (%s)", int(en), msg)
}
