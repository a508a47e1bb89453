package parser

// The tape: the parent pass's logical lines, replayed by the checker and
// VRRP passes instead of reading the file again.
//
// keepalived's children re-read the parent's decommented copy, and for
// most files that reading gives exactly the parent's lines: definitions,
// ~SEQ/~LST and @id are evaluated again the same way (_RANDOM is seeded
// alike in every pass). Where a child's reading can differ (an include,
// read quietly and perhaps twice; a "\#" or "!" that a second comment
// removal would change; a second main file) or where the lexer reported
// anything the child would report again, the tape is dropped and the
// children read the file as before. Lexing was more than half of a
// three-pass parse of a large file.

// tapeChunk is how many lines one chunk of the tape holds: the tape grows
// by chunks, never copying what it holds.
const tapeChunk = 4096

// tapeLine is one logical line: its text (a substring of the file's text,
// or what substitution made), where it is and where the lexer's last
// read line was (the engine's position for some diagnostics).
type tapeLine struct {
	text                     string
	ln, col, lastLn, lastCol int32
}

type tape struct {
	file   string // every line's Pos.File
	chunks [][]tapeLine
	kinds  []byte // each line's lineKind
	n      int
	end    Pos // lastPos when the input ended
	ok     bool
	done   bool // the recording pass reached the end of its input
}

// usable reports whether the children may replay t.
func (t *tape) usable() bool { return t != nil && t.ok && t.done }

// drop makes the tape unusable and releases what it holds.
func (t *tape) drop() {
	t.ok, t.chunks = false, nil
}

// add records a line the parent's lexer returned.
func (t *tape) add(l line, last Pos) {
	if !t.ok {
		return
	}
	if t.n == 0 {
		t.file = l.pos.File
	}
	if l.pos.File != t.file || last.File != t.file || !fitsInt32(l.pos.Line, l.pos.Col, last.Line, last.Col) {
		t.drop()
		return
	}
	i := t.n % tapeChunk
	if i == 0 {
		t.chunks = append(t.chunks, make([]tapeLine, tapeChunk))
	}
	t.kinds = append(t.kinds, kindOf(l.text))
	t.chunks[len(t.chunks)-1][i] = tapeLine{text: l.text, ln: int32(l.pos.Line), col: int32(l.pos.Col),
		lastLn: int32(last.Line), lastCol: int32(last.Col)}
	t.n++
}

func fitsInt32(vs ...int) bool {
	for _, v := range vs {
		if v < 0 || v > 1<<31-1 {
			return false
		}
	}
	return true
}

// at returns line i and the lexer's last position after it.
func (t *tape) at(i int) (line, Pos) {
	e := &t.chunks[i/tapeChunk][i%tapeChunk]
	return line{text: e.text, pos: Pos{File: t.file, Line: int(e.ln), Col: int(e.col)}},
		Pos{File: t.file, Line: int(e.lastLn), Col: int(e.lastCol)}
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
				t.add(l, lx.lastPos)
			case lx.stopped || lx.c.core.aborted:
				t.drop()
			default:
				t.end, t.done = lx.lastPos, true
			}
		}
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
	if lx.playAt >= t.n {
		lx.lastPos = t.end
		return line{}, false
	}
	l, last := t.at(lx.playAt)
	lx.playAt++
	lx.lastPos = last
	lx.trackBrace(l.text, l.pos)
	return l, true
}

// What a line is to a skipped block.
const (
	kindPlain = iota // no brace and no quote: nothing
	kindOpen         // "{"
	kindClose        // "}"
	kindOther        // its words must be looked at
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
		switch t.kinds[i] {
		case kindPlain:
		case kindOpen:
			l, _ := t.at(i)
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
			l, last := t.at(i)
			hook(lx.c.core.proc, l, last, lx.blockDepth, true)
		}
	}
	return lx.skipped(i, skip)
}

// skipped moves the replay to line i, skipPlain's lines consumed.
func (lx *lexer) skipped(i, skip int) int {
	if i > lx.playAt {
		_, lx.lastPos = lx.play.at(i - 1)
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
