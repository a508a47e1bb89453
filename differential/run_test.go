package differential

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// netnsBind, part of runScript and lvsRunScript, binds the lab's own
// network namespace on /run/netns/$netns (the private /run), so that a
// daemon entering net_namespace $netns stays in the lab: keepalived opens
// that file and calls setns, keepalived-go re-executes itself under
// "ip netns exec", which opens the same file.
const netnsBind = `if [ -n "$netns" ]; then
	: >"/run/netns/$netns" || exit 94
	mount --bind /proc/self/ns/net "/run/netns/$netns" || exit 95
fi
`

// runScript runs inside the daemon's network namespace and a private
// mount namespace, so that /run (pid files) and /tmp (dump files) are the
// run's own and runs of other files and engineers cannot clash. The work
// directory and the binaries' directory are bound under /run first, as the
// tmpfs on /tmp hides them.
//
// A file with net_namespace NAME makes both daemons enter /run/netns/NAME
// at start: the script binds the lab's own network namespace there (on
// the private /run), so entering it keeps the daemon in the lab.
//
// Modes: "test" runs -t only; "run" starts the daemon, waits the window,
// takes a snapshot of the host, asks for both dumps, stops the daemon with
// SIGTERM and takes a second snapshot.
const runScript = `
set -u
mode=$1; work=$2; bindir=$3; daemon=$4; win=$5; netns=$6; shift 6
mount -t tmpfs -o mode=0755 kd-run /run || exit 90
mkdir -p /run/w /run/bin /run/netns
` + netnsBind + `mount --bind "$work" /run/w || exit 91
mount --bind "$bindir" /run/bin || exit 92
mount -t tmpfs -o mode=1777 kd-tmp /tmp || exit 93
chmod 0755 /run/w
if [ "$mode" = test ]; then
	"$daemon" -t -l -G -f /run/w/keepalived.conf -i ` + configID + ` "$@" >/run/w/test.out 2>&1
	echo $? >/run/w/test.rc
	exit 0
fi

snap() {
	d=/run/w/$1; mkdir -p $d
	ip -d -o link >$d/link 2>&1
	ip -o addr >$d/addr 2>&1
	{ ip -4 route show table all; ip -6 route show table all; } >$d/route 2>&1
	{ ip -4 rule; ip -6 rule; } >$d/rule 2>&1
	# One process for all of them: a loop of cats takes seconds under load.
	grep -r -s . /proc/sys/net/ipv4/conf /proc/sys/net/ipv6/conf /proc/sys/net/ipv4/ip_forward \
		/proc/sys/net/ipv4/ip_nonlocal_bind /proc/sys/net/ipv6/ip_nonlocal_bind /proc/sys/net/ipv4/igmp_link_local_mcast_reports | sed 's#^/proc/sys/##' >$d/sysctl
	nft list ruleset >$d/nft 2>&1
}

# waitfile FILE: the dump is written by the daemon after the signal.
waitfile() {
	i=0
	while [ $i -lt 40 ] && ! [ -s "$1" ]; do sleep 0.1; i=$((i+1)); done
	sleep 0.2
}

snap before
"$daemon" -n -l -D -G -f /run/w/keepalived.conf -i ` + configID + ` "$@" >/run/w/log 2>&1 &
pid=$!
sleep "$win"
snap run
kill -USR1 $pid; waitfile /tmp/keepalived.data
kill -USR2 $pid; waitfile /tmp/keepalived.stats
cp /tmp/keepalived.data /tmp/keepalived.stats /run/w/ 2>/dev/null
kill -TERM $pid
# The watchdog must not hold the test's output pipe open. SIGQUIT first:
# a Go daemon then writes its goroutines to the log, which shows where a
# stop hangs.
( sleep 20; touch /run/w/hung; kill -QUIT $pid; sleep 2; kill -KILL $pid ) >/dev/null 2>&1 </dev/null &
dog=$!
wait $pid
echo $? >/run/w/rc
kill $dog 2>/dev/null
# Notify scripts run after the state change; let the last ones finish.
sleep 0.5
snap stop
`

// daemonRun is what one daemon did with one file.
type daemonRun struct {
	rc     int
	hung   bool     // did not exit within 20 s of SIGTERM (killed)
	wire   []string // summarised frames, see summariseWire
	files  map[string]string
	testRC int
	test   string
}

// prepare writes the rewritten configuration and the recorder scripts
// into a fresh work directory.
func prepare(t *testing.T, p plan) string {
	t.Helper()
	work := t.TempDir()
	text, err := os.ReadFile(p.path)
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := rewrite(string(text), "/run/w/rec.sh", "/run/w/ok.sh")
	write := func(name, s string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(work, name), []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("keepalived.conf", conf, 0o644)
	write("rec.sh", "#!/bin/sh\necho \"$*\" >>/run/w/notify\nexit 0\n", 0o755)
	write("ok.sh", "#!/bin/sh\nexit 0\n", 0o755)
	return work
}

// buildLab makes the daemon's namespace with every interface the file
// names, each a veth whose other end is in a capture namespace, where the
// sniffers listen and the unicast peers' addresses answer.
func buildLab(t *testing.T, p plan) (d *netns.NS, sniffers map[string]*vrrplab.Sniffer) {
	t.Helper()
	d = netns.New(t, "kdd")
	c := netns.New(t, "kdc")
	for _, ns := range []*netns.NS{d, c} {
		ns.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	}
	// The capture side must not answer adverts with ICMP errors nor send
	// router solicitations of its own into the capture.
	c.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.default.router_solicitations=0")
	sniffers = map[string]*vrrplab.Sniffer{}
	for i, n := range p.ifaces {
		port := fmt.Sprintf("c%d", i+1)
		netns.Veth(t, d, n, c, port)
		d.MustRun(t, "ip", "link", "set", n, "multicast", "on")
		for _, a := range p.addrs[n] {
			d.MustRun(t, "ip", "addr", "add", a.String(), "dev", n, "nodad")
		}
		c.MustRun(t, "ip", "link", "set", port, "up")
		for _, a := range p.peers[n] {
			bits := 32
			if a.Is6() {
				bits = 128
			}
			c.MustRun(t, "ip", "addr", "add", fmt.Sprintf("%s/%d", a, bits), "dev", port, "nodad")
		}
		d.MustRun(t, "ip", "link", "set", n, "up")
		for _, a := range p.peers[n] {
			// onlink: a peer outside every connected prefix is still
			// resolved on this link, as on a flat L2 segment.
			fam := "-4"
			if a.Is6() {
				fam = "-6"
			}
			if _, err := d.Run("ip", fam, "route", "replace", a.String(), "dev", n); err != nil {
				t.Logf("route to peer %s: %v", a, err)
			}
		}
		sniffers[n] = vrrplab.Sniff(t, c, port)
	}
	return d, sniffers
}

// runDaemon runs one daemon on the plan in a fresh lab and collects what
// it did. mode is "test" or "run".
func runDaemon(t *testing.T, p plan, mode, bin string) daemonRun {
	t.Helper()
	work := prepare(t, p)
	d, sniffers := buildLab(t, p)
	win := strconv.FormatFloat(p.window.Seconds(), 'f', 1, 64)
	argv := append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", runScript, "sh",
		mode, work, filepath.Dir(bin), "/run/bin/" + filepath.Base(bin), win, p.netns}, p.extra...)
	ctx, cancel := context.WithTimeout(context.Background(), p.window+2*time.Minute)
	defer cancel()
	cmd := d.Command(argv...)
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", p.name, mode, err, out)
	}
	r := daemonRun{rc: -1, testRC: -1, files: map[string]string{}}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(work, name))
		return string(b)
	}
	if mode == "test" {
		r.testRC = atoi(read("test.rc"))
		r.test = read("test.out")
		return r
	}
	r.rc = atoi(read("rc"))
	_, err := os.Stat(filepath.Join(work, "hung"))
	r.hung = err == nil
	for _, f := range []string{"log", "notify", "keepalived.data", "keepalived.stats"} {
		r.files[f] = read(f)
	}
	saveRaw(t, p, bin, r.files)
	for _, phase := range []string{"before", "run", "stop"} {
		for _, f := range []string{"link", "addr", "route", "rule", "sysctl", "nft"} {
			r.files[phase+"/"+f] = read(phase + "/" + f)
		}
	}
	for _, n := range p.ifaces {
		r.wire = append(r.wire, summariseWire(n, sniffers[n].Frames())...)
	}
	return r
}

// saveRaw keeps a run's dump files and log as the daemon wrote them
// (DIFFERENTIAL_SAVE): the views are sorted, and a writer is compared with
// keepalived's in order.
func saveRaw(t *testing.T, p plan, bin string, files map[string]string) {
	dir := os.Getenv("DIFFERENTIAL_SAVE")
	if dir == "" {
		return
	}
	kind := "go"
	if bin == keepalived {
		kind = "ka"
	}
	for _, f := range []string{"log", "keepalived.data", "keepalived.stats"} {
		name := fmt.Sprintf("%s.%s.%s", strings.ReplaceAll(p.name, "/", "_"), kind, f)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[f]), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}
