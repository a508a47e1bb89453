package parser

import (
	"fmt"

	"github.com/dsas/keepalived-go/config"
)

// Token is one word of a logical line, with where it started.
type Token struct {
	Text   string
	Pos    Pos
	Quoted bool // written inside double quotes
}

// Kind says how a keyword consumes what follows it.
type Kind uint8

const (
	// Value: the keyword and its arguments are the whole statement.
	Value Kind = iota
	// Block: the keyword opens a block of keywords from Sub.
	Block
	// ItemBlock: one item per line (keepalived's alloc_value_block), e.g.
	// virtual_ipaddress, track_script, unicast_peer.
	ItemBlock
	// WordBlock: all words of all lines form one list (read_value_block),
	// e.g. notification_email, vrrp_sync_group's group.
	WordBlock
)

// Keyword describes one keyword of a block and what to do with it.
// Handlers report problems through the Ctx and never panic on bad input.
type Keyword struct {
	Name string
	Kind Kind
	// Sub is the table of a Block keyword.
	Sub Table
	// Handle runs on the keyword's line; args are the words after the
	// keyword (for blocks: the words before the '{').
	Handle func(c *Ctx, kw Token, args []Token)
	// Item runs once per line of an ItemBlock.
	Item func(c *Ctx, item []Token)
	// Words runs once, at the end of a WordBlock, with every word in it.
	Words func(c *Ctx, words []Token)
	// End runs when a Block or ItemBlock closes (keepalived's end handler).
	End func(c *Ctx)
	// Names is how many words after an ItemBlock/WordBlock keyword are
	// its own arguments (virtual_server_group NAME {...}: 1) rather than
	// "extra parameters" before the '{'. Handle receives them.
	Names int
	// Script marks command keywords whose raw line is re-read with the
	// script tokenizer (notify_*, script, misc_path, ...).
	Script bool
}

// Table is the set of keywords valid at one level, by exact name.
type Table map[string]*Keyword

// Ctx is what keyword handlers see: the configuration being built, the
// options of this parse, and the diagnostics sink. The per-side state
// (current instance, current virtual server, ...) lives in vrrp and lvs.
type Ctx struct {
	Cfg  *config.Config
	Opts *Options

	diags Diagnostics
	// raw is the raw text of the current logical line (for Script keywords).
	raw string

	vrrp vrrpState // parser/vrrp*.go
	lvs  lvsState  // parser/lvs*.go
	core coreState // engine, global_defs and script security (core files)
}

// Report records a diagnostic of the given class at pos.
func (c *Ctx) Report(pos Pos, class Class, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Class: class, Msg: fmt.Sprintf(format, args...)})
}

// Raw is the raw text of the logical line being handled, after comment
// removal and substitution (what the script tokenizer re-reads).
func (c *Ctx) Raw() string { return c.raw }

// Require is keepalived's strvec_slot on a missing word: when args has
// fewer than n words it reports "missing a parameter" and aborts the whole
// parse (keepalived exits 2; Result.Aborted, TestExitCode gives 2). The
// handler must return at once when Require returns false.
func (c *Ctx) Require(kw Token, args []Token, n int) bool {
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
	c.Report(kw.Pos, MissingParameter, "Configuration line starting `%s` is missing a parameter after keyword `%s` at word position %d", kw.Text, last, len(args)+2)
	c.core.aborted = true
	return false
}

// Aborted reports whether a handler aborted the parse (see Require).
func (c *Ctx) Aborted() bool { return c.core.aborted }

// SkipBlock is keepalived's skip_block(true): called from a Block keyword's
// Handle, it makes the engine skip the keyword's whole {...} block without
// parsing it and without running End (e.g. "vrrp_instance X already
// defined").
func (c *Ctx) SkipBlock() { c.core.skipBlock = true }
