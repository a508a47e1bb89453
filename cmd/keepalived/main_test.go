package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/bgphelper"
	"github.com/dsas/keepalived-go/bgpproc"
)

// asMainEnv makes the test binary behave as keepalived itself, so the lab
// and VM tests run the real command without a separate build step.
const asMainEnv = "KEEPALIVED_GO_TEST_AS_MAIN"

// asBGPEnv makes the test binary behave as keepalived-bgp, the BGP
// speaker helper (see useBGPHelper).
const asBGPEnv = "KEEPALIVED_GO_TEST_AS_BGP"

func TestMain(m *testing.M) {
	if os.Getenv(asBGPEnv) != "" {
		os.Exit(bgphelper.Main(os.Args))
	}
	if os.Getenv(asMainEnv) != "" {
		os.Exit(run(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// useBGPHelper puts a keepalived-bgp first in PATH for the daemons t
// starts: a script running this test binary as the helper, so the lab
// and the qemu VM (no Go toolchain there) need no separate build.
func useBGPHelper(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", asBGPEnv, exe)
	if err := os.WriteFile(filepath.Join(dir, bgpproc.HelperName), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestReloadDiagnosticsKeepalivedFormat: a reload logs the diagnostics of
// the new file as keepalived's processes do, with their "(Line N)" and
// "(FILE: Line N)" prefixes, and not those of a side that does not run.
func TestReloadDiagnosticsKeepalivedFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keepalived.conf")
	src := "global_defs {\n  notification_email {\n  }\n}\n" +
		"vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 1\n  priority 100\n  no_such_keyword\n}\n" +
		"virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n    MISC_CHECK {\n    }\n  }\n}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, ds, _ := loadForReload(Options{ConfigFile: path}, nil)
	got := diagText(ds, true, false)
	for _, want := range []string{
		"(Line 3) Warning - empty notification_email block\n",
		"(" + path + ": Line 9) Unknown keyword 'no_such_keyword'\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "MISC_CHECKER") {
		t.Errorf("the checker does not run, its diagnostic is logged:\n%s", got)
	}
}
