package parser

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDecommentFastPath: decomment's copy-free paths give what the full
// scan gives (decommentRef is the scan alone).
func TestDecommentFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab \t\"\\#!"
	for range 200_000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		o1, l1, u1 := decomment(s)
		o2, l2, u2 := decommentRef(s)
		if o1 != o2 || l1 != l2 || u1 != u2 {
			t.Fatalf("decomment(%q) = %q %d %v, want %q %d %v", s, o1, l1, u1, o2, l2, u2)
		}
	}
}

func decommentRef(s string) (out string, lead int, unterminated bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	lead = i
	s = s[i:]
	// Most lines have nothing to strip or rewrite: no copy for them.
	if !strings.ContainsAny(s, "\"\\#!") {
		return strings.TrimRight(s, " \t"), lead, false
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
	return string(b), lead, unterminated
}
