package daemon

import (
	"os"
	"strings"
	"testing"
)

// TestTrimExecutableResidency checks the advice landed: every read-only
// mapping of the test binary is marked for random access ("rr" in smaps),
// and the process still runs code and reads constants afterwards.
func TestTrimExecutableResidency(t *testing.T) {
	if err := trimExecutableResidency(); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Readlink("/proc/self/exe")
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	seen := 0
	var inExe, writable bool
	for _, l := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4 {
			inExe = len(f) >= 6 && f[5] == exe
			writable = strings.Contains(f[1], "w")
			continue
		}
		if inExe && !writable && strings.HasPrefix(l, "VmFlags:") {
			seen++
			if !strings.Contains(l, " rr") {
				t.Errorf("a read-only mapping of %s lacks MADV_RANDOM: %s", exe, l)
			}
		}
	}
	if seen == 0 {
		t.Fatalf("no read-only mapping of %s found", exe)
	}
	if strings.Repeat("ok", 2) != "okok" {
		t.Fatal("constants unreadable after the trim")
	}
}
