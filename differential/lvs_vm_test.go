//go:build vmtest

// The LVS differential runs in the VM (IPVS is not in the host kernel);
// scripts/differential-lvs.sh builds keepalived-go and this test binary,
// copies the corpus's LVS files beside them and boots the VM:
//
//	scripts/differential-lvs.sh            # the CI subset (make vmtest)
//	scripts/differential-lvs.sh all        # every LVS file (make differential-lvs)

package differential

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lvsRunScript runs in the daemon's network namespace and a private mount
// namespace: /run (pid files) and /tmp (keepalived_check.data) are the
// run's own, so that keepalived and keepalived-go run side by side. The
// work directory is bound on /run/w first, as the tmpfs on /tmp hides it;
// both daemons see their scripts and configuration at the same paths.
// "run" execs the daemon (its pid is the one the test signals), "test"
// records -t's exit code. A net_namespace NAME is the lab's own namespace
// bound on /run/netns/NAME, so entering it keeps the daemon in the lab.
const lvsRunScript = `
set -u
mode=$1; work=$2; daemon=$3; netns=$4; shift 4
mount -t tmpfs -o mode=0755 kd-run /run || exit 90
mkdir -p /run/w /run/netns
` + netnsBind + `mount -o bind "$work" /run/w || exit 91
mount -t tmpfs -o mode=1777 kd-tmp /tmp || exit 93
if [ "$mode" = test ]; then
	"$daemon" -t -l -G -f /run/w/keepalived.conf -i ` + configID + ` "$@" >/run/w/test.out 2>&1
	echo $? >/run/w/test.rc
	exit 0
fi
exec "$daemon" -n -l -D -G -f /run/w/keepalived.conf -i ` + configID + ` "$@" >/run/w/log 2>&1
`

// TestLVSDifferential runs each LVS configuration with keepalived 2.2.7
// and keepalived-go at the same time, each in its own network namespace
// with identical addresses and responders, and compares ipvsadm -Sn, the
// checker log lines, the notify trail, keepalived_check.data and the exit
// code (lvsplan_test.go). DIFFERENTIAL_LVS=all runs every file, a comma
// list the files named; otherwise the CI subset runs.
func TestLVSDifferential(t *testing.T) {
	ours := os.Getenv("LVSDIFF_GO")
	if ours == "" {
		t.Skip("LVSDIFF_GO unset: run through scripts/differential-lvs.sh")
	}
	for _, tool := range []string{"keepalived", "ipvsadm", "ip", "unshare", ours} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s absent", tool)
		}
	}
	allow, err := readAllow("testdata/allow-lvs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var (
		mu   sync.Mutex
		rows []row
	)
	// A file's time is mostly its three phases of waiting for checkers:
	// with LVSDIFF_PARALLEL=N (and -test.parallel N) N files share the
	// VM at once, each in its own namespaces and private /run and /tmp.
	parallel := os.Getenv("LVSDIFF_PARALLEL") != ""
	t.Run("files", func(t *testing.T) {
		for i, p := range chooseLVSPlans(os.Getenv("DIFFERENTIAL_LVS")) {
			t.Run(strings.ReplaceAll(p.name, "/", "_"), func(t *testing.T) {
				if parallel {
					t.Parallel()
				}
				r := runLVSPlan(t, i, p, ours, allow)
				mu.Lock()
				rows = append(rows, r)
				mu.Unlock()
				// Progress for a long run: this file's verdicts.
				var v []string
				for _, a := range lvsAspects {
					if c, ok := r.cells[a]; ok {
						v = append(v, a+"="+c.verdict)
					}
				}
				t.Logf("%s: %s%s", r.name, strings.Join(v, " "), r.skip)
			})
		}
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	report := renderReport(lvsAspects, rows, time.Since(start))
	// Markers: the driver script cuts the report out of the VM console.
	fmt.Printf("@@lvs-report-begin@@\n%s@@lvs-report-end@@\n", report)
	flag := t.Errorf
	if os.Getenv("DIFFERENTIAL_LVS") == "all" {
		flag = t.Logf
	}
	for _, r := range rows {
		for _, a := range lvsAspects {
			if c, ok := r.cells[a]; ok && c.verdict == differs {
				flag("%s: %s differs (undocumented; see the report)", r.name, a)
			}
		}
	}
}

// chooseLVSPlans: the driver copies the corpus's LVS files to ./corpus
// and the package's testdata to ./testdata.
func chooseLVSPlans(which string) []lvsPlan {
	var names []string
	switch which {
	case "":
		names = lvsCISubset
	case "all":
		m, _ := filepath.Glob("corpus/*.conf")
		names = append(names, m...)
		m, _ = filepath.Glob("testdata/lvs/*.conf")
		for _, f := range m {
			names = append(names, "differential/"+f)
		}
	default:
		names = strings.Split(which, ",")
	}
	var plans []lvsPlan
	for _, n := range names {
		path := strings.TrimPrefix(n, "differential/")
		if _, err := os.Stat(path); err != nil && strings.HasPrefix(n, "corpus/") {
			continue // the shared corpus is absent
		}
		abs, _ := filepath.Abs(path)
		plans = append(plans, makeLVSPlan(n, abs))
	}
	return plans
}

// lvsLab is one daemon's namespace with its responders.
type lvsLab struct {
	ns   string
	work string
	mu   sync.Mutex
	open map[int]io.Closer // by index in plan.ends
}

func newLVSLab(t *testing.T, p lvsPlan, ns string) *lvsLab {
	t.Helper()
	l := &lvsLab{ns: ns, work: t.TempDir(), open: map[int]io.Closer{}}
	vmRun(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		l.mu.Lock()
		for _, c := range l.open {
			c.Close()
		}
		l.mu.Unlock()
		exec.Command("ip", "netns", "del", ns).Run()
	})
	in := func(args ...string) { vmRun(t, "ip", append([]string{"-n", ns}, args...)...) }
	in("link", "set", "lo", "up")
	for i, n := range p.ifaces {
		in("link", "add", n, "type", "dummy")
		in("addr", "add", fmt.Sprintf("10.99.%d.2/24", i+1), "dev", n)
		in("addr", "add", fmt.Sprintf("fd99:0:0:%x::2/64", i+1), "dev", n, "nodad")
		in("link", "set", n, "up")
	}
	for _, a := range p.locals {
		if a.Is4() {
			in("addr", "add", a.String()+"/32", "dev", "lo")
		} else {
			in("addr", "add", a.String()+"/128", "dev", "lo", "nodad")
		}
	}
	text, err := os.ReadFile(p.path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(l.work, name), []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(l.work, 0o755)
	write("keepalived.conf", rewriteLVS(string(text), "/run/w/rec.sh", "/run/w/ok.sh"), 0o644)
	write("rec.sh", "#!/bin/sh\necho \"$*\" >>/run/w/notify\nexit 0\n", 0o755)
	write("ok.sh", "#!/bin/sh\nexit 0\n", 0o755)
	return l
}

func vmRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// daemon starts bin in the lab; mode "test" runs -t and waits.
func (l *lvsLab) daemon(p lvsPlan, mode, bin string) (*exec.Cmd, error) {
	args := append([]string{"netns", "exec", l.ns, "unshare", "-m", "--propagation", "private",
		"sh", "-c", lvsRunScript, "sh", mode, l.work, bin, p.netns}, p.extra...)
	cmd := exec.Command("ip", args...)
	cmd.Dir = p.dir
	if mode == "test" {
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("%v: %s", err, out)
		}
		return cmd, nil
	}
	return cmd, cmd.Start()
}

func (l *lvsLab) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(l.work, name))
	return string(b)
}

// phase opens the endpoints that answer in phase n (1, 2 or 3) and closes
// the others.
func (l *lvsLab) phase(t *testing.T, p lvsPlan, n int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range p.ends {
		up := e.role == roleAlive || (e.role == roleDies && n < 3) || (e.role == roleBorn && n > 1)
		c, isOpen := l.open[i]
		switch {
		case up && !isOpen:
			c, err := listenIn(l.ns, e)
			if err != nil {
				t.Logf("responder %s %s: %v", e.kind, e.addr, err)
				continue
			}
			l.open[i] = c
		case !up && isOpen:
			c.Close()
			delete(l.open, i)
		}
	}
}

// listenIn opens a responder in network namespace ns: the socket is made
// on a thread moved into ns (never unlocked, so it dies with its
// goroutine) and keeps the namespace it was made in.
func listenIn(ns string, e lvsEndpoint) (io.Closer, error) {
	type res struct {
		c   io.Closer
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- res{nil, err}
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- res{nil, err}
			return
		}
		c, err := listen(e)
		ch <- res{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func listen(e lvsEndpoint) (io.Closer, error) {
	addr := e.addr.String()
	if e.kind == epUDP {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		go func() {
			buf := make([]byte, 2048)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo(buf[:n], from)
			}
		}()
		return pc, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	switch e.kind {
	case epSMTP:
		go serveSMTP(ln)
	case epTLS:
		go http.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{selfSigned()}}), okHandler)
	default:
		go http.Serve(ln, okHandler)
	}
	return ln, nil
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })

// serveSMTP answers as much of SMTP as SMTP_CHECK uses: the banner, HELO
// and QUIT.
func serveSMTP(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			fmt.Fprint(c, "220 lvsdiff ESMTP\r\n")
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				if strings.HasPrefix(strings.ToUpper(sc.Text()), "QUIT") {
					fmt.Fprint(c, "221 bye\r\n")
					return
				}
				fmt.Fprint(c, "250 ok\r\n")
			}
		}()
	}
}

var (
	certOnce sync.Once
	cert     tls.Certificate
)

func selfSigned() tls.Certificate {
	certOnce.Do(func() {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lvsdiff"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return cert
}

// lvsRun is what one daemon did.
type lvsRun struct {
	lab   *lvsLab
	cmd   *exec.Cmd
	done  chan error
	ipvs  []string
	data  string
	rc    int
	hung  bool
	early bool // exited before SIGTERM (at start, or a fatal error later)
	start error
}

func (r *lvsRun) snapshot(t *testing.T, phase string) {
	out, err := exec.Command("ip", "netns", "exec", r.lab.ns, "ipvsadm", "-Sn").CombinedOutput()
	if err != nil {
		t.Logf("%s: ipvsadm -Sn: %v", r.lab.ns, err)
	}
	r.ipvs = append(r.ipvs, ipvsLines(phase, string(out))...)
}

// runLVSPlan runs keepalived -t, then both daemons side by side through
// the two phases, and judges.
func runLVSPlan(t *testing.T, n int, p lvsPlan, ours string, allow []allowEntry) row {
	r := row{name: p.name, skip: p.skip, note: p.note}
	if r.skip != "" {
		return r
	}
	base := fmt.Sprintf("lvsd%d-%d", os.Getpid(), n)
	ka := &lvsRun{lab: newLVSLab(t, p, base+"-ka"), rc: -1}
	gol := &lvsRun{lab: newLVSLab(t, p, base+"-go"), rc: -1}
	if _, err := ka.lab.daemon(p, "test", "keepalived"); err != nil {
		t.Fatalf("keepalived -t: %v", err)
	}
	note, skip := lvsTestVerdict(atoi(ka.lab.read("test.rc")), ka.lab.read("test.out"))
	r.note = strings.TrimPrefix(r.note+"; "+note, "; ")
	if r.skip = skip; skip != "" {
		return r
	}
	for _, d := range []*lvsRun{ka, gol} {
		d.lab.phase(t, p, 1)
	}
	for d, bin := range map[*lvsRun]string{ka: "keepalived", gol: ours} {
		d.cmd, d.start = d.lab.daemon(p, "run", bin)
		if d.start != nil {
			t.Fatalf("start %s: %v", bin, d.start)
		}
		d.done = make(chan error, 1)
		go func(d *lvsRun) { d.done <- d.cmd.Wait() }(d)
	}
	t.Logf("%s: phases of %v", p.name, p.phase)
	for n := 1; n <= 3; n++ {
		time.Sleep(p.phase)
		for _, d := range []*lvsRun{ka, gol} {
			d.snapshot(t, fmt.Sprint("phase", n))
			if n < 3 {
				d.lab.phase(t, p, n+1)
			}
		}
	}
	for _, d := range []*lvsRun{ka, gol} {
		d.exitedEarly()
		if !d.early {
			d.cmd.Process.Signal(syscall.SIGUSR1)
		}
	}
	for _, d := range []*lvsRun{ka, gol} {
		if !d.early {
			d.data = waitDump(d.cmd.Process.Pid)
			d.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, d := range []*lvsRun{ka, gol} {
		d.stop()
		d.snapshot(t, "stop")
	}
	// Notify scripts run after the change; let the last ones finish.
	time.Sleep(500 * time.Millisecond)
	r.views = map[string][2][]string{}
	for _, a := range lvsAspects {
		r.views[a] = [2][]string{ka.aspect(a), gol.aspect(a)}
	}
	r.judgeCols(lvsAspects, allow)
	if os.Getenv("DIFFERENTIAL_RAW") != "" {
		t.Logf("keepalived log:\n%s\nkeepalived-go log:\n%s", ka.lab.read("log"), gol.lab.read("log"))
	}
	return r
}

// waitDump reads keepalived_check.data from the daemon's private /tmp
// (through /proc/PID/root) once it has been written.
func waitDump(pid int) string {
	f := fmt.Sprintf("/proc/%d/root/tmp/keepalived_check.data", pid)
	var last string
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile(f)
		if err == nil && len(b) > 0 && string(b) == last {
			return last
		}
		if err == nil {
			last = string(b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

// exitedEarly notes a daemon that has already exited: it is not
// signalled, and its exit code is compared like any other.
func (r *lvsRun) exitedEarly() {
	select {
	case err := <-r.done:
		r.rc, r.early = exitCode(err), true
	default:
	}
}

// stop waits for the exit after SIGTERM: 30 s (TCG), then SIGKILL.
func (r *lvsRun) stop() {
	if r.early {
		return
	}
	select {
	case err := <-r.done:
		r.rc = exitCode(err)
	case <-time.After(30 * time.Second):
		r.hung = true
		r.cmd.Process.Signal(syscall.SIGQUIT)
		time.Sleep(2 * time.Second)
		r.cmd.Process.Kill()
		r.rc = exitCode(<-r.done)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func (r *lvsRun) aspect(a string) []string {
	switch a {
	case "ipvs":
		return r.ipvs
	case "log":
		log, _, _ := strings.Cut(r.lab.read("log"), goDumpMark)
		return lvsLogLines(log)
	case "notify":
		return notifyLines(r.lab.read("notify"))
	case "data":
		return dumpLines(r.data)
	case "exit":
		out := []string{fmt.Sprint("exit ", r.rc)}
		if r.early {
			out = append(out, "exited before SIGTERM")
		}
		if r.hung {
			out = append(out, "no exit within 30 s of SIGTERM")
		}
		return append(out, stackLines(r.lab.read("log"))...)
	}
	return nil
}
