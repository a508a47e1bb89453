package parser

import (
	"path/filepath"
	"sort"
	"strings"
)

// globResult is what keepalived learns from glob(3) with GLOB_BRACE,
// GLOB_MARK and its GLOB_ALTDIRFUNC hooks: the matches, and how many
// literal names were missing (lstat failed) or directories could not be
// read (opendir failed), and whether any wildcard directory was read.
type globResult struct {
	fs           fileSystem
	matches      []string
	missingFiles int
	missingDirs  int
	wildcards    bool
	// tooMany: the pattern has more than maxGlobAlternatives brace
	// alternatives; nothing was globbed.
	tooMany bool
}

// kaGlob expands pattern like glibc's glob(GLOB_BRACE|GLOB_MARK): brace
// alternatives are globbed one after the other (each sorted on its own),
// relative patterns are taken from cwd and returned relative.
// Go's filepath.Glob has no braces and no missing-file accounting, which
// keepalived's include strictness letters depend on.
func kaGlob(fsys fileSystem, pattern, cwd string) globResult {
	r := globResult{fs: fsys}
	alts, ok := braceExpand(pattern)
	if len(alts) > maxGlobAlternatives {
		r.tooMany = true
		return r
	}
	if !ok {
		// glibc gives up on an unbalanced brace without touching the
		// file system.
		return r
	}
	for _, alt := range alts {
		before := len(r.matches)
		r.globOne(alt, cwd)
		sort.Strings(r.matches[before:])
	}
	return r
}

func hasMagic(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

func unescapeGlob(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (r *globResult) globOne(pattern, cwd string) {
	if pattern == "" {
		return
	}
	dir, file := "", pattern
	if i := strings.LastIndexByte(pattern, '/'); i >= 0 {
		dir, file = pattern[:i], pattern[i+1:]
		if dir == "" {
			dir = "/"
		}
	}
	var dirs []string
	switch {
	case dir == "":
		dirs = []string{""}
	case hasMagic(dir):
		sub := globResult{fs: r.fs}
		sub.globOne(dir, cwd)
		sort.Strings(sub.matches)
		r.missingFiles += sub.missingFiles
		r.missingDirs += sub.missingDirs
		r.wildcards = r.wildcards || sub.wildcards
		for _, d := range sub.matches {
			if strings.HasSuffix(d, "/") {
				dirs = append(dirs, strings.TrimSuffix(d, "/"))
			}
		}
	default:
		dirs = []string{unescapeGlob(dir)}
	}
	for _, d := range dirs {
		r.globInDir(d, file, cwd)
	}
}

func joinGlob(dir, name string) string {
	switch dir {
	case "":
		return name
	case "/":
		return "/" + name
	}
	return dir + "/" + name
}

func fsPath(p, cwd string) string {
	if filepath.IsAbs(p) || cwd == "" {
		return p
	}
	if p == "" {
		return cwd
	}
	return filepath.Join(cwd, p)
}

func (r *globResult) globInDir(dir, file, cwd string) {
	if file == "" {
		// "dir/" names the directory itself.
		if st, err := r.fs.Stat(fsPath(dir, cwd)); err == nil && st.IsDir() {
			r.matches = append(r.matches, dir+"/")
		} else {
			r.missingFiles++
		}
		return
	}
	if !hasMagic(file) {
		name := joinGlob(dir, unescapeGlob(file))
		if _, err := r.fs.Lstat(fsPath(name, cwd)); err != nil {
			r.missingFiles++
			return
		}
		r.matches = append(r.matches, r.mark(name, cwd))
		return
	}
	r.wildcards = true
	ents, err := r.fs.ReadDir(fsPath(dir, cwd))
	if err != nil {
		r.missingDirs++
		return
	}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") && !strings.HasPrefix(file, ".") {
			continue
		}
		if ok, _ := filepath.Match(file, n); ok {
			r.matches = append(r.matches, r.mark(joinGlob(dir, n), cwd))
		}
	}
}

// mark is GLOB_MARK: directories (following symlinks) get a trailing '/'.
func (r *globResult) mark(name, cwd string) string {
	if st, err := r.fs.Stat(fsPath(name, cwd)); err == nil && st.IsDir() {
		return name + "/"
	}
	return name
}

// hasBrace is keepalived's have_brace: an unescaped '{' anywhere.
func hasBrace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		} else if s[i] == '{' {
			return true
		}
	}
	return false
}

// braceExpand is csh brace expansion as glibc's GLOB_BRACE does it: the
// first top-level group is expanded and each result expanded again.
// ok=false for an unbalanced group. It stops once it has more than
// maxGlobAlternatives results (the caller reports that).
func braceExpand(s string) ([]string, bool) {
	var out []string
	ok := braceExpandInto(s, &out)
	return out, ok
}

func braceExpandInto(s string, out *[]string) bool {
	if len(*out) > maxGlobAlternatives {
		return true
	}
	open := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '{' {
			open = i
			break
		}
	}
	if open < 0 {
		*out = append(*out, s)
		return true
	}
	depth := 0
	var commas []int
	closeAt := -1
	for i := open; i < len(s) && closeAt < 0; i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				closeAt = i
			}
		case ',':
			if depth == 1 {
				commas = append(commas, i)
			}
		}
	}
	if closeAt < 0 {
		return false
	}
	prefix, suffix := s[:open], s[closeAt+1:]
	start := open + 1
	for _, c := range append(commas, closeAt) {
		if !braceExpandInto(prefix+s[start:c]+suffix, out) {
			return false
		}
		if len(*out) > maxGlobAlternatives {
			return true
		}
		start = c + 1
	}
	return true
}
