package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/dsas/cli"
)

func TestRunNoNetwork(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("SYSTEMNAME=w1\nIPADDRESS0=$(hostname -i)\n"), 0o644)
	invalid := filepath.Join(dir, "invalid.conf")
	os.WriteFile(invalid, []byte("IPADDRESS0=10.0.0.1\nSYSTEMNAME=never\n"), 0o644)
	twice := filepath.Join(dir, "twice.conf")
	os.WriteFile(twice, []byte("SYSTEMNAME=-w1\nIPADDRESS0=192.168.1.1/22\nGATEWAY[0]=10.0.1.1\n"), 0o644)
	root := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		env      string
		code     int
		out, err string
	}{
		{"help", []string{"--help"}, "", 0, "BONDSLAVESn", ""},
		{"check seed", []string{"-c", "../../dsas/testdata/seed.conf", "check"}, "", 0, "", "$LVSADDRESS is not set"},
		{"quiet", []string{"check", "-q", "--config", "../../dsas/testdata/lb.conf"}, "", 0, "", ""},
		{"env path", []string{"check"}, "../../dsas/testdata/lb.conf", 0, "", ""},
		{"flag beats env", []string{"-c", bad, "check"}, "../../dsas/testdata/lb.conf", 1, "", bad + ":2:12: command substitution"},
		{"validation", []string{"-c", invalid, "--dry-run"}, "", 1, "", invalid + ":1:1: IPADDRESS0="},
		{"invalid apply", []string{"-c", invalid, "--root", root, "apply"}, "", 1, "", invalid + ":1:1: IPADDRESS0="},
		{"every error", []string{"-c", twice, "check"}, "", 1, "", "dsas-init: " + twice + ":1:1: SYSTEMNAME \"-w1\" is not a valid host name\ndsas-init: " + twice + ":3:1: GATEWAY[0]=10.0.1.1 is not inside"},
		{"status invalid", []string{"-c", bad, "status"}, "", 4, "", bad + ":2:12: command substitution"},
		{"missing file", []string{"-c", filepath.Join(dir, "nope"), "plan"}, "", 1, "", "no such file"},
		{"skip missing", []string{"-c", filepath.Join(dir, "nope"), "--skip-missing", "--wait", "5s", "apply"}, "", 0, "", "does not exist; nothing to do"},
		{"skip missing quiet", []string{"-q", "--skip-missing", "check"}, filepath.Join(dir, "nope"), 0, "", ""},
		{"bad wait", []string{"--wait", "soon", "check"}, "", 2, "", "invalid value"},
		{"bad command", []string{"frobnicate"}, "", 2, "", "unknown command"},
	}
	defer func() {
		// Nothing applied from a file that does not validate.
		if _, err := os.Stat(filepath.Join(root, "etc/hostname")); err == nil {
			t.Error("/etc/hostname written from an invalid file")
		}
	}()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DSAS_CONF", tt.env)
			var out, errb bytes.Buffer
			code := cli.Run(tt.args, &out, &errb)
			if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errb.String(), tt.err) {
				t.Errorf("code %d, stdout %q, stderr %q", code, out.String(), errb.String())
			}
			if tt.err == "" && errb.Len() > 0 {
				t.Errorf("unexpected stderr %q", errb.String())
			}
		})
	}
}

// TestMissingFeatureInNetns runs the command in a throwaway network
// namespace (unshare -n) on a kernel without bonding or 802.1Q, as this
// development host is, and expects the named feature, not a raw netlink
// error, and nothing applied.
func TestMissingFeatureInNetns(t *testing.T) {
	if os.Getenv("DSAS_INIT_CHILD") == "1" {
		os.Exit(cli.Run(strings.Fields(os.Getenv("DSAS_INIT_ARGS")), os.Stdout, os.Stderr))
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1)")
	}
	dir := t.TempDir()
	vlan := filepath.Join(dir, "vlan.conf")
	// lo is the only link in a new namespace: a VLAN on it needs 8021q.
	os.WriteFile(vlan, []byte("SYSTEMNAME=v1\nINTERFACE0=lo.2\nIPADDRESS0=10.2.0.1/24\n"), 0o644)
	for _, tt := range []struct{ name, proc, file, want string }{
		{"bonding", "/proc/net/bonding", "../../dsas/testdata/seed.conf", "bonding: not supported by this kernel (CONFIG_BONDING missing / module bonding not loadable)"},
		{"8021q", "/proc/net/vlan", vlan, "802.1Q VLAN: not supported by this kernel (CONFIG_VLAN_8021Q missing / module 8021q not loadable)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.proc); err == nil {
				t.Skipf("this kernel has %s loaded", tt.name)
			}
			root := t.TempDir()
			cmd := exec.Command(unshare, "-n", "--", os.Args[0], "-test.run=^TestMissingFeatureInNetns$")
			cmd.Env = append(os.Environ(), "DSAS_INIT_CHILD=1",
				"DSAS_INIT_ARGS=-c "+tt.file+" --root "+root+" --keep-hostname apply")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err = cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v\n%s", err, errb.String())
			}
			if !strings.HasSuffix(errb.String(), "dsas-init: "+tt.want+"\n") || out.Len() != 0 {
				t.Errorf("stdout %q\nstderr %q", out.String(), errb.String())
			}
			if _, err := os.Stat(filepath.Join(root, "etc/hostname")); err == nil {
				t.Error("/etc/hostname was written although the plan failed")
			}
		})
	}
}
