package debtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sourceDateEpoch pins the package's timestamps so that a rebuild can be
// compared byte for byte. The tests build with gzip, not make deb's xz: on a
// busy 2-core machine xz alone takes most of a minute.
const sourceDateEpoch = "1700000000"

// built is the package under test and what went into it.
type built struct {
	deb  string // path of the .deb
	bin  string // directory of the binaries it was built from
	root string // the repository
}

// buildDeb builds the binaries and the package the way `make deb` does,
// into a private directory.
func buildDeb(t *testing.T) built {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (dpkg, namespaces)")
	}
	for _, tool := range []string{"dpkg-deb", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	b := built{bin: filepath.Join(tmp, "bin"), root: root}
	if dir := os.Getenv("KG_DEBTEST_BIN"); dir != "" {
		// Binaries built elsewhere (make build), to save a build.
		b.bin = dir
	} else {
		gobuild := exec.Command("go", "build", "-trimpath", "-o", b.bin+"/", "./cmd/...")
		gobuild.Dir = root
		gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := gobuild.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	deb := exec.Command(filepath.Join(root, "scripts/deb.sh"))
	deb.Env = append(os.Environ(), "BIN="+b.bin, "OUT="+filepath.Join(tmp, "dist"), "SOURCE_DATE_EPOCH="+sourceDateEpoch, "DEB_COMPRESSION=gzip")
	var stderr bytes.Buffer
	deb.Stderr = &stderr
	out, err := deb.Output()
	if err != nil {
		t.Fatalf("scripts/deb.sh: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	b.deb = lines[len(lines)-1]
	if !regexp.MustCompile(`/keepalived-go_[0-9][^_/]*_[a-z0-9]+\.deb$`).MatchString(b.deb) {
		t.Fatalf("deb.sh printed %q, not a package path", b.deb)
	}
	return b
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).Output()
	if err != nil {
		t.Fatalf("dpkg-deb %v: %v", args, err)
	}
	return string(out)
}

// TestDeb builds the package once and checks it from the outside, then
// installs and runs it in a sandbox.
func TestDeb(t *testing.T) {
	b := buildDeb(t)
	t.Run("contents", func(t *testing.T) { checkContents(t, b) })
	t.Run("control", func(t *testing.T) { checkControl(t, b) })
	t.Run("manpages", func(t *testing.T) { checkManPages(t, b) })
	t.Run("lintian", func(t *testing.T) { checkLintian(t, b) })
	t.Run("reproducible", func(t *testing.T) { checkReproducible(t, b) })
	t.Run("install", func(t *testing.T) { checkInstall(t, b) })
}

func checkContents(t *testing.T, b built) {
	listing := dpkgDeb(t, "-c", b.deb)
	// mode, owner and path of every file that must be there.
	want := []struct{ mode, path string }{
		{"-rwxr-xr-x", "./usr/sbin/keepalived"},
		{"-rw-r--r--", "./lib/systemd/system/keepalived.service"},
		{"-rwxr-xr-x", "./etc/init.d/keepalived"},
		{"-rw-r--r--", "./etc/default/keepalived"},
		{"-rw-r--r--", "./etc/dbus-1/system.d/org.keepalived.Vrrp1.conf"},
		{"-rw-r--r--", "./usr/share/dbus-1/interfaces/org.keepalived.Vrrp1.Vrrp.xml"},
		{"-rw-r--r--", "./usr/share/dbus-1/interfaces/org.keepalived.Vrrp1.Instance.xml"},
		{"-rw-r--r--", "./usr/share/man/man8/keepalived.8.gz"},
		{"-rw-r--r--", "./usr/share/man/man5/keepalived.conf.5.gz"},
		{"-rw-r--r--", "./usr/share/doc/keepalived-go/copyright"},
		{"-rw-r--r--", "./usr/share/doc/keepalived-go/changelog.gz"},
		{"-rw-r--r--", "./usr/share/doc/keepalived-go/compat.md.gz"},
		{"-rw-r--r--", "./usr/share/doc/keepalived-go/examples/keepalived.conf.sample"},
		{"-rw-r--r--", "./usr/share/keepalived-go/monitoring/keepalived-dashboard.json"},
		{"-rw-r--r--", "./usr/share/keepalived-go/monitoring/keepalived.rules.yml"},
		{"-rw-r--r--", "./usr/share/keepalived-go/monitoring/keepalived.rules.test.yml"},
	}
	if _, err := os.Stat(filepath.Join(b.bin, "keepalivectl")); err == nil {
		want = append(want, struct{ mode, path string }{"-rwxr-xr-x", "./usr/bin/keepalivectl"},
			struct{ mode, path string }{"-rw-r--r--", "./usr/share/bash-completion/completions/keepalivectl"})
	}
	if _, err := os.Stat(filepath.Join(b.bin, "keepalived-bgp")); err == nil {
		want = append(want, struct{ mode, path string }{"-rwxr-xr-x", "./usr/sbin/keepalived-bgp"},
			struct{ mode, path string }{"-rw-r--r--", "./usr/share/man/man8/keepalived-bgp.8.gz"})
	}
	if _, err := os.Stat(filepath.Join(b.bin, "genhash")); err == nil {
		want = append(want, struct{ mode, path string }{"-rwxr-xr-x", "./usr/bin/genhash"},
			struct{ mode, path string }{"-rw-r--r--", "./usr/share/man/man1/genhash.1.gz"})
	}
	entries := map[string]string{}
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		if f[1] != "root/root" {
			t.Errorf("%s owned by %s, want root/root", f[5], f[1])
		}
		entries[f[5]] = f[0]
	}
	for _, w := range want {
		mode, ok := entries[w.path]
		switch {
		case !ok:
			t.Errorf("%s missing from the package:\n%s", w.path, listing)
		case mode != w.mode:
			t.Errorf("%s has mode %s, want %s", w.path, mode, w.mode)
		}
	}
	// The unit must be the one the brief and Debian's keepalived describe.
	unit := extract(t, b.deb, "./lib/systemd/system/keepalived.service")
	for _, line := range []string{
		"Type=notify",
		"EnvironmentFile=-/etc/default/keepalived",
		"ExecStart=/usr/sbin/keepalived --dont-fork $DAEMON_ARGS",
		"ExecReload=/bin/kill -HUP $MAINPID",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(unit, "\n"+line+"\n") {
			t.Errorf("keepalived.service lacks %q:\n%s", line, unit)
		}
	}
	def := extract(t, b.deb, "./etc/default/keepalived")
	if !strings.Contains(def, "\nDAEMON_ARGS=\"\"\n") || !strings.Contains(def, "#DAEMON_ARGS=\"--metrics-listen 127.0.0.1:9650\"") {
		t.Errorf("/etc/default/keepalived lacks DAEMON_ARGS or the metrics example:\n%s", def)
	}
	initScript := extract(t, b.deb, "./etc/init.d/keepalived")
	for _, h := range []string{"### BEGIN INIT INFO", "# Provides:          keepalived", "# Default-Start:", "### END INIT INFO"} {
		if !strings.Contains(initScript, h) {
			t.Errorf("init script lacks LSB header line %q", h)
		}
	}
	for _, sh := range []string{"dash", "busybox"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		args := []string{"-n", "/dev/stdin"}
		if sh == "busybox" {
			args = append([]string{"sh"}, args...)
		}
		cmd := exec.Command(path, args...)
		cmd.Stdin = strings.NewReader(initScript)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s -n init script: %v\n%s", sh, err, out)
		}
	}
}

func checkControl(t *testing.T, b built) {
	info := dpkgDeb(t, "-I", b.deb)
	for _, f := range []string{"conffiles", "md5sums", "postinst", "prerm", "postrm"} {
		if !regexp.MustCompile(`\s` + f + `\s`).MatchString(info) {
			t.Errorf("control archive lacks %s:\n%s", f, info)
		}
	}
	fields := map[string]string{}
	for _, f := range []string{"Package", "Architecture", "Conflicts", "Replaces", "Provides", "Depends", "Pre-Depends", "Section"} {
		fields[f] = strings.TrimSpace(dpkgDeb(t, "-f", b.deb, f))
	}
	want := map[string]string{
		"Package":      "keepalived-go",
		"Architecture": "amd64",
		"Conflicts":    "keepalived",
		"Replaces":     "keepalived",
		"Provides":     "keepalived (= 1:2.2.7)",
		"Depends":      "", // a static binary needs nothing
		"Pre-Depends":  "",
		"Section":      "admin",
	}
	for f, w := range want {
		if fields[f] != w {
			t.Errorf("%s: %q, want %q", f, fields[f], w)
		}
	}
	ctl := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-e", b.deb, ctl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v\n%s", err, out)
	}
	conffiles, _ := os.ReadFile(filepath.Join(ctl, "conffiles"))
	if string(conffiles) != "/etc/dbus-1/system.d/org.keepalived.Vrrp1.conf\n/etc/default/keepalived\n/etc/init.d/keepalived\n" {
		t.Errorf("conffiles:\n%s", conffiles)
	}
	// md5sums must match the data, and cover every non-conffile.
	data := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", b.deb, data).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	sums, _ := os.ReadFile(filepath.Join(ctl, "md5sums"))
	check := exec.Command("md5sum", "--check", "--strict", "--quiet")
	check.Dir = data
	check.Stdin = bytes.NewReader(sums)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("md5sums do not match: %v\n%s", err, out)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			listed[f[1]] = true
		}
	}
	_ = filepath.Walk(data, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(data, p)
		if !strings.HasPrefix(rel, "etc/") && !listed[rel] {
			t.Errorf("%s not in md5sums", rel)
		}
		return nil
	})
}

func checkManPages(t *testing.T, b built) {
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff not found")
	}
	pages := []string{"./usr/share/man/man8/keepalived.8.gz", "./usr/share/man/man5/keepalived.conf.5.gz"}
	if _, err := os.Stat(filepath.Join(b.bin, "genhash")); err == nil {
		pages = append(pages, "./usr/share/man/man1/genhash.1.gz")
	}
	if _, err := os.Stat(filepath.Join(b.bin, "keepalived-bgp")); err == nil {
		pages = append(pages, "./usr/share/man/man8/keepalived-bgp.8.gz")
	}
	for _, page := range pages {
		src := extract(t, b.deb, page)
		zr, err := gzip.NewReader(strings.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if zr.Header.Name != "" || !zr.Header.ModTime.IsZero() {
			t.Errorf("%s: gzip header carries name %q / time %v (want gzip -n)", page, zr.Header.Name, zr.Header.ModTime)
		}
		roff, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = bytes.NewReader(roff)
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("%s: groff warnings (%v):\n%s", page, err, out)
		}
	}
}

func checkLintian(t *testing.T, b built) {
	if _, err := exec.LookPath("lintian"); err != nil {
		t.Skip("lintian not installed")
	}
	out, err := exec.Command("lintian", "--fail-on", "error,warning", b.deb).CombinedOutput()
	var tags []string
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) > 2 && line[1] == ':' && line[0] != 'N' {
			tags = append(tags, line)
		}
	}
	if err != nil || len(tags) > 0 {
		t.Errorf("lintian (%v):\n%s", err, strings.Join(tags, "\n"))
	}
}

// extract returns one file of the package's data archive.
func extract(t *testing.T, deb, path string) string {
	t.Helper()
	var out bytes.Buffer
	fsys := exec.Command("dpkg-deb", "--fsys-tarfile", deb)
	tar := exec.Command("tar", "-xO", path)
	pipe, err := fsys.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tar.Stdin = pipe
	tar.Stdout = &out
	if err := fsys.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tar.Run(); err != nil {
		t.Fatalf("extracting %s: %v", path, err)
	}
	if err := fsys.Wait(); err != nil {
		t.Fatalf("dpkg-deb --fsys-tarfile: %v", err)
	}
	return out.String()
}

// checkReproducible builds the package again from the same binaries,
// version and time: the two files must be identical.
func checkReproducible(t *testing.T, b built) {
	version := strings.SplitN(filepath.Base(b.deb), "_", 3)[1]
	out := filepath.Join(t.TempDir(), "dist")
	cmd := exec.Command(filepath.Join(b.root, "scripts/deb.sh"))
	cmd.Env = append(os.Environ(), "BIN="+b.bin, "OUT="+out, "DEB_VERSION="+version, "SOURCE_DATE_EPOCH="+sourceDateEpoch, "DEB_COMPRESSION=gzip")
	msg, err := cmd.Output()
	if err != nil {
		t.Fatalf("deb.sh: %v\n%s", err, msg)
	}
	again, err := os.ReadFile(strings.TrimSpace(string(msg)))
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(b.deb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Error("two builds of the same inputs differ")
	}
}
