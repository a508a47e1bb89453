package parser

// The tape: the parent pass's logical lines, replayed by the checker and
// VRRP passes instead of reading the file again.
//
// keepalived's children re-read the parent's decommented copy, and for
// most files that reading gives exactly the parent's lines: definitions,
// ~SEQ/~LST and @id are evaluated again the same way (_RANDOM is seeded
// alike in every pass), and an include line of the copy is opened as it
// is read, quietly (kindQuiet lines: the replay reports nothing while the
// engine handles them). Where a child's reading can differ (an include
// that substitution, @id or a brace split makes, which a child reads
// twice; a comment character a second removal would change) or where the
// lexer reported anything the child would report again (but the brace
// count and the long-line note, which the replay reproduces), the tape is
// dropped and the children read the file as before. Lexing was more than
// half of a three-pass parse of a large file.

import (
	"fmt"
	"sort"
	"unsafe"
)

// checkKinds makes next check the lexer's line kinds against kindOf
// (tests set it).
var checkKinds = false

// tapeChunk is how many lines one chunk of the tape holds: the tape grows
// by chunks, never copying what it holds.
const tapeChunk = 4096

// tapeLine is one logical line: where its text is in its segment's base
// and where the line is. 16 bytes and no pointer, so the garbage collector
// does not scan the tape (a string per line made it 32 bytes to scan).
type tapeLine struct {
	off, n  uint32
	ln, col int32
}

// tapeNote is a diagnostic the parent's lexer made before line (a long
// line's note): a child reading the same text makes it too, which finish
// would merge into the parent's, so a replay adds its process to it.
type tapeNote struct {
	line, diag int
	quiet      bool // made inside an include, which a child reads quietly
}

// tapeSeg is a run of lines of one file whose texts are substrings of
// base: a block of the file, or one line that substitution made.
type tapeSeg struct {
	first int // the index of its first line
	base  string
	file  string // the lines' Pos.File
}

type tape struct {
	chunks [][]tapeLine
	kinds  []byte // each line's lineKind, with kindQuiet
	segs   []tapeSeg
	seg    int         // the segment at looks in first
	lasts  map[int]Pos // the lexer's last position after a line, where not the line's own
	notes  []tapeNote
	n      int
	end    Pos // lastPos when the input ended
	ok     bool
	done   bool // the recording pass reached the end of its input
}

// usable reports whether the children may replay t.
func (t *tape) usable() bool { return t != nil && t.ok && t.done }

// drop makes the tape unusable and releases what it holds.
func (t *tape) drop() {
	t.ok, t.chunks, t.kinds, t.segs, t.lasts, t.notes = false, nil, nil, nil, nil, nil
}

// add records a line the parent's lexer returned; block is the text the
// lexer was reading (the line is usually a substring of it), kind the
// line's lineKind.
func (t *tape) add(l line, last Pos, block string, kind byte) {
	if !fitsInt32(l.pos.Line, l.pos.Col) {
		t.drop()
		return
	}
	off, ok := t.offset(l.text, l.pos.File)
	if !ok {
		if off, ok = within(l.text, block); ok {
			t.segs = append(t.segs, tapeSeg{first: t.n, base: block, file: l.pos.File})
		} else {
			t.segs = append(t.segs, tapeSeg{first: t.n, base: l.text, file: l.pos.File})
			off = 0
		}
	}
	if last != l.pos {
		if t.lasts == nil {
			t.lasts = map[int]Pos{}
		}
		t.lasts[t.n] = last
	}
	i := t.n % tapeChunk
	if i == 0 {
		t.chunks = append(t.chunks, make([]tapeLine, tapeChunk))
	}
	t.kinds = append(t.kinds, kind)
	t.chunks[len(t.chunks)-1][i] = tapeLine{off: uint32(off), n: uint32(len(l.text)), ln: int32(l.pos.Line), col: int32(l.pos.Col)}
	t.n++
}

// offset is where s is in the last segment's base, if that segment is
// of file.
func (t *tape) offset(s, file string) (int, bool) {
	if len(t.segs) == 0 || t.segs[len(t.segs)-1].file != file {
		return 0, false
	}
	return within(s, t.segs[len(t.segs)-1].base)
}

// within reports where s lies in base, if it is a substring of it (same
// memory, not equal text).
func within(s, base string) (int, bool) {
	if len(s) == 0 || len(base) == 0 || len(base) > 1<<32-1 {
		return 0, false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	b := uintptr(unsafe.Pointer(unsafe.StringData(base)))
	if p < b || p+uintptr(len(s)) > b+uintptr(len(base)) {
		return 0, false
	}
	return int(p - b), true
}

func fitsInt32(vs ...int) bool {
	for _, v := range vs {
		if v < 0 || v > 1<<31-1 {
			return false
		}
	}
	return true
}

// at returns line i. Lines are asked for in order, so the segment is
// found from the previous one.
func (t *tape) at(i int) line {
	e := &t.chunks[i/tapeChunk][i%tapeChunk]
	if t.seg >= len(t.segs) || t.segs[t.seg].first > i || (t.seg+1 < len(t.segs) && t.segs[t.seg+1].first <= i) {
		t.seg = sort.Search(len(t.segs), func(k int) bool { return t.segs[k].first > i }) - 1
	}
	sg := &t.segs[t.seg]
	return line{text: sg.base[e.off : e.off+e.n], pos: Pos{File: sg.file, Line: int(e.ln), Col: int(e.col)}}
}

// lastAfter is the lexer's last position after line i, l.
func (t *tape) lastAfter(i int, l *line) Pos {
	if t.lasts != nil {
		if p, ok := t.lasts[i]; ok {
			return p
		}
	}
	return l.pos
}

// next is the lexer's entry point: a child replays the tape when there is
// one; the parent reads and records. (One function: each layer returning
// a line was a tenth of a large parse.)
func (lx *lexer) next() (l line, ok bool) {
	if lx.play != nil {
		l, ok = lx.replay()
	} else {
		lx.lexing = true
		l, ok = lx.read()
		lx.lexing = false
		if t := lx.rec; t != nil && t.ok {
			switch {
			case ok:
				k := lx.kind
				if len(lx.stack) > 1 {
					k |= kindQuiet
				}
				t.add(l, lx.lastPos, lx.block(), k)
			case lx.stopped || lx.c.core.aborted:
				t.drop()
			default:
				t.end, t.done = lx.lastPos, true
			}
		}
	}
	if checkKinds && ok && lx.kind != kindOf(l.text) {
		panic(fmt.Sprintf("lexer: line %q at %v: kind %d, want %d", l.text, l.pos, lx.kind, kindOf(l.text)))
	}
	if h := lx.c.Opts.lineHook; h != nil && ok {
		h(lx.c.core.proc, l, lx.lastPos, lx.blockDepth, lx.play != nil)
	}
	return l, ok
}

// replay returns the tape's next line, keeping the lexer's brace count and
// last position as reading the line would have.
func (lx *lexer) replay() (line, bool) {
	t := lx.play
	if lx.stopped || lx.c.core.aborted {
		return line{}, false
	}
	if lx.noteAt < len(t.notes) {
		lx.noteUpTo(lx.playAt)
	}
	i := lx.playAt
	if i >= t.n {
		lx.lastPos, lx.silent = t.end, 0
		return line{}, false
	}
	l := t.at(i)
	lx.lastPos = l.pos
	if t.lasts != nil {
		lx.lastPos = t.lastAfter(i, &l)
	}
	lx.playAt++
	k := t.kinds[i]
	lx.kind = k &^ kindQuiet
	// A child reads an include's lines quietly (the parent reported on
	// them): nothing is reported while one of them is being handled.
	lx.silent = int(k >> 7)
	if lx.kind == kindOpen || lx.kind == kindClose {
		lx.trackBrace(l.text, l.pos)
	}
	return l, true
}

// plainAhead is how many plain lines (no brace, no quote) a replay has
// next, after the opening brace if that comes first; 0 when not replaying.
func (lx *lexer) plainAhead() int {
	t := lx.play
	if t == nil {
		return 0
	}
	i := lx.playAt
	if i < t.n && t.kinds[i]&^kindQuiet == kindOpen {
		i++ // the block's "{", split from its keyword
	}
	start := i
	for i < t.n && t.kinds[i]&^kindQuiet == kindPlain {
		i++
	}
	return i - start
}

// block is the text the lexer is reading, "" when none.
func (lx *lexer) block() string {
	if n := len(lx.stack); n > 0 && lx.stack[n-1].cur != nil {
		return lx.stack[n-1].cur.text
	}
	return ""
}

// What a line is to a skipped block.
const (
	kindPlain = iota // no brace and no quote: nothing
	kindOpen         // "{"
	kindClose        // "}"
	kindOther        // its words must be looked at

	// kindQuiet marks, on the tape, a line of an included file.
	kindQuiet = 0x80
)

func kindOf(s string) byte {
	switch {
	case s == "{":
		return kindOpen
	case s == "}":
		return kindClose
	case plainLine(s):
		return kindPlain
	}
	return kindOther
}

// skipPlain consumes, in a replay, the lines of a skipped block (skip
// levels deep) that cannot end it: lines without braces or quotes, and
// lone braces that leave it open (counted as reading them would). It
// returns the new depth; a line that ends the block, or whose words
// matter, is left for next. The VRRP pass of a file of virtual servers is
// then a walk over a byte per line.
func (lx *lexer) skipPlain(skip int) int {
	t := lx.play
	if t == nil || lx.stopped || lx.c.core.aborted {
		return skip
	}
	hook := lx.c.Opts.lineHook
	i := lx.playAt
	for ; i < t.n; i++ {
		switch t.kinds[i] &^ kindQuiet {
		case kindPlain:
		case kindOpen:
			l := t.at(i)
			skip++
			lx.blockDepth++
			lx.openBraces = append(lx.openBraces, l.pos)
		case kindClose:
			if skip <= 1 || lx.blockDepth <= 0 {
				return lx.skipped(i, skip)
			}
			skip--
			lx.blockDepth--
			if n := len(lx.openBraces); n > 0 {
				lx.openBraces = lx.openBraces[:n-1]
			}
		default:
			return lx.skipped(i, skip)
		}
		if hook != nil {
			l := t.at(i)
			last := t.lastAfter(i, &l)
			hook(lx.c.core.proc, l, last, lx.blockDepth, true)
		}
	}
	return lx.skipped(i, skip)
}

// noteUpTo adds this pass's process to the notes made up to line i (all
// of them at the end of the tape).
func (lx *lexer) noteUpTo(i int) {
	t := lx.play
	if i >= t.n {
		i = int(^uint(0) >> 1)
	}
	for lx.noteAt < len(t.notes) && t.notes[lx.noteAt].line <= i {
		if n := t.notes[lx.noteAt]; !n.quiet {
			lx.c.diags[n.diag].procs |= lx.c.core.proc
		}
		lx.noteAt++
	}
}

// skipped moves the replay to line i, skipPlain's lines consumed.
func (lx *lexer) skipped(i, skip int) int {
	lx.noteUpTo(i - 1)
	if i > lx.playAt {
		l := lx.play.at(i - 1)
		lx.lastPos = lx.play.lastAfter(i-1, &l)
		lx.playAt = i
	}
	return skip
}

// taint is called where the parent's reading may differ from a child's.
func (lx *lexer) taint() {
	if lx.rec != nil && lx.rec.ok {
		lx.rec.drop()
	}
}

// hasCommentChar reports whether s holds a character a second comment
// removal (a child's, of the parent's copy) may act on.
func hasCommentChar(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '#', '!', '\\':
			return true
		}
	}
	return false
}
