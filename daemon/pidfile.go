package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// keepalived's default pid files (KEEPALIVED_PID_DIR is /run/).
const (
	DefaultPIDFile      = "/run/keepalived.pid"
	DefaultVRRPPIDFile  = "/run/vrrp.pid"
	DefaultCheckPIDFile = "/run/checkers.pid"
)

// ErrRunning is returned when a pid file names a live process: keepalived
// then logs "daemon is already running" and exits.
var ErrRunning = errors.New("daemon is already running")

// ErrConfig is keepalived's permanent CONFIG error: the configuration
// cannot run (config.VRRP.Refused), so the daemon terminates at start
// with exit status 2, as keepalived's parent does when its VRRP child
// exits with it.
var ErrConfig = errors.New("permanent configuration error")

// ErrFatal is keepalived's permanent FATAL error: a side cannot start on
// this host (the VRRP side's lvs_sync_daemon without IPVS in the kernel);
// the daemon terminates with exit status 1.
var ErrFatal = errors.New("permanent fatal error")

// PIDFiles are the files one run writes; all carry this process's pid,
// since keepalived-go runs its VRRP and checker parts in one process, so
// `kill -HUP $(cat /run/vrrp.pid)` reaches the right process.
type PIDFiles struct {
	paths []string
}

// WritePIDFiles refuses when any path names a live process other than us,
// then writes our pid to every path.
func WritePIDFiles(paths ...string) (*PIDFiles, error) {
	for _, p := range paths {
		if pid, ok := livePID(p); ok {
			return nil, fmt.Errorf("%w (pid %d in %s)", ErrRunning, pid, p)
		}
	}
	pf := &PIDFiles{}
	data := []byte(strconv.Itoa(os.Getpid()) + "\n")
	for _, p := range paths {
		if err := writePIDFile(p, data); err != nil {
			pf.Remove()
			return nil, err
		}
		pf.paths = append(pf.paths, p)
	}
	return pf, nil
}

// pidFileMode is keepalived's: pidfile_write clears rw-r--r-- from the
// umask, so the file is 0644 whatever -u or global_defs umask say.
const pidFileMode = 0o644

// writePIDFile writes data to path through a temporary file in the same
// directory, renamed into place so a reader never sees a partial file.
// The temporary name is random and created with O_EXCL, so a symlink
// planted in a world-writable pid directory is never followed (keepalived
// opens with O_NOFOLLOW for the same reason); rename replaces a link at
// path itself instead of writing through it.
func writePIDFile(path string, data []byte) error {
	if err := makePIDDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("pidfile_write : Cannot open %s pidfile: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("pidfile_write : Cannot open %s pidfile: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(pidFileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pidfile_write : Cannot write %s pidfile: %w", path, err)
	}
	return nil
}

// makePIDDir creates a missing pid directory rwxr-xr-x whatever the
// umask (keepalived's create_pid_dir does the same): under the default
// 0177 it would otherwise be 0600, unreadable to anyone but root.
func makePIDDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// Remove deletes the files that still hold our pid.
func (pf *PIDFiles) Remove() {
	if pf == nil {
		return
	}
	for _, p := range pf.paths {
		if pid, err := readPID(p); err == nil && pid == os.Getpid() {
			os.Remove(p)
		}
	}
	pf.paths = nil
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// livePID reports the pid in path if that process exists and is not us.
func livePID(path string) (int, bool) {
	pid, err := readPID(path)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}
