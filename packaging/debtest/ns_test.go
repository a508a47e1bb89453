package debtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pid1Env makes the test binary act as the init of the private pid
// namespace (see TestMain): it sets up the overlays, then reaps the
// daemons the init script leaves behind, like a real init would, so that a
// stopped keepalived does not linger as a zombie.
const pid1Env = "KG_DEBTEST_PID1"

func TestMain(m *testing.M) {
	if dir := os.Getenv(pid1Env); dir != "" {
		os.Exit(runPID1(dir))
	}
	os.Exit(m.Run())
}

// setupScript runs inside the fresh mount, pid and network namespaces.
// Everything dpkg and the init script write lands in tmpfs-backed overlays
// over /usr, /etc and /var, and /run is a fresh tmpfs, so the host's
// keepalived package, pid files and dpkg database are never touched; all
// of it disappears with the namespace.
const setupScript = `set -eu
scratch=$1
mount -t tmpfs -o mode=0755 kg-debtest "$scratch"
for d in usr etc var; do
	mkdir -p "$scratch/$d.upper" "$scratch/$d.work"
	mount -t overlay kg-debtest -o "lowerdir=/$d,upperdir=$scratch/$d.upper,workdir=$scratch/$d.work" "/$d"
done
mount -t tmpfs -o mode=0755 kg-debtest /run
mkdir -p /run/lock
ip link set lo up
ip link add veth0 type veth peer name veth1
ip addr add 192.0.2.1/24 dev veth0
ip link set veth0 up
ip link set veth1 up
`

func runPID1(scratch string) int {
	setup := exec.Command("/bin/sh", "-c", setupScript, "setup", scratch)
	setup.Stdout, setup.Stderr = os.Stderr, os.Stderr
	if err := setup.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "namespace setup: %v\n", err)
		return 1
	}
	fmt.Println("ready")
	// The test closes our stdin when it is done (or dies): then leave,
	// and the kernel kills everything else in the namespace.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	for {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(-1, &ws, 0, nil); errors.Is(err, syscall.ECHILD) {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// sandbox is a private mount+pid+network namespace with overlays, driven
// through nsenter.
type sandbox struct {
	t    *testing.T
	pid1 int // host pid of the namespace's init
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	for _, tool := range []string{"unshare", "nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (util-linux, iproute2)", tool)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(t.TempDir(), "overlay")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc",
		"--propagation", "private", "--kill-child", self, "-test.run=^$")
	cmd.Env = append(os.Environ(), pid1Env+"="+scratch)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill() // --kill-child takes the namespace down with it
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		<-done
		t.Fatalf("namespace did not come up (%v): %s", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if err != nil {
		t.Fatalf("finding the namespace's init: %v", err)
	}
	pid1, err := strconv.Atoi(strings.TrimSpace(string(kids)))
	if err != nil {
		t.Fatalf("finding the namespace's init in %q: %v", kids, err)
	}
	return &sandbox{t: t, pid1: pid1}
}

// run runs argv inside the sandbox and returns its combined output and exit
// code; it fails the test only when the command cannot run at all.
func (s *sandbox) run(stdin string, argv ...string) (string, int) {
	s.t.Helper()
	args := append([]string{"--target", strconv.Itoa(s.pid1), "--mount", "--net", "--pid", "--"}, argv...)
	cmd := exec.Command("nsenter", args...)
	// RUNLEVEL: what a sysv init gives its children, so that invoke-rc.d
	// (via systemd's runlevel(8)) acts as on a booted sysv host.
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive",
		"RUNLEVEL=2", "PREVLEVEL=N"}
	cmd.Stdin = strings.NewReader(stdin)
	// A daemon that keeps the script's stdout open would block us for ever.
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrWaitDelay):
		s.t.Errorf("%v: a process it left behind kept its output open (a daemon must detach from stdio)", argv)
		return string(out), 0
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	s.t.Fatalf("nsenter %v: %v", argv, err)
	return "", -1
}

// sh runs a shell snippet in the sandbox and fails the test unless it exits 0.
func (s *sandbox) sh(script string) string {
	s.t.Helper()
	out, code := s.run("", "/bin/sh", "-c", script)
	if code != 0 {
		s.t.Fatalf("sandbox: %s: exit %d: %s", script, code, out)
	}
	return out
}

// write replaces a file inside the sandbox.
func (s *sandbox) write(path, content string, mode os.FileMode) {
	s.t.Helper()
	script := fmt.Sprintf("mkdir -p %q && cat > %q && chmod %o %q", filepath.Dir(path), path, mode, path)
	if out, code := s.run(content, "/bin/sh", "-c", script); code != 0 {
		s.t.Fatalf("writing %s: exit %d: %s", path, code, out)
	}
}

// waitFor polls cond (a shell test) until it holds or a generous deadline
// passes; it is a wait, not a timing assertion.
func (s *sandbox) waitFor(what, cond string) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, code := s.run("", "/bin/sh", "-c", cond)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s (%s): %s", what, cond, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
