package conf

import (
	"fmt"
	"strconv"
	"strings"
)

// scanner evaluates the token stream of one file: assignments into the
// File's variables, `.`/`source` handed back to the caller, every other
// construct an error at its token's position.
type scanner struct {
	toks []token
	i    int
	f    *File
}

type command struct {
	pos  Pos
	name string
	args []string
}

func newScanner(name string, src []byte, f *File) (*scanner, error) {
	toks, err := tokenize(name, src)
	if err != nil {
		return nil, err
	}
	return &scanner{toks: toks, f: f}, nil
}

func (s *scanner) peek() token { return s.toks[s.i] }

func (s *scanner) next() token {
	t := s.toks[s.i]
	if t.typ != tEOF {
		s.i++
	}
	return t
}

func errf(p Pos, format string, args ...any) error {
	return &Error{p, fmt.Sprintf(format, args...)}
}

func isContinuation(t token) bool { return t.typ == tEscape && t.text == "\\\n" }

// skipBlanks skips blanks and backslash-newline continuations.
func (s *scanner) skipBlanks() {
	for t := s.peek(); t.typ == tBlank || isContinuation(t); t = s.peek() {
		s.next()
	}
}

// atEnd reports whether the current statement ends here.
func (s *scanner) atEnd() bool {
	switch s.peek().typ {
	case tEOF, tNL, tSemi, tComment:
		return true
	}
	return false
}

// statement reads one simple command: assignments, or `.`/`source FILE`.
// It returns the command to run, or nil at the end of input.
func (s *scanner) statement() (*command, error) {
	for {
		s.skipBlanks()
		switch t := s.peek(); t.typ {
		case tEOF:
			return nil, nil
		case tNL, tSemi, tComment:
			s.next()
			continue
		}
		assigned := false
		for s.peek().typ == tAssign {
			if err := s.assignment(); err != nil {
				return nil, err
			}
			assigned = true
			s.skipBlanks()
		}
		if s.atEnd() {
			continue
		}
		p := s.peek().pos
		first, err := s.word(inName)
		if err != nil {
			return nil, err
		}
		name := first[0]
		switch {
		case assigned:
			return nil, errf(p, "running a command (%q) is not supported: only assignments, `.` and `source`", name)
		case name == "." || name == "source":
			args, err := s.words()
			if err != nil {
				return nil, err
			}
			return &command{pos: p, name: name, args: args}, nil
		case keywords[name]:
			return nil, errf(p, "%q: conditionals, loops and functions are not supported; the file is read, never executed", name)
		default:
			return nil, errf(p, "running a command (%q) is not supported: only assignments, `.` and `source`", name)
		}
	}
}

var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "case": true, "esac": true,
	"for": true, "while": true, "until": true, "do": true, "done": true, "function": true,
	"{": true, "}": true, "[[": true, "]]": true, "[": true, "test": true, "!": true,
}

func (s *scanner) assignment() error {
	t := s.next()
	p := t.pos
	lhs := strings.TrimSuffix(t.text, "=")
	appendTo := strings.HasSuffix(lhs, "+")
	lhs = strings.TrimSuffix(lhs, "+")
	name, idx, indexed := lhs, 0, false
	if open := strings.IndexByte(lhs, '['); open >= 0 {
		name = lhs[:open]
		inner := lhs[open+1 : len(lhs)-1]
		n, err := index(strings.TrimSpace(inner))
		if err != nil {
			return errf(Pos{p.File, p.Line, p.Col + open + 1}, "array index %q: %v", inner, err)
		}
		idx, indexed = n, true
	}
	if s.peek().typ == tListOpen {
		if indexed {
			return errf(s.peek().pos, "%s[%d]=(...): cannot assign a list to an array element", name, idx)
		}
		vals, err := s.list()
		if err != nil {
			return err
		}
		s.f.setArray(name, p, vals, appendTo)
		return nil
	}
	val := ""
	if s.atPiece() {
		fields, err := s.word(inScalar)
		if err != nil {
			return err
		}
		val = fields[0]
	}
	s.f.set(name, p, idx, val, appendTo)
	if indexed {
		s.f.Vars[name].Array = true
	}
	return nil
}

// list reads ( word... ), which may span lines and hold comments.
func (s *scanner) list() ([]string, error) {
	open := s.next().pos
	var out []string
	for {
		s.skipBlanks()
		switch t := s.peek(); t.typ {
		case tEOF:
			return nil, errf(open, "unterminated list: missing )")
		case tNL, tComment:
			s.next()
			continue
		case tSemi:
			return nil, errf(t.pos, "unexpected \";\" inside a list")
		case tListClose:
			s.next()
			if s.atPiece() {
				return nil, errf(s.peek().pos, "unexpected %q after )", s.peek().text)
			}
			return out, nil
		case tLit:
			if strings.HasPrefix(t.text, "[") {
				return nil, errf(t.pos, "[index]=value inside a list is not supported; use NAME[index]=value")
			}
		}
		fields, err := s.word(inList)
		if err != nil {
			return nil, err
		}
		out = append(out, fields...)
	}
}

// words reads the words of a command up to the end of the statement.
func (s *scanner) words() ([]string, error) {
	var out []string
	for {
		s.skipBlanks()
		if s.atEnd() {
			return out, nil
		}
		fields, err := s.word(inCommand)
		if err != nil {
			return nil, err
		}
		out = append(out, fields...)
	}
}

// atPiece reports whether the next token continues (or starts) a word.
func (s *scanner) atPiece() bool {
	switch s.peek().typ {
	case tEOF, tNL, tSemi, tBlank, tComment, tListClose:
		return false
	}
	return true
}

// fieldBuilder collects one word's text. With split set (list elements),
// unquoted expansions break into fields at blanks, as bash does.
type fieldBuilder struct {
	split  bool
	cur    strings.Builder
	hasCur bool
	out    []string
}

func (b *fieldBuilder) quoted(s string) {
	b.cur.WriteString(s)
	b.hasCur = true
}

func (b *fieldBuilder) unquoted(s string) {
	if !b.split {
		b.quoted(s)
		return
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' || c == '\n' {
			b.flush()
			continue
		}
		b.cur.WriteByte(s[i])
		b.hasCur = true
	}
}

func (b *fieldBuilder) flush() {
	if b.hasCur {
		b.out = append(b.out, b.cur.String())
	}
	b.cur.Reset()
	b.hasCur = false
}

const refusedMeta = "%q: pipes, redirections, background jobs and subshells are not supported"

// wordCtx is where a word stands; bash expands words differently in each.
type wordCtx int

const (
	inScalar  wordCtx = iota // NAME=word: no splitting, no globbing, tilde after = and :
	inList                   // NAME=(word ...): splitting, globbing, brace expansion
	inCommand                // . word: globbing, brace expansion
	inName                   // a command name: refused whatever it is
)

// word reads one shell word: adjacent pieces up to a blank or the end of
// the statement. A scalar word is always one field. Bash would rewrite some
// unquoted text (~ to $HOME, * to file names, a{1,2} to a1 a2) depending on
// the machine it runs on; such text is refused so that the file means the
// same here as it did to bash.
func (s *scanner) word(ctx wordCtx) ([]string, error) {
	b := &fieldBuilder{split: ctx == inList}
	first := true
	start := s.peek().pos
	for s.atPiece() {
		if b.cur.Len() > maxValue {
			return nil, errf(start, "value longer than %d bytes (a file that sources itself and expands a variable into itself?)", maxValue)
		}
		t := s.next()
		switch t.typ {
		case tLit, tHashLit, tAssign:
			if err := checkLiteral(t, ctx, first); err != nil {
				return nil, err
			}
			// An Assign token inside a word (x=1 as an argument, or after
			// a quote) is plain text, as in bash.
			b.quoted(t.text)
		case tSQ:
			b.quoted(t.text[1 : len(t.text)-1])
		case tUnSQ:
			return nil, errf(t.pos, "unterminated single quote")
		case tDQOpen:
			if err := s.doubleQuoted(t, b); err != nil {
				return nil, err
			}
		case tEscape:
			if t.text[1] != '\n' { // backslash-newline joins lines
				b.quoted(t.text[1:])
			}
		case tBackslash:
			b.quoted(`\`)
		case tDollar:
			if n := s.peek().typ; n == tSQ || n == tUnSQ || n == tDQOpen {
				return nil, errf(t.pos, "$'...' and $\"...\" quoting are not supported; use plain quotes")
			}
			b.unquoted("$") // a lone $ is literal in bash
		case tVar, tBrace, tArith, tCmdSubst, tSpecial:
			v, err := s.expand(t)
			if err != nil {
				return nil, err
			}
			b.unquoted(v)
		case tMeta:
			if t.text == ")" {
				return nil, errf(t.pos, "unexpected \")\"")
			}
			return nil, errf(t.pos, refusedMeta, t.text[0])
		case tListOpen:
			return nil, errf(t.pos, refusedMeta, '(')
		default:
			return nil, errf(t.pos, "unexpected %q", t.text)
		}
		first = false
	}
	if t := s.peek(); t.typ == tComment && b.hasCur {
		return nil, errf(t.pos, "'#' right after a quote or expansion: bash reads it as text, quote it")
	}
	if ctx != inList {
		return []string{b.cur.String()}, nil
	}
	b.flush()
	return b.out, nil
}

func (s *scanner) doubleQuoted(open token, b *fieldBuilder) error {
	b.hasCur = true // "" is an empty field, not nothing
	for {
		t := s.next()
		switch t.typ {
		case tEOF:
			return errf(open.pos, "unterminated double quote")
		case tDQClose:
			return nil
		case tDQLit:
			b.quoted(t.text)
		case tDQEscape:
			switch c := t.text[1]; c {
			case '$', '`', '"', '\\':
				b.quoted(string(c))
			case '\n':
			default:
				b.quoted(t.text)
			}
		case tBackslash:
			b.quoted(`\`)
		default:
			v, err := s.expand(t)
			if err != nil {
				return err
			}
			b.quoted(v)
		}
	}
}

// expand evaluates $NAME, ${NAME} or ${NAME[i]}; every other form is
// refused because it would need a shell to evaluate.
func (s *scanner) expand(t token) (string, error) {
	switch t.typ {
	case tArith:
		return "", errf(t.pos, "arithmetic expansion $((...)) is not supported")
	case tCmdSubst:
		if t.text == "`" {
			return "", errf(t.pos, "command substitution (`...`) is not supported; the file is read, never executed")
		}
		return "", errf(t.pos, "command substitution $(...) is not supported; the file is read, never executed")
	case tSpecial:
		return "", errf(t.pos, "special parameter %s is not supported", t.text)
	case tDollar:
		return "$", nil // a lone $ is literal in bash
	case tVar:
		return s.f.expand(t.text[1:], 0, t.pos), nil
	case tBrace:
		inner, ok := strings.CutSuffix(t.text[2:], "}")
		if !ok {
			return "", errf(t.pos, "unsupported parameter expansion: only ${NAME} and ${NAME[index]}")
		}
		name, idx := inner, 0
		if open := strings.IndexByte(inner, '['); open >= 0 && strings.HasSuffix(inner, "]") {
			n, err := index(inner[open+1 : len(inner)-1])
			if err != nil {
				return "", errf(t.pos, "unsupported parameter expansion: ${NAME[index]}: %v", err)
			}
			name, idx = inner[:open], n
		}
		if !ValidName(name) {
			return "", errf(t.pos, "unsupported parameter expansion: only ${NAME} and ${NAME[index]}")
		}
		return s.f.expand(name, idx, t.pos), nil
	}
	return "", errf(t.pos, "unexpected %q", t.text)
}

// checkLiteral refuses unquoted text that bash would expand: a leading ~
// (and ~ after : in an assignment), and in lists and commands the glob
// characters * ? [ and brace expansion.
func checkLiteral(t token, ctx wordCtx, first bool) error {
	txt := t.text
	if ctx == inName || t.typ == tAssign && ctx == inScalar {
		return nil // NAME=... text inside a value: no expansion there
	}
	if first && strings.HasPrefix(txt, "~") || ctx == inScalar && strings.Contains(txt, ":~") {
		col := strings.IndexByte(txt, '~')
		return errf(Pos{t.pos.File, t.pos.Line, t.pos.Col + col}, "unquoted ~ would expand to a home directory; quote it or write the path")
	}
	if ctx == inScalar {
		return nil
	}
	if i := strings.IndexAny(txt, "*?[{}"); i >= 0 {
		return errf(Pos{t.pos.File, t.pos.Line, t.pos.Col + i}, "unquoted %q would be expanded by bash (file names or braces); quote it", txt[i])
	}
	return nil
}

// index reads an array index. Bash evaluates it as arithmetic, where a
// leading 0 means octal (GATEWAY[010] is element 8); such indexes are
// refused rather than read differently.
func index(s string) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < 0 || s[0] == '+' || s[0] == '-':
		return 0, fmt.Errorf("want a non-negative number")
	case len(s) > 1 && s[0] == '0':
		return 0, fmt.Errorf("a leading 0 is octal to bash; write the index without it")
	case n > 1<<20:
		return 0, fmt.Errorf("too large")
	}
	return n, nil
}
