package bgpproc

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// asHelperEnv makes the test binary a helper serving fakeBackend.
const asHelperEnv = "BGPPROC_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(asHelperEnv) != "" {
		if err := Serve(os.Stdin, os.Stdout, startFake); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// dying is the prefix whose announce kills the fake helper.
var dying = netip.MustParsePrefix("203.0.113.99/32")

// fakeBackend records the calls; its answers carry what it was told.
type fakeBackend struct {
	log       *slog.Logger
	cfg       Config
	announced []netip.Prefix
	disabled  map[netip.Addr]bool
}

func startFake(log *slog.Logger, cfg Config) (Backend, error) {
	if !cfg.RouterID.Is4() {
		return nil, errors.New("bgp: router id must be an IPv4 address")
	}
	log.WithGroup("Peer").Info("fake started", "asn", cfg.LocalAS, "neighbors", len(cfg.Neighbors))
	log.Debug("fake debug")
	return &fakeBackend{log: log, cfg: cfg, disabled: map[netip.Addr]bool{}}, nil
}

func (f *fakeBackend) Announce(p netip.Prefix) error {
	if p == dying && os.Getenv(asHelperEnv) != "" {
		os.Exit(3)
	}
	f.announced = append(f.announced, p)
	f.log.Info("announced", "prefix", p)
	return nil
}

func (f *fakeBackend) Withdraw(p netip.Prefix) error {
	return fmt.Errorf("bgp: withdraw %s: not announced", p)
}

func (f *fakeBackend) Neighbors() []NeighborState {
	var out []NeighborState
	for _, n := range f.cfg.Neighbors {
		st := "established"
		if f.disabled[n.Addr] {
			st = "idle"
		}
		out = append(out, NeighborState{Addr: n.Addr, RemoteAS: n.RemoteAS, State: st})
	}
	return out
}

func (f *fakeBackend) SetEnabled(a netip.Addr, up bool) error {
	f.disabled[a] = !up
	return nil
}

func (f *fakeBackend) Stop() {}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func testConfig() Config {
	med := uint32(10)
	return Config{LocalAS: 65001, RouterID: netip.MustParseAddr("192.0.2.1"), MED: &med,
		Neighbors: []Neighbor{{Addr: netip.MustParseAddr("192.0.2.254"), RemoteAS: 65000, HoldTime: 3 * time.Second}}}
}

func startHelper(t *testing.T, cfg Config) (*Speaker, *logBuf, error) {
	t.Helper()
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), asHelperEnv+"=1")
	s, err := StartCommand(log, cfg, cmd)
	if s != nil {
		t.Cleanup(s.Stop)
	}
	return s, logs, err
}

// TestClientServer: every operation crosses the process boundary with its
// arguments, answer and error, and the helper's log records come out of
// the daemon's logger with their attributes, below-level ones not at all.
func TestClientServer(t *testing.T) {
	s, logs, err := startHelper(t, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix("192.0.2.10/32")
	if err := s.Announce(p); err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(p); err == nil || err.Error() != "bgp: withdraw 192.0.2.10/32: not announced" {
		t.Errorf("withdraw error %v", err)
	}
	n := netip.MustParseAddr("192.0.2.254")
	if err := s.SetEnabled(n, false); err != nil {
		t.Fatal(err)
	}
	got := s.Neighbors()
	want := []NeighborState{{Addr: n, RemoteAS: 65000, State: "idle"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("neighbors %v, want %v", got, want)
	}
	s.Stop()
	select {
	case <-s.Done():
	default:
		t.Error("helper still running after Stop")
	}
	out := logs.String()
	for _, w := range []string{`level=INFO msg="fake started" Peer.asn=65001 Peer.neighbors=1`, `msg=announced prefix=192.0.2.10/32`} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "fake debug") || strings.Contains(out, "exited") {
		t.Errorf("unexpected log:\n%s", out)
	}
	if err := s.Announce(p); !errors.Is(err, ErrExited) {
		t.Errorf("announce after stop: %v", err)
	}
}

// TestStartError: the speaker's start error is Start's, and the helper is
// gone.
func TestStartError(t *testing.T) {
	cfg := testConfig()
	cfg.RouterID = netip.MustParseAddr("2001:db8::1")
	s, _, err := startHelper(t, cfg)
	if err == nil || err.Error() != "bgp: router id must be an IPv4 address" || s != nil {
		t.Fatalf("start: %v %v", s, err)
	}
}

// TestHelperDies: a helper that exits unasked is logged, closes Done and
// fails the calls.
func TestHelperDies(t *testing.T) {
	s, logs, err := startHelper(t, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Announce(dying); !errors.Is(err, ErrExited) {
		t.Errorf("announce: %v", err)
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
	if !strings.Contains(logs.String(), "exited: exit status 3") {
		t.Errorf("log:\n%s", logs.String())
	}
	if s.Neighbors() != nil {
		t.Error("neighbors of a dead helper")
	}
}

// TestServeEOF: the helper stops its speaker when the daemon's pipe
// closes, with or without a stop request.
func TestServeEOF(t *testing.T) {
	stopped := 0
	start := func(*slog.Logger, Config) (Backend, error) { return stopCounter{&stopped}, nil }
	in := `{"id":1,"op":"start","config":{"local_as":1,"router_id":"192.0.2.1"}}` + "\n"
	var out bytes.Buffer
	if err := Serve(strings.NewReader(in), &out, start); err != nil {
		t.Fatal(err)
	}
	if stopped != 1 || out.String() != `{"id":1}`+"\n" {
		t.Errorf("stopped %d, out %q", stopped, out.String())
	}
	out.Reset()
	if err := Serve(strings.NewReader(in+`{"id":2,"op":"stop"}`+"\n"+`{"id":3,"op":"neighbors"}`+"\n"), &out, start); err != nil {
		t.Fatal(err)
	}
	if stopped != 2 || out.String() != `{"id":1}`+"\n"+`{"id":2}`+"\n" {
		t.Errorf("stopped %d, out %q", stopped, out.String())
	}
}

type stopCounter struct{ n *int }

func (stopCounter) Announce(netip.Prefix) error       { return nil }
func (stopCounter) Withdraw(netip.Prefix) error       { return nil }
func (stopCounter) Neighbors() []NeighborState        { return nil }
func (stopCounter) SetEnabled(netip.Addr, bool) error { return nil }
func (s stopCounter) Stop()                           { *s.n++ }

// TestDecodeRequest: malformed requests are refused before they reach the
// speaker.
func TestDecodeRequest(t *testing.T) {
	for _, bad := range []string{``, `{}`, `{"id":1}`, `{"id":1,"op":"start"}`, `{"id":1,"op":"announce"}`,
		`{"id":1,"op":"announce","prefix":"300.0.0.0/8"}`, `{"id":1,"op":"set_enabled"}`, `{"id":1,"op":"reboot"}`, `[1]`} {
		if _, err := decodeRequest([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	r, err := decodeRequest([]byte(`{"id":7,"op":"set_enabled","addr":"2001:db8::1","up":true}`))
	if err != nil || r.ID != 7 || r.Addr != netip.MustParseAddr("2001:db8::1") || !r.Up {
		t.Errorf("%+v %v", r, err)
	}
}

// FuzzServe: no input line makes the helper panic; whatever it writes is
// replies the client decodes.
func FuzzServe(f *testing.F) {
	f.Add([]byte(`{"id":1,"op":"start","config":{"local_as":1,"router_id":"192.0.2.1","neighbors":[{"addr":"192.0.2.2","remote_as":2}]}}` + "\n" +
		`{"id":2,"op":"announce","prefix":"192.0.2.10/32"}` + "\n" + `{"id":3,"op":"neighbors"}` + "\n"))
	f.Add([]byte(`{"id":1,"op":"set_enabled","addr":"192.0.2.2"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		_ = Serve(bytes.NewReader(in), &out, startFake)
		for _, line := range bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if _, err := decodeReply(line); err != nil {
				t.Fatalf("reply %q: %v", line, err)
			}
		}
	})
}

// TestHelperLookup: keepalived-bgp is found in PATH when it is not beside
// the executable, and its absence says where it was looked for.
func TestHelperLookup(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	if _, err := Helper(); err == nil || !strings.Contains(err.Error(), "keepalived-bgp not found next to the keepalived executable nor in PATH") {
		t.Errorf("missing helper: %v", err)
	}
	if _, err := Start(slog.Default(), testConfig()); err == nil {
		t.Error("Start without a helper")
	}
	p := dir + "/" + HelperName
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Helper(); err != nil || got != p {
		t.Errorf("Helper() = %q, %v", got, err)
	}
}
