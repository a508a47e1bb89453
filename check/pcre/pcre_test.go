package pcre

import (
	"errors"
	"strings"
	"testing"
)

// TestCompileRefuses checks that every construct RE2 lacks is refused with
// its offset and name, never compiled into something that cannot match.
func TestCompileRefuses(t *testing.T) {
	cases := []struct {
		pattern   string
		offset    int
		construct string
	}{
		{`(a)\1`, 3, `backreference \1`},
		{`(?<n>a)\k<n>`, 7, `backreference \k`},
		{`foo(?=bar)`, 3, `lookahead (?=`},
		{`foo(?!bar)`, 3, `lookahead (?!`},
		{`(?<=foo)bar`, 0, `lookbehind (?<=`},
		{`(?<!foo)bar`, 0, `lookbehind (?<!`},
		{`a++b`, 1, `possessive quantifier ++`},
		{`a*+b`, 1, `possessive quantifier *+`},
		{`a{2,3}+`, 5, `possessive quantifier }+`},
		{`(?>ab|a)c`, 0, `atomic group (?>`},
		{`(*UTF)abc`, 0, `verb (*`},
		{`ab\Kc`, 2, `match reset \K`},
		{`\hfoo`, 0, `"\\h"`},
	}
	for _, c := range cases {
		_, err := Compile(c.pattern, nil)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: err %v, want a refusal", c.pattern, err)
			continue
		}
		if pe.Offset != c.offset || pe.Construct != c.construct {
			t.Errorf("%q: %v, want %s at offset %d", c.pattern, err, c.construct, c.offset)
		}
	}
}

func TestCompileOptions(t *testing.T) {
	if _, err := Compile("a", []string{"extended"}); err == nil || !strings.Contains(err.Error(), "regex_options extended") {
		t.Errorf("extended: %v", err)
	}
	re, err := Compile("ibm.*UP", []string{"caseless", "no_auto_capture"})
	if err != nil || !re.MatchString("IBM is up") {
		t.Errorf("caseless: %v", err)
	}
}

// TestMatcher covers the patterns the corpus uses and PCRE's $, which also
// matches before a final newline.
func TestMatcher(t *testing.T) {
	cases := []struct {
		pattern  string
		opts     []string
		body     string
		min, max uint64
		want     bool
	}{
		{`IBM.*up`, nil, "status: IBM is up\n", 0, 0, true},
		{`BUILD: rpm-.{3,50} :: DATE: [0-9]{2}/[0-9]{2}/[0-9]{4} .{12}`, nil, "BUILD: rpm-1.2.3 :: DATE: 01/02/2026 123456789012", 0, 0, true},
		{`OK$`, nil, "OK\n", 0, 0, true},
		{`OK$`, []string{"dollar_endonly"}, "OK\n", 0, 0, false},
		{`^OK$`, []string{"multiline"}, "x\nOK\ny", 0, 0, true},
		{`OK\Z`, nil, "OK\n", 0, 0, true},
		{`up`, nil, "xxxxup", 5, 0, false}, // starts at 4, before min
		{`up`, nil, "xxxxup", 4, 0, true},
		{`up`, nil, "xxxxup", 0, 4, false}, // max is one past the last start
		{`up`, nil, "xxxxup", 0, 5, true},
		{`a\Qx.y\E`, nil, "ax.y", 0, 0, true},
		{`[]a]+`, nil, "]]", 0, 0, true},
	}
	for _, c := range cases {
		re, err := Compile(c.pattern, c.opts)
		if err != nil {
			t.Errorf("%q: %v", c.pattern, err)
			continue
		}
		m := Matcher{Re: re, Min: c.min, Max: c.max}
		if got := m.OK([]byte(c.body)); got != c.want {
			t.Errorf("%q %v on %q [%d,%d): %v, want %v", c.pattern, c.opts, c.body, c.min, c.max, got, c.want)
		}
		m.NoMatch = true
		if got := m.OK([]byte(c.body)); got == c.want {
			t.Errorf("%q regex_no_match: %v", c.pattern, got)
		}
	}
}

// FuzzCompile checks the translator never panics and that anything it
// accepts compiles.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`IBM.*up`, `(a)\1`, `a++`, `[\]$]`, `\Qa$\E$`, `x{2}+`, `(?<=a)`, `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		re, err := Compile(p, nil)
		if err == nil && re == nil {
			t.Fatal("nil regexp without error")
		}
	})
}
