package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./control -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./control -update if intended); got:\n%s", path, got)
	}
}

func serve(t *testing.T, src status.Sources) *Server {
	t.Helper()
	srv, err := NewServer(filepath.Join(t.TempDir(), "ka.sock"), src, WithClock(func() time.Time { return statustest.Epoch }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestStatusOverSocket: a real unix socket, the fixture daemon, the
// client's decoded view as JSON and as keepalivectl's table.
func TestStatusOverSocket(t *testing.T) {
	srv := serve(t, statustest.Sources())
	fi, err := os.Stat(srv.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("socket mode %v", fi.Mode())
	}
	st, err := NewClient(srv.Path()).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.PID != os.Getpid() {
		t.Errorf("pid %d", st.PID)
	}
	st.PID = 0 // varies per run
	js, _ := json.MarshalIndent(st, "", "  ")
	golden(t, "status.json.golden", append(js, '\n'))

	var txt bytes.Buffer
	if err := WriteText(&txt, st, statustest.Epoch); err != nil {
		t.Fatal(err)
	}
	golden(t, "status.txt.golden", txt.Bytes())
	var lvs bytes.Buffer
	if err := WriteLVS(&lvs, st, statustest.Epoch); err != nil {
		t.Fatal(err)
	}
	golden(t, "lvs.txt.golden", lvs.Bytes())

	// The facts the brief asks the status to show.
	vi1 := st.Instances[0]
	if vi1.State != "MASTER" || vi1.Priority != 150 || vi1.EffectivePriority != 160 || !vi1.MasterIsSelf ||
		vi1.Master != "10.0.0.1" || len(vi1.VIPs) != 3 || vi1.VIPs[0].Address != "10.0.0.100/24" {
		t.Errorf("VI_1 %+v", vi1)
	}
	if vi6 := st.Instances[1]; vi6.State != "BACKUP" || vi6.Master != "fe80::1" || vi6.MasterIsSelf {
		t.Errorf("VI_6 %+v", vi6)
	}
	rs := st.VirtualServers[0].RealServers
	if rs[0].Health != "UP" || rs[0].Weight != 3 || rs[0].KernelWeight == nil || *rs[0].KernelWeight != 3 ||
		rs[1].Health != "DOWN" || rs[1].Checkers[0].LastError == "" {
		t.Errorf("real servers %+v", rs)
	}
	if vs := st.VirtualServers[1]; vs.InKernel || vs.RealServers[0].KernelWeight != nil {
		t.Errorf("fwmark service %+v", vs)
	}
	if f := st.Instances[2]; f.State != "FAULT" || len(f.FaultReasons) != 2 {
		t.Errorf("VI_NOVIP %+v", f)
	}
	if len(st.SyncGroups) != 1 || st.SyncGroups[0].Name != "G_WEB" || len(st.Trackers) != 4 || len(st.Scripts) != 2 {
		t.Errorf("groups %+v trackers %+v scripts %+v", st.SyncGroups, st.Trackers, st.Scripts)
	}
	if st.ConfigFile == "" || st.Reloads == nil || st.Reloads.LoadedAt.IsZero() {
		t.Errorf("config file %q reloads %+v", st.ConfigFile, st.Reloads)
	}
}

func TestEmptyDaemon(t *testing.T) {
	srv := serve(t, status.Sources{})
	st, err := NewClient(srv.Path()).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Instances) != 0 || len(st.VirtualServers) != 0 || st.Reloads != nil {
		t.Errorf("%+v", st)
	}
	var txt bytes.Buffer
	WriteText(&txt, st, time.Now())
	if !strings.Contains(txt.String(), "no VRRP instances") {
		t.Errorf("text %q", txt.String())
	}
}

// TestSocketLifecycle: a stale socket is replaced, a live one is not, and
// Close removes the file.
func TestSocketLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ka.sock")
	// Stale: a socket file with nobody listening.
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	srv, err := NewServer(path, status.Sources{})
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if _, err := NewServer(path, status.Sources{}); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second server on a live socket: %v", err)
	}
	if _, err := NewClient(path).Status(context.Background()); err != nil {
		t.Errorf("first server disturbed: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	// A regular file at the path is not ours to delete.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewServer(path, status.Sources{}); err == nil {
		t.Error("regular file replaced")
	}
}

func TestClientNoDaemon(t *testing.T) {
	_, err := NewClient(filepath.Join(t.TempDir(), "none.sock")).Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "none.sock") {
		t.Errorf("error %v should name the socket", err)
	}
}

// TestSocketFor: the socket follows keepalived's main pid file, so the
// daemons keepalived lets share a host never share a socket.
func TestSocketFor(t *testing.T) {
	for _, tt := range []struct{ pid, want string }{
		{"", DefaultSocket},
		{MainPIDFile("", false), DefaultSocket},
		{MainPIDFile("", true), "/run/keepalived/keepalived-go.sock"},
		{MainPIDFile("ns1", false), "/run/keepalived/keepalived-go_ns1.sock"},
		{MainPIDFile("ns1", true), "/run/keepalived/keepalived-go_ns1.sock"},
		{"/var/run/lb.pid", "/var/run/lb.sock"},
	} {
		if got := SocketFor(tt.pid); got != tt.want {
			t.Errorf("SocketFor(%q) = %q, want %q", tt.pid, got, tt.want)
		}
	}
}
