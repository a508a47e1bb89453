package parser

import (
	"math/rand"
	"strings"
	"testing"
)

// TestLongScans compares the IndexByte searches for long lines with a
// walk of the bytes, on lines around longScan and far past it.
func TestLongScans(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := "ab{}\"\\#! \t\v"
	for n := 0; n < 2000; n++ {
		size := r.Intn(3 * longScan)
		if n%10 == 0 {
			size = r.Intn(4000)
		}
		b := make([]byte, size)
		for i := range b {
			b[i] = 'a'
			if r.Intn(300) == 0 {
				b[i] = alphabet[r.Intn(len(alphabet))]
			}
		}
		s := string(b)
		if got, want := indexBraceOrQuote(s), strings.IndexAny(s, "{}\""); got != want {
			t.Fatalf("indexBraceOrQuote(%q) = %d, want %d", s, got, want)
		}
		if got, want := indexSpecial(s), strings.IndexAny(s, "\"\\#!"); got != want {
			t.Fatalf("indexSpecial(%q) = %d, want %d", s, got, want)
		}
		i := 0
		if size > 0 {
			i = r.Intn(size)
		}
		want := len(s)
		if k := strings.IndexAny(s[i:], " \t\f\n\r\v\""); k >= 0 {
			want = i + k
		}
		if got := wordEnd(s, i); got != want {
			t.Fatalf("wordEnd(%q, %d) = %d, want %d", s, i, got, want)
		}
	}
}
