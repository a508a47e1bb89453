//go:build vmtest

// Run in the VM (IPVS is not in the host kernel):
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" -run TestObserversLVS ./cmd/keepalived/

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
)

// dashboardLVSSeries are the LVS families monitoring/keepalived-dashboard.json
// queries; the host's Prometheus test cannot see them from a daemon (no
// IPVS there), so this test checks the daemon emits each one.
var dashboardLVSSeries = []string{
	"keepalived_virtual_server_quorum_up", "keepalived_virtual_server_sorry_server_active", "keepalived_virtual_server_alive_weight",
	"keepalived_real_server_up", "keepalived_real_server_weight", "keepalived_lvs_real_server_weight",
	"keepalived_checker_up", "keepalived_checker_last_failure_timestamp_seconds", "keepalived_checker_checks_total",
	"keepalived_checker_failures_total", "keepalived_checker_consecutive_failures", "keepalived_checker_last_duration_seconds",
	"keepalived_lvs_virtual_server_connections_total", "keepalived_lvs_virtual_server_in_packets_total",
	"keepalived_lvs_virtual_server_out_packets_total", "keepalived_lvs_virtual_server_in_bytes_total",
	"keepalived_lvs_virtual_server_out_bytes_total", "keepalived_lvs_real_server_connections_total",
	"keepalived_lvs_real_server_in_packets_total", "keepalived_lvs_real_server_out_packets_total",
	"keepalived_lvs_real_server_in_bytes_total", "keepalived_lvs_real_server_out_bytes_total",
	"keepalived_lvs_real_server_active_connections", "keepalived_lvs_real_server_inactive_connections",
	"keepalived_lvs_real_server_persistent_connections",
}

// TestObserversLVS runs a daemon with one virtual server over the VM's
// IPVS, one real server answering and one not: /metrics carries every LVS
// series the dashboard queries, the control socket's document (what
// `keepalivectl lvs` prints) has both weights, the kernel's counters and
// the down server's failure, and /status shows them.
func TestObserversLVS(t *testing.T) {
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
	up := ln.Addr().(*net.TCPAddr).Port
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`virtual_server 10.10.9.1 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 %d {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 127.0.0.1 %d {
    weight 2
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`, up, down)), 0o644); err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()
	sock := filepath.Join(dir, "ctl.sock")
	var out output
	cmd := exec.Command(os.Args[0], "-n", "-l", "-D", "-G", "-f", conf, "--metrics-listen", metricsAddr,
		"--control-socket", sock,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	startIPVSDaemon(t, cmd, &out)

	fetch := func(path string) string {
		resp, err := http.Get("http://" + metricsAddr + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	missing := func(body string) []string {
		var m []string
		for _, s := range dashboardLVSSeries {
			if !strings.Contains(body, "\n"+s+"{") {
				m = append(m, s)
			}
		}
		return m
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		body := fetch("/metrics")
		m := missing(body)
		if len(m) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %v:\n%s\nlog:\n%s", m, body, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	st, err := control.NewClient(sock).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.VirtualServers) != 1 || st.VirtualServers[0].Stats == nil || len(st.VirtualServers[0].RealServers) != 2 {
		t.Fatalf("status %+v", st.VirtualServers)
	}
	var lvs bytes.Buffer
	control.WriteLVS(&lvs, st, time.Now())
	downID := fmt.Sprintf("[127.0.0.1]:tcp:%d", down)
	for _, want := range []string{"wrr", downID, "DOWN", "connection refused", "TCP_CHECK"} {
		if !strings.Contains(lvs.String(), want) {
			t.Errorf("keepalivectl lvs output lacks %q:\n%s", want, lvs.String())
		}
	}
	t.Logf("keepalivectl lvs:\n%s", lvs.String())
	page := fetch("/status")
	for _, want := range []string{`data-virtual-server="[10.10.9.1]:tcp:80"`, `data-real-server="` + downID + `"`, "connection refused"} {
		if !strings.Contains(page, want) {
			t.Errorf("/status lacks %q", want)
		}
	}
}
