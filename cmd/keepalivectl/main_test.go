package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/control"
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
