package probe

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// UDP is UDP_CHECK: send Payload; without RequireReply the target is up
// unless the send is refused (ICMP port unreachable) before the deadline;
// with it a reply whose length is within [MinLen, MaxLen] and whose first
// bytes match Reply (Mask bits set = wildcard) is required.
type UDP struct {
	Conn         Conn
	Payload      []byte
	RequireReply bool
	Reply        []byte
	Mask         []byte // same length as Reply; 0xff nibble/byte = x wildcard
	MinLen       int
	MaxLen       int // 0: 255 (keepalived's default)
}

// ParseHexPattern reads keepalived's free-format hex (blanks allowed) where
// an `x` nibble is a wildcard; it returns the data and the wildcard mask
// (nil when there is no wildcard).
func ParseHexPattern(s string) (data, mask []byte, err error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s)%2 == 1 {
		s = "0" + s
	}
	data = make([]byte, len(s)/2)
	m := make([]byte, len(s)/2)
	wild := false
	for i := 0; i < len(s); i += 2 {
		var b, mb byte
		for j := range 2 {
			c := s[i+j]
			b <<= 4
			mb <<= 4
			if c == 'x' || c == 'X' {
				mb |= 0xf
				wild = true
				continue
			}
			v, err := hex.DecodeString("0" + string(c))
			if err != nil {
				return nil, nil, fmt.Errorf("hex %q: bad digit %q", s, c)
			}
			b |= v[0]
		}
		data[i/2], m[i/2] = b, mb
	}
	if wild {
		mask = m
	}
	return data, mask, nil
}

// Check implements Prober.
func (u *UDP) Check(ctx context.Context) Result {
	c, stop, err := u.Conn.dial(ctx, "udp")
	if err != nil {
		return fail(err)
	}
	defer stop()
	defer c.Close()
	if _, err := c.Write(u.Payload); err != nil {
		return fail(fmt.Errorf("udp %s: send: %w", u.Conn.Addr, err))
	}
	maxLen := u.MaxLen
	if maxLen <= 0 {
		maxLen = 255
	}
	buf := make([]byte, maxLen+1)
	n, err := c.Read(buf)
	if err != nil {
		// Silence until the deadline is success when no reply is needed;
		// a refusal (ICMP port unreachable) never is.
		var ne interface{ Timeout() bool }
		if !u.RequireReply && errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return Result{}
		}
		return fail(fmt.Errorf("udp %s: %w", u.Conn.Addr, err))
	}
	if !u.RequireReply {
		return Result{}
	}
	if n < u.MinLen || n > maxLen {
		return fail(fmt.Errorf("udp %s: reply length %d outside [%d,%d]", u.Conn.Addr, n, u.MinLen, maxLen))
	}
	for i := 0; i < n && i < len(u.Reply); i++ {
		var m byte
		if u.Mask != nil {
			m = u.Mask[i]
		}
		if (buf[i]^u.Reply[i])&^m != 0 {
			return fail(fmt.Errorf("udp %s: reply mismatch at byte %d", u.Conn.Addr, i))
		}
	}
	return Result{}
}
