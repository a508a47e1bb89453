//go:build !vmtest

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// The pair of TestDBusDifferential: keepalived 2.2.7 as MASTER in A (no
// D-Bus), the daemon under test in B as BACKUP with enable_dbus.
const (
	dbusPeerConf = `vrrp_instance VI_4 {
	interface a0
	virtual_router_id 51
	priority 200
	advert_int 1
	virtual_ipaddress {
		10.9.0.100/24
	}
}
vrrp_instance VI_6 {
	interface a0
	virtual_router_id 52
	priority 200
	advert_int 1
	virtual_ipaddress {
		fd00::100/64
	}
}
`
	dbusDUTConf = `global_defs {
	enable_dbus
}
vrrp_instance VI_4 {
	state BACKUP
	interface b0
	virtual_router_id 51
	priority 100
	advert_int 1
	virtual_ipaddress {
		10.9.0.100/24
	}
}
vrrp_instance VI_6 {
	state BACKUP
	interface b0
	virtual_router_id 52
	priority 100
	advert_int 1
	virtual_ipaddress {
		fd00::100/64
	}
}
`
)

// TestDBusDifferential runs testdata/dbus-diff.sh once with keepalived
// 2.2.7 and once with keepalived-go as the daemon under test, each on its
// own private system bus with the policy file the .deb ships, and wants
// the same transcript: object tree, introspection XML (less GDBus's
// version comment), property values and types, errors, method effects
// and the signals in order (VrrpStarted, BACKUP, MASTER after the peer
// stops, VrrpReloaded, STOP, VrrpStopped).
func TestDBusDifferential(t *testing.T) {
	netns.SkipUnlessRoot(t)
	for _, tool := range []string{"dbus-daemon", "busctl", "unshare", "/usr/sbin/keepalived"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s missing (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	if _, err := os.Stat("/usr/share/dbus-1/system.conf"); err != nil {
		t.Skipf("no system bus configuration (dbus-system-bus-common): %v", err)
	}
	dir := t.TempDir()
	policy, err := os.ReadFile("../../packaging/dbus/org.keepalived.Vrrp1.conf")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"peer.conf": dbusPeerConf, "dut.conf": dbusDUTConf, "policy.conf": string(policy)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script, err := filepath.Abs("testdata/dbus-diff.sh")
	if err != nil {
		t.Fatal(err)
	}
	run := func(daemon ...string) string {
		t.Helper()
		// A guard against a hang, not a measurement.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "unshare", append([]string{"-m", script, dir}, daemon...)...)
		var out, log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &log
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s\n%s", daemon, err, out.String(), log.String())
		}
		return out.String()
	}
	want := run("/usr/sbin/keepalived")
	got := run("env", asMainEnv+"=1", os.Args[0])
	if got != want {
		t.Errorf("keepalived-go's D-Bus differs from keepalived 2.2.7's:\n%s", lineDiff(want, got))
	}
	for _, s := range []string{
		"Path=/org/keepalived/Vrrp1/Instance/b0/51/IPv4 Member=VrrpStatusChange 2;",
		"Path=/org/keepalived/Vrrp1/Vrrp Member=VrrpReloaded",
		"PrintData wrote /tmp/keepalived.data",
	} {
		if !strings.Contains(want, s) {
			t.Errorf("keepalived 2.2.7's transcript lacks %q: the scenario did not happen\n%s", s, want)
		}
	}
}

// lineDiff lists the lines of a and b that differ, position by position.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out.WriteString("- " + x + "\n+ " + y + "\n")
		}
	}
	return out.String()
}
