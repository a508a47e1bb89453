package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

func TestStatusCommand(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ka.sock")
	srv, err := control.NewServer(sock, statustest.Sources())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	tests := []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  string   // substring of stderr
	}{
		{"table", []string{"status", "--socket", sock}, 0,
			[]string{"VRRP INSTANCE", "VI_1", "MASTER", "this node (10.0.0.1)", "10.0.0.100/24", "[192.168.1.11]:tcp:8080", "DOWN", "QUORUM DOWN"}, ""},
		{"json", []string{"status", "--json", "--socket", sock}, 0, []string{`"vrrp_instances"`, `"effective_priority": 160`}, ""},
		{"no daemon", []string{"status", "--socket", filepath.Join(t.TempDir(), "x.sock")}, 3, nil, "no keepalived-go daemon is running"},
		{"lvs no daemon", []string{"lvs", "--json", "--socket", filepath.Join(t.TempDir(), "x.sock")}, 3, nil, "x.sock"},
		{"lvs", []string{"lvs", "--socket", sock}, 0,
			[]string{"REAL SERVER", "[192.168.1.11]:tcp:8080", "connect: connection refused", "i/o timeout", "not in kernel", "3000000"}, ""},
		{"lvs json", []string{"lvs", "--json", "--socket", sock}, 0, []string{`"virtual_servers"`, `"last_failure"`, `"ipvs_stats"`}, ""},
		{"status extras", []string{"status", "--socket", sock}, 0,
			[]string{"VI_NOVIP FAULT: interface eth2 down", "SYNC GROUP", "G_WEB", "haproxy", "FAILED (1)"}, ""},
		{"version", []string{"version", "--socket", sock}, 0, []string{"keepalivectl: keepalived-go", "daemon (pid "}, ""},
		{"version json", []string{"version", "--json", "--socket", sock}, 0, []string{`"client"`, `"daemon": "keepalived-go test"`}, ""},
		{"version no daemon", []string{"version", "--socket", filepath.Join(t.TempDir(), "x.sock")}, 0, []string{"daemon: not running"}, ""},
		{"help", []string{"help"}, 0, []string{"reload", "lvs", "version"}, ""},
		{"no command", nil, 2, nil, "usage"},
		{"bad command", []string{"stop"}, 2, nil, `unknown command "stop"`},
		{"bad flag", []string{"status", "--yaml"}, 2, nil, "yaml"},
		{"extra arg", []string{"status", "VI_1", "--socket", sock}, 2, nil, "unexpected argument"},
		{"reload no daemon", []string{"reload", "--socket", filepath.Join(t.TempDir(), "x.sock")}, 3, nil, "no keepalived-go daemon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			for _, s := range tt.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			if !strings.Contains(errb.String(), tt.err) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.err)
			}
		})
	}

	var out bytes.Buffer
	run([]string{"status", "--json", "--socket", sock}, &out, &out)
	var st control.Status
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || len(st.Instances) != 3 || len(st.VirtualServers) != 2 {
		t.Errorf("json output: %v %+v", err, st)
	}
}

// TestBFDCommand: `keepalivectl bfd` and the BFD section of `status`,
// in text and JSON.
func TestBFDCommand(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ka.sock")
	src := statustest.Sources()
	seen := time.Now().Add(-2 * time.Second)
	src.BFD = status.BFDFunc(func() status.BFD {
		return status.BFD{Running: true, Sessions: []status.BFDSession{
			{Name: "UPLINK", Neighbor: "10.0.0.254", Source: "10.0.0.1", State: "Up", RemoteState: "Up",
				LocalDiag: "No Diagnostic", RemoteDiag: "No Diagnostic", MinRx: 50 * time.Millisecond,
				MinTx: 50 * time.Millisecond, IdleTx: time.Second, Multiplier: 3, TxInterval: 50 * time.Millisecond,
				DetectTime: 150 * time.Millisecond, RemoteMinRx: 50 * time.Millisecond, RemoteMinTx: 50 * time.Millisecond,
				RemoteMultiplier: 3, LastSeen: seen},
			{Name: "RS1", Neighbor: "fd00::7", State: "Down", RemoteState: "Down", LocalDiag: "Control Detection Time Expired",
				RemoteDiag: "No Diagnostic", MinRx: 10 * time.Millisecond, MinTx: 10 * time.Millisecond, IdleTx: time.Second,
				Multiplier: 5, TxInterval: time.Second},
		}}
	})
	srv, err := control.NewServer(sock, src)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tt := range []struct {
		args []string
		out  []string
	}{
		{[]string{"bfd", "--socket", sock}, []string{"BFD INSTANCE", "DETECT ms", "UPLINK", "10.0.0.254", "Up", "50/50", "3/3", "150",
			"RS1", "fd00::7", "Down", "Control Detection Time Expired", "never"}},
		{[]string{"bfd", "--json", "--socket", sock}, []string{`"bfd_sessions"`, `"name": "UPLINK"`, `"detect_time_us": 150000`,
			`"remote_min_rx_us": 50000`, `"state": "Down"`, `"last_seen"`}},
		{[]string{"status", "--socket", sock}, []string{"VRRP INSTANCE", "BFD INSTANCE", "UPLINK", "RS1"}},
		{[]string{"status", "--json", "--socket", sock}, []string{`"bfd_sessions"`, `"tx_interval_us": 50000`}},
	} {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d; stderr %s", tt.args, code, errb.String())
		}
		for _, s := range tt.out {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%v: stdout lacks %q:\n%s", tt.args, s, out.String())
			}
		}
	}
	// A daemon without BFD: an empty list, and no section in status.
	sock2 := filepath.Join(t.TempDir(), "ka2.sock")
	srv2, err := control.NewServer(sock2, statustest.Sources())
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	var out, errb bytes.Buffer
	if code := run([]string{"bfd", "--json", "--socket", sock2}, &out, &errb); code != 0 || !strings.Contains(out.String(), `"bfd_sessions": []`) {
		t.Errorf("bfd --json without BFD: exit %d, %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"bfd", "--socket", sock2}, &out, &errb); code != 0 || !strings.Contains(out.String(), "no BFD sessions") {
		t.Errorf("bfd without BFD: exit %d, %s", code, out.String())
	}
}
