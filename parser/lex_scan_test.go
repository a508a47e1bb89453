package parser

import (
	"fmt"
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
		if got, want := indexSpecial(s), strings.IndexAny(s, specials); got != want {
			t.Fatalf("indexSpecial(%q) = %d, want %d", s, got, want)
		}
		if got, want := indexFirstOf(s, specials), strings.IndexAny(s, specials); got != want {
			t.Fatalf("indexFirstOf(%q, specials) = %d, want %d", s, got, want)
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

// TestVIPBlockSizedOnce: replaying the tape, a VIP block's list is sized
// from the plain lines ahead, so it ends exactly full (doubling would
// leave up to half of it spare), and the blank line and the comment in
// it change nothing.
func TestVIPBlockSizedOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&b, "    10.0.%d.%d/32\n", i>>8, i&255)
		if i == 1000 {
			b.WriteString("\n    # a comment\n")
		}
	}
	b.WriteString("  }\n}\n")
	cfg, _, err := ParseBytes("vips.conf", []byte(b.String()), benchOptions())
	if err != nil {
		t.Fatal(err)
	}
	in := cfg.VRRP.Instances[0]
	if n := len(in.VIPs) + len(in.ExcludedVIPs); n != 3000 {
		t.Fatalf("%d addresses, want 3000", n)
	}
	// The eVIPs are the excess of the one list, in place.
	if spare := cap(in.ExcludedVIPs) - len(in.ExcludedVIPs); spare > 60 {
		t.Errorf("the VIP list has %d spare places: it grew instead of being sized once", spare)
	}
}

// TestHasLowerPrefix holds hasLowerPrefix to what it replaces.
func TestHasLowerPrefix(t *testing.T) {
	for _, s := range []string{"", "w", "warn", "warning", "WARNING - x", "Warning: y", "WARNİNG", "warnin\xffg",
		"\xffwarning", "ｗarning", "warnings", "Wa", "(VI_1) WARNING", "deprecated"} {
		if got, want := hasLowerPrefix(s, "warning"), strings.HasPrefix(strings.ToLower(s), "warning"); got != want {
			t.Errorf("hasLowerPrefix(%q) = %v, want %v", s, got, want)
		}
	}
}
