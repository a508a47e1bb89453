package monitoring

import (
	"os"
	"os/exec"
	"testing"
)

// requireTool returns the path of an external program the test needs. A
// missing program skips the test on a developer's machine but fails it in
// CI (CI=true), where scripts/deps.sh must have installed it.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found, and CI=true: scripts/deps.sh must install Debian's %s", name, pkg)
	}
	t.Skipf("%s not found: install Debian's %s (scripts/deps.sh does)", name, pkg)
	return ""
}
