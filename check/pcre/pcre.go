// Package pcre runs keepalived's url `regex` (a PCRE2 pattern) with Go's
// RE2 engine. The patterns real configurations use (literals, classes,
// repetition, alternation, anchors) mean the same in both; what RE2 cannot
// express (backreferences, lookaround, possessive quantifiers, atomic
// groups, verbs, \K, \G) is refused with the offset of the construct, so a
// checker never runs with a body that silently cannot match.
package pcre

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Error is a pattern or option this package refuses. Offset is a byte
// offset into the pattern (-1 for an option).
type Error struct {
	Offset    int
	Construct string // what was found: "backreference \1", "option extended"
	Reason    string
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %s", e.Construct, e.Reason)
	}
	return fmt.Sprintf("%s at offset %d: %s", e.Construct, e.Offset, e.Reason)
}

const noRE2 = "Go's RE2 engine cannot run it; rewrite the pattern without it"

// optionFlags are the regex_options with an RE2 equivalent (inline flags).
var optionFlags = map[string]string{
	"caseless": "i", "multiline": "m", "dotall": "s", "ungreedy": "U",
}

// neutralOptions change nothing RE2 can observe: optimisation hints,
// options for constructs that are refused anyway, and UTF-8 handling
// (RE2 always decodes UTF-8; see docs/compat.md for bytes ≥ 0x80).
var neutralOptions = map[string]bool{
	"dollar_endonly": true, "no_auto_possess": true, "no_dotstar_anchor": true,
	"no_start_optimize": true, "never_ucp": true, "never_backslash_c": true,
	"no_auto_capture": true, "dupnames": true, "utf": true, "never_utf": true,
	"match_unset_backref": true, "alt_verbnames": true, "use_offset_limit": true,
}

// refusedOptions change matching in a way RE2 cannot reproduce.
var refusedOptions = map[string]string{
	"extended":          "RE2 has no extended (whitespace and # comments) syntax",
	"firstline":         "RE2 cannot restrict a match to the first line",
	"auto_callout":      "callouts do not exist in RE2",
	"alt_bsux":          "RE2 has no JavaScript-style \\u, \\U and \\x escapes",
	"ucp":               "RE2's \\d, \\w, \\s and \\b are ASCII only",
	"allow_empty_class": "RE2 reads [] as the start of a class containing ]",
	"alt_circumflex":    "RE2's multiline ^ never matches after a final newline",
}

// Compile translates pattern under keepalived's regex_options words.
func Compile(pattern string, options []string) (*regexp.Regexp, error) {
	flags, endOnly, err := optionSet(options)
	if err != nil {
		return nil, err
	}
	expr, err := translate(pattern, !endOnly && !strings.Contains(flags, "m"))
	if err != nil {
		return nil, err
	}
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, compileError(pattern, err)
	}
	return re, nil
}

func optionSet(options []string) (flags string, endOnly bool, err error) {
	for _, o := range options {
		switch {
		case optionFlags[o] != "":
			flags += optionFlags[o]
		case o == "dollar_endonly":
			endOnly = true
		case neutralOptions[o]:
		case refusedOptions[o] != "":
			return "", false, &Error{Offset: -1, Construct: "regex_options " + o, Reason: refusedOptions[o]}
		}
	}
	return flags, endOnly, nil
}

// compileError positions RE2's own complaint (an escape or syntax PCRE
// accepts but RE2 does not) in the original pattern.
func compileError(pattern string, err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		off := strings.Index(pattern, se.Expr)
		return &Error{Offset: off, Construct: fmt.Sprintf("%q", se.Expr), Reason: string(se.Code)}
	}
	return &Error{Offset: 0, Construct: "pattern", Reason: err.Error()}
}

// translate walks the pattern once, refusing what RE2 lacks and rewriting
// PCRE's `$` and `\Z` (end, or before a final newline) when dollar is set.
func translate(p string, dollar bool) (string, error) {
	var out strings.Builder
	inClass := false
	prevQuant := false // the previous item was a quantifier
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			if i+1 >= len(p) {
				out.WriteByte(c)
				break
			}
			n := p[i+1]
			if n == 'Q' { // \Q...\E is literal text: copy it untouched
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					out.WriteString(p[i:])
					return out.String(), nil
				}
				out.WriteString(p[i : i+2+end+2])
				i += 1 + end + 2
				prevQuant = false
				continue
			}
			if !inClass {
				if e := escapeError(p, i); e != nil {
					return "", e
				}
				if n == 'Z' && dollar {
					out.WriteString(`(?:\n?\z)`)
					i++
					prevQuant = false
					continue
				}
			}
			out.WriteString(p[i : i+2])
			i++
			prevQuant = false
			continue
		}
		if inClass {
			if c == ']' {
				inClass = false
			}
			out.WriteByte(c)
			continue
		}
		switch c {
		case '[':
			inClass = true
			out.WriteByte(c)
			// A ] right after [ or [^ is a literal member in both engines.
			if strings.HasPrefix(p[i+1:], "^]") {
				out.WriteString("^]")
				i += 2
			} else if strings.HasPrefix(p[i+1:], "]") {
				out.WriteByte(']')
				i++
			}
			prevQuant = false
			continue
		case '(':
			if e := groupError(p, i); e != nil {
				return "", e
			}
		case '+':
			if prevQuant {
				return "", &Error{Offset: i - 1, Construct: "possessive quantifier " + p[i-1:i+1], Reason: noRE2}
			}
		case '$':
			if dollar {
				out.WriteString(`(?:\n?\z)`)
				prevQuant = false
				continue
			}
		}
		out.WriteByte(c)
		prevQuant = isQuantifierEnd(p, i)
	}
	return out.String(), nil
}

// isQuantifierEnd reports whether p[i] ends a quantifier (*, +, ?, {n,m})
// that is not itself a lazy marker.
func isQuantifierEnd(p string, i int) bool {
	switch p[i] {
	case '*', '+':
		return true
	case '?':
		// a?  is a quantifier; a+? or a*? is lazy and takes no further +.
		return i == 0 || !strings.ContainsRune("*+?}", rune(p[i-1]))
	case '}':
		open := strings.LastIndexByte(p[:i], '{')
		if open < 0 {
			return false
		}
		inner := p[open+1 : i]
		return inner != "" && strings.Trim(inner, "0123456789,") == "" && inner[0] != ','
	}
	return false
}

func escapeError(p string, i int) *Error {
	n := p[i+1]
	switch {
	case n >= '1' && n <= '9':
		return &Error{Offset: i, Construct: "backreference " + p[i:i+2], Reason: noRE2}
	case n == 'g' || n == 'k':
		return &Error{Offset: i, Construct: "backreference " + p[i:i+2], Reason: noRE2}
	case n == 'K':
		return &Error{Offset: i, Construct: `match reset \K`, Reason: noRE2}
	case n == 'G':
		return &Error{Offset: i, Construct: `\G anchor`, Reason: noRE2}
	}
	return nil
}

func groupError(p string, i int) *Error {
	rest := p[i+1:]
	switch {
	case strings.HasPrefix(rest, "?="), strings.HasPrefix(rest, "?!"):
		return &Error{Offset: i, Construct: "lookahead (" + rest[:2], Reason: noRE2}
	case strings.HasPrefix(rest, "?<="), strings.HasPrefix(rest, "?<!"):
		return &Error{Offset: i, Construct: "lookbehind (" + rest[:3], Reason: noRE2}
	case strings.HasPrefix(rest, "?>"):
		return &Error{Offset: i, Construct: "atomic group (?>", Reason: noRE2}
	case strings.HasPrefix(rest, "*"):
		return &Error{Offset: i, Construct: "verb (*", Reason: noRE2}
	case strings.HasPrefix(rest, "?|"):
		return &Error{Offset: i, Construct: "branch reset group (?|", Reason: noRE2}
	case strings.HasPrefix(rest, "?R"), strings.HasPrefix(rest, "?&"),
		len(rest) > 1 && rest[0] == '?' && (rest[1] >= '0' && rest[1] <= '9' || rest[1] == '+' || rest[1] == '-' && len(rest) > 2 && rest[2] >= '0' && rest[2] <= '9'):
		return &Error{Offset: i, Construct: "recursion (" + rest[:2], Reason: noRE2}
	case strings.HasPrefix(rest, "?("):
		return &Error{Offset: i, Construct: "conditional group (?(", Reason: noRE2}
	case strings.HasPrefix(rest, "?#"):
		return &Error{Offset: i, Construct: "comment group (?#", Reason: noRE2}
	}
	return nil
}

// Matcher is one url's body match: keepalived's regex, regex_no_match,
// regex_min_offset and regex_max_offset.
type Matcher struct {
	Re      *regexp.Regexp
	NoMatch bool
	// Min is the first body offset a match may start at; Max is one past
	// the last (0: no limit), as keepalived stores regex_max_offset.
	Min, Max uint64
}

// OK reports whether body passes: a match starting within [Min, Max)
// when NoMatch is false, no such match when it is true.
func (m *Matcher) OK(body []byte) bool {
	return m.matched(body) != m.NoMatch
}

func (m *Matcher) matched(body []byte) bool {
	if m.Min > uint64(len(body)) {
		return false
	}
	loc := m.Re.FindIndex(body[m.Min:])
	if loc == nil {
		return false
	}
	return m.Max == 0 || m.Min+uint64(loc[0]) < m.Max
}
