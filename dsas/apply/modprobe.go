package apply

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// modprobeDirs are modprobe.d(5)'s directories, first wins: a file in an
// earlier one hides the file of the same name in a later one.
var modprobeDirs = []string{"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d"}

// modprobeConf is what dsas-init honours of modprobe.d: `options` lines,
// which modprobe passes to the module ahead of the command line's (so the
// command line, here MODULES, wins a repeated parameter), and `install`
// lines, which make modprobe run a command instead of loading: dsas-init
// runs no commands, so it refuses to load such a module rather than load
// what the administrator replaced. Aliases, blacklists and soft
// dependencies only matter to modprobe's own name lookups and are not read.
type modprobeConf struct {
	options map[string][]string // module name → option words, in file order
	install map[string]string   // module name → file:line of its install command
}

func readModprobeConf(root string) (*modprobeConf, error) {
	c := &modprobeConf{options: map[string][]string{}, install: map[string]string{}}
	files := map[string]string{} // base name → path
	for _, d := range modprobeDirs {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			continue // absent directories are the norm
		}
		for _, e := range ents {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".conf") {
				continue
			}
			if _, seen := files[e.Name()]; !seen {
				files[e.Name()] = filepath.Join(root, d, e.Name())
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := c.readFile(files[name]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *modprobeConf) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("modprobe.d: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var logical strings.Builder
	lineNo, start := 0, 0
	for sc.Scan() {
		lineNo++
		l := sc.Text()
		if logical.Len() == 0 {
			start = lineNo
		}
		if strings.HasSuffix(l, "\\") {
			logical.WriteString(strings.TrimSuffix(l, "\\"))
			logical.WriteByte(' ')
			continue
		}
		logical.WriteString(l)
		fields := strings.Fields(logical.String())
		logical.Reset()
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		mod := modName(fields[1])
		switch fields[0] {
		case "options":
			c.options[mod] = append(c.options[mod], fields[2:]...)
		case "install":
			c.install[mod] = fmt.Sprintf("%s:%d", path, start)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("modprobe.d: %s: %w", path, err)
	}
	return nil
}

// params is the parameter string for loading name: modprobe.d's options,
// then extra (MODULES' own). A module modprobe.d replaces with an install
// command is refused.
func (c *modprobeConf) params(name string, extra []string) (string, error) {
	if at, ok := c.install[name]; ok {
		return "", fmt.Errorf("module %s: %s replaces loading it with an install command, which dsas-init does not run; load it yourself or remove the line", name, at)
	}
	return strings.Join(append(slices.Clone(c.options[name]), extra...), " "), nil
}
