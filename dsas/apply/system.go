package apply

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

// System is the non-network part of the host.
type System struct {
	// Root prefixes /etc/hostname and the modprobe.d directories, so
	// tests work in a scratch tree.
	Root string
	// KeepHostname leaves the kernel's host name alone (tests that share
	// the UTS namespace with the machine); /etc/hostname is still managed.
	KeepHostname bool
	// mods is modules.dep, read on first use; modprobe likewise.
	mods     *moduleDB
	modprobe *modprobeConf
}

func (s *System) hostnameFile() string { return filepath.Join(s.Root, "/etc/hostname") }

func (s *System) read(st *plan.State, cfg *host.Config) error {
	if err := s.readModules(st, cfg); err != nil {
		return err
	}
	if cfg.Hostname != "" {
		if s.KeepHostname {
			st.Hostname = cfg.Hostname
		} else {
			var u unix.Utsname
			if err := unix.Uname(&u); err != nil {
				return fmt.Errorf("uname: %w", err)
			}
			st.Hostname = unix.ByteSliceToString(u.Nodename[:])
		}
		b, err := os.ReadFile(s.hostnameFile())
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("read host name: %w", err)
		}
		st.HostnameFile = strings.TrimSpace(string(b))
	}
	if len(cfg.Mounts) == 0 {
		return nil
	}
	for _, m := range cfg.Mounts {
		if _, err := os.Stat(m.Device); err == nil {
			st.Devices[m.Device] = true
		}
	}
	swaps, err := os.ReadFile("/proc/swaps")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read swaps: %w", err)
	}
	for i, line := range strings.Split(string(swaps), "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			st.Swaps[unescape(f[0])] = true
		}
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read mounts: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(mi))
	for sc.Scan() {
		// id parent maj:min root mountpoint opts [optional...] - fstype source superopts
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			continue
		}
		st.Mounts[unescape(f[4])] = unescape(f[sep+2])
	}
	// Devices are often named through symlinks (/dev/disk/by-uuid/...);
	// compare what the kernel reports with the resolved names.
	for _, m := range cfg.Mounts {
		real, err := filepath.EvalSymlinks(m.Device)
		if err != nil || real == m.Device {
			continue
		}
		if st.Swaps[real] {
			st.Swaps[m.Device] = true
		}
		for dir, src := range st.Mounts {
			if src == real {
				st.Mounts[dir] = m.Device
			}
		}
	}
	return nil
}

// unescape undoes the octal escapes (\040 for space) of /proc mount tables.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (s *System) step(st plan.Step) error {
	switch st.Op {
	case plan.SetHostname:
		if s.KeepHostname {
			return nil
		}
		return unix.Sethostname([]byte(st.Name))
	case plan.WriteHostname:
		return writeFileAtomic(s.hostnameFile(), []byte(st.Name+"\n"))
	case plan.Swapon:
		p, err := unix.BytePtrFromString(st.Mount.Device)
		if err != nil {
			return err
		}
		if _, _, e := unix.Syscall(unix.SYS_SWAPON, uintptr(unsafe.Pointer(p)), 0, 0); e != 0 {
			return fmt.Errorf("swapon: %w", e)
		}
		return nil
	case plan.Mount:
		return mountAny(st.Mount.Device, st.Mount.Dir)
	case plan.LoadModule:
		return s.loadModule(st.Module)
	}
	return fmt.Errorf("not a system step: %v", st)
}

// mountAny mounts dev on dir trying each block file system the kernel
// knows, as mount(8) does without -t: dsas.conf never named the type.
func mountAny(dev, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fs, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return fmt.Errorf("list file systems: %w", err)
	}
	var last error = errors.New("no block file system known to the kernel")
	for _, line := range strings.Split(string(fs), "\n") {
		if line == "" || strings.HasPrefix(line, "nodev") {
			continue
		}
		t := strings.TrimSpace(line)
		err := unix.Mount(dev, dir, t, 0, "")
		if err == nil {
			return nil
		}
		last = fmt.Errorf("mount -t %s: %w", t, err)
	}
	return last
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".dsas-init.tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
