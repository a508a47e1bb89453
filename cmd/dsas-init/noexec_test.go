package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoExec holds dsas-init to its promise of never running a program
// (ip, ifenslave, vconfig, a shell): os/exec is not even linked in, and no
// source file of the command calls a raw fork/exec.
func TestNoExec(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(gotool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "os/exec" {
			t.Error("dsas-init links os/exec")
		}
	}
	raw := regexp.MustCompile(`\b(ForkExec|StartProcess|syscall\.Exec|unix\.Exec|SYS_EXECVE|SYS_CLONE|SYS_FORK)\b`)
	var files []string
	for _, dir := range []string{".", "../../dsas/cli", "../../dsas/conf", "../../dsas/host", "../../dsas/plan", "../../dsas/apply"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 9 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := raw.FindIndex(src); loc != nil {
			t.Errorf("%s calls %s", f, src[loc[0]:loc[1]])
		}
	}
}
