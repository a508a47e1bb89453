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
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			pf.Remove()
			return nil, fmt.Errorf("pid file %s: %w", p, err)
		}
		tmp := p + ".tmp" + strconv.Itoa(os.Getpid())
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			pf.Remove()
			return nil, fmt.Errorf("pid file %s: %w", p, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			os.Remove(tmp)
			pf.Remove()
			return nil, fmt.Errorf("pid file %s: %w", p, err)
		}
		pf.paths = append(pf.paths, p)
	}
	return pf, nil
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
