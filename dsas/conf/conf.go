// Package conf reads /etc/dsas.conf: the subset of bash assignment syntax
// that DSAS boot scripts used to `source`. It never runs a shell; anything
// beyond assignments, quoting, $NAME expansion and `.`/`source` is an error
// with its file:line:col, so a bad file is rejected before any change.
package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Pos is a place in a configuration file; lines and columns count from 1,
// columns in characters.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is a reader error; it always carries the position of the offending text.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Diag is a warning: the file is valid but probably not what was meant.
type Diag struct {
	Pos Pos
	Msg string
}

func (d Diag) String() string { return d.Pos.String() + ": warning: " + d.Msg }

// Var is a shell variable. Bash treats every variable as an indexed array
// whose element 0 is the scalar value, and so do we: NAME=x sets element 0.
type Var struct {
	Name  string
	Pos   Pos // the last assignment
	Elems map[int]string
	// Array is true when the variable was assigned with NAME=(...) or
	// NAME[i]=..., so a consumer can tell a list from a single value.
	Array bool
	// Used is set once the variable has been expanded; a file may define
	// helper variables (LVSADDRESS) that are not keys.
	Used bool
}

// Value is element 0, what $NAME expands to.
func (v *Var) Value() string { return v.Elems[0] }

// List returns the elements in index order.
func (v *Var) List() []string {
	idx := make([]int, 0, len(v.Elems))
	for i := range v.Elems {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = v.Elems[i]
	}
	return out
}

// File is the result of reading a configuration file and what it sources.
type File struct {
	Vars     map[string]*Var
	Warnings []Diag
	// Files lists every file read, the main one first.
	Files []string
}

// Lookup returns the named variable or nil.
func (f *File) Lookup(name string) *Var { return f.Vars[name] }

// Options tune how a file is read.
type Options struct {
	// ReadFile reads sourced files; os.ReadFile when nil. Tests and the
	// fuzzer replace it so that reading never touches the disk.
	ReadFile func(string) ([]byte, error)
	// Env seeds variables, as bash would see exported variables.
	Env map[string]string
}

// maxDepth bounds `source` nesting so that a file sourcing itself fails
// instead of recursing forever.
const maxDepth = 16

// maxFiles bounds the total number of files read: a file that sources
// itself twice would otherwise take 2^maxDepth reads.
const maxFiles = 256

// maxValue bounds one word: A=$A$A in a file that sources itself would
// otherwise double A at each of the maxDepth levels.
const maxValue = 1 << 16

// ReadFile reads and evaluates the file at path.
func ReadFile(path string, opts *Options) (*File, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	src, err := o.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return parse(path, src, &o)
}

// Parse evaluates src as if it were the file name.
func Parse(name string, src []byte, opts *Options) (*File, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	return parse(name, src, &o)
}

func parse(name string, src []byte, o *Options) (*File, error) {
	f := &File{Vars: map[string]*Var{}}
	for k, v := range o.Env {
		f.Vars[k] = &Var{Name: k, Pos: Pos{File: "<environment>"}, Elems: map[int]string{0: v}}
	}
	if err := f.eval(name, src, o, 0); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) eval(name string, src []byte, o *Options, depth int) error {
	f.Files = append(f.Files, name)
	s, err := newScanner(name, src, f)
	if err != nil {
		return err
	}
	for {
		cmd, err := s.statement()
		if err != nil {
			return err
		}
		if cmd == nil {
			return nil
		}
		if err := f.source(name, cmd, o, depth); err != nil {
			return err
		}
	}
}

// source runs the one command we allow: `. FILE` or `source FILE`.
func (f *File) source(from string, cmd *command, o *Options, depth int) error {
	if len(cmd.args) != 1 {
		return &Error{cmd.pos, fmt.Sprintf("%s takes exactly one file name", cmd.name)}
	}
	if depth+1 >= maxDepth {
		return &Error{cmd.pos, fmt.Sprintf("%s nested more than %d deep (does a file source itself?)", cmd.name, maxDepth)}
	}
	if len(f.Files) >= maxFiles {
		return &Error{cmd.pos, fmt.Sprintf("more than %d files sourced", maxFiles)}
	}
	path := cmd.args[0]
	if path == "" {
		return &Error{cmd.pos, cmd.name + ": empty file name"}
	}
	// Relative to the sourcing file, not the working directory: boot
	// scripts ran from / and the file must mean the same wherever we run.
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(from), path)
	}
	src, err := o.ReadFile(path)
	if err != nil {
		return &Error{cmd.pos, fmt.Sprintf("%s: %v", cmd.name, err)}
	}
	return f.eval(path, src, o, depth+1)
}

func (f *File) set(name string, pos Pos, idx int, val string, appendTo bool) {
	v := f.Vars[name]
	if v == nil {
		v = &Var{Name: name, Elems: map[int]string{}}
		f.Vars[name] = v
	}
	v.Pos = pos
	if appendTo {
		v.Elems[idx] += val
		return
	}
	v.Elems[idx] = val
}

func (f *File) setArray(name string, pos Pos, vals []string, appendTo bool) {
	v := f.Vars[name]
	if v == nil || !appendTo {
		v = &Var{Name: name, Elems: map[int]string{}}
		f.Vars[name] = v
	}
	v.Pos = pos
	v.Array = true
	next := 0
	for i := range v.Elems {
		if i >= next {
			next = i + 1
		}
	}
	for _, s := range vals {
		v.Elems[next] = s
		next++
	}
}

func (f *File) expand(name string, idx int, pos Pos) string {
	v := f.Vars[name]
	if v == nil {
		f.Warnings = append(f.Warnings, Diag{pos, fmt.Sprintf("$%s is not set; it expands to the empty string, as in bash", name)})
		return ""
	}
	v.Used = true
	s, ok := v.Elems[idx]
	if !ok && idx != 0 {
		f.Warnings = append(f.Warnings, Diag{pos, fmt.Sprintf("${%s[%d]} is not set; it expands to the empty string, as in bash", name, idx)})
	}
	return s
}

// Names returns the variable names in sorted order.
func (f *File) Names() []string {
	out := make([]string, 0, len(f.Vars))
	for k := range f.Vars {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' }

// ValidName reports whether s is a shell variable name.
func ValidName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return r > 127 || !isNameChar(byte(r)) }) < 0
}
