package early

import (
	"os"
	"runtime"
	"testing"
)

// The test binary imports the package, so its init has run.
func TestInitAndUnpin(t *testing.T) {
	if _, set := os.LookupEnv("KEEPALIVED_GO_HEAPPROFILE"); !set && runtime.MemProfileRate != 0 {
		t.Errorf("MemProfileRate %d, want 0", runtime.MemProfileRate)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		t.Skip("GOMAXPROCS set: init leaves the P count alone")
	}
	if !pinned || runtime.GOMAXPROCS(0) != 1 {
		t.Fatalf("after init: pinned %v, GOMAXPROCS %d; want true, 1", pinned, runtime.GOMAXPROCS(0))
	}
	Unpin()
	runtime.SetDefaultGOMAXPROCS()
	want := runtime.GOMAXPROCS(0)
	Unpin() // a second call changes nothing
	if pinned || runtime.GOMAXPROCS(0) != want {
		t.Errorf("after Unpin: pinned %v, GOMAXPROCS %d; want false, %d", pinned, runtime.GOMAXPROCS(0), want)
	}
}
