//go:build vmtest

// Run in the VM with net-snmp's tools carried along (scripts/vm-snmp.sh,
// `make vmtest-snmp`); plain `make vmtest` has no snmpd in the VM and
// skips it.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// snmpCheckConf exercises every table of KEEPALIVED-MIB's checker part:
// an address service with a sorry server, quorum scripts, two checked
// real servers (the second one's loss drops the quorum), a fwmark DR
// service with an unchecked real server, and a group service.
const snmpCheckConf = `global_defs {
  router_id snmpvm
  enable_snmp_checker
  enable_traps
  snmp_socket unix:%[1]s
  lvs_timeouts tcp 900 udp 300
}
virtual_server_group G1 {
  10.10.10.1-3 80
  10.10.10.9 80
}
virtual_server 10.10.9.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  persistence_timeout 30
  quorum 4
  quorum_up "/bin/true up"
  quorum_down "/bin/true down"
  sorry_server 127.0.0.2 81
  real_server 127.0.0.1 %[2]d {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 127.0.0.1 %[3]d {
    weight 2
    notify_down "/bin/true rs down"
    uthreshold 100
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
}
virtual_server fwmark 5 {
  delay_loop 2
  lb_algo wrr
  lb_kind DR
  real_server 10.10.8.2 80 {
    weight 1
  }
}
virtual_server group G1 {
  delay_loop 3
  lb_algo sh
  lb_kind NAT
  protocol UDP
  real_server 127.0.0.1 53 {
    weight 1
  }
}
`

// TestSNMPCheckerDifferential runs the same configuration under keepalived
// 2.2.7 and keepalived-go (the checker side, -C) in the VM, each with
// net-snmp's snmpd as AgentX master, and compares the walk of
// KEEPALIVED-MIB's global and checker parts (times and counters aside)
// and the notifications snmptrapd receives when a real server goes down
// and its virtual server loses its quorum.
func TestSNMPCheckerDifferential(t *testing.T) {
	for _, p := range []string{"snmpd", "snmpwalk", "snmpget", "snmpset", "snmptrapd", "keepalived", "ipvsadm"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s in the VM (scripts/vm-snmp.sh carries net-snmp): %v", p, err)
		}
	}
	var c, g []string
	// Subtests, so that each run's snmpd and daemon are gone before the next.
	t.Run("keepalived", func(t *testing.T) { c = snmpCheckerRun(t, "keepalived", []string{"keepalived"}) })
	t.Run("keepalived-go", func(t *testing.T) {
		g = snmpCheckerRun(t, "keepalived-go", []string{"env", asMainEnv + "=1", os.Args[0]})
	})
	if c == nil || g == nil {
		t.Fatal("a run is missing")
	}
	if d := snmpLineDiff(c, g); d != "" {
		t.Errorf("keepalived (-) and keepalived-go (+) differ:\n%s", d)
	}
	t.Logf("%d lines compared", len(c))
}

// snmpCheckerRun starts snmpd, snmptrapd and the daemon argv, and returns
// the normalised walk followed by the traps of a real server's loss.
func snmpCheckerRun(t *testing.T, name string, argv []string) []string {
	dir := t.TempDir()
	sock := filepath.Join(dir, "agentx.sock")
	trapLog := filepath.Join(dir, "traps.log")
	writeFile := func(n, s string) string {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	snmpdConf := writeFile("snmpd.conf", fmt.Sprintf("master agentx\nagentXSocket unix:%s\nagentXPerms 0777 0777\n"+
		"agentaddress udp:127.0.0.1:161\nrocommunity public 127.0.0.1\nrwcommunity private 127.0.0.1\n"+
		"trap2sink 127.0.0.1:1162 public\n", sock))
	trapConf := writeFile("snmptrapd.conf", "disableAuthorization yes\n")
	env := append(os.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+dir)
	bg := func(args ...string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		var out output
		startIPVSDaemon(t, cmd, &out)
	}
	bg("snmptrapd", "-f", "-C", "-c", trapConf, "-Lf", trapLog, "-On", "-F", "%V|%v\n", "udp:127.0.0.1:1162")
	bg("snmpd", "-f", "-C", "-c", snmpdConf, "-Lf", filepath.Join(dir, "snmpd.log"))

	// The real servers: two listeners; closing the second fails its check.
	var lns [2]net.Listener
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		lns[i] = ln
	}
	port := func(i int) int { return lns[i].Addr().(*net.TCPAddr).Port }
	conf := writeFile("keepalived.conf", fmt.Sprintf(snmpCheckConf, sock, port(0), port(1)))
	args := append(append([]string(nil), argv...), "-n", "-l", "-D", "-C", "-f", conf,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	var out output
	exited := startIPVSDaemon(t, cmd, &out)

	// The real server ports differ between the runs: name them.
	ports := strings.NewReplacer(fmt.Sprintf("Gauge32: %d", port(0)), "Gauge32: <port0>",
		fmt.Sprintf("Gauge32: %d", port(1)), "Gauge32: <port1>")
	var lines []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		lines = nil
		for _, tree := range []string{".1.3.6.1.4.1.9586.100.5", ".1.3.6.1.2.1.1.9.1.3"} {
			lines = append(lines, snmpWalkVM(t, env, tree)...)
		}
		if snmpCheckComplete(lines) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: incomplete walk:\n%s\nlog:\n%s", name, strings.Join(lines, "\n"), out.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for i := range lines {
		lines[i] = ports.Replace(lines[i])
	}
	t.Logf("%s walk:\n%s", name, strings.Join(lines, "\n"))
	res := snmpMask(lines)
	res = append(res, snmpWeightSets(t, env)...)

	// The start's notifications ("Gained quorum" of each service), if any,
	// are in by the time the checks have passed; then the second real
	// server's loss: its own and its service's quorum.
	time.Sleep(time.Second)
	before := len(snmpTrapLines(t, trapLog))
	lns[1].Close()
	var got []string
	deadline = time.Now().Add(60 * time.Second)
	for len(got) < before+2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		got = snmpTrapLines(t, trapLog)
	}
	if len(got) < before+2 {
		t.Errorf("%s: %d notifications after the real server's loss, want 2:\n%s\nlog:\n%s", name, len(got),
			strings.Join(got, "\n"), out.String())
	}
	// Only the loss's: whether the start's reach snmpd races the AgentX
	// session's opening in both daemons (docs/compat.md).
	for _, tr := range got[min(before, len(got)):] {
		tr = ports.Replace(tr)
		res = append(res, "trap "+strings.Join(snmpMask(strings.Split(tr, "|")), " | "))
	}
	t.Logf("%s notifications (%d at start, not compared):\n%s", name, before, strings.Join(got, "\n"))
	// The stop: without omega keepalived sends only traps, each live real
	// server's in the pool and then each service's quorum (3, "stopping"):
	// five here, the first service's sorry server standing in for its
	// real servers.
	mid := len(got)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop:\n%s", name, out.String())
	}
	for deadline := time.Now().Add(10 * time.Second); len(got) < mid+5 && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		got = snmpTrapLines(t, trapLog)
	}
	if len(got) < mid+5 {
		t.Errorf("%s: %d notifications at stop, want 5", name, len(got)-mid)
	}
	for _, tr := range got[mid:] {
		res = append(res, "stop trap "+strings.Join(snmpMask(strings.Split(ports.Replace(tr), "|")), " | "))
	}
	t.Logf("%s notifications at stop:\n%s", name, strings.Join(got[mid:], "\n"))
	return res
}

func snmpWalkVM(t *testing.T, env []string, tree string) []string {
	cmd := exec.Command("snmpwalk", "-v2c", "-c", "public", "-On", "-Ob", "-t", "2", "-r", "1", "127.0.0.1", tree)
	cmd.Env = env
	// stdout only: net-snmp says "Created directory" on stderr on first use.
	b, err := cmd.Output()
	if err != nil {
		t.Logf("snmpwalk %s: %v: %s", tree, err, b)
		return nil
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && !strings.Contains(l, "No Such Object") && !strings.Contains(l, "No more variables") {
			lines = append(lines, l)
		}
	}
	return lines
}

// snmpCheckComplete: the checker part answers with both checked real
// servers up and the quorum up.
func snmpCheckComplete(lines []string) bool {
	want := map[string]bool{
		".1.3.6.1.4.1.9586.100.5.3.4.1.6.1.2 = INTEGER: 1": false,
		".1.3.6.1.4.1.9586.100.5.3.4.1.6.1.3 = INTEGER: 1": false,
		".1.3.6.1.4.1.9586.100.5.3.3.1.23.1 = INTEGER: 1":  false,
	}
	for _, l := range lines {
		if _, ok := want[l]; ok {
			want[l] = true
		}
	}
	for _, ok := range want {
		if !ok {
			return false
		}
	}
	return true
}

// snmpMask hides what differs between any two runs: times and counters.
var snmpMoving = regexp.MustCompile(`= (Timeticks|Counter32|Counter64): .*`)

func snmpMask(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = snmpMoving.ReplaceAllString(l, "= $1: <moving>")
	}
	return out
}

func snmpTrapLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "OID: .1.3.6.1.4.1.9586.") {
			out = append(out, l)
		}
	}
	return out
}

// snmpLineDiff lists the lines only one side has, and says so when both
// have the same lines in another order.
func snmpLineDiff(a, b []string) string {
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range s {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var d strings.Builder
	for _, l := range a {
		if !mb[l] {
			fmt.Fprintf(&d, "- %s\n", l)
		}
	}
	for _, l := range b {
		if !ma[l] {
			fmt.Fprintf(&d, "+ %s\n", l)
		}
	}
	if d.Len() == 0 && strings.Join(a, "\n") != strings.Join(b, "\n") {
		d.WriteString("same lines, different order:\n- " + strings.Join(a, "\n- ") + "\n+ " + strings.Join(b, "\n+ ") + "\n")
	}
	return d.String()
}

// snmpWeightSets writes realServerWeight as a manager would: the first
// real server's (3 to 2, which IPVS then holds; the quorum, 4, still
// holds with the second's 2), the sorry server's
// (refused), a string (wrongType); it returns snmpset's answers, the
// weight read back and the destination's line in ipvsadm.
func snmpWeightSets(t *testing.T, env []string) []string {
	const rs = ".1.3.6.1.4.1.9586.100.5.3.4.1.7.1."
	run := func(args ...string) string {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		b, _ := cmd.CombinedOutput()
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "Created directory") {
				keep = append(keep, l)
			}
		}
		return strings.Join(strings.Fields(strings.Join(keep, "\n")), " ")
	}
	var out []string
	for _, set := range [][]string{{rs + "2", "i", "2"}, {rs + "1", "i", "5"}, {rs + "2", "s", "x"}} {
		o := run(append([]string{"snmpset", "-v2c", "-c", "private", "-On", "-t", "2", "-r", "0", "127.0.0.1"}, set...)...)
		out = append(out, "set "+strings.Join(set, " ")+" => "+o)
	}
	var ipvs string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		n := 0
		for _, l := range strings.Split(run("ipvsadm", "-Ln", "-t", "10.10.9.1:80"), "->") {
			if f := strings.Fields(l); len(f) >= 4 && strings.HasPrefix(f[0], "127.0.0.1:") && f[2] == "2" {
				n++
			}
		}
		ipvs = fmt.Sprintf("ipvsadm: %d real servers of weight 2", n)
		if n == 2 {
			break
		}
	}
	out = append(out, "get => "+run("snmpget", "-v2c", "-c", "public", "-On", "127.0.0.1", rs+"2"), ipvs)
	t.Logf("sets:\n%s", strings.Join(out, "\n"))
	return out
}
