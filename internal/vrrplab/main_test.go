package vrrplab_test

import (
	"flag"
	"os"
	"testing"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestMain raises the parallelism of the lab tests: they wait on protocol
// timers, not on the CPU, so running only GOMAXPROCS labs at once (go
// test's default) would make the package needlessly slow. An explicit
// -parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "8")
	}
	code := m.Run()
	vrrplab.Cleanup()
	os.Exit(code)
}
