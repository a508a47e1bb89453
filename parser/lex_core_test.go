package parser

import (
	"strconv"
	"strings"
	"testing"
)

// lexAll runs the line reader over src (a parent pass) and returns the
// logical lines as "line:col text".
func lexAll(t *testing.T, src string, opts Options) ([]string, Diagnostics) {
	t.Helper()
	if opts.ConfigID == "" {
		opts.ConfigID = "high"
	}
	c := &ctx{Opts: &opts}
	c.Cfg = nil
	lx := newLexer(c, false)
	c.core.lx = lx
	lx.openBytes("t.conf", src)
	var out []string
	for {
		l, ok := lx.next()
		if !ok {
			break
		}
		out = append(out, l.pos.String()[len("t.conf:"):]+" "+strconv.Quote(l.text))
	}
	return out, c.diags
}

// diagLines renders diagnostics as "line:col: severity: message" (no
// file name) for comparison.
func diagLines(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(d.String(), d.Pos.File+":"), " "))
	}
	return out
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot\n\t%s\nwant\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestLexLines is the lexical layer, keepalived's read_line: comments,
// conditionals, definitions, replication and brace splitting, each line
// positioned where its first character came from.
func TestLexLines(t *testing.T) {
	long := strings.Repeat("x", 1100)
	tests := []struct {
		name  string
		src   string
		id    string // config id; default "high"
		lines []string
		diags []string
	}{
		{
			name:  "comments outside quotes, escaped # and !, leading blanks",
			src:   "a b # c\n! full line\nd \"x # y\" ! z\n  e\\#f \\!g\n",
			lines: []string{`1:1 "a b"`, `3:1 "d \"x # y\""`, `4:3 "e#f !g"`},
		},
		{
			// keepalived continues only multiline definitions; a plain
			// line keeps its backslash (blanks before it removed).
			name:  "no continuation outside definitions",
			src:   "a   \\\n  b\n",
			lines: []string{`1:1 "a\\"`, `2:3 "b"`},
		},
		{
			name:  "brace splitting",
			src:   "vrrp_instance V { state MASTER }\n}x\n{\n",
			lines: []string{`1:1 "vrrp_instance V"`, `1:17 "{"`, `1:19 "state MASTER"`, `1:32 "}"`, `2:1 "}"`, `2:2 "x"`, `3:1 "{"`},
			diags: []string{"2:1: error: Extra '}' found"},
		},
		{
			name:  "braces inside quotes do not split",
			src:   "a \"b { c\" {\n",
			lines: []string{`1:1 "a \"b { c\""`, `1:11 "{"`},
		},
		{
			name:  "unterminated quote",
			src:   "x \"open\n",
			lines: []string{`1:1 "x \"open"`},
			diags: []string{"1:1: error: Unterminated quote 'x \"open'"},
		},
		{
			// fgets(buf, 1024): a longer physical line arrives in pieces.
			name:  "1023-byte read buffer splits long lines",
			src:   long + "\n",
			lines: []string{"1:1 " + strconv.Quote(long[:1023]), "1:1024 " + strconv.Quote(long[1023:])},
			diags: []string{"1:1: info: line longer than 1023 bytes: keepalived reads the rest as a separate line"},
		},
		{
			name:  "@id and @^id",
			src:   "@high a\n@^high b\n@low c\n@^low d\n@high\n",
			lines: []string{`1:7 "a"`, `4:7 "d"`},
		},
		{
			name:  "@id with another config id",
			src:   "@high a\n@^high b\n@low c\n",
			id:    "low",
			lines: []string{`2:8 "b"`, `3:6 "c"`},
		},
		{
			name:  "definitions: $NAME, ${NAME}, undefined, $$",
			src:   "$X=1\nfoo $X ${X}x $Y $$X\n",
			lines: []string{`2:1 "foo 1 1x $Y $1"`},
		},
		{
			// An unbraced reference must end at a blank, ',', ')' or the
			// end of the line (find_definition).
			name:  "unbraced reference needs a word end",
			src:   "$a=7\nq$a- q$a,\n",
			lines: []string{`2:1 "q$a- q7,"`},
		},
		{
			// Definitions are substituted when used, not when defined.
			name:  "late binding",
			src:   "$X=1\n$Y=$X\n$X=2\n$Y\n",
			lines: []string{`4:1 "2"`},
		},
		{
			// Columns after a substitution count in the substituted text.
			name:  "definition expanding to @id is re-checked",
			src:   "$C=@low\n$C skipped\n$D=@high\n$D kept\n",
			lines: []string{`4:7 "kept"`},
		},
		{
			name:  "multi-line definition",
			src:   "$M=a \\\n  b \\\n c\n$M\nz\n",
			lines: []string{`4:1 "a"`, `4:1 "b"`, `4:1 "c"`, `5:1 "z"`},
		},
		{
			name:  "~SEQ, ~SEQx, negative step",
			src:   "~SEQ(i,1,3) x$i\n~SEQx(h,9,2,0xd) y$h\n~SEQ(j,3,-1,1) z$j\n",
			lines: []string{`1:13 "x1"`, `1:13 "x2"`, `1:13 "x3"`, `2:18 "y9"`, `2:18 "yb"`, `2:18 "yd"`, `3:16 "z3"`, `3:16 "z2"`, `3:16 "z1"`},
		},
		{
			name:  "~SEQ parameters from definitions",
			src:   "$N=2\n~SEQ(i,$N) v$i\n",
			lines: []string{`2:12 "v1"`, `2:12 "v2"`},
		},
		{
			name:  "~LST with one and with several variables (missing values blank)",
			src:   "~LST(a,1,2) p$a\n~LST({a,b},{1,2},{3}) q${a}.${b}\n",
			lines: []string{`1:13 "p1"`, `1:13 "p2"`, `2:23 "q1.2"`, `2:23 "q3."`},
		},
		{
			name:  "~LST replaying a ~SEQ",
			src:   "~LST(A,x,y) ~SEQ(B,1,2) ${A}${B}\n",
			lines: []string{`1:25 "x1"`, `1:25 "x2"`, `1:25 "y1"`, `1:25 "y2"`},
		},
		{
			name:  "bad ~SEQ",
			src:   "~SEQ(i) x\n",
			diags: []string{"1:1: error: Invalid ~SEQ definition '~SEQ(i) x'", "1:1: error: Invalid ~SEQ specification '~SEQ(i) x'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := lexAll(t, tt.src, Options{ConfigID: tt.id})
			equalLines(t, "lines", got, tt.lines)
			equalLines(t, "diagnostics", diagLines(d), tt.diags)
		})
	}
}

// TestLexBounds: input that makes keepalived loop or grow without end is
// cut off with a positioned error instead.
func TestLexBounds(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		max   int
		nLine int
		diag  string
	}{
		{"runaway ~SEQ", "~SEQ(i,1,1000000000) x$i\n", 100, 99, "1:22: error: more than 100 logical lines (runaway ~SEQ or definition?) - stopping"},
		{"self-multiplying definition", "$F=$F $F\n$F\n", 0, 1, ""},
		{"mutually recursive definitions", "$A=$B\n$B=$A\n$A\n", 0, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := lexAll(t, tt.src, Options{MaxLines: tt.max})
			if len(got) != tt.nLine {
				t.Errorf("%d lines, want %d", len(got), tt.nLine)
			}
			for _, l := range got {
				if len(l) > 2*maxBuf {
					t.Errorf("line of %d bytes exceeds the substitution buffer", len(l))
				}
			}
			if tt.diag != "" && !strings.Contains(strings.Join(diagLines(d), "\n"), tt.diag) {
				t.Errorf("diagnostics %q lack %q", diagLines(d), tt.diag)
			}
		})
	}
}

// TestReplaceParam is replace_param on one line: substitution, rescanning
// and the parameters of built-ins.
func TestReplaceParam(t *testing.T) {
	tests := []struct {
		defs    map[string]string
		in, out string
		changed bool
	}{
		{map[string]string{"X": "1"}, "foo $X ${X}x", "foo 1 1x", true},
		{map[string]string{"X": "$Y", "Y": "z"}, "a $X", "a z", true},
		{map[string]string{"X": "1"}, "no refs", "no refs", false},
		{map[string]string{"X": "1"}, "$Xy ${Xy}", "$Xy ${Xy}", false},
		{map[string]string{"LONG_NAME_1": "v"}, "(${LONG_NAME_1},$LONG_NAME_1)", "(v,v)", true},
	}
	for _, tt := range tests {
		c := &ctx{Opts: &Options{}}
		lx := newLexer(c, false)
		for k, v := range tt.defs {
			lx.defs[k] = &def{name: k, value: v}
		}
		var ml mlPtr
		got, changed := lx.replaceParam(tt.in, maxBuf, &ml, Pos{})
		if got != tt.out || changed != tt.changed {
			t.Errorf("replaceParam(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.out, tt.changed)
		}
	}
}

// TestTokenize is alloc_strvec: quoted words lose their quotes and keep
// their blanks, a quote ends an unquoted word, an unmatched quote drops
// the rest of the line.
func TestTokenize(t *testing.T) {
	tests := []struct {
		in    string
		want  []string // text@col, quoted ones in []
		diags []string
	}{
		{`a "b c" d`, []string{"a@1", "[b c]@3", "d@9"}, nil},
		{`x"y z"w`, []string{"x@1", "[y z]@2", "w@7"}, nil},
		{`a "" b`, []string{"a@1", "[]@3", "b@6"}, nil},
		{`a "b`, []string{"a@1"}, []string{"1:3: error: Unmatched quote: 'a \"b'"}},
	}
	for _, tt := range tests {
		c := &ctx{Opts: &Options{}}
		lx := newLexer(c, false)
		var got []string
		for _, tok := range lx.tokenize(line{text: tt.in, pos: Pos{File: "t.conf", Line: 1, Col: 1}}) {
			s := tok.Text
			if tok.Quoted {
				s = "[" + s + "]"
			}
			got = append(got, s+"@"+strconv.Itoa(tok.Pos.Col))
		}
		equalLines(t, tt.in, got, tt.want)
		equalLines(t, tt.in+" diagnostics", diagLines(c.diags), tt.diags)
	}
}
