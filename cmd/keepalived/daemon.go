package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/vrrpside"
)

// detachedEnv marks the re-executed, detached copy of the daemon.
//
// keepalived daemonises with fork(); a Go program cannot fork safely once
// its runtime is up, so without -n keepalived-go starts itself again in a
// new session with /dev/null as stdin/stdout/stderr and this variable set,
// and the first copy exits 0 at once, as keepalived's parent does. The
// copy then runs as if given -n. Its pid is the one in the pid files.
const detachedEnv = "KEEPALIVED_GO_DETACHED"

// An extension plugs an observer (metrics, the status socket, the dump
// files; SNMP, D-Bus, BGP) into the daemon from its own file of this
// command, registering itself in extensions from an init function, as
// CoreDNS plugins and node_exporter collectors do. It may adjust the
// options before the daemon is built: the process's (OnSignal, Ready,
// Reloaded, ...) and the VRRP side's (Notifiers, WrapTrackSink), both
// reached through hooks' embedded fields; the attach function it returns
// is called with the daemon before it runs, and the cleanup attach
// returns after it has stopped. The running sides are read through
// vrrpOf and lvsOf.
type extension func(o Options, opt *hooks) (attach func(d *daemon.Daemon) (cleanup func()), err error)

var extensions []extension

// defaultUmask is keepalived's umask_val (S_IXUSR|S_IRWXG|S_IRWXO), set for
// the whole daemon at start so its scripts inherit it too.
const defaultUmask = 0o177

// daemonUmask is -u, else global_defs umask, else keepalived's default
// (keepalived ignores the file's umask when -u is given).
func daemonUmask(o Options, cfg *config.Config) (mask uint32, ok bool) {
	if o.Umask != "" {
		m, err := strconv.ParseUint(o.Umask, 0, 32)
		return uint32(m), err == nil && m&^0o777 == 0
	}
	if cfg != nil && cfg.Global.UmaskSet {
		return cfg.Global.Umask, true
	}
	return defaultUmask, true
}

func startDaemon(o Options, cfg *config.Config, diags parser.Diagnostics, stderr io.Writer) int {
	mask, ok := daemonUmask(o, cfg)
	if !ok {
		fmt.Fprintf(stderr, "Invalid umask %s\n", o.Umask)
		return 1
	}
	drift, ok := driftCheckPeriod(o.IPVSDriftCheck)
	if !ok {
		fmt.Fprintf(stderr, "Invalid --ipvs-drift-check period %s\n", o.IPVSDriftCheck)
		return 1
	}
	// Scripts inherit it: keepalived's notify and check scripts create
	// files 0600, not 0644.
	syscall.Umask(int(mask))
	if abs, err := filepath.Abs(o.ConfigFile); err == nil {
		// Reloads must find the file after the chdir below.
		o.ConfigFile = abs
	}
	if !o.DontFork && os.Getenv(detachedEnv) == "" {
		return detach(stderr)
	}
	if ns := namespace(o, cfg); ns != "" && os.Getenv(netnsEnv) != ns {
		return enterNamespace(ns, stderr)
	}
	if o.Namespace != "" {
		cfg.Global.NetNamespace = o.Namespace // -s overrides the file
	}
	// Scripts must not inherit the markers: a keepalived they start
	// would not detach or enter its namespace.
	os.Unsetenv(detachedEnv)
	os.Unsetenv(netnsEnv)
	// keepalived runs from / so it holds no mount busy.
	_ = os.Chdir("/")
	o.PIDFile, o.VRRPPIDFile, o.CheckPIDFile = pidPaths(o, cfg)
	logs, err := daemon.NewLogs(daemon.LogOptions{
		Console:  o.LogConsole,
		Detail:   o.LogDetail,
		NoSyslog: o.NoSyslog,
		Facility: o.LogFacility,
		File:     o.LogFile,
		Umask:    mask,
		Stderr:   stderr,
		Name:     instanceName(o, cfg),
	})
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	defer logs.Close()
	// running is the daemon once made; a reload's diagnostics are
	// logged for the sides it runs, as at start.
	var running *daemon.Daemon
	opt := daemon.Options{
		LogConfig: func(l *daemon.Logs, vrrp, check, bfd bool) { logDiagnostics(l, diags, vrrp, check, bfd) },
		Load: func() (*config.Config, string, error) {
			var prev *config.Config
			if running != nil {
				prev = running.Config()
			}
			c, ds, err := loadForReload(o, prev)
			vrrp, check := true, true
			if c != nil && running != nil {
				vrrp, check = running.Sides(c)
			}
			return c, diagText(ds, vrrp, check), err
		},
		ConfigFile:   o.ConfigFile,
		Version:      "Keepalived v2.2.7 (01/16,2022)",
		CommandLine:  os.Args,
		VRRP:         o.VRRPOnly,
		Check:        o.CheckOnly,
		All:          o.All,
		KeepVIPs:     o.DontRelVRRP,
		KeepIPVS:     o.DontRelIPVS,
		IgnoreSIGINT: o.IgnoreSIGINT,
		NoBFD:        o.NoBFD,
		BFDPIDFile:   bfdPIDPath(o, cfg),
		PIDFile:      o.PIDFile,
		VRRPPIDFile:  o.VRRPPIDFile,
		CheckPIDFile: o.CheckPIDFile,
		Logs:         logs,
		Detail:       o.LogDetail,
		OnSignal:     map[os.Signal]func(){},
	}
	var vopt vrrpside.Options
	setRunning := plugSides(&opt, &vopt, drift)
	var attaches []func(*daemon.Daemon) func()
	for _, ext := range extensions {
		attach, err := ext(o, &hooks{&opt, &vopt, cfg})
		if err != nil {
			logs.Core.Error(err.Error())
			return 1
		}
		if attach != nil {
			attaches = append(attaches, attach)
		}
	}
	daemon.SystemdHooks(&opt)
	d := daemon.New(opt)
	running = d
	setRunning(d)
	for _, attach := range attaches {
		if cleanup := attach(d); cleanup != nil {
			defer cleanup()
		}
	}
	if err := d.Run(context.Background(), cfg); err != nil {
		if errors.Is(err, daemon.ErrRunning) {
			return 0 // keepalived logs it and exits with KEEPALIVED_EXIT_OK
		}
		if errors.Is(err, daemon.ErrConfig) {
			return 2 // KEEPALIVED_EXIT_CONFIG, logged by the daemon
		}
		if errors.Is(err, daemon.ErrFatal) {
			return 1 // KEEPALIVED_EXIT_FATAL, logged by the daemon
		}
		logs.Core.Error(err.Error())
		return 1
	}
	return 0
}

// loadForReload reads the file again for a SIGHUP of running. A reload is refused for
// what would stop the daemon from starting (the parser gave up, a strict
// include failed); what keepalived only reports (script security, unknown
// keywords, a bad value that is ignored or defaulted) is logged and the
// rest applied, as at start. keepalived's reload_check_config asks for
// more: then any non-zero `keepalived -t` status refuses the reload, as
// keepalived's check child does.
func loadForReload(o Options, running *config.Config) (*config.Config, parser.Diagnostics, error) {
	c, ds, err := parser.Parse(o.ConfigFile, parserOptionsFor(o, running))
	if err == nil && ds.Aborted() {
		// A child's read gave up (the parser reads on for the others at
		// start): never a configuration to apply.
		err = fmt.Errorf("%s: parse aborted: keyword missing its parameter", o.ConfigFile)
	}
	if c != nil && o.Namespace != "" {
		c.Global.NetNamespace = o.Namespace // -s overrides the file
	}
	if err == nil && c.Global.ReloadCheckConfig != "" && ds.ExitCode() != parser.ExitOK {
		err = fmt.Errorf("reload_check_config: configuration test failed with status %d", ds.ExitCode())
	}
	return c, ds, err
}

// netnsEnv marks a copy that already runs in its network namespace.
const netnsEnv = "KEEPALIVED_GO_NETNS"

// namespace is -s, or else the configuration's net_namespace.
func namespace(o Options, cfg *config.Config) string {
	if o.Namespace != "" {
		return o.Namespace
	}
	return cfg.Global.NetNamespace
}

// enterNamespace re-executes keepalived-go inside the named network
// namespace with `ip netns exec` (creating the namespace if needed, as
// keepalived does). A Go process cannot move all its threads with
// setns(2), so the exec replaces this process, keeping its pid.
func enterNamespace(ns string, stderr io.Writer) int {
	ip, err := exec.LookPath("ip")
	if err != nil {
		fmt.Fprintf(stderr, "Unable to set network namespace %s - exiting: %v\n", ns, err)
		return 1
	}
	// keepalived 2.2.7 does not create a missing namespace: it says so
	// and exits 0, and so do we (the parser's -t verdict agrees).
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); err != nil {
		fmt.Fprintf(stderr, "Failed to open /run/netns/%s\nUnable to set network namespace %s - exiting\n", ns, ns)
		return 0
	}
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	argv := append([]string{"ip", "netns", "exec", ns, self}, os.Args[1:]...)
	env := append(os.Environ(), netnsEnv+"="+ns)
	err = syscall.Exec(ip, argv, env)
	fmt.Fprintf(stderr, "Unable to set network namespace %s - exiting: %v\n", ns, err)
	return 1
}

// pidPaths are keepalived's pid files: -p/-r/-c when given; with an
// instance name (instance, or the network namespace) under
// /run/keepalived/ with the name appended; with use_pid_dir under
// /run/keepalived/; else /run/keepalived.pid, /run/vrrp.pid,
// /run/checkers.pid.
func pidPaths(o Options, cfg *config.Config) (main, vrrp, check string) {
	inst := instanceName(o, cfg)
	name := func(given, base string) string {
		switch {
		case given != "":
			return given
		case inst != "":
			return "/run/keepalived/" + base + "_" + inst + ".pid"
		case cfg.Global.UsePIDDir:
			return "/run/keepalived/" + base + ".pid"
		}
		return "/run/" + base + ".pid"
	}
	return name(o.PIDFile, "keepalived"), name(o.VRRPPIDFile, "vrrp"), name(o.CheckPIDFile, "checkers")
}

// detach starts the detached copy and returns the first copy's status.
func detach(stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "Unable to open %s: %v\n", os.DevNull, err)
		return 1
	}
	defer null.Close()
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Env = append(os.Environ(), detachedEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "Unable to start the daemon: %v\n", err)
		return 1
	}
	cmd.Process.Release()
	return 0
}

// instanceName is what keepalived appends to pid files and syslog
// identities: the instance keyword, else the network namespace.
func instanceName(o Options, cfg *config.Config) string {
	if cfg.Global.Instance != "" {
		return cfg.Global.Instance
	}
	return namespace(o, cfg)
}

// logDiagnostics logs the configuration's diagnostics as keepalived's
// processes do at start: the parent's under Keepalived, the children's
// under their own identity, each with keepalived's "(Line N)" or
// "(FILE: Line N)" prefix (parser.Diagnostic.LogLines).
func logDiagnostics(logs *daemon.Logs, diags parser.Diagnostics, vrrp, check, bfd bool) {
	forEachDiagLine(diags, vrrp, check, bfd, func(p parser.Process, l string) {
		log := logs.Core
		switch p {
		case parser.ProcChecker:
			log = logs.Check
		case parser.ProcVRRP:
			log = logs.VRRP
		case parser.ProcBFD:
			if logs.BFD != nil {
				log = logs.BFD
			}
		}
		log.Info(l)
	})
}

// diagText is a reload's diagnostics as keepalived's processes log them
// when they read the file again, one line each.
func diagText(diags parser.Diagnostics, vrrp, check bool) string {
	var b strings.Builder
	forEachDiagLine(diags, vrrp, check, false, func(_ parser.Process, l string) {
		b.WriteString(l)
		b.WriteByte('\n')
	})
	return b.String()
}

// forEachDiagLine calls f with each line keepalived logs for diags, the
// parent's first, then the checker's and the VRRP child's when they run.
func forEachDiagLine(diags parser.Diagnostics, vrrp, check, bfd bool, f func(parser.Process, string)) {
	running := parser.ProcParent
	if bfd {
		running |= parser.ProcBFD
	}
	if vrrp {
		running |= parser.ProcVRRP
	}
	if check {
		running |= parser.ProcChecker
	}
	for _, p := range []parser.Process{parser.ProcParent, parser.ProcBFD, parser.ProcChecker, parser.ProcVRRP} {
		for _, d := range diags {
			for _, l := range d.LogLines(running & p) {
				f(p, l)
			}
		}
	}
}
