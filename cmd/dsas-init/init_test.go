package main

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/dsas/cli"
)

// unit reads a systemd unit file into key → values (repeated keys and
// blank-separated lists are merged).
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			key := section + "." + k
			if k == "ExecStart" || k == "ExecReload" || k == "Environment" {
				out[key] = append(out[key], v)
				continue
			}
			out[key] = append(out[key], strings.Fields(v)...)
		}
	}
	return out
}

// TestSystemdUnit checks what the boot depends on: dsas-init runs before
// the network is configured and before keepalived, early (no default
// dependencies) but after / is writable, with an overridable file.
func TestSystemdUnit(t *testing.T) {
	path := "../../packaging/dsas-init/dsas-init.service"
	u := unit(t, path)
	for _, want := range []struct{ key, val string }{
		{"Unit.Before", "network-pre.target"},
		{"Unit.Before", "network.target"},
		{"Unit.Before", "keepalived.service"},
		{"Unit.Wants", "network-pre.target"},
		{"Unit.After", "systemd-remount-fs.service"},
		{"Unit.DefaultDependencies", "no"},
		{"Service.Type", "oneshot"},
		{"Service.RemainAfterExit", "yes"},
		{"Service.Environment", "DSAS_CONF=/etc/dsas.conf"},
		{"Service.EnvironmentFile", "-/etc/default/dsas-init"},
		{"Service.ExecStart", "/usr/sbin/dsas-init --skip-missing --wait 30s apply"},
		{"Install.WantedBy", "keepalived.service"},
	} {
		if !slices.Contains(u[want.key], want.val) {
			t.Errorf("%s: %s lacks %q (has %q)", path, want.key, want.val, u[want.key])
		}
	}
	// A condition on the default path would skip the unit when DSAS_CONF
	// names another file; --skip-missing handles a host without one.
	if c := u["Unit.ConditionPathExists"]; len(c) > 0 {
		t.Errorf("ConditionPathExists %q defeats DSAS_CONF", c)
	}
	// The flags the unit passes must be ones the command knows: run them
	// with check instead of apply.
	args := strings.Fields(u["Service.ExecStart"][0])[1:]
	args = append(args[:len(args)-1], "-c", "../../dsas/testdata/lb.conf", "-q", "check")
	var errb bytes.Buffer
	if code := cli.Run(args, &bytes.Buffer{}, &errb); code != 0 {
		t.Errorf("ExecStart arguments %q: exit %d: %s", args, code, errb.String())
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	// verify insists that ExecStart exists: point it at this binary.
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "dsas-init.service")
	os.WriteFile(tmp, bytes.ReplaceAll(src, []byte("/usr/sbin/dsas-init"), []byte(os.Args[0])), 0o644)
	// Only complaints about this unit count: verify also loads the
	// machine's units that this one names, which may have their own.
	out, err := exec.Command(sa, "verify", "--man=no", tmp).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("dsas-init.service")) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestDaemonHelper is dsas-init for TestSysvScript's fake DAEMON.
func TestDaemonHelper(t *testing.T) {
	if os.Getenv("DSAS_INIT_DAEMON") != "1" {
		t.Skip("helper process for TestSysvScript")
	}
	os.Exit(cli.Run(flag.Args(), os.Stdout, os.Stderr))
}

// TestSysvScript runs the LSB script with DAEMON pointing at this test
// binary: DSAS_CONF reaches the command, exit codes are LSB's.
func TestSysvScript(t *testing.T) {
	if _, err := os.Stat("/etc/default/dsas-init"); err == nil {
		t.Skip("/etc/default/dsas-init exists and would override DSAS_CONF")
	}
	dir := t.TempDir()
	daemon := filepath.Join(dir, "dsas-init")
	os.WriteFile(daemon, []byte("#!/bin/sh\nexec "+os.Args[0]+" -test.run='^TestDaemonHelper$' -- \"$@\"\n"), 0o755)
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("SYSTEMNAME=x\nif true; then :; fi\n"), 0o644)
	quiet := filepath.Join(dir, "quiet.conf")
	os.WriteFile(quiet, []byte("HWTYPE=S6014HT\n"), 0o644)
	rename := filepath.Join(dir, "rename.conf")
	os.WriteFile(rename, []byte("SYSTEMNAME=dsas-init-test-never-this-name\n"), 0o644)
	tests := []struct {
		name, conf, cmd string
		code            int
		out             string
	}{
		{"check", "../../dsas/testdata/lb.conf", "check", 0, ""},
		{"check bad", bad, "check", 1, bad + ":2:1: \"if\": conditionals"},
		{"start without file", filepath.Join(dir, "nope"), "start", 0, "not found; nothing to do"},
		{"status in sync", quiet, "status", 0, ""},
		{"status pending", rename, "status", 3, "set host name dsas-init-test-never-this-name"},
		{"plan", rename, "plan", 0, "set host name dsas-init-test-never-this-name"},
		{"stop", rename, "stop", 0, ""},
		{"usage", quiet, "frobnicate", 2, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("sh", "../../packaging/dsas-init/dsas-init.sysv", tt.cmd)
			cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DAEMON=" + daemon, "DSAS_CONF=" + tt.conf, "DSAS_INIT_DAEMON=1"}
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(string(out), tt.out) {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, out)
			}
		})
	}
}
