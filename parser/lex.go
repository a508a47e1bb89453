package parser

// The line reader: keepalived's read_line (lib/parser.c) re-expressed.
//
// Why hand-written and not a participle grammar: keepalived.conf has no
// context-free lexical layer. What a line means depends on state carried
// between lines and mutated by the lines themselves ($NAME= definitions
// with late binding, multiline definitions that inject lines, ~SEQ/~LST
// loops that replay text, @id filters, include stacks with a cwd each,
// brace splitting that pushes the rest of a line back as a new line, a
// 1024-byte fgets buffer that silently splits long lines). Reproducing
// keepalived's accept/reject decisions means reproducing that state
// machine step by step, which a declarative grammar cannot express;
// participle would only have wrapped a hand-written lexer. See engine.go
// for the (equally stateful) block structure.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxBuf is keepalived's MAXBUF: fgets reads at most maxBuf-1 bytes, and a
// substituted line must stay below maxBuf bytes.
const maxBuf = 1024

// Include strictness bits (keepalived's include_t).
const (
	incR = 1 << iota // readable
	incM             // something must match (no wildcards)
	incW             // something must match even with wildcards
	incB             // every brace alternative must match
)

// Limits that keepalived does not have (it recurses or loops forever);
// they only matter for hostile or fuzzed input. maxIncludeDepth stands in
// for keepalived's real bound, the open-file limit: 2.2.7 keeps every
// enclosing include open, so under the usual 1024 descriptors it reads
// 1016 levels and then logs "open problem (Too many open files)". We hold
// no descriptors, so the bound is fixed instead of depending on ulimit -n.
const (
	maxIncludeDepth = 1000
	maxSubstSteps   = 4096
	defaultMaxLines = 2_000_000
)

// line is one logical line handed to the engine.
type line struct {
	text string
	pos  Pos // where text[0] came from
}

type def struct {
	name      string
	value     string
	multiline bool
	// fn computes built-ins at each use; maxParams is how many numeric
	// parameters ${NAME a b} accepts (only _RANDOM has any).
	fn        func(lx *lexer, params string) string
	maxParams int
}

type seq struct {
	hex        bool
	v          string
	next, step int64
	last       int64
	text       string
	textPos    Pos
	// ~LST: parameter names and the value sets still to replay.
	params []string
	sets   [][]string
}

// mlPtr is the unread rest of a multiline definition being expanded.
type mlPtr struct {
	s     string
	ok    bool
	depth int // seq depth saved with it (multiline_stack)
	pos   Pos
}

type srcFile struct {
	name string // as shown in diagnostics
	dir  string // absolute directory: cwd for relative includes, ${_PWD}
	// text is the file, or with src the block of it read so far; off is
	// the read position in it. Lines are substrings of text, so reading
	// copies nothing per line, and a streamed file is held one block at a
	// time (plus whatever the configuration keeps of it).
	text string
	off  int
	src  io.ReadCloser // nil: text is the whole file
	buf  []byte        // src's read buffer, reused between blocks
	line int
	col  int // bytes of the current physical line already read
}

// streamBlock is how much of a streamed file is read at a time.
const streamBlock = 256 << 10

// window is the unread text, at most maxBuf bytes of it: what one fgets
// can see. A streamed file is refilled when less than that is left.
func (f *srcFile) window() string {
	if f.src != nil && len(f.text)-f.off < maxBuf {
		f.refill()
	}
	return f.text[f.off:min(len(f.text), f.off+maxBuf)]
}

// refill reads the next block of a streamed file after the unread rest of
// the current one. A read error ends the file as end of file would.
func (f *srcFile) refill() {
	if f.buf == nil {
		f.buf = make([]byte, streamBlock)
	}
	n := copy(f.buf, f.text[f.off:])
	m, err := io.ReadFull(f.src, f.buf[n:])
	f.text, f.off = string(f.buf[:n+m]), 0
	if err != nil {
		f.close()
	}
}

// close releases a streamed file's descriptor; the text read stays.
func (f *srcFile) close() {
	if f.src != nil {
		f.src.Close()
		f.src, f.buf = nil, nil
	}
}

// globState is one include (or the main file): its matches, the one being
// read, and what to restore when it ends.
type globState struct {
	pattern     string
	matches     []string
	next        int
	cur         *srcFile
	incType     int
	savIncCheck int
	numMatches  int
	cwd         string
	silent      bool // child pass: content already "flattened" by the parent
}

// lexer is one read of the configuration, as one keepalived process does it.
type lexer struct {
	c      *ctx
	child  bool // a VRRP/checker pass: lines are read from the parent's decommented copy
	silent int  // >0 while reading an include the parent already reported on

	stack      []*globState
	defs       map[string]*def
	seqs       []*seq
	mlSeqDepth int
	ml         mlPtr // rest of the multiline definition being expanded
	mlStack    []mlPtr
	residue    line // the rest of a line split at a brace, when hasResidue
	hasResidue bool
	mlDef      *def // multiline definition being collected
	blockDepth int
	// openBraces are the '{' not closed yet, outermost first: a missing
	// '}' is reported at the innermost block left open, not at the end.
	openBraces []Pos
	incCheck   int
	rng        *rand.Rand
	lines      int
	maxLines   int
	stopped    bool
	lastPos    Pos
	// rec records the parent pass's lines (lex_tape.go); play replays
	// them in a child pass, at playAt. lexing is set while the lexer
	// reads (its reports, but for a brace count's, drop the recording).
	rec         *tape
	play        *tape
	playAt      int
	lexing      bool
	braceReport bool
	noteReport  bool     // reporting what a child's reading would report alike
	noteAt      int      // the replay's next tape note
	kind        byte     // splitBraces' lineKind of the line it returned
	slab        []token  // the token arena (tokenizeKeep)
	brace       [1]token // a lone brace line's word
}

func newLexer(c *ctx, child bool) *lexer {
	lx := &lexer{c: c, child: child, defs: map[string]*def{}, maxLines: c.Opts.MaxLines}
	if lx.maxLines <= 0 {
		lx.maxLines = defaultMaxLines
	}
	if c.Opts.AllConfig {
		lx.incCheck = incR | incM | incW | incB
	}
	seed := c.core.randomSeed
	lx.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lx.setStdDefinitions()
	return lx
}

func (lx *lexer) setStdDefinitions() {
	lx.defs["_PWD"] = &def{name: "_PWD", fn: func(lx *lexer, _ string) string { return lx.cwd() }}
	lx.defs["_INSTANCE"] = &def{name: "_INSTANCE", fn: func(lx *lexer, _ string) string { return lx.c.Opts.ConfigID }}
	lx.defs["_RANDOM"] = &def{name: "_RANDOM", fn: (*lexer).random, maxParams: 2}
	lx.defs["_HASH"] = &def{name: "_HASH", value: "#"}
	lx.defs["_BANG"] = &def{name: "_BANG", value: "!"}
}

// random is ${_RANDOM [MIN [MAX]]}: keepalived prints the value in a
// buffer as wide as MAX, so we do not emulate the overflow for MIN > MAX;
// we clamp instead of dividing by zero.
func (lx *lexer) random(params string) string {
	lo, hi := uint64(0), uint64(32767)
	f := strings.Fields(params)
	if len(f) > 0 {
		lo, _ = strconv.ParseUint(f[0], 10, 64)
	}
	if len(f) > 1 {
		hi, _ = strconv.ParseUint(f[1], 10, 64)
	}
	if len(f) > 2 {
		lx.report(lx.lastPos, info, "Too many parameters or extra text for ${_RANDOM %s}", params)
	}
	if hi < lo {
		return strconv.FormatUint(lo, 10)
	}
	return strconv.FormatUint(lo+lx.rng.Uint64N(hi-lo+1), 10)
}

func (lx *lexer) cwd() string {
	for i := len(lx.stack) - 1; i >= 0; i-- {
		if g := lx.stack[i]; g.cur != nil {
			return g.cur.dir
		}
	}
	wd, _ := os.Getwd()
	return wd
}

func (lx *lexer) report(pos Pos, class Class, format string, args ...any) {
	if lx.lexing && !lx.braceReport && !lx.noteReport {
		lx.taint()
	}
	if lx.silent > 0 {
		return
	}
	lx.c.Report(pos, class, format, args...)
	if lx.noteReport && lx.rec != nil && lx.rec.ok {
		lx.rec.notes = append(lx.rec.notes, tapeNote{line: lx.rec.n, diag: len(lx.c.diags) - 1, quiet: len(lx.stack) > 1})
	}
}

// fileError is keepalived's file_config_error: an include problem is only
// an error when the include's letters or include_check ask for it.
func (lx *lexer) fileError(pos Pos, kind int, format string, args ...any) {
	strict := lx.incCheck
	if n := len(lx.stack); n > 0 {
		strict |= lx.stack[n-1].incType
	}
	class := info
	if strict&kind != 0 {
		class = fileNotFound
		lx.c.core.fileError = true
	}
	lx.report(pos, class, format, args...)
}

// pos of the physical line being read, for include diagnostics.
func (lx *lexer) curPos() Pos { return lx.lastPos }

// --- physical lines -------------------------------------------------------

// readChunk is fgets(buf, 1024): at most 1023 bytes, up to and including a
// newline. It returns false at the end of the current file.
func (f *srcFile) readChunk() (chunk string, lineNo int, col int, split bool, ok bool) {
	// Look for the newline only within one buffer: past it the chunk is
	// split anyway, and scanning the whole rest made a long line quadratic.
	rest := f.window()
	if rest == "" {
		return "", 0, 0, false, false
	}
	n := strings.IndexByte(rest, '\n')
	startCol := 1
	if f.col > 0 {
		// Continuation of a line longer than the buffer.
		startCol = f.col + 1
	} else {
		f.line++
	}
	switch {
	case n >= 0 && n < maxBuf-1:
		chunk = rest[:n+1]
	case len(rest) <= maxBuf-1 && n < 0:
		chunk = rest
	default:
		chunk = rest[:maxBuf-1]
		split = true
	}
	f.off += len(chunk)
	f.col += len(chunk)
	if chunk[len(chunk)-1] == '\n' {
		f.col = 0
	}
	return chunk, f.line, startCol, split, true
}

// nextPhysical returns the next physical line (chunk) of the include
// stack, moving to the next glob match or popping finished includes.
func (lx *lexer) nextPhysical() (string, Pos, bool) {
	for len(lx.stack) > 0 {
		g := lx.stack[len(lx.stack)-1]
		if g.cur != nil {
			chunk, ln, col, split, ok := g.cur.readChunk()
			if ok {
				p := Pos{File: g.cur.name, Line: ln, Col: col}
				if split {
					// A child reads the same pieces, so the tape keeps
					// this note for it.
					lx.noteReport = true
					lx.report(p, info, "line longer than %d bytes: keepalived reads the rest as a separate line", maxBuf-1)
					lx.noteReport = false
				}
				return chunk, p, true
			}
			lx.endFile(g)
		}
		if lx.openNext(g) {
			continue
		}
		lx.endGlob(g)
	}
	return "", Pos{}, false
}

func (lx *lexer) endFile(g *globState) {
	g.cur.close()
	g.cur = nil
	lx.incCheck = g.savIncCheck
}

func (lx *lexer) endGlob(g *globState) {
	if g.numMatches == 0 {
		lx.report(lx.curPos(), info, "No config files matched '%s'.", g.pattern)
	}
	lx.stack = lx.stack[:len(lx.stack)-1]
	if g.silent {
		lx.silent--
	}
}

// openNext opens the next usable match of g (keepalived's open_conf_file).
func (lx *lexer) openNext(g *globState) bool {
	for g.next < len(g.matches) {
		m := g.matches[g.next]
		g.next++
		// The main file is stack[0]; g is already pushed.
		if len(lx.stack)-1 > maxIncludeDepth {
			// keepalived's message when fopen runs out of descriptors.
			lx.fileError(lx.curPos(), incR, "Configuration file '%s' open problem (Too many open files) - skipping", m)
			continue
		}
		full := m
		if !filepath.IsAbs(full) {
			full = filepath.Join(g.cwd, m)
		}
		if strings.HasSuffix(m, "/") {
			lx.fileError(lx.curPos(), incR, "Configuration file '%s' is a directory - skipping", m)
			continue
		}
		st, err := lx.c.fsys().Stat(full)
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 != 0 {
			lx.fileError(lx.curPos(), incR, "Configuration file '%s' is not a regular non-executable file - skipping", m)
			continue
		}
		f, err := lx.openSrc(full, st.Size())
		if err != nil {
			lx.fileError(lx.curPos(), incR, "Configuration file '%s' open problem (%v) - skipping", m, err)
			continue
		}
		dir := g.cwd
		if strings.Contains(m, "/") {
			dir = filepath.Dir(full)
		}
		name := m
		if !filepath.IsAbs(m) && g.cwd != lx.c.core.startDir {
			name = relOrAbs(lx.c.core.startDir, full)
		}
		f.name, f.dir = name, dir
		g.cur = f
		g.numMatches++
		return true
	}
	return false
}

func relOrAbs(base, full string) string {
	if r, err := filepath.Rel(base, full); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return full
}

// openGlob is keepalived's open_glob_file. pattern is relative to the
// directory of the including file.
func (lx *lexer) openGlob(pattern string, incType int, silent bool) bool {
	return lx.openGlobIn(pattern, incType, silent, lx.cwd())
}

// openGlobIn is openGlob relative to cwd.
func (lx *lexer) openGlobIn(pattern string, incType int, silent bool, cwd string) bool {
	g := &globState{pattern: pattern, incType: incType, savIncCheck: lx.incCheck, cwd: cwd, silent: silent}
	if silent {
		lx.silent++
	}
	lx.stack = append(lx.stack, g)
	matches, ok := lx.globChecked(pattern, cwd)
	if !ok {
		lx.popFailed(g)
		return false
	}
	g.matches = matches
	if !lx.openNext(g) {
		if len(g.matches) == 0 {
			lx.fileError(lx.curPos(), incR, "%s - no matching file", pattern)
		}
		lx.popFailed(g)
		return false
	}
	return true
}

func (lx *lexer) popFailed(g *globState) {
	lx.stack = lx.stack[:len(lx.stack)-1]
	if g.silent {
		lx.silent--
	}
}

// globChecked is open_and_check_glob: glob with GLOB_BRACE|GLOB_MARK and
// keepalived's accounting of missing files/directories.
func (lx *lexer) globChecked(pattern, cwd string) ([]string, bool) {
	res := kaGlob(lx.c.fsys(), pattern, cwd)
	if res.tooMany {
		lx.report(lx.curPos(), generalError, "include '%s' has more than %d brace alternatives - skipping", pattern, maxGlobAlternatives)
		return nil, false
	}
	strict := lx.incCheck
	if n := len(lx.stack); n > 0 {
		strict |= lx.stack[n-1].incType
	}
	if len(res.matches) == 0 {
		switch {
		case res.missingFiles > 0 || res.missingDirs > 0:
			kind := incM
			if hasBrace(pattern) {
				kind = incB
			}
			lx.fileError(lx.curPos(), kind, "Config files missing '%s'.", pattern)
		case res.wildcards && strict&incW != 0:
			lx.fileError(lx.curPos(), incW, "No config files matched '%s'.", pattern)
		}
		return nil, false
	}
	if res.missingFiles > 0 || res.missingDirs > 0 {
		lx.fileError(lx.curPos(), incB, "Some config files missing: \"%s\".", pattern)
		if strict&incB != 0 {
			return nil, false
		}
	}
	return res.matches, true
}

// --- decomment ------------------------------------------------------------

// decomment is keepalived's comment stripper: leading blanks removed, '#'
// or '!' outside double quotes ends the line, "\#" and "\!" outside quotes
// lose their backslash, and a line ending in a backslash keeps it (with
// the blanks before it removed). It also reports the column shift caused
// by removed leading blanks.
func decomment(s string) (out string, lead int, unterminated bool) {
	out, lead, unterminated, _ = decommentClean(s)
	return out, lead, unterminated
}

// decommentClean is decomment that also says whether out surely holds no
// '"', '\\', '#' or '!' (it was cut before the first of them, or had none).
func decommentClean(s string) (out string, lead int, unterminated, clean bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	lead = i
	s = s[i:]
	// Most lines have nothing to strip or rewrite, or only a comment
	// before any quote or backslash: no copy for them. (A trailing
	// backslash continues the line even after a comment.)
	if len(s) > longScan {
		i = indexFirstOf(s, specials)
	} else {
		i = indexSpecial(s)
	}
	if i < 0 {
		return trimBlanksRight(s), lead, false, true
	}
	if (s[i] == '#' || s[i] == '!') && s[len(s)-1] != '\\' {
		return trimBlanksRight(s[:i]), lead, false, true
	}
	b := []byte(s)
	quote, cont := false, false
	skip := -1
	for p := 0; p < len(b); p++ {
		switch b[p] {
		case '"':
			if skip < 0 {
				quote = !quote
			}
		case '\\':
			if p+1 < len(b) {
				if !quote && (b[p+1] == '#' || b[p+1] == '!') {
					b = append(b[:p], b[p+1:]...)
				} else {
					p++
				}
				continue
			}
			b = b[:p]
			cont = true
		case '#', '!':
			if !quote && skip < 0 {
				skip = p
			}
		}
	}
	unterminated = quote
	if skip >= 0 && skip < len(b) {
		b = b[:skip]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	if cont {
		b = append(b, '\\')
	}
	return string(b), lead, unterminated, false
}

// specials are the bytes indexSpecial looks for; a line longer than
// longScan is searched for them with IndexByte (indexFirstOf).
const specials = "\"\\#!"

// indexSpecial is strings.IndexAny(s, "\"\\#!") without building the
// set on every call (a third of reading a file of comments).
func indexSpecial(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\', '#', '!':
			return i
		}
	}
	return -1
}

// isInclude is keepalived's is_include: "include" plus whitespace, or
// "include" + one of r m w b a + whitespace.
func isInclude(s string) bool {
	if !strings.HasPrefix(s, "include") || len(s) < 8 {
		return false
	}
	if isSpace(s[7]) {
		return true
	}
	return len(s) > 8 && isSpace(s[8]) && strings.IndexByte("rmwba", s[7]) >= 0
}

// --- read_line ------------------------------------------------------------

// read returns the next logical line, or ok=false at the end of input.
func (lx *lexer) read() (line, bool) {
	for {
		if lx.stopped || lx.c.core.aborted {
			return line{}, false
		}
		var cur line
		fromPhys := false
		switch {
		case lx.hasResidue:
			cur = lx.residue
			lx.hasResidue = false
		case len(lx.seqs) > lx.mlSeqDepth:
			cur = lx.emitSeq()
		case lx.ml.ok:
			cur = lx.emitMultiline()
		default:
			l, ok := lx.readPhysical()
			if !ok {
				return line{}, false
			}
			cur, fromPhys = l, true
		}
		lx.lines++
		if lx.lines > lx.maxLines {
			lx.report(cur.pos, generalError, "more than %d logical lines (runaway ~SEQ or definition?) - stopping", lx.maxLines)
			lx.stopped = true
			return line{}, false
		}
		lx.lastPos = cur.pos
		// A child opens (quietly) an include line of the file as it
		// reads it, before anything else: the tape holds only if the
		// parent opens it so too, and opens no other.
		physInclude := ""
		if fromPhys && lx.rec != nil && isInclude(cur.text) {
			physInclude = cur.text
		}

		if lx.mlDef != nil {
			if physInclude != "" {
				lx.taint()
			}
			lx.addMultilineDef(cur.text)
			continue
		}
		if cur.text == "" {
			continue
		}
		if !lx.process(&cur) {
			if physInclude != "" {
				lx.taint()
			}
			continue
		}
		if isInclude(cur.text) {
			if physInclude == "" || cur.text != physInclude {
				lx.taint()
			}
			lx.openIncludeLine(cur.text, cur.pos, false)
			continue
		}
		if physInclude != "" {
			lx.taint()
		}
		lx.splitBraces(&cur)
		return cur, true
	}
}

// readPhysical reads physical lines until one is non-empty after comment
// removal (and, in a child pass, after the parent's copy round trip).
func (lx *lexer) readPhysical() (line, bool) {
	for {
		chunk, pos, ok := lx.nextPhysical()
		if !ok {
			return line{}, false
		}
		if i := strings.IndexByte(chunk, 0); i >= 0 {
			// fgets+strlen: the line ends at a NUL byte.
			chunk = chunk[:i]
		}
		n := len(chunk)
		for n > 0 && (chunk[n-1] == '\n' || chunk[n-1] == '\r') {
			n--
		}
		if n == 0 {
			if lx.mlDef != nil {
				// A truly empty line ends a multiline definition.
				lx.endMultilineDef()
			}
			continue
		}
		text, lead, unterminated, clean := decommentClean(chunk[:n])
		pos.Col += lead
		if lx.rec != nil && !clean && hasCommentChar(text) {
			// A child removes comments again from the parent's copy:
			// the tape holds where that changes nothing.
			if again, lead2, unterm := decomment(text); again != text || lead2 != 0 || unterm {
				lx.taint()
			}
		}
		if unterminated {
			lx.report(pos, generalError, "Unterminated quote '%s'", trimBlanksLeft(chunk[:n]))
		}
		if lx.child {
			if isInclude(text) {
				// The parent wrote the included files' text in place of
				// this line; the child reads it without diagnostics.
				lx.openIncludeLine(text, pos, true)
				continue
			}
			// The child re-reads the parent's decommented copy, so
			// comment removal runs twice ("\#" became "#").
			var lead2 int
			text, lead2, unterminated = decomment(text)
			pos.Col += lead2
			if unterminated {
				lx.report(pos, generalError, "Unterminated quote '%s'", text)
			}
		}
		if text == "" {
			continue
		}
		return line{text: text, pos: pos}, true
	}
}

func (lx *lexer) endMultilineDef() {
	if lx.mlDef.value == "" {
		lx.mlDef.multiline = false
	}
	lx.mlDef = nil
}

// addMultilineDef appends one continuation line to the definition being
// collected: a trailing backslash (and the blanks before it) becomes a
// line break; a line without one ends the definition.
func (lx *lexer) addMultilineDef(s string) {
	more := false
	if strings.HasSuffix(s, `\`) {
		s = trimBlanksRight(s[:len(s)-1]) + "\n"
		more = true
	}
	d := lx.mlDef
	if !more {
		lx.endMultilineDef()
	}
	if len(s) >= 2 || (len(s) > 0 && !more) {
		d.value += s
	}
}

// process applies @id, $NAME=, ~SEQ/~LST and substitution to cur. It
// returns false when the line is consumed.
func (lx *lexer) process(cur *line) bool {
	steps := 0
	for {
		recheck := false
		if strings.HasPrefix(cur.text, "@") {
			if !lx.conditional(cur) {
				return false
			}
		}
		if strings.HasPrefix(cur.text, "$") && lx.checkDefinition(cur.text) {
			return false
		}
		if strings.HasPrefix(cur.text, "~SEQ") || strings.HasPrefix(cur.text, "~LST") {
			var ok bool
			if cur.text[1] == 'S' {
				ok = lx.addSeq(cur)
				if !ok {
					lx.report(cur.pos, generalError, "Invalid ~SEQ specification '%s'", cur.text)
				}
			} else {
				ok = lx.addLst(cur)
				if !ok {
					lx.report(cur.pos, generalError, "Invalid ~LST specification '%s'", cur.text)
				}
			}
			return false
		}
		if strings.HasPrefix(cur.text, "~") {
			return cur.text != ""
		}
		if strings.IndexByte(cur.text, '$') >= 0 {
			out, changed := lx.replaceParam(cur.text, maxBuf, &lx.ml, cur.pos)
			if !changed {
				return cur.text != ""
			}
			out, _, _ = decomment(out)
			cur.text = out
			if strings.HasPrefix(out, "@") || strings.IndexByte(out, '$') >= 0 {
				recheck = true
			}
			steps++
			if steps > maxSubstSteps {
				lx.report(cur.pos, generalError, "parameter substitution on line '%s' does not terminate - stopping", cur.text)
				return cur.text != ""
			}
		}
		if !recheck {
			return cur.text != ""
		}
	}
}

// conditional handles "@id rest" / "@^id rest". It returns false when the
// line is dropped.
func (lx *lexer) conditional(cur *line) bool {
	s := cur.text
	rev := len(s) > 1 && s[1] == '^'
	ofs := 1
	if rev {
		ofs = 2
	}
	sp := strings.IndexAny(s[ofs:], " \t")
	if sp < 0 {
		return false
	}
	word := s[ofs : ofs+sp]
	match := lx.c.Opts.ConfigID != "" && word == lx.c.Opts.ConfigID
	if match == rev {
		return false
	}
	rest := s[ofs+sp:]
	trimmed := trimBlanksLeft(rest)
	cur.pos.Col += len(s) - len(trimmed)
	cur.text = trimmed
	return true
}

// checkDefinition recognises "$NAME=value" (keepalived allows blanks
// between NAME and '=' only in the sense that its scan stops at the first
// non-name character, which must then be '='). It records the definition.
func (lx *lexer) checkDefinition(s string) bool {
	if len(s) < 2 || !(isAlpha(s[1]) || s[1] == '_') {
		return false
	}
	p := 2
	for p < len(s) && s[p] != '=' {
		if !isAlnum(s[p]) && s[p] != '_' {
			return false
		}
		p++
	}
	name := s[1:p]
	// keepalived skips blanks here, but p already stopped at '=' or end.
	if p >= len(s) {
		return false
	}
	d := lx.defs[name]
	if d == nil {
		d = &def{name: name}
		lx.defs[name] = d
	}
	d.fn, d.maxParams = nil, 0
	v := trimBlanksLeft(s[p+1:])
	d.multiline = false
	if strings.HasSuffix(v, `\`) {
		v = trimBlanksRight(v[:len(v)-1])
		if v == "" {
			d.value = ""
		} else {
			d.value = v + "\n"
		}
		d.multiline = true
		lx.mlDef = d
		return true
	}
	d.value = v
	return true
}

func isAlpha(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isAlnum(b byte) bool { return isAlpha(b) || isDigit(b) }

// findRef is keepalived's find_definition for a reference starting after
// the '$' at s[i]. It returns the definition, the length of the whole
// reference (from '$'), the parameter text and whether the reference
// ends the line.
func (lx *lexer) findRef(s string, i int) (d *def, refLen int, params string, hasParams bool) {
	j := i + 1
	braces := j < len(s) && s[j] == '{'
	if braces {
		j++
	}
	if j >= len(s) || !(isAlpha(s[j]) || s[j] == '_') {
		return nil, 0, "", false
	}
	k := j + 1
	for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
		k++
	}
	name := s[j:k]
	p := k
	ps, pe := -1, -1
	if braces {
		for p < len(s) && (s[p] == ' ' || isDigit(s[p])) {
			if s[p] != ' ' {
				if ps < 0 {
					ps = p
				}
				pe = p
			}
			p++
		}
		if ps >= 0 && pe+1 != p {
			return nil, 0, "", false
		}
		if p >= len(s) || s[p] != '}' {
			return nil, 0, "", false
		}
	} else if p < len(s) && s[p] != ' ' && s[p] != '\t' && s[p] != ',' && s[p] != ')' {
		return nil, 0, "", false
	}
	atEnd := (!braces && k == len(s)) || (braces && k+1 == len(s))
	d = lx.defs[name]
	if d == nil || (d.multiline && !atEnd) {
		return nil, 0, "", false
	}
	if ps >= 0 {
		if d.maxParams == 0 {
			return nil, 0, "", false
		}
		// keepalived measures a parameterised reference up to its last
		// parameter digit plus the closing brace.
		return d, pe + 2 - i, s[ps : pe+1], true
	}
	if braces {
		return d, p + 1 - i, "", false
	}
	return d, k - i, "", false
}

// replaceParam is keepalived's replace_param: every $NAME / ${NAME} with a
// definition is replaced and the replacement is scanned again from where
// it starts (so definitions may refer to definitions). A multiline
// definition contributes its first line and leaves the rest in *ml.
// It reports whether anything was replaced; on overflow keepalived keeps
// the replacements made so far and gives up (changed=false).
func (lx *lexer) replaceParam(s string, max int, ml *mlPtr, pos Pos) (string, bool) {
	found := false
	cur := *ml
	nextp := cur
	i := 0
	steps := 0
	for {
		k := strings.IndexByte(s[i:], '$')
		if k < 0 || i+k+1 >= len(s) {
			break
		}
		i += k
		d, refLen, params, hasParams := lx.findRef(s, i)
		if d == nil {
			i++
			continue
		}
		steps++
		if steps > maxSubstSteps {
			lx.report(pos, generalError, "parameter substitution on line '%s' does not terminate - stopping", s)
			return s, false
		}
		found = true
		nextp = cur
		if d.multiline && cur.ok {
			lx.mlStack = append(lx.mlStack, mlPtr{s: cur.s, ok: true, depth: lx.mlSeqDepth, pos: cur.pos})
		}
		if d.multiline {
			lx.mlSeqDepth = len(lx.seqs)
		}
		val := d.value
		if d.fn != nil {
			val = d.fn(lx, params)
			d.value = val
		}
		repl := val
		if d.multiline {
			nl := strings.IndexByte(val, '\n')
			if nl < 0 {
				repl = val
				nextp = mlPtr{s: "", ok: true, pos: pos}
			} else {
				repl = val[:nl]
				nextp = mlPtr{s: val[nl+1:], ok: true, pos: pos}
			}
			cur = nextp
		}
		if len(s)+len(repl)-refLen >= max {
			lx.report(pos, info, "Parameter substitution on line '%s' would exceed maximum line length", s)
			return s, false
		}
		if hasParams && len(repl) < refLen {
			// keepalived 2.2.7 moves only the character after a shortened
			// ${NAME params} reference, leaving the middle of the
			// reference in the line unless it ended the line.
			rest := ""
			if i+refLen < len(s) {
				rest = s[i+refLen:i+refLen+1] + s[i+len(repl)+1:]
			}
			s = s[:i] + repl + rest
		} else {
			s = s[:i] + repl + s[i+refLen:]
		}
		if t := trimBlanksLeft(val); strings.HasPrefix(t, "~") {
			break
		}
	}
	if found {
		*ml = nextp
	}
	return s, found
}

// emitMultiline returns the next line of the multiline definition being
// expanded.
func (lx *lexer) emitMultiline() line {
	p := lx.ml
	nl := strings.IndexByte(p.s, '\n')
	if nl >= 0 {
		lx.ml.s = p.s[nl+1:]
		return line{text: p.s[:nl], pos: p.pos}
	}
	if n := len(lx.mlStack); n > 0 {
		top := lx.mlStack[n-1]
		lx.mlStack = lx.mlStack[:n-1]
		lx.ml = mlPtr{s: top.s, ok: true, pos: top.pos}
		lx.mlSeqDepth = top.depth
	} else {
		lx.ml = mlPtr{}
		lx.mlSeqDepth = 0
	}
	return line{text: p.s, pos: p.pos}
}

// emitSeq replays the innermost ~SEQ/~LST once.
func (lx *lexer) emitSeq() line {
	sq := lx.seqs[len(lx.seqs)-1]
	if sq.params == nil {
		var val string
		if sq.hex {
			val = strconv.FormatUint(uint64(sq.next), 16)
		} else {
			val = strconv.FormatInt(sq.next, 10)
		}
		lx.setDefinition(sq.v, val)
		sq.next += sq.step
		if (sq.step > 0 && sq.next > sq.last) || (sq.step < 0 && sq.next < sq.last) || sq.step == 0 {
			lx.seqs = lx.seqs[:len(lx.seqs)-1]
		}
		return line{text: sq.text, pos: sq.textPos}
	}
	set := sq.sets[0]
	for i, name := range sq.params {
		lx.setDefinition(name, set[i])
	}
	sq.sets = sq.sets[1:]
	if len(sq.sets) == 0 {
		lx.seqs = lx.seqs[:len(lx.seqs)-1]
	}
	return line{text: sq.text, pos: sq.textPos}
}

func (lx *lexer) setDefinition(name, value string) {
	d := lx.defs[name]
	if d == nil {
		d = &def{name: name}
		lx.defs[name] = d
	}
	// keepalived leaves a multiline flag set here; that would make the
	// loop value a (broken) multiline text, so we clear it.
	d.fn, d.maxParams, d.multiline = nil, 0, false
	d.value = value
}

// strtol is C's strtol(s, &end, 0): it returns the value and the number of
// bytes consumed (0 when there is no number).
func strtol(s string) (int64, int) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	start := i
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && isHex(s[i+2]) {
		base = 16
		i += 2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	dstart := i
	var v uint64
	overflow := false
	for i < len(s) {
		var d int
		switch {
		case isDigit(s[i]):
			d = int(s[i] - '0')
		case base == 16 && isHex(s[i]):
			d = int(hexVal(s[i]))
		default:
			d = 99
		}
		if d >= base {
			break
		}
		if v > (1<<63)/uint64(base) {
			overflow = true
		}
		v = v*uint64(base) + uint64(d)
		if v > 1<<63 {
			overflow = true
		}
		i++
	}
	if i == dstart && base != 8 {
		return 0, 0
	}
	_ = start
	if overflow || (!neg && v > 1<<63-1) {
		if neg {
			return -1 << 63, i
		}
		return 1<<63 - 1, i
	}
	if neg {
		return -int64(v), i
	}
	return int64(v), i
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// addSeq parses "~SEQ[x](VAR, [START,] [STEP,] END) text".
func (lx *lexer) addSeq(cur *line) bool {
	s := cur.text
	p := 4
	hex := false
	if p < len(s) && s[p] == 'x' {
		hex = true
		p++
	}
	p = skipBlanks(s, p)
	if p >= len(s) || s[p] != '(' {
		return false
	}
	p = skipBlanks(s, p+1)
	v0 := p
	for p < len(s) && strings.IndexByte(" \t,)", s[p]) < 0 {
		p++
	}
	v := s[v0:p]
	p = skipBlanks(s, p)
	if p >= len(s) || s[p] == ')' || p == v0 {
		lx.report(cur.pos, generalError, "Invalid ~SEQ definition '%s'", s)
		return false
	}
	p = skipBlanks(s, p+1)
	endSeq := strings.IndexByte(s[p:], ')')
	if endSeq < 0 {
		lx.report(cur.pos, generalError, "Invalid ~SEQ definition '%s'", s)
		return false
	}
	endSeq += p
	if endSeq+1-p+1 > 3*20+3+1 {
		lx.report(cur.pos, generalError, "~SEQ parameter strings too long '%s'", s)
		return false
	}
	var ml mlPtr
	args, _ := lx.replaceParam(s[p:endSeq+1], 3*20+3+1, &ml, cur.pos)
	if ml.ok {
		lx.report(cur.pos, generalError, "~SEQ parameter is multiline definition '%s'", s)
		return false
	}
	var start, step, end int64
	invalid := func() bool {
		lx.report(cur.pos, generalError, "Invalid ~SEQ definition '%s'", s)
		return false
	}
	one, n := strtol(args)
	q := skipBlanks(args, n)
	switch {
	case q < len(args) && args[q] == ')':
		end = one
		step, start = 1, 1
		if end < 1 {
			step = -1
		}
		if end < 0 {
			start = -1
		}
	case q >= len(args) || args[q] != ',':
		return invalid()
	default:
		two, n2 := strtol(args[q+1:])
		q = skipBlanks(args, q+1+n2)
		switch {
		case q < len(args) && args[q] == ')':
			start, end = one, two
			step = 1
			if start > end {
				step = -1
			}
		case q >= len(args) || args[q] != ',':
			return invalid()
		default:
			three, n3 := strtol(args[q+1:])
			q = skipBlanks(args, q+1+n3)
			if q >= len(args) || args[q] != ')' {
				return invalid()
			}
			start, step, end = one, two, three
			if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
				lx.report(cur.pos, generalError, "Invalid ~SEQ values '%s'", s)
				return false
			}
		}
	}
	if hex && (start < 0 || end < 0) {
		lx.report(cur.pos, generalError, "~SEQx is only valid for positive numbers '%s'", s)
		return false
	}
	t := skipBlanks(s, endSeq+1)
	tp := cur.pos
	tp.Col += t
	lx.seqs = append(lx.seqs, &seq{hex: hex, v: v, next: start, step: step, last: end, text: s[t:], textPos: tp})
	return true
}

// addLst parses "~LST(VAR, v1, v2...) text" and
// "~LST({V1, V2}, {a1, a2}, {b1, b2}...) text".
func (lx *lexer) addLst(cur *line) bool {
	s := cur.text
	p := skipBlanks(s, 4)
	if p >= len(s) || s[p] != '(' {
		return false
	}
	p = skipBlanks(s, p+1)
	endChar := byte(',')
	if p < len(s) && s[p] == '{' {
		endChar = '}'
		p = skipBlanks(s, p+1)
	}
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	var params []string
	for {
		v0 := p
		for p < len(s) && strings.IndexByte(" \t,}", s[p]) < 0 {
			p++
		}
		params = append(params, s[v0:p])
		p = skipBlanks(s, p)
		if at(p) == endChar {
			break
		}
		if at(p) != ',' {
			return false
		}
		p = skipBlanks(s, p+1)
	}
	numVars := len(params) - 1
	if at(p) == '}' {
		p = skipBlanks(s, p+1)
	}
	if at(p) != ',' {
		return false
	}
	p = skipBlanks(s, p+1)
	var sets [][]string
	for {
		endChar = ','
		if at(p) == '{' {
			endChar = '}'
			p = skipBlanks(s, p+1)
		}
		var vals []string
		for {
			v0 := p
			for p < len(s) && strings.IndexByte(" \t,})", s[p]) < 0 {
				p++
			}
			vals = append(vals, s[v0:p])
			p = skipBlanks(s, p)
			if at(p) == endChar || (at(p) == ')' && endChar == ',') {
				break
			}
			if at(p) != ',' {
				return false
			}
			p = skipBlanks(s, p+1)
			if len(vals) > numVars {
				lx.report(cur.pos, generalError, "~LST specification has too many values '%s'", s)
				return false
			}
		}
		for len(vals) < len(params) {
			vals = append(vals, "")
		}
		vals = vals[:len(params)]
		sets = append(sets, vals)
		if at(p) == '}' && endChar == '}' {
			p = skipBlanks(s, p+1)
		}
		if at(p) == ')' {
			break
		}
		if at(p) != ',' {
			return false
		}
		p = skipBlanks(s, p+1)
	}
	t := skipBlanks(s, p+1)
	if t > len(s) {
		t = len(s)
	}
	tp := cur.pos
	tp.Col += t
	lx.seqs = append(lx.seqs, &seq{params: params, sets: sets, text: s[t:], textPos: tp})
	return true
}

// openIncludeLine opens an include line's files. In a child pass an
// include that only appears after @/$ processing is read twice, as
// keepalived's children do (once from the parent's copy, once by
// themselves).
func (lx *lexer) openIncludeLine(s string, pos Pos, silentOnly bool) {
	incType := 0
	p := 8
	if !isSpace(s[7]) {
		p = 9
		switch s[7] {
		case 'r':
			incType = incR
		case 'a':
			incType = incR | incM | incB | incW
		case 'w':
			incType = incR | incM | incW
		case 'm':
			incType = incR | incM
		case 'b':
			incType = incR | incB
		}
	}
	pattern := s[skipBlanks(s, p):]
	lx.lastPos = pos
	if lx.child {
		// The parent's copy holds this include's text: read it quietly,
		// after (for a computed include) the child's own reading. Both
		// resolve from the including file's directory, not from the
		// quiet copy's just pushed.
		cwd := lx.cwd()
		lx.openGlobIn(pattern, incType, true, cwd)
		if silentOnly {
			return
		}
		lx.openGlobIn(pattern, incType, false, cwd)
		return
	}
	lx.openGlob(pattern, incType, false)
}

// splitBraces is the last step of read_line: a '{' or '}' outside double
// quotes ends the line; the rest is pushed back as the next line. It also
// keeps the running count behind "Extra '}'" and "missing '}'s".
func (lx *lexer) splitBraces(cur *line) {
	s := cur.text
	p := -1
	quote := false
	if s[0] == '{' || s[0] == '}' {
		p = 0
	} else {
		for i := 0; i < len(s); i++ {
			k := indexBraceOrQuote(s[i:])
			if k < 0 {
				break
			}
			i += k
			if s[i] == '"' {
				quote = true
				j := strings.IndexByte(s[i+1:], '"')
				if j < 0 {
					break
				}
				i += j + 1
				continue
			}
			if s[i] == '{' || s[i] == '}' {
				p = i
				break
			}
		}
	}
	if p >= 0 {
		skip := 0
		if p == 0 {
			skip = 1 + len(s[1:]) - len(trimBlanksLeft(s[1:]))
		}
		if rest := trimBlanksRight(s[p+skip:]); rest != "" {
			rp := cur.pos
			rp.Col += p + skip
			lx.residue, lx.hasResidue = line{text: rest, pos: rp}, true
			s = s[:p+skip]
		}
	}
	s = trimBlanksRight(s)
	lx.trackBrace(s, cur.pos)
	// What the line is to a skipped block, known from this scan: before
	// the first brace there is none, and a quote was seen or not.
	switch {
	case p == 0:
		lx.kind = kindOf(s)
	case quote:
		lx.kind = kindOther
	default:
		lx.kind = kindPlain
	}
	cur.text = s
}

// braceOrQuote marks the bytes splitBraces stops at.
var braceOrQuote = [256]bool{'{': true, '}': true, '"': true}

// indexBraceOrQuote is the index of the first '{', '}' or '"' in s, or
// -1. A long line (keepalived's 1023-byte pieces of a 10 MB line) is
// searched a byte value at a time with IndexByte, each search ending at
// the best found so far: a table walk cost 0.6 ns a byte there.
func indexBraceOrQuote(s string) int {
	n := min(len(s), longScan)
	for i := 0; i < n; i++ {
		if braceOrQuote[s[i]] {
			return i
		}
	}
	return indexFirstAfter(s, n, "{}\"")
}

// longScan is the length from which indexFirstOf's IndexByte searches
// beat a walk of the bytes.
const longScan = 64

// indexFirstAfter is indexFirstOf(s[n:], set) as an index of s, for a
// caller that walked the first n bytes itself.
func indexFirstAfter(s string, n int, set string) int {
	if n >= len(s) {
		return -1
	}
	if j := indexFirstOf(s[n:], set); j >= 0 {
		return n + j
	}
	return -1
}

// indexFirstOf is the index of the first byte of s that is one of set, or
// -1, by one IndexByte per byte of set over a shrinking prefix.
func indexFirstOf(s, set string) int {
	best := -1
	for k := 0; k < len(set); k++ {
		if j := strings.IndexByte(s, set[k]); j >= 0 {
			best, s = j, s[:j]
		}
	}
	return best
}

// trackBrace counts a line that is a lone brace. A replayed line is
// counted again, so its report is not one that drops the tape.
func (lx *lexer) trackBrace(s string, pos Pos) {
	switch s {
	case "{":
		lx.blockDepth++
		lx.openBraces = append(lx.openBraces, pos)
	case "}":
		lx.blockDepth--
		if n := len(lx.openBraces); n > 0 {
			lx.openBraces = lx.openBraces[:n-1]
		}
		if lx.blockDepth < 0 {
			lx.braceReport = true
			lx.report(pos, unexpectedEOB, "Extra '}' found")
			lx.braceReport = false
			lx.blockDepth = 0
		}
	}
}

// tokenize is keepalived's alloc_strvec_r: words split on whitespace; a
// word starting with '"' runs to the next '"' (quotes dropped, no
// escapes); an unquoted word also ends at '"'. An unmatched quote drops
// the rest of the line.
func (lx *lexer) tokenize(l line) []token {
	return lx.tokenizeInto(nil, l)
}

// slabTokens is the initial size of the token arena.
const slabTokens = 2048

// tokenizeKeep tokenizes l onto an arena and returns its tokens and where
// they start in the arena: the engine gives them back (slab = slab[:mark])
// when no handler gets them. A handler's tokens stay, without a copy of
// their own (cloning each statement's tokens was a third of the bytes the
// 10 000 x 4 file allocated). They are capacity-limited, so a handler
// appending to them cannot overwrite the next line's; when the arena
// grows, tokens already handed out stay valid in the old one. The engine
// reuses the arena after each top-level statement, so a handler must copy
// what it keeps (it keeps token values, never the slices).
func (lx *lexer) tokenizeKeep(l line) ([]token, int) {
	if lx.slab == nil {
		lx.slab = make([]token, 0, slabTokens)
	}
	a := len(lx.slab)
	lx.slab = lx.tokenizeInto(lx.slab, l)
	return lx.slab[a:len(lx.slab):len(lx.slab)], a
}

// giveBack frees the arena from mark on (tokens no handler kept). With
// Options.poisonTokens they are overwritten and left in place instead.
func (lx *lexer) giveBack(mark int) {
	if lx.c.Opts.poisonTokens {
		for i := mark; i < len(lx.slab); i++ {
			lx.slab[i] = poisoned
		}
		return
	}
	lx.slab = lx.slab[:mark]
}

// poisoned is what Options.poisonTokens overwrites released tokens with.
var poisoned = token{Text: "\x00poisoned", Pos: Pos{File: "poisoned", Line: -1, Col: -1}}

// reuseSlab frees the token arena for the next top-level statement. With
// Options.poisonTokens the old tokens are overwritten instead, so a test
// sees any handler that kept a slice of them.
func (lx *lexer) reuseSlab() {
	if lx.c.Opts.poisonTokens {
		s := lx.slab[:cap(lx.slab)]
		for i := range s {
			s[i] = poisoned
		}
		lx.slab = nil
		return
	}
	lx.slab = lx.slab[:0]
}

// tokenizeInto appends l's tokens to toks, allocating a fresh slice sized
// for the line when toks is nil.
func (lx *lexer) tokenizeInto(toks []token, l line) []token {
	s := l.text
	if toks == nil {
		toks = make([]token, 0, countTokens(s))
	}
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return toks
		}
		pos := l.pos
		pos.Col += i
		if s[i] == '"' {
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				lx.report(pos, unmatchedQuote, "Unmatched quote: '%s'", s)
				return toks
			}
			toks = append(toks, token{Text: s[i+1 : i+1+j], Pos: pos, Quoted: true})
			i += j + 2
			continue
		}
		// The walk stops after longScan bytes; wordEnd searches the rest
		// of a long word (kept out of this loop, which is hot).
		j, end := i, min(len(s), i+longScan)
		for j < end && !isSpace(s[j]) && s[j] != '"' {
			j++
		}
		if j == end && end < len(s) {
			j = wordEnd(s, j)
		}
		toks = append(toks, token{Text: s[i:j], Pos: pos})
		i = j
	}
}

// wordEnd is where the word going on at s[i] ends: at a blank, a quote
// or the end of s, searched with IndexByte (a long word).
func wordEnd(s string, i int) int {
	if j := indexFirstAfter(s, i, " \t\f\n\r\v\""); j >= 0 {
		return j
	}
	return len(s)
}

// countTokens bounds the number of tokens of s (words, runs of non-blanks,
// plus quotes), so that a line's tokens take one allocation: growing the
// slice from nil was three quarters of the bytes a large configuration
// allocated.
func countTokens(s string) int {
	n, inWord := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			n++
		case isSpace(s[i]):
			inWord = false
			continue
		case !inWord:
			n++
		}
		inWord = true
	}
	return n
}

// String forms for debugging and tests.
func (l line) String() string { return fmt.Sprintf("%s %q", l.pos, l.text) }

// trimBlanksRight is strings.TrimRight(s, " \t") without building the
// cutset on every call (it ran for every line of every pass).
func trimBlanksRight(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// trimBlanksLeft is strings.TrimLeft(s, " \t"), likewise.
func trimBlanksLeft(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}
