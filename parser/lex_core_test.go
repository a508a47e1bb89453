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
	c := &Ctx{Opts: &opts}
	c.Cfg = nil
	lx := newLexer(c, false)
	c.core.lx = lx
	lx.openBytes("t.conf", []byte(src))
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

func TestLexScratch(t *testing.T) {
	got, d := lexAll(t, "a { b c }\n$X=1\nfoo $X ${X}x\n", Options{})
	t.Log(strings.Join(got, "\n"), d)
}

func TestLexScratch2(t *testing.T) {
	c := &Ctx{Opts: &Options{}}
	lx := newLexer(c, false)
	lx.defs["X"] = &def{name: "X", value: "1"}
	var ml mlPtr
	s, ok := lx.replaceParam("foo $X ${X}x", 1024, &ml, Pos{})
	t.Logf("%q %v", s, ok)
}
