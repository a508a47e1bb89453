package parser

import (
	"fmt"

	"github.com/dsas/keepalived-go/config"
)

// token is one word of a logical line, with where it started.
type token struct {
	Text   string
	Pos    Pos
	Quoted bool // written inside double quotes
}

// kwKind says how a keyword consumes what follows it. The zero kind is a
// value keyword: the keyword and its arguments are the whole statement.
type kwKind uint8

const (
	// kwBlock: the keyword opens a block of keywords from Sub.
	kwBlock kwKind = iota + 1
	// kwItemBlock: one item per line (keepalived's alloc_value_block), e.g.
	// virtual_ipaddress, track_script, unicast_peer.
	kwItemBlock
	// kwWordBlock: all words of all lines form one list (read_value_block),
	// e.g. notification_email, vrrp_sync_group's group.
	kwWordBlock
)

// keyword describes one keyword of a block and what to do with it.
// Handlers report problems through the ctx and never panic on bad input.
type keyword struct {
	Name string
	Kind kwKind
	// Sub is the table of a Block keyword.
	Sub table
	// Handle runs on the keyword's line; args are the words after the
	// keyword (for blocks: the words before the '{').
	Handle func(c *ctx, kw token, args []token)
	// Item runs once per line of an kwItemBlock.
	Item func(c *ctx, item []token)
	// Words runs once, at the end of a kwWordBlock, with every word in it.
	Words func(c *ctx, words []token)
	// End runs when a Block or kwItemBlock closes (keepalived's end handler).
	End func(c *ctx)
	// Names is how many words after an kwItemBlock/kwWordBlock keyword are
	// its own arguments (virtual_server_group NAME {...}: 1) rather than
	// "extra parameters" before the '{'. Handle receives them.
	Names int
	// Script marks command keywords whose raw line is re-read with the
	// script tokenizer (notify_*, script, misc_path, ...).
	Script bool
}

// table is the set of keywords valid at one level, by exact name.
type table map[string]*keyword

// ctx is what keyword handlers see: the configuration being built, the
// options of this parse, and the diagnostics sink. The per-side state
// (current instance, current virtual server, ...) lives in vrrp and lvs.
type ctx struct {
	Cfg  *config.Config
	Opts *Options

	diags Diagnostics
	// raw is the raw text of the current logical line (for Script keywords).
	raw string

	vrrp vrrpState // parser/vrrp*.go
	lvs  lvsState  // parser/lvs*.go
	core coreState // engine, global_defs and script security (core files)

	bgpPos Pos // where bgp_speaker opened (parser/bgp.go)

	// addr and addrArgs are parseAddress's working state, reused: the
	// option handlers take *addrItem through a map of funcs, so a fresh
	// one escaped to the heap for every address (13 MB for 65 535 VIPs).
	addr     addrItem
	addrArgs itemArgs

	// msgs interns diagnostic texts and msgBuf is where they are
	// formatted: each pass reports the same messages again, and a long
	// line's pieces all carry the same 1 KB word, so a repeated text
	// shares the first one's bytes instead of holding its own copy.
	msgs   map[string]string
	msgBuf []byte
}

// message formats a diagnostic's text, interned (see ctx.msgs).
func (c *ctx) message(format string, args []any) string {
	c.msgBuf = fmt.Appendf(c.msgBuf[:0], format, args...)
	if s, ok := c.msgs[string(c.msgBuf)]; ok {
		return s
	}
	if c.msgs == nil {
		c.msgs = map[string]string{}
	}
	s := string(c.msgBuf)
	c.msgs[s] = s
	return s
}

// Report records a diagnostic of the given class at pos.
func (c *ctx) Report(pos Pos, class Class, format string, args ...any) {
	d := Diagnostic{Pos: pos, Class: class, Msg: c.message(format, args), procs: c.core.proc}
	if lx := c.core.lx; lx != nil {
		d.line = true
		d.named = lx.child || len(lx.stack) > 1 || (len(lx.stack) == 1 && len(lx.stack[0].matches) > 1)
	}
	c.diags = append(c.diags, d)
}

// atLine marks the last diagnostic, judged after the VRRP read, as one
// keepalived's VRRP child logs while reading its line (so with the
// "(FILE: Line N)" prefix of the parent's copy).
func (c *ctx) atLine() {
	if n := len(c.diags); n > 0 {
		c.diags[n-1].line, c.diags[n-1].named = true, true
	}
}

// afterRead marks the last diagnostic as one keepalived finds only once
// the read is over, so logs without a "(Line N)" prefix.
func (c *ctx) afterRead() {
	if n := len(c.diags); n > 0 {
		c.diags[n-1].line = false
	}
}

// Raw is the raw text of the logical line being handled, after comment
// removal and substitution (what the script tokenizer re-reads).
func (c *ctx) Raw() string { return c.raw }

// Require is keepalived's strvec_slot on a missing word: when args has
// fewer than n words it reports "missing a parameter" and aborts the whole
// parse (keepalived exits 2; Result.Aborted, testExitCode gives 2). The
// handler must return at once when Require returns false.
func (c *ctx) Require(kw token, args []token, n int) bool {
	if len(args) >= n {
		return true
	}
	if c.core.aborted {
		return false
	}
	last := kw.Text
	if len(args) > 0 {
		last = args[len(args)-1].Text
	}
	c.Report(kw.Pos, missingParameter, "Configuration line starting `%s` is missing a parameter after keyword `%s` at word position %d", kw.Text, last, len(args)+2)
	c.core.aborted = true
	return false
}

// Aborted reports whether a handler aborted the parse (see Require).
func (c *ctx) Aborted() bool { return c.core.aborted }

// SkipBlock is keepalived's skip_block(true): called from a Block keyword's
// Handle, it makes the engine skip the keyword's whole {...} block without
// parsing it and without running End (e.g. "vrrp_instance X already
// defined").
func (c *ctx) SkipBlock() { c.core.skipBlock = true }
