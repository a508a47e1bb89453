//go:build vmtest

package lvs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
)

const nftVMConfA = `global_defs {
  nftables_ipvs
  nftables_ipvs_priority 5
  nftables_ipvs_start_fwmark 3000
  nftables_counters
}
virtual_server_group G {
  10.9.9.1-3 80
  10.9.8.1 443
}
virtual_server_group H {
  fd00:9::1-3 80
}
virtual_server group G {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.1.1.1 80 {
  }
}
virtual_server group G {
  protocol UDP
  lb_algo rr
  lb_kind DR
  real_server 10.1.1.1 80 {
  }
}
virtual_server group H {
  protocol SCTP
  lb_algo wrr
  lb_kind DR
  real_server fd00:1::1 80 {
    weight 3
  }
}
`

// nftVMConfB drops 10.9.8.1 443 from G and G's UDP server, and adds
// group J, which gets the next mark.
var nftVMConfB = strings.NewReplacer("  10.9.8.1 443\n", "",
	"virtual_server group G {\n  protocol UDP", "virtual_server_group J {\n  10.9.6.1 53\n}\nvirtual_server group J {\n  protocol UDP").
	Replace(nftVMConfA)

// TestVMNFTablesIPVSDifferential runs keepalived 2.2.7 and a Manager on the
// same nftables_ipvs configuration and compares `ipvsadm -Sn` and `nft list
// ruleset`: at start, after a reload that removes and adds group entries,
// and after stop (the table gone).
func TestVMNFTablesIPVSDifferential(t *testing.T) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Skip("no keepalived in the VM image")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("no nft in the VM image")
	}
	if nftVMConfB == nftVMConfA {
		t.Fatal("nftVMConfB does not change nftVMConfA")
	}
	vmKernel(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	write := func(text string) {
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		settle(t, time.Second, time.Second)
		return vmRun(t, "ipvsadm", "-Sn") + vmRun(t, "nft", "list", "ruleset")
	}
	var kaLog, ourLog bytes.Buffer
	run := func(start func() (stop, reload func() error)) (phases []string) {
		write(nftVMConfA)
		stop, reload := start()
		phases = append(phases, state())
		write(nftVMConfB)
		if err := reload(); err != nil {
			ls, _ := exec.Command("ls", "-la", dir).CombinedOutput()
			t.Fatalf("reload: %v\n%s\nkeepalived:\n%s", err, ls, kaLog.String())
		}
		phases = append(phases, state())
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		return append(phases, vmRun(t, "ipvsadm", "-Sn")+vmRun(t, "nft", "list", "ruleset"))
	}
	theirs := run(func() (func() error, func() error) {
		stop := startKeepalived(t, dir, conf, &kaLog)
		return stop, func() error {
			pid, err := os.ReadFile(filepath.Join(dir, "keepalived.pid"))
			if err != nil {
				return err
			}
			return exec.Command("kill", "-HUP", strings.TrimSpace(string(pid))).Run()
		}
	})
	vmRun(t, "ipvsadm", "-C")
	exec.Command("nft", "flush", "ruleset").Run()
	ours := run(func() (func() error, func() error) {
		m, stop := startManager(t, conf, &ourLog)
		return stop, func() error {
			cfg, diags, err := parser.Parse(conf, parser.Options{})
			if err != nil {
				return fmt.Errorf("%w: %v", err, diags)
			}
			return m.Reload(cfg)
		}
	})
	for i, name := range []string{"at start", "after the reload", "after stop"} {
		if theirs[i] != ours[i] {
			t.Errorf("%s: differs\n--- keepalived 2.2.7\n%s--- keepalived-go\n%s", name, theirs[i], ours[i])
		} else {
			t.Logf("%s: identical\n%s", name, ours[i])
		}
	}
	if t.Failed() {
		t.Logf("keepalived:\n%s\nours:\n%s", kaLog.String(), ourLog.String())
	}
}
