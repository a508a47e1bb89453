package apply

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

// Kernel modules are loaded the way modprobe(8) loads them, without running
// it: modules.dep gives the file and the dependencies of each module, which
// go in first; finit_module(2) loads each file. Only names are resolved,
// not aliases (MODULES names modules). modprobe.d's options and install
// commands are honoured (see modprobeConf).

// moduleDB is the part of modules.dep that loading needs.
type moduleDB struct {
	dir     string              // /lib/modules/RELEASE
	path    map[string]string   // module name → file, relative to dir
	deps    map[string][]string // module name → dependencies, as listed
	builtin map[string]bool     // modules.builtin: part of the kernel image
}

// modName is the kernel's name for a module file or a MODULES entry:
// no directory, no .ko(.xz|.zst|.gz), '-' as '_'.
func modName(s string) string {
	s = filepath.Base(s)
	if i := strings.Index(s, ".ko"); i >= 0 {
		s = s[:i]
	}
	return strings.ReplaceAll(s, "-", "_")
}

func readModuleDB(dir string) (*moduleDB, error) {
	f, err := os.Open(filepath.Join(dir, "modules.dep"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	db := &moduleDB{dir: dir, path: map[string]string{}, deps: map[string][]string{}, builtin: map[string]bool{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		file, deps, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n := modName(file)
		db.path[n] = file
		for _, d := range strings.Fields(deps) {
			db.deps[n] = append(db.deps[n], modName(d))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// A built-in module without parameters has no /sys/module entry.
	if b, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, line := range strings.Fields(string(b)) {
			db.builtin[modName(line)] = true
		}
	}
	return db, nil
}

func (s *System) moduleDB() (*moduleDB, error) {
	if s.mods != nil {
		return s.mods, nil
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return nil, fmt.Errorf("uname: %w", err)
	}
	db, err := readModuleDB(filepath.Join("/lib/modules", unix.ByteSliceToString(u.Release[:])))
	if err != nil {
		return nil, fmt.Errorf("kernel modules: %w", err)
	}
	s.mods = db
	return db, nil
}

func moduleLoaded(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/module", modName(name)))
	return err == nil
}

// readModules records which MODULES entries are not loaded, and which of
// those this kernel does not have (built-in modules show in /sys/module).
func (s *System) readModules(st *plan.State, cfg *host.Config) error {
	for _, m := range cfg.Modules {
		if moduleLoaded(m.Name) {
			continue
		}
		db, err := s.moduleDB()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if db != nil && db.builtin[modName(m.Name)] {
			continue
		}
		st.Unloaded = append(st.Unloaded, m.Name)
		if db == nil || db.path[modName(m.Name)] == "" {
			st.Unavailable = append(st.Unavailable, m.Name)
		}
	}
	return nil
}

// loadModule loads m and, first, what it depends on. modules.dep lists a
// module's dependencies with the deepest last; they go in from the end.
func (s *System) loadModule(m *host.Module) error {
	db, err := s.moduleDB()
	if err != nil {
		return err
	}
	name := modName(m.Name)
	if _, ok := db.path[name]; !ok {
		return fmt.Errorf("module %s: not in %s/modules.dep", m.Name, db.dir)
	}
	mp, err := s.modprobeConf()
	if err != nil {
		return err
	}
	deps := db.deps[name]
	for i := len(deps) - 1; i >= 0; i-- {
		if !moduleLoaded(deps[i]) {
			params, err := mp.params(deps[i], nil)
			if err == nil {
				err = db.insert(deps[i], params)
			}
			if err != nil {
				return fmt.Errorf("module %s needs %s: %w", m.Name, deps[i], err)
			}
		}
	}
	params, err := mp.params(name, m.Params)
	if err != nil {
		return err
	}
	return db.insert(name, params)
}

// modprobeConf reads modprobe.d below Root once.
func (s *System) modprobeConf() (*modprobeConf, error) {
	if s.modprobe == nil {
		c, err := readModprobeConf(s.Root)
		if err != nil {
			return nil, err
		}
		s.modprobe = c
	}
	return s.modprobe, nil
}

// moduleInitCompressedFile is MODULE_INIT_COMPRESSED_FILE (Linux 6.2+).
const moduleInitCompressedFile = 4

func (db *moduleDB) insert(name, params string) error {
	file := db.path[name]
	if file == "" {
		return fmt.Errorf("module %s: not in %s/modules.dep", name, db.dir)
	}
	f, err := os.Open(filepath.Join(db.dir, file))
	if err != nil {
		return err
	}
	defer f.Close()
	flags := 0
	if !strings.HasSuffix(file, ".ko") {
		// The kernel decompresses it itself, if built to.
		flags = moduleInitCompressedFile
	}
	err = unix.FinitModule(int(f.Fd()), params, flags)
	if errors.Is(err, unix.EEXIST) {
		return nil // loaded meanwhile, e.g. by a dependency or udev
	}
	if err != nil {
		return fmt.Errorf("finit_module %s: %w", file, err)
	}
	return nil
}
