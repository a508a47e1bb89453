package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LogOptions are keepalived's logging switches.
type LogOptions struct {
	Console  bool   // -l: stderr
	Detail   bool   // -D: also the lines keepalived logs only in detail mode
	NoSyslog bool   // -G
	Facility string // -S: 0..7 (local0..7), localN, user, daemon (default)
	File     string // -g: log file (keepalived appends)
	// Umask is the daemon's file creation mask; the log file is made
	// 0666 &^ Umask even when it exists, as keepalived's fopen_safe does.
	Umask  uint32
	Stderr io.Writer
	// Name is the instance name (or network namespace) keepalived appends
	// to its syslog identities: Keepalived_NAME, Keepalived_vrrp_NAME.
	Name string
}

// Logs are the loggers of the three parts keepalived runs as separate
// processes, so each keeps its syslog identity (Keepalived,
// Keepalived_vrrp, Keepalived_healthcheckers) and existing log filters
// keep matching.
type Logs struct {
	Core, VRRP, Check *slog.Logger
	BFD               *slog.Logger // Keepalived_bfd; nil: Core
	closers           []io.Closer
}

// Close flushes and closes the log file and syslog connections.
func (l *Logs) Close() error {
	for _, c := range l.closers {
		c.Close()
	}
	l.closers = nil
	return nil
}

// ParseFacility maps -S's argument to a syslog facility as keepalived does.
func ParseFacility(s string) (syslog.Priority, error) {
	switch s {
	case "", "daemon":
		return syslog.LOG_DAEMON, nil
	case "user":
		return syslog.LOG_USER, nil
	}
	s = strings.TrimPrefix(s, "local")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 7 {
		return 0, fmt.Errorf("invalid log facility %q", s)
	}
	return syslog.LOG_LOCAL0 + syslog.Priority(n)<<3, nil
}

// NewLogs builds the loggers. A syslog that cannot be reached is not an
// error (keepalived's openlog never fails either): lines go to the other
// outputs.
func NewLogs(o LogOptions) (*Logs, error) {
	l := &Logs{}
	level := slog.LevelInfo
	if o.Detail {
		level = slog.LevelDebug
	}
	var lines []io.Writer
	if o.Console {
		w := o.Stderr
		if w == nil {
			w = os.Stderr
		}
		lines = append(lines, w)
	}
	if o.File != "" {
		f, err := openLogFile(o.File, o.Umask)
		if err != nil {
			return nil, err
		}
		l.closers = append(l.closers, f)
		lines = append(lines, f)
	}
	fac, err := ParseFacility(o.Facility)
	if err != nil {
		return nil, err
	}
	mk := func(ident string) *slog.Logger {
		if o.Name != "" {
			ident += "_" + o.Name
		}
		h := &handler{level: level, out: &outputs{lines: lines}}
		if !o.NoSyslog {
			if sw, err := syslog.New(fac|syslog.LOG_INFO, ident); err == nil {
				h.out.syslog = sw
				l.closers = append(l.closers, sw)
			}
		}
		return slog.New(h)
	}
	l.Core = mk("Keepalived")
	l.VRRP = mk("Keepalived_vrrp")
	l.Check = mk("Keepalived_healthcheckers")
	l.BFD = mk("Keepalived_bfd")
	return l, nil
}

type outputs struct {
	mu     sync.Mutex
	lines  []io.Writer
	syslog *syslog.Writer
	buf    []byte // the line being written, under mu
}

// handler writes keepalived's lines: on the console and in the log file
// "Mon Nov 30 14:28:20 2026: (VI_1) Entering MASTER STATE", in syslog the
// message alone under the part's identity. Attributes that only repeat
// what the message says (instance, group, script) are left out; others
// follow as key=value.
type handler struct {
	level slog.Level
	attrs []slog.Attr
	out   *outputs
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

var redundant = map[string]bool{"instance": true, "group": true, "script": true, "bfd": true}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	// One buffer per output set, reused under its lock: a start-up with
	// 255 instances logs thousands of lines in detail mode, and building
	// each with a Builder, a formatted time and concatenations was most of
	// the log's allocations (0.5 MB of 7 MB through the first takeover).
	b := t.AppendFormat(h.out.buf[:0], stampLayout)
	b = append(b, ": "...)
	msgAt := len(b)
	b = append(b, r.Message...)
	add := func(a slog.Attr) bool {
		if !redundant[a.Key] {
			b = fmt.Appendf(b, " %s=%v", a.Key, a.Value.Any())
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	msgEnd := len(b)
	b = append(b, '\n')
	if cap(b) <= 64<<10 { // an occasional huge line is not kept
		h.out.buf = b
	}
	for _, w := range h.out.lines {
		w.Write(b)
	}
	if s := h.out.syslog; s != nil {
		msg := string(b[msgAt:msgEnd])
		switch {
		case r.Level >= slog.LevelError:
			s.Err(msg)
		case r.Level >= slog.LevelWarn:
			s.Warning(msg)
		case r.Level >= slog.LevelInfo:
			s.Info(msg)
		default:
			s.Debug(msg)
		}
	}
	return nil
}

// stampLayout is keepalived's console and log-file time stamp.
const stampLayout = "Mon Jan _2 15:04:05 2006"

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *handler) WithGroup(string) slog.Handler { return h }

// openLogFile opens -g's file for appending without following a symlink
// at path: root writing through a link planted in a world-writable
// directory would append to any file. keepalived's fopen_safe refuses the
// same way, with the message used here.
func openLogFile(path string, umask uint32) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			return nil, fmt.Errorf("log file %s: %w", path, err)
		}
		return nil, fmt.Errorf("log file: Unable to open '%s' - errno %d (%w)", path, int(errno), errno)
	}
	if err := f.Chmod(os.FileMode(0o666 &^ umask)); err != nil {
		f.Close()
		return nil, fmt.Errorf("log file %s: set mode: %w", path, err)
	}
	return f, nil
}
