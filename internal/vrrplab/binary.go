package vrrplab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// goBinary returns keepalived-go's executable: $KEEPALIVED_GO when set,
// otherwise the command built once per process into a temporary directory
// (removed by Cleanup).
func goBinary() (string, error) {
	if p := os.Getenv("KEEPALIVED_GO"); p != "" {
		return filepath.Abs(p)
	}
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "vrrplab-bin")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "keepalived")
		cmd := exec.Command("go", "build", "-trimpath", "-o", build.path, "github.com/dsas/keepalived-go/cmd/keepalived")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("building keepalived-go: %w\n%s", err, out)
		}
	})
	return build.path, build.err
}

// Cleanup removes the binary goBinary built; call it from TestMain after
// the tests ran.
func Cleanup() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}
