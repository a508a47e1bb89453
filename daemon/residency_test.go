package daemon

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/residency"
)

// TestTrimExecutableResidency checks the advice landed: every read-only
// mapping of the test binary is marked for random access ("rr" in smaps),
// and the process still runs code and reads constants afterwards.
func TestTrimExecutableResidency(t *testing.T) {
	if err := residency.TrimExecutable(); err != nil {
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

// TestStartupGC checks the start-up's collector target holds until the
// first collection and gives way to the default after it.
func TestStartupGC(t *testing.T) {
	if v, set := os.LookupEnv("GOGC"); set {
		os.Unsetenv("GOGC")
		defer os.Setenv("GOGC", v)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	StartupGC()
	if p := debug.SetGCPercent(startupGCPercent); p != startupGCPercent {
		t.Fatalf("GOGC during start-up = %d, want %d", p, startupGCPercent)
	}
	runtime.GC()
	for deadline := time.Now().Add(5 * time.Second); inStartupGC.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first collection did not end the start-up target")
		}
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC after the first collection = %d, want 100", p)
	}
}
