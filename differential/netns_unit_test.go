package differential

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestPlanNetNamespace: a file with net_namespace is run (not skipped),
// with the name the lab's namespace is bound to, by both differentials.
func TestPlanNetNamespace(t *testing.T) {
	f := filepath.Join(t.TempDir(), "k.conf")
	conf := "net_namespace lab-x\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  10.9.9.9\n }\n}\n" +
		"virtual_server 10.9.9.9 80 {\n real_server 10.9.8.1 80 {\n  TCP_CHECK {\n  }\n }\n}\n"
	if err := os.WriteFile(f, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if p := makePlan("k", f); p.skip != "" || p.netns != "lab-x" {
		t.Errorf("host plan: skip %q netns %q", p.skip, p.netns)
	}
	if p := makeLVSPlan("k", f); p.skip != "" || p.netns != "lab-x" {
		t.Errorf("LVS plan: skip %q netns %q", p.skip, p.netns)
	}
}

// TestNetnsBind runs netnsBind in a private mount namespace and checks
// that /run/netns/NAME is then the shell's own network namespace, even
// for a name with a shell metacharacter (064's undefined "$NAME").
func TestNetnsBind(t *testing.T) {
	netns.SkipUnlessRoot(t)
	script := "set -u; netns=$1\nmount -t tmpfs kd-run /run || exit 90\nmkdir -p /run/netns\n" + netnsBind +
		"stat -L -c %i \"/run/netns/$netns\" /proc/self/ns/net\n"
	out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", "$NAME").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ino := strings.Fields(string(out))
	if len(ino) != 2 || ino[0] != ino[1] {
		t.Errorf("inodes of /run/netns/$NAME and the own namespace: %q", out)
	}
}
