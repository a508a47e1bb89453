package differential

import (
	"os"
	"testing"
)

// TestAllowStale lists the allow-list entries that match no difference
// line of a saved run (DIFFERENTIAL_STALE=dir, written by
// DIFFERENTIAL_SAVE): after a fix, an entry left over documents nothing.
// Over a partial run it can only say which of the files run no longer
// need an entry; entries naming other files are listed as not run.
func TestAllowStale(t *testing.T) {
	dir := os.Getenv("DIFFERENTIAL_STALE")
	if dir == "" {
		t.Skip("DIFFERENTIAL_STALE unset: no saved run to check the allow-list against")
	}
	allow, err := readAllow("testdata/allow.tsv")
	if err != nil {
		t.Fatal(err)
	}
	rows := rejudge(t, dir, allow)
	used := make([]bool, len(allow))
	run := make([]bool, len(allow))
	for _, r := range rows {
		for i, a := range allow {
			if !globMatch(a.glob, r.name) || r.views == nil {
				continue
			}
			run[i] = true
			v := r.views[a.aspect]
			for _, l := range diffLines(v[0], v[1]) {
				if a.re.MatchString(l) {
					used[i] = true
					break
				}
			}
		}
	}
	for i, a := range allow {
		switch {
		case !run[i]:
			t.Logf("not run: %s %s %s", a.glob, a.aspect, a.re)
		case !used[i]:
			t.Logf("STALE (matches no difference of the files run): %s %s %s", a.glob, a.aspect, a.re)
		}
	}
}
