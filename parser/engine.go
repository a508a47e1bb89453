package parser

// The structural engine: keepalived's process_stream and alloc_value_block
// (lib/parser.c), run once per keepalived process as keepalived -t does:
// the parent pass reads global_defs and the top-level global keywords with
// every VRRP/LVS block skipped as a balanced block; the checker pass and
// the VRRP pass then re-read the parent's decommented copy with only their
// own blocks active. Running the passes separately (rather than one pass
// with every table active) is what makes unknown-keyword cascades, brace
// errors and the "\#" quirk come out as keepalived's do.

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// coreState is the engine's and global_defs' share of a ctx.
type coreState struct {
	// itemsAhead bounds the items of the item block being read (the
	// plain lines a replay has ahead, plus one): a list handler may size
	// itself once with it instead of growing (0: taken or unknown).
	itemsAhead int
	lx         *lexer
	aborted    bool
	skipBlock  bool
	skip       int // keepalived's skip_sublevel
	kwLevel    int
	fileError  bool // a strict include failed (keepalived's config_file_error)
	randomSeed uint64
	startDir   string
	netnsPos   Pos // where net_namespace named the namespace
	effect     effect
	script     scriptState
	// proc is the process whose read or checks are running.
	proc Process
	// tape is the parent pass's lines when the children may replay them.
	tape *tape
}

// pass says which keepalived process a read emulates.
type pass int

const (
	passParent pass = iota
	passChecker
	passVRRP
)

// activeTop returns the top-level table of a pass and which of its
// keywords are active (the others are skipped as balanced blocks).
func activeTop(p pass) (table, map[string]bool) {
	t := topTable()
	act := map[string]bool{}
	var own table
	switch p {
	case passParent:
		own = tables(globalTopKeywords(), bgpTopKeywords())
	case passChecker:
		own = lvsTopKeywords()
		// The checker reads the VRRP side's track_file and bfd_instance
		// too, with versions that record only what its checkers need.
		trackers := lvsCheckerTrackers()
		merge(t, trackers)
		merge(own, trackers)
	case passVRRP:
		own = vrrpTopKeywords()
	}
	for name := range own {
		act[name] = true
	}
	return t, act
}

// ErrNoConfig is returned when the main configuration file cannot be read.
var ErrNoConfig = errors.New("no configuration file")

// Parse reads the configuration at path (a glob, as keepalived accepts)
// and returns the resolved configuration with every diagnostic. err is
// non-nil only when there is no usable configuration at all (missing main
// file, failed strict include, aborted parse); Diagnostics.ExitCode gives
// keepalived -t's verdict in every case.
func Parse(path string, opts Options) (*config.Config, Diagnostics, error) {
	return parse(path, nil, opts)
}

// ParseBytes parses data as if it were the file name (relative includes
// resolve from name's directory). Used by tests and the fuzzer.
func ParseBytes(name string, data []byte, opts Options) (*config.Config, Diagnostics, error) {
	return parse(name, data, opts)
}

func parse(path string, data []byte, opts Options) (*config.Config, Diagnostics, error) {
	cfg, diags, err := parseFile(path, data, opts)
	return cfg, inFile(diags, path), err
}

func parseFile(path string, data []byte, opts Options) (*config.Config, Diagnostics, error) {
	if opts.ConfigID == "" && !opts.NoConfigID {
		opts.ConfigID = shortHostname()
	}
	c := &ctx{Cfg: &config.Config{Global: config.DefaultGlobal()}, Opts: &opts}
	c.core.startDir, _ = os.Getwd()
	c.core.randomSeed = opts.RandomSeed
	if c.core.randomSeed == 0 {
		c.core.randomSeed = uint64(os.Getpid()) ^ uint64(timeNow().UnixNano())
	}

	c.core.proc = ProcParent
	if data == nil && !c.checkConfFile(path) {
		return nil, c.finish(), fmt.Errorf("%s: %w", path, ErrNoConfig)
	}

	// The text of in-memory data is made once, not once per pass.
	var text *string
	if data != nil {
		s := string(data)
		text = &s
	}
	for _, p := range []pass{passParent, passChecker, passVRRP} {
		c.core.proc = [...]Process{passParent: ProcParent, passChecker: ProcChecker, passVRRP: ProcVRRP}[p]
		c.runPass(p, path, text)
		if c.core.aborted {
			c.core.effect = effectAbort
			// The parent read the file to its end and started the
			// children; the one that gives up on the line exits with
			// CONFIG, and the daemon with it. The VRRP child reads the
			// file on its own when the checker gave up (-P runs it).
			switch {
			case p == passVRRP:
				c.Cfg.VRRP.Refused = true
				return c.Cfg, c.finish(), nil
			case p == passChecker && !c.Opts.TestMode:
				c.Cfg.LVS.Refused = true
				c.core.aborted = false
				continue
			}
			return c.Cfg, c.finish(), fmt.Errorf("%s: parse aborted: keyword missing its parameter", path)
		}
		switch p {
		case passParent:
			if c.core.fileError {
				c.setEffect(effectNoConfig, "configuration file error - exiting")
				return c.Cfg, c.finish(), fmt.Errorf("%s: %w (include failed)", path, ErrNoConfig)
			}
			validateGlobal(c)
			if ns := c.Cfg.Global.NetNamespace; ns != "" && !c.namespaceExists(ns) {
				c.setEffect(effectStopOK, "Unable to set network namespace %s - exiting", ns)
				c.diags[len(c.diags)-1].Pos = c.core.netnsPos
				return c.Cfg, c.finish(), nil
			}
			c.checkStartStopScripts()
		case passChecker:
			validateLVS(c)
			c.scriptSecurityVerdict(procChecker)
		case passVRRP:
			validateVRRP(c)
			c.scriptSecurityVerdict(procVRRP)
		}
	}
	// How reading resolved the default script user (keepalived caches it
	// at the first script without a user, with script security as known
	// then); the dumps print it accordingly.
	s := &c.core.script
	c.Cfg.Global.DefaultScriptUserResolved, c.Cfg.Global.DefaultScriptUserFailed = s.defaultResolved, s.defaultFail
	return c.Cfg, c.finish(), nil
}

// inFile names the main file on diagnostics that have no position, so no
// line reads "0:0" without a file name.
func inFile(ds Diagnostics, path string) Diagnostics {
	for i := range ds {
		if ds[i].Pos.File == "" && ds[i].Pos.Line == 0 {
			ds[i].Pos.File = path
		}
	}
	return ds
}

func (c *ctx) setEffect(e effect, format string, args ...any) {
	c.core.effect = e
	c.diags = append(c.diags, Diagnostic{Class: info, Msg: c.message(format, args), effect: e, procs: c.core.proc})
}

// finish drops the duplicates the several passes produce (a top-level
// unknown keyword is reported by every keepalived process) and stamps the
// verdict-changing effect.
func (c *ctx) finish() Diagnostics {
	type key struct {
		pos   Pos
		class Class
		msg   string
	}
	seen := make(map[key]int, len(c.diags))
	out := make(Diagnostics, 0, len(c.diags))
	for _, d := range c.diags {
		k := key{d.Pos, d.Class, d.Msg}
		if i, ok := seen[k]; ok {
			out[i].procs |= d.procs
			continue
		}
		seen[k] = len(out)
		out = append(out, d)
	}
	if c.core.effect == effectAbort {
		// The aborting diagnostic carries the effect.
		for i := len(out) - 1; i >= 0; i-- {
			if out[i].Class == missingParameter {
				out[i].effect = effectAbort
				break
			}
		}
	}
	return out
}

// runPass reads the whole input once, as one keepalived process.
func (c *ctx) runPass(p pass, path string, data *string) {
	lx := newLexer(c, p != passParent)
	c.core.lx = lx
	c.core.skip, c.core.kwLevel, c.core.skipBlock = 0, 0, false
	defer func() { c.core.lx = nil }()
	switch {
	case p != passParent && c.core.tape.usable():
		lx.play = c.core.tape
	case p == passParent && !c.Opts.noTape:
		c.core.tape = nil
		lx.rec = &tape{ok: true}
		defer func() {
			if lx.rec.usable() {
				c.core.tape = lx.rec
			}
		}()
	}
	if lx.play != nil {
		// Nothing to open: the lines are the parent's.
	} else if data != nil {
		lx.openBytes(path, *data)
	} else if !lx.openGlob(path, incR|incM|incW, false) {
		lx.fileError(Pos{File: path}, incR, "Failed to open configuration file")
		return
	}
	defer lx.closeFiles()
	top, act := activeTop(p)
	c.stream(top, func(name string) bool { return act[name] }, false)
	if lx.blockDepth > 0 && !c.core.aborted && !lx.stopped {
		pos := lx.lastPos
		if n := len(lx.openBraces); n > 0 {
			pos = lx.openBraces[n-1]
		}
		n := len(c.diags)
		lx.report(pos, missingEOB, "There are %d missing '}'s or extra '{'s", lx.blockDepth)
		if len(c.diags) > n {
			// keepalived reports it once the file is closed: no
			// "(Line N)" in the daemon's log, parent or child.
			c.afterRead()
		}
	}
}

// openBytes makes data the main file (ParseBytes).
func (lx *lexer) openBytes(name string, data string) {
	dir := lx.c.core.startDir
	if strings.Contains(name, "/") {
		dir = absDir(name)
	}
	g := &globState{pattern: name, matches: []string{name}, next: 1, cwd: lx.c.core.startDir, numMatches: 1}
	g.cur = &srcFile{name: name, dir: dir, text: data}
	lx.stack = append(lx.stack, g)
}

func allActive(string) bool  { return true }
func noneActive(string) bool { return false }

// stream is process_stream: it reads statements of one block level until
// the block's '}' (returns false) or the end of input; it returns true
// when the block was skipped, so its End handler must not run.
func (c *ctx) stream(tbl table, active func(string) bool, needBOB bool) bool {
	lx := c.core.lx
	// A line's tokens go onto the token arena; those of a line no handler
	// gets are given back (from release) before the next line.
	release := -1
	for {
		if release >= 0 {
			lx.slab, release = lx.slab[:release], -1
		}
		if c.core.skip > 0 {
			c.core.skip = lx.skipPlain(c.core.skip)
		}
		l, ok := lx.next()
		if !ok {
			return false
		}
		if c.core.skip > 0 && lx.kind == kindPlain {
			// Inside a skipped block only braces count, and a line
			// without braces or quotes has none (nor a quote to report):
			// most lines of a pass are another process's.
			continue
		}
		toks, mark := lx.words(l)
		release = mark
		if len(toks) == 0 {
			continue
		}
		first := &toks[0]
		if c.core.skip == -1 {
			if first.Text == "{" {
				c.core.skip = 1
				needBOB = false
				continue
			}
			c.core.skip = 0
		}
		if c.core.skip > 0 {
			last := ""
			for _, t := range toks {
				last = t.Text
				if t.Text == "{" {
					c.core.skip++
				} else if t.Text == "}" {
					c.core.skip--
					if c.core.skip == 0 {
						break
					}
				}
			}
			if last == "}" && c.core.skip == 0 && c.core.kwLevel > 0 {
				return true
			}
			continue
		}
		if needBOB {
			needBOB = false
			if first.Text == "{" && c.core.kwLevel > 0 {
				continue
			}
			lx.report(first.Pos, missingBOB, "Missing '{' at beginning of configuration block")
		} else if first.Text == "{" {
			lx.report(first.Pos, unexpectedBOB, "Unexpected '{' - ignoring")
			continue
		}
		if first.Text == "}" && c.core.kwLevel > 0 {
			return false
		}
		kw, found := tbl[first.Text]
		if !found || kw == nil {
			lx.report(first.Pos, unknownKeyword, "Unknown keyword '%s'", first.Text)
			continue
		}
		on := active(first.Text)
		if on {
			// Handlers keep tokens.
			release = -1
		} else if mark >= 0 {
			// A skipped statement reads its words before anything else
			// is read, so their room is given back now.
			lx.slab, release = lx.slab[:mark], -1
		}
		c.statement(kw, l, toks, on)
		if c.core.aborted {
			return false
		}
		if c.core.kwLevel == 0 {
			// Handlers copy what they keep of their tokens (values,
			// token structs): a top-level statement done, its tokens'
			// arena is free for the next one.
			lx.reuseSlab()
		}
	}
}

// words returns l's words and where they start on the token arena (-1:
// not on it). A lone brace is one word, and never a statement's: a third
// of the lines, not tokenized.
func (lx *lexer) words(l line) ([]token, int) {
	if lx.kind == kindOpen || lx.kind == kindClose {
		lx.brace[0] = token{Text: l.text, Pos: l.pos}
		return lx.brace[:1:1], -1
	}
	return lx.tokenizeKeep(l)
}

// plainLine reports whether s has no brace and no double quote.
func plainLine(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '}', '"':
			return false
		}
	}
	return true
}

// statement runs one known keyword.
func (c *ctx) statement(kw *keyword, l line, toks []token, active bool) {
	name, args := toks[0], toks[1:]
	endsWithBOB := len(args) > 0 && args[len(args)-1].Text == "{"
	if !active {
		if endsWithBOB {
			c.core.skip = 1
		} else {
			c.core.skip = -1
		}
		if kw.Kind == kwBlock {
			c.core.kwLevel++
			c.stream(kw.Sub, noneActive, !endsWithBOB)
			c.core.kwLevel--
		}
		return
	}
	c.raw = l.text
	switch kw.Kind {
	case kwBlock:
		bobNeeded := true
		if endsWithBOB {
			args = args[:len(args)-1]
			bobNeeded = false
		}
		if kw.Handle != nil {
			c.core.skipBlock = false
			kw.Handle(c, name, args)
			if c.core.aborted {
				return
			}
			if c.core.skipBlock {
				c.core.skipBlock = false
				c.core.skip = -1
			}
		}
		c.core.kwLevel++
		skipped := c.stream(kw.Sub, allActive, bobNeeded)
		c.core.kwLevel--
		if !skipped && !c.core.aborted && kw.End != nil {
			kw.End(c)
		}
	case kwItemBlock, kwWordBlock:
		if kw.Handle != nil {
			kw.Handle(c, name, args)
			if c.core.aborted {
				return
			}
		}
		c.valueBlock(kw, toks)
		if !c.core.aborted && kw.End != nil {
			kw.End(c)
		}
	default:
		if kw.Handle != nil {
			kw.Handle(c, name, args)
		}
	}
}

// valueBlock is alloc_value_block / read_value_block: kwItemBlock hands each
// line to Item; kwWordBlock collects every word for Words. A keyword line
// with extra words and no '{' makes keepalived treat the following lines
// as items until a '}' — we do the same.
func (c *ctx) valueBlock(kw *keyword, toks []token) {
	lx := c.core.lx
	needBOB := true
	var first []token
	hadEOB := false
	if kw.Names > 0 && len(toks) > 1 {
		// keepalived rebuilds the word list without the names.
		n := min(kw.Names, len(toks)-1)
		toks = append(toks[:1:1], toks[1+n:]...)
	}
	if len(toks) > 1 {
		if toks[1].Text == "{" {
			needBOB = false
			if len(toks) > 2 {
				first = append([]token(nil), toks[2:]...)
				if first[len(first)-1].Text == "}" {
					first = first[:len(first)-1]
					hadEOB = true
				}
			}
		} else {
			lx.report(toks[1].Pos, generalError, "Block %s has extra parameters %s ...", toks[0].Text, toks[1].Text)
		}
	}
	var words []token
	if kw.Kind == kwItemBlock {
		c.core.itemsAhead = lx.plainAhead() + 1
	}
	emit := func(item []token) {
		if len(item) == 0 {
			return
		}
		switch kw.Kind {
		case kwItemBlock:
			if kw.Item != nil {
				kw.Item(c, item)
			}
		case kwWordBlock:
			words = append(words, item...)
		}
	}
	defer func() {
		if kw.Kind == kwWordBlock && kw.Words != nil && !c.core.aborted {
			kw.Words(c, words)
		}
	}()
	if first != nil || hadEOB {
		c.raw = joinTokens(token{}, first)
		emit(first)
		if hadEOB {
			return
		}
	}
	for !c.core.aborted {
		l, ok := lx.next()
		if !ok {
			return
		}
		item, mark := lx.tokenizeKeep(l)
		if len(item) == 0 {
			continue
		}
		if needBOB {
			needBOB = false
			if item[0].Text == "{" {
				if len(item) == 1 {
					continue
				}
				item = item[1:]
			} else {
				lx.report(item[0].Pos, info, "'{' missing from beginning of block %s", toks[0].Text)
			}
		}
		eob := false
		if item[len(item)-1].Text == "}" {
			if len(item) == 1 {
				return
			}
			eob = true
			item = item[:len(item)-1]
		}
		c.raw = l.text
		emit(item)
		if kw.Kind == kwItemBlock {
			// Item handlers copy what they keep: 65 535 VIPs' words
			// need not stay until the instance ends.
			lx.giveBack(mark)
		}
		if eob {
			return
		}
	}
}
