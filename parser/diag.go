package parser

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Pos is a position in a configuration file; Line and Col count from 1.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 && p.File != "" {
		// About the whole file (an include failed): no line to name.
		return p.File
	}
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Class is keepalived's config_err_t. The order matters: keepalived keeps the
// numerically highest class seen, and that decides the -t exit code.
type Class int

// keepalived's error classes, in keepalived's numeric order (lib/parser.h).
const (
	classOK Class = iota
	fileNotFound
	badIf
	fatal
	multipleFiles
	unknownKeyword
	unexpectedBOB
	missingBOB
	unexpectedEOB
	missingEOB
	unmatchedQuote
	missingParameter
	invalidNumber
	generalError
	warning
	deprecated
	securityError
	// Info is ours: a message keepalived logs at OK level (it never affects
	// the exit code) but that an operator should still see.
	info Class = -1
)

var classNames = [...]string{
	"ok", "file-not-found", "bad-interface", "fatal", "multiple-files",
	"unknown-keyword", "unexpected-brace", "missing-brace", "unexpected-end",
	"missing-end", "unmatched-quote", "missing-parameter", "invalid-number",
	"error", "warning", "deprecated", "security",
}

func (c Class) String() string {
	if c == info {
		return "info"
	}
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Severity is the word printed in a diagnostic: error, warning or info.
func (c Class) Severity() string {
	switch c {
	case info, classOK:
		return "info"
	case warning, deprecated:
		return "warning"
	default:
		return "error"
	}
}

// Diagnostic is one message about a configuration, positioned where the
// problem is.
type Diagnostic struct {
	Pos   Pos
	Class Class
	Msg   string
	// effect is set on the one diagnostic that stopped keepalived early
	// and so decides its exit code regardless of the classes seen.
	effect effect
	// procs are the keepalived processes whose read reported it (a
	// top-level unknown keyword: all of them).
	procs Process
	// line: reported while reading a line of the file, so keepalived
	// prefixes it with "(Line N)" or "(FILE: Line N)"; the checks after
	// the read (validation, script security) log the message bare.
	line bool
	// named: the parent named the file (an included file, or one of
	// several the main glob matched).
	named bool
}

// Process is a keepalived process that reads the configuration at start:
// the parent, the checker child and the VRRP child each read it and log
// their own diagnostics.
type Process uint8

// The processes, as a set.
const (
	ProcParent Process = 1 << iota
	ProcChecker
	ProcVRRP
	ProcBFD
)

// LogLines are the lines keepalived logs for d at daemon start, one for
// each process in running that reported it, with keepalived's prefix:
// the parent reads the file itself ("(Line N)", or "(FILE: Line N)" for
// an included file), the children read the parent's copy, which always
// names the file. What was found after the read is logged bare.
func (d Diagnostic) LogLines(running Process) []string {
	var out []string
	for _, p := range []Process{ProcParent, ProcBFD, ProcChecker, ProcVRRP} {
		if d.procs&p == 0 || running&p == 0 {
			continue
		}
		switch {
		case !d.line || d.Pos.Line == 0:
			out = append(out, d.Msg)
		case p == ProcParent && !d.named:
			out = append(out, fmt.Sprintf("(Line %d) %s", d.Pos.Line, d.Msg))
		default:
			out = append(out, fmt.Sprintf("(%s: Line %d) %s", d.Pos.File, d.Pos.Line, d.Msg))
		}
	}
	return out
}

// effect is how a diagnostic ends a keepalived -t run, if it does; the
// zero effect means parsing went on.
type effect uint8

const (
	// effectAbort: a keyword lacked its mandatory parameter; keepalived
	// exits 2 at once.
	effectAbort effect = iota + 1
	// effectNoConfig: a strict include (includer/-e ...) failed; keepalived
	// exits 6 (KEEPALIVED_EXIT_NO_CONFIG) after the parent's parse.
	effectNoConfig
	// effectStopOK: net_namespace names a namespace that does not exist;
	// keepalived -t exits 0 without validating anything.
	effectStopOK
)

// String formats d as file:line:col: severity: message. keepalived prints no
// columns; we do.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity(), d.Msg)
}

// Severity is the word printed for d: its class's, except that a message
// keepalived words as a warning or a deprecation says "warning" although
// keepalived counts it as a general error. Only the word changes: the
// class, and so the exit code, stays keepalived's.
func (d Diagnostic) Severity() string {
	if d.Class == generalError && readsAsWarning(d.Msg) {
		return "warning"
	}
	return d.Class.Severity()
}

// readsAsWarning: "WARNING - ...", "Warning: ...", "(VI_1) ... is
// deprecated ...".
func readsAsWarning(msg string) bool {
	if strings.HasPrefix(msg, "(") {
		if i := strings.Index(msg, ") "); i > 0 {
			msg = msg[i+2:]
		}
	}
	return hasLowerPrefix(msg, "warning") || strings.Contains(msg, "deprecated")
}

// hasLowerPrefix is strings.HasPrefix(strings.ToLower(s), prefix) for an
// ASCII prefix, without lowering (a copy of) all of s: ToLower maps rune
// by rune, one rune to one, so s's first runes must lower to prefix's
// bytes.
func hasLowerPrefix(s, prefix string) bool {
	i := 0
	for _, r := range s {
		if i == len(prefix) {
			return true
		}
		if unicode.ToLower(r) != rune(prefix[i]) {
			return false
		}
		i++
	}
	return i == len(prefix)
}

// Diagnostics is the list of messages produced by one parse.
type Diagnostics []Diagnostic

func (ds Diagnostics) String() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// WriteTo writes what String returns, a diagnostic at a time: -t on a
// file of many diagnostics (a 10 MB line is 10 000 of 1 KB) need not hold
// them all twice more as one string.
func (ds Diagnostics) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int64
	// d.String()'s parts, written as they are: 10 000 diagnostics with
	// a 1 KB word (a 10 MB line) were as many 1 KB strings built to be
	// copied once.
	for _, d := range ds {
		for _, part := range [...]string{d.Pos.String(), ": ", d.Severity(), ": ", d.Msg, "\n"} {
			k, err := bw.WriteString(part)
			n += int64(k)
			if err != nil {
				return n, err
			}
		}
	}
	return n, bw.Flush()
}

// Worst is the numerically highest class, as keepalived keeps it.
func (ds Diagnostics) Worst() Class {
	w := classOK
	for _, d := range ds {
		if d.Class > w {
			w = d.Class
		}
	}
	return w
}

// Exit codes of `keepalived -t` (keepalived/core/main.c config_test_exit).
const (
	ExitOK       = 0
	ExitAborted  = 2 // parser aborted: a keyword lacked its mandatory parameter
	ExitCannot   = 4 // only file-not-found / bad-interface / fatal classes
	ExitConfig   = 5 // any other configuration error
	ExitSecurity = 6 // script security violation
	// ExitNoConfig is KEEPALIVED_EXIT_NO_CONFIG, also used by -t when a
	// strict include fails; it shares its value with ExitSecurity.
	ExitNoConfig = 6
)

// ExitCode is keepalived -t's exit status for this parse: an early stop
// decides it, otherwise the worst class does (testExitCode).
func (ds Diagnostics) ExitCode() int {
	for _, d := range ds {
		switch d.effect {
		case effectAbort:
			return ExitAborted
		case effectNoConfig:
			return ExitNoConfig
		case effectStopOK:
			return ExitOK
		}
	}
	return testExitCode(ds.Worst())
}

// Aborted reports whether the parse stopped at a keyword missing its
// mandatory parameter.
func (ds Diagnostics) Aborted() bool {
	for _, d := range ds {
		if d.effect == effectAbort {
			return true
		}
	}
	return false
}

// testExitCode maps the worst class seen to keepalived's -t exit code.
func testExitCode(worst Class) int {
	switch {
	case worst <= classOK:
		return ExitOK
	case worst <= fatal:
		return ExitCannot
	case worst == securityError:
		return ExitSecurity
	default:
		return ExitConfig
	}
}
