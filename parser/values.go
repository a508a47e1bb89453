package parser

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Value readers shared by every block. Each reports a positioned diagnostic
// and returns ok=false when the value is unusable, as keepalived does
// (the keyword is then ignored and the default kept).
//
// keepalived's "ignore_error" leniency: outside -t mode a number with
// trailing junk is accepted by its numeric prefix with a warning; in -t mode
// it is an error and the keyword is ignored (verified against 2.2.7).

// Uint reads an unsigned decimal integer in [lo, hi].
func (c *ctx) Uint(t token, lo, hi uint64) (uint64, bool) {
	if s := t.Text; s == "" || s[0] == '-' || s[0] == '+' {
		c.Report(t.Pos, invalidNumber, "invalid number '%s'", s)
		return 0, false
	}
	return ranged(c, t, lo, hi, func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
}

// Int reads a signed decimal integer in [lo, hi].
func (c *ctx) Int(t token, lo, hi int64) (int64, bool) {
	return ranged(c, t, lo, hi, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// ranged reads t with parse, leniently outside -t (see above), and checks
// it is in [lo, hi].
func ranged[T int64 | uint64](c *ctx, t token, lo, hi T, parse func(s string) (T, error)) (T, bool) {
	s := t.Text
	n, err := parse(s)
	if err != nil {
		p, okp := numericPrefix(s)
		if !okp || c.Opts.TestMode {
			c.Report(t.Pos, invalidNumber, "invalid number '%s'", s)
			return 0, false
		}
		c.Report(t.Pos, invalidNumber, "invalid number '%s', using %s", s, p)
		n, _ = parse(p)
	}
	if n < lo || n > hi {
		c.Report(t.Pos, invalidNumber, "value %s out of range [%d, %d]", s, lo, hi)
		return 0, false
	}
	return n, true
}

// numericPrefix returns the leading [-]digits of s, if any.
func numericPrefix(s string) (string, bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return "", false
	}
	return s[:j], true
}

// Timer reads keepalived's <TIMER>: an unsigned decimal number of seconds
// with at most digits decimal places (6 for most timers, 3 for vrrp_script
// interval/timeout). More places is an error and the value is rounded.
// Leading white space (a quoted "  64") is skipped, as strtoull does in
// keepalived's read_decimal_unsigned_long_func.
func (c *ctx) Timer(t token, digits int, lo, hi time.Duration) (time.Duration, bool) {
	s := strings.TrimLeft(t.Text, whitespace)
	intPart, frac, hasDot := strings.Cut(s, ".")
	if s == "" || (intPart == "" && frac == "") || !allDigits(intPart) || !allDigits(frac) || (hasDot && frac == "" && intPart == "") {
		c.Report(t.Pos, invalidNumber, "invalid timer value '%s'", t.Text)
		return 0, false
	}
	if len(frac) > digits {
		c.Report(t.Pos, invalidNumber, "timer value '%s' has more than %d decimal places, rounding", t.Text, digits)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > float64(math.MaxInt64/int64(time.Second)) {
		c.Report(t.Pos, invalidNumber, "invalid timer value '%s'", t.Text)
		return 0, false
	}
	unit := time.Duration(math.Pow10(9 - digits))
	d := time.Duration(math.Round(f*float64(time.Second)/float64(unit))) * unit
	if d < lo || d > hi {
		c.Report(t.Pos, invalidNumber, "timer value '%s' out of range [%v, %v]", t.Text, lo, hi)
		return 0, false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Bool reads keepalived's optional boolean: no argument means true;
// on|true|yes / off|false|no (lower case only).
func (c *ctx) Bool(kw token, args []token) (bool, bool) {
	v, ok := trueFalse(args)
	if !ok {
		c.Report(args[0].Pos, generalError, "invalid boolean '%s' for %s", args[0].Text, kw.Text)
	}
	return v, ok
}

// IP reads a numeric IPv4/IPv6 address the way keepalived's
// inet_stosockaddr does: anything from the first '-' or '/' is dropped
// (so "10.0.0.1/24" is 10.0.0.1), no host names, no %zone.
func (c *ctx) IP(t token) (netip.Addr, bool) {
	s := t.Text
	if i := strings.IndexAny(s, "-/"); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		c.Report(t.Pos, generalError, "invalid IP address '%s'", t.Text)
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Port reads a port number 0..65535 (0, in any number of zeros, means
// "no port" to keepalived).
func (c *ctx) Port(t token) (uint16, bool) {
	n, err := strconv.ParseUint(t.Text, 10, 16)
	if err != nil {
		c.Report(t.Pos, invalidNumber, "invalid port '%s'", t.Text)
		return 0, false
	}
	return uint16(n), true
}

// Need reports a missing parameter when args has fewer than n words.
// keepalived aborts (-t exit 2) only for a few keywords; most handlers
// just ignore the keyword, which is what returning false asks for.
func (c *ctx) Need(kw token, args []token, n int) bool {
	if len(args) >= n {
		return true
	}
	c.Report(kw.Pos, missingParameter, "%s: missing parameter", kw.Text)
	return false
}
