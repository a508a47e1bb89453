package vrrplab_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestDemo runs scripts/demo.sh (what `make demo` runs) so that the
// README's first command keeps working: the backup must take over and the
// client must end up at its MAC.
func TestDemo(t *testing.T) {
	netns.SkipUnlessRoot(t)
	t.Parallel()
	cmd := exec.Command("bash", "../../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "KEEPALIVED_GO="+vrrplab.Binary(t, vrrplab.GoDaemon))
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "not yet implemented") {
		t.Skip("keepalived-go daemon mode is not implemented yet")
	}
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"r1: MASTER   r2: BACKUP", "r2: MASTER", "is at 02:00:00:00:00:02 (r2)", "lab removed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
