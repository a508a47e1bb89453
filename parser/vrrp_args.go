package parser

import (
	"net/netip"
	"strconv"
)

// itemArgs walks the words of one address, route or rule item: an option,
// then the values it consumes. keepalived reports a missing value against
// the option, with a message per item kind (missing: the option's text,
// then extra). An option handler returning false drops the whole item, so
// a handler may store what it read before it knows it is good.
type itemArgs struct {
	c       *ctx
	words   []token
	i       int   // the word being read
	opt     token // the option being handled: words[i] when it started
	missing string
	extra   []any
}

func (c *ctx) itemArgs(words []token, missing string, extra ...any) *itemArgs {
	return &itemArgs{c: c, words: words, i: -1, missing: missing, extra: extra}
}

// next moves to the next option; false at the end of the item.
func (a *itemArgs) next() bool {
	a.i++
	if a.i >= len(a.words) {
		return false
	}
	a.opt = a.words[a.i]
	return true
}

// more reports whether a word follows the one being read.
func (a *itemArgs) more() bool { return a.i+1 < len(a.words) }

// advance consumes the following word without checks (see more).
func (a *itemArgs) advance() token {
	a.i++
	return a.words[a.i]
}

// stop ends the item: the option took every remaining word.
func (a *itemArgs) stop() { a.i = len(a.words) }

// rest is the option's own word and every word after it.
func (a *itemArgs) rest() []token { return a.words[a.i:] }

// value consumes the option's value, or reports it missing.
func (a *itemArgs) value() (token, bool) {
	if !a.more() {
		a.c.Report(a.opt.Pos, generalError, a.missing, append([]any{a.opt.Text}, a.extra...)...)
		return token{}, false
	}
	return a.advance(), true
}

// until consumes the words before the next one stop accepts.
func (a *itemArgs) until(stop func(string) bool) []token {
	from := a.i + 1
	for a.more() && !stop(a.words[a.i+1].Text) {
		a.i++
	}
	return a.words[from : a.i+1]
}

// lookup reads a value naming an entry of an iproute2 table (rt_tables,
// rt_protos, ...) or a number up to max; bad reports the value.
func (a *itemArgs) lookup(table string, max uint64, bad string) (uint32, token, bool) {
	v, ok := a.value()
	if !ok {
		return 0, v, false
	}
	n, ok := rtLookup(table, v.Text, max)
	if !ok {
		a.c.Report(v.Pos, generalError, bad, v.Text)
	}
	return n, v, ok
}

// number reads a value strconv.ParseUint accepts in base with bits, in
// [lo, hi]; bad reports the value.
func (a *itemArgs) number(base, bits int, lo, hi uint64, bad string) (uint64, token, bool) {
	v, ok := a.value()
	if !ok {
		return 0, v, false
	}
	n, err := strconv.ParseUint(v.Text, base, bits)
	if err != nil || n < lo || n > hi {
		a.c.Report(v.Pos, generalError, bad, v.Text)
		return 0, v, false
	}
	return n, v, true
}

// addr reads a numeric address value; bad reports the value.
func (a *itemArgs) addr(bad string) (netip.Addr, token, bool) {
	v, ok := a.value()
	if !ok {
		return netip.Addr{}, v, false
	}
	return a.parseAddr(v, bad)
}

// via reads a gateway: an address, optionally after its family.
func (a *itemArgs) via(bad string) (netip.Addr, token, bool) {
	v, ok := a.value()
	if ok && (v.Text == "inet" || v.Text == "inet6") {
		v, ok = a.value()
	}
	if !ok {
		return netip.Addr{}, v, false
	}
	return a.parseAddr(v, bad)
}

func (a *itemArgs) parseAddr(v token, bad string) (netip.Addr, token, bool) {
	ip, err := netip.ParseAddr(v.Text)
	if err != nil {
		a.c.Report(v.Pos, generalError, bad, v.Text)
		return netip.Addr{}, v, false
	}
	return ip, v, true
}

// dev reads an interface name, warning (format taking the name) when the
// host lacks it: keepalived keeps the item for when it appears.
func (a *itemArgs) dev(absent string) (token, bool) {
	v, ok := a.value()
	if ok {
		a.c.lookupIf(v.Pos, v.Text, absent, v.Text)
	}
	return v, ok
}
