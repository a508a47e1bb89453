//go:build !vmtest

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
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
	vrrp_garp_master_delay 0
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
// stops, VrrpReloaded, BACKUP when it returns, STOP, VrrpStopped).
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
	run := func(daemon ...string) (string, string) {
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
		return out.String(), log.String()
	}
	wantOut, _ := run("/usr/sbin/keepalived")
	gotOut, gotLog := run("env", asMainEnv+"=1", os.Args[0])
	want, got := normalizeDBus(wantOut), normalizeDBus(gotOut)
	if !strings.Contains(gotLog, `links: "links":[{"name":"dbus","target":"org.keepalived.Vrrp1","connected":true}]`) {
		t.Errorf("keepalived-go's status does not show the bus connection:\n%s", gotLog)
	}
	if got != want {
		t.Errorf("keepalived-go's D-Bus differs from keepalived 2.2.7's:\n%s", lineDiff(want, got))
	}
	for _, s := range []string{
		"Path=/org/keepalived/Vrrp1/Instance/b0/51/IPv4 Member=VrrpStatusChange 2;",
		"Path=/org/keepalived/Vrrp1/Vrrp Member=VrrpReloaded",
		"Path=/org/keepalived/Vrrp1/Instance/b0/52/IPv6 Member=VrrpStatusChange 1;",
		"PrintData wrote /tmp/keepalived.data",
		"SendGarp IPv4 answered",
		"ARP, Request who-has 10.9.0.100",
		"neighbor advertisement, tgt is fd00::100",
	} {
		if !strings.Contains(want, s) {
			t.Errorf("keepalived 2.2.7's transcript lacks %q: the scenario did not happen\n%s", s, want)
		}
	}
}

// getAllStateFirst is GetAll's answer with State before Name: the same
// dictionary (D-Bus gives its entries no order), in the order godbus may
// encode a Go map.
var getAllStateFirst = regexp.MustCompile(`^a\{sv\} 2 "State" (\(us\) \d+ "[^"]*") "Name" (\(s\) "[^"]*")$`)

// normalizeDBus removes from a transcript what may differ between two runs
// of the same daemon: dictionary order and the interleaving of independent
// objects' signals.
func normalizeDBus(transcript string) string {
	lines := strings.Split(transcript, "\n")
	for i, l := range lines {
		lines[i] = getAllStateFirst.ReplaceAllString(l, `a{sv} 2 "Name" $2 "State" $1`)
	}
	return bySender(strings.Join(lines, "\n"))
}

// bySender groups, in path order, the "## signals" section by object path, keeping each
// object's order: two instances' transitions are independent (the IPv4
// and IPv6 peers' adverts race), an object's own signals are not.
func bySender(transcript string) string {
	head, sigs, ok := strings.Cut(transcript, "## signals\n")
	if !ok {
		return transcript
	}
	var order []string
	byPath := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		path, _, _ := strings.Cut(l, " ")
		if _, seen := byPath[path]; !seen {
			order = append(order, path)
		}
		byPath[path] = append(byPath[path], l)
	}
	sort.Strings(order)
	var b strings.Builder
	b.WriteString(head + "## signals\n")
	for _, p := range order {
		b.WriteString(strings.Join(settled(byPath[p]), "\n") + "\n")
	}
	return b.String()
}

// settled reduces an instance's signals before its first MASTER to the
// last of them. keepalived's start is racy: its D-Bus thread sends each
// instance's state when it joins the bus while the VRRP thread sends the
// first transitions, so INIT/BACKUP may come once, twice or out of order;
// what must agree is the state the instance settled in.
func settled(sigs []string) []string {
	for i, l := range sigs {
		if strings.HasSuffix(l, "VrrpStatusChange 2;") {
			if i > 1 {
				return append([]string{sigs[i-1]}, sigs[i:]...)
			}
			return sigs
		}
	}
	return sigs
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
