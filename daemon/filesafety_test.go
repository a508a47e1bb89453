package daemon

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// plantVictim makes a file root must never write through a planted link,
// as a user could in a world-writable pid or log directory.
func plantVictim(t *testing.T, dir string) string {
	t.Helper()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return victim
}

func checkVictim(t *testing.T, victim string) {
	t.Helper()
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious\n" {
		t.Fatalf("victim written through a symlink: %q (%v)", b, err)
	}
}

// TestPIDFileSymlinks: links planted at the old temporary name
// (<pidfile>.tmp<PID>) and at the pid file itself are not followed, and
// the pid file is 0644 under keepalived's 0177 umask, as pidfile_write
// makes it.
func TestPIDFileSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := plantVictim(t, dir)
	main := filepath.Join(dir, "keepalived.pid")
	vrrp := filepath.Join(dir, "run", "vrrp.pid") // a directory to create
	if err := os.Mkdir(filepath.Dir(vrrp), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{main + ".tmp" + strconv.Itoa(os.Getpid()), vrrp + ".tmp" + strconv.Itoa(os.Getpid()), vrrp} {
		if err := os.Symlink(victim, link); err != nil {
			t.Fatal(err)
		}
	}
	old := syscall.Umask(0o177)
	defer syscall.Umask(old)
	pf, err := WritePIDFiles(main, vrrp)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Remove()
	checkVictim(t, victim)
	// A missing pid directory is made 0755, not 0600 under the umask.
	newDir := filepath.Join(dir, "new", "run")
	pf2, err := WritePIDFiles(filepath.Join(newDir, "checkers.pid"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf2.Remove()
	if fi, err := os.Stat(newDir); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o755 {
		t.Errorf("new pid directory: mode %v, want 0755", fi.Mode().Perm())
	}
	for _, p := range []string{main, vrrp} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want a regular file 0644", p, fi.Mode())
		}
		if pid, err := readPID(p); err != nil || pid != os.Getpid() {
			t.Errorf("%s holds %d (%v)", p, pid, err)
		}
	}
}

// TestLogFileSymlink: -g refuses a symlink with fopen_safe's message, and
// a new log file gets 0666 &^ umask (0600 under keepalived's default).
func TestLogFileSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := plantVictim(t, dir)
	link := filepath.Join(dir, "keepalived.log")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	_, err := NewLogs(LogOptions{File: link, NoSyslog: true, Umask: 0o177})
	want := "Unable to open '" + link + "' - errno 40 ("
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
	checkVictim(t, victim)

	plain := filepath.Join(dir, "plain.log")
	l, err := NewLogs(LogOptions{File: plain, NoSyslog: true, Umask: 0o177})
	if err != nil {
		t.Fatal(err)
	}
	l.Core.Info("hello")
	l.Close()
	if fi, err := os.Stat(plain); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log file mode %v (%v), want 0600", fi.Mode(), err)
	}
}
