// Package track runs the trackers whose results feed the VRRP engine:
// vrrp_script checks, track_file values and vrrp_track_process quorums.
// Results go to a Sink (*vrrp.Router implements it), which owns rise/fall
// and weights.
package track

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/script"
)

// Sink receives tracker results.
type Sink interface {
	ScriptRan(name string, run vrrp.ScriptRun)
	FileValue(name string, v int)
	ProcessRunning(name string, ok bool)
}

// Script is one vrrp_script.
type Script struct {
	Name     string
	Argv     []string
	Interval time.Duration // default 1 s
	Timeout  time.Duration // 0 = Interval, as keepalived
}

// File is one track_file.
type File struct {
	Name string
	Path string
	// Init, when set, creates the file with this value if it is missing
	// (init_file).
	Init *int
}

// Process is one vrrp_track_process.
type Process struct {
	Name string
	// Process is the name (matched against /proc/PID/comm) or, with
	// FullCommand or Params, the program path (argv[0] of cmdline).
	Process     string
	Params      []string
	ParamMatch  string // "" exact, "initial", "partial"
	FullCommand bool
	Quorum      int  // default 1
	QuorumMax   int  // 0 = unlimited
	FailRunning bool // quorum_max 0: fail if any instance runs
}

// Config lists the trackers and how to run them.
type Config struct {
	Scripts   []Script
	Files     []File
	Processes []Process
	// Poll is the file and process polling period (default 1 s). keepalived
	// uses inotify and the proc connector; polling trades a little latency
	// for no extra privileges.
	Poll     time.Duration
	ProcRoot string // default /proc
	Run      func(ctx context.Context, argv []string, timeout time.Duration) script.Result
}

// Tracker owns the tracker goroutines.
type Tracker struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start launches every tracker; Stop ends them.
func Start(cfg Config, sink Sink) *Tracker {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Run == nil {
		cfg.Run = script.Run
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tracker{cancel: cancel}
	for _, s := range cfg.Scripts {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			runScript(ctx, cfg, s, sink)
		}()
	}
	for _, f := range cfg.Files {
		if f.Init != nil {
			_ = InitFile(f.Path, *f.Init) // the caller logged a failure when it read the configuration
		}
	}
	if len(cfg.Files) > 0 || len(cfg.Processes) > 0 {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			poll(ctx, cfg, sink)
		}()
	}
	return t
}

// Prime creates the init_file track files and reports every file's value
// and process quorum once, synchronously: keepalived reads them before
// its instances' first state (initialise_tracking_priorities), so an
// instance a track_file faults starts in FAULT rather than going through
// BACKUP first. Start then keeps them up to date.
func Prime(cfg Config, sink Sink) {
	for _, f := range cfg.Files {
		if f.Init != nil {
			_ = InitFile(f.Path, *f.Init)
		}
		sink.FileValue(f.Name, ReadFileValue(f.Path))
	}
	if len(cfg.Processes) > 0 {
		root := cfg.ProcRoot
		if root == "" {
			root = "/proc"
		}
		counts := CountProcesses(root, cfg.Processes)
		for i, p := range cfg.Processes {
			sink.ProcessRunning(p.Name, p.quorumOK(counts[i]))
		}
	}
}

// Stop ends the trackers and kills running scripts.
func (t *Tracker) Stop() {
	t.cancel()
	t.wg.Wait()
}

func runScript(ctx context.Context, cfg Config, s Script, sink Sink) {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Second
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = interval
	}
	tm := time.NewTimer(0)
	defer tm.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tm.C:
		}
		start := time.Now()
		r := cfg.Run(ctx, s.Argv, timeout)
		if ctx.Err() != nil {
			return
		}
		sink.ScriptRan(s.Name, scriptRun(r))
		// The next run starts one interval after this one started, never
		// overlapping a slow run.
		tm.Reset(max(interval-time.Since(start), 0))
	}
}

// scriptRun tells the engine how a run ended.
func scriptRun(r script.Result) vrrp.ScriptRun {
	run := vrrp.ScriptRun{OK: r.OK(), Signal: r.Signal}
	switch {
	case errors.Is(r.Err, script.ErrTimeout):
		run.TimedOut = true
	case r.Err != nil:
		// Not started: keepalived's child exits with 127 then.
		run.Status = 127
	case r.Signal == 0:
		run.Status = r.ExitCode
	}
	return run
}

func poll(ctx context.Context, cfg Config, sink Sink) {
	tk := time.NewTicker(cfg.Poll)
	defer tk.Stop()
	for {
		for _, f := range cfg.Files {
			sink.FileValue(f.Name, ReadFileValue(f.Path))
		}
		if len(cfg.Processes) > 0 {
			counts := CountProcesses(cfg.ProcRoot, cfg.Processes)
			for i, p := range cfg.Processes {
				sink.ProcessRunning(p.Name, p.quorumOK(counts[i]))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// InitFile creates a missing track file holding v (init_file). O_EXCL
// never follows a link: a dangling one planted at path would otherwise
// make root create the file it names (keepalived writes through
// fopen_safe for the same reason). A file that exists is left be and is
// no error; the error is the one keepalived logs (its directory is
// missing, say).
func InitFile(path string, v int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, werr := f.WriteString(strconv.Itoa(v) + "\n")
	if cerr := f.Close(); werr != nil || cerr != nil {
		os.Remove(path)
		return errors.Join(werr, cerr)
	}
	return nil
}

// ReadFileValue reads a track_file: a leading decimal integer, like
// strtol; a missing or unparsable file reads as 0.
func ReadFileValue(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := strings.TrimLeft(string(b), " \t\r\n")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return v
}

func (p Process) quorumOK(n int) bool {
	if p.FailRunning {
		return n == 0
	}
	q := p.Quorum
	if q <= 0 {
		q = 1
	}
	return n >= q && (p.QuorumMax <= 0 || n <= p.QuorumMax)
}

// CountProcesses scans procRoot once and counts matches per entry of ps.
func CountProcesses(procRoot string, ps []Process) []int {
	counts := make([]int, len(ps))
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return counts
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		dir := filepath.Join(procRoot, e.Name())
		var comm string
		var argv []string
		for i, p := range ps {
			if p.FullCommand || len(p.Params) > 0 {
				if argv == nil {
					b, err := os.ReadFile(filepath.Join(dir, "cmdline"))
					if err != nil || len(b) == 0 {
						argv = []string{}
						continue
					}
					argv = strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
				}
				if matchArgv(p, argv) {
					counts[i]++
				}
				continue
			}
			if comm == "" {
				b, err := os.ReadFile(filepath.Join(dir, "comm"))
				if err != nil {
					continue
				}
				comm = strings.TrimRight(string(b), "\n")
			}
			name := p.Process
			if len(name) > 15 {
				name = name[:15] // the kernel truncates comm
			}
			if comm == name {
				counts[i]++
			}
		}
	}
	return counts
}

func matchArgv(p Process, argv []string) bool {
	if len(argv) == 0 || argv[0] != p.Process {
		return false
	}
	args := argv[1:]
	switch p.ParamMatch {
	case "initial":
		if len(args) < len(p.Params) {
			return false
		}
		args = args[:len(p.Params)]
	case "partial":
		want := strings.Join(p.Params, " ")
		return strings.Contains(strings.Join(args, " "), want)
	}
	if len(args) != len(p.Params) {
		return false
	}
	for i := range args {
		if args[i] != p.Params[i] {
			return false
		}
	}
	return true
}
