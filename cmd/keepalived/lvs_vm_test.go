//go:build vmtest

// Run in the VM (IPVS is not in the host kernel):
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" ./cmd/keepalived/
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

func ipvsTable(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ipvsadm", "-Ln").CombinedOutput()
	if err != nil {
		t.Fatalf("ipvsadm: %v\n%s", err, out)
	}
	return string(out)
}

func lvsConf(weight int) string {
	return fmt.Sprintf(`virtual_server 10.10.9.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 %%d {
    weight %d
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`, weight)
}

// startIPVSDaemon starts the daemon with its output in out; the returned
// channel gets its exit. At the end of the test it is killed and the IPVS
// table flushed, whatever state the test left it in.
func startIPVSDaemon(t *testing.T, cmd *exec.Cmd, out *output) chan error {
	t.Helper()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		exec.Command("ipvsadm", "-C").Run()
	})
	return done
}

// TestDaemonLVS runs the binary's checker side against the VM's IPVS: the
// virtual server appears with its healthy real server, a SIGHUP changes
// only the weight, SIGTERM removes what was programmed.
func TestDaemonLVS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	write := func(weight int) {
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(lvsConf(weight), port)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(3)
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()
	var out output
	cmd := exec.Command(os.Args[0], "-n", "-l", "-D", "-G", "-f", conf, "--metrics-listen", metricsAddr,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	done := startIPVSDaemon(t, cmd, &out)
	real := fmt.Sprintf("127.0.0.1:%d", port)
	waitTable := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			tab := ipvsTable(t)
			if ok(tab) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never happened; table:\n%s\nlog:\n%s", what, tab, out.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	hasReal := func(weight int) func(string) bool {
		return func(tab string) bool {
			for _, l := range strings.Split(tab, "\n") {
				f := strings.Fields(l)
				if len(f) >= 4 && f[0] == "->" && f[1] == real && f[3] == fmt.Sprint(weight) {
					return true
				}
			}
			return false
		}
	}
	waitTable("service with its real server", hasReal(3))
	// The kernel's view reaches /metrics through the ipvs adapter's
	// counters: the weight as IPVS holds it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		body := ""
		if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
		found := false
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "keepalived_lvs_real_server_weight{") && strings.HasSuffix(l, " 3") {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kernel weight 3 in /metrics:\n%s\nlog:\n%s", body, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Starting Healthcheck child process") {
		t.Errorf("no healthcheck start line:\n%s", out.String())
	}
	write(5)
	cmd.Process.Signal(syscall.SIGHUP)
	waitTable("weight 5 after reload", hasReal(5))
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", out.String())
	}
	if tab := ipvsTable(t); strings.Contains(tab, "10.10.9.1:80") {
		t.Fatalf("service left after SIGTERM:\n%s", tab)
	}
}
