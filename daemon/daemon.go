// Package daemon is keepalived-go's process lifecycle: it starts the VRRP
// side (package vrrp on this host) and the LVS side, writes keepalived's
// pid files, and turns signals into keepalived's actions: SIGHUP reloads,
// SIGTERM and SIGINT stop cleanly.
//
// keepalived runs a parent and one child process per side; keepalived-go
// runs both sides in one process, so every pid file holds the same pid and
// each side logs under its keepalived syslog identity.
//
// Reloads are transactional: the new file is parsed and validated first;
// if that fails the running configuration stays untouched and the reason
// is logged. Otherwise each side applies only the difference.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/track"
)

// LVS is the checker side as the daemon drives it; *lvs.Manager
// implements it.
type LVS interface {
	Run(ctx context.Context) error
	Reload(cfg *config.Config) error
}

// dumpSignals are keepalived's DATA (SIGUSR1), STATS (SIGUSR2), JSON
// (SIGRTMIN+2) and STATS_CLEAR (SIGRTMAX-1) signals, glibc numbering.
var dumpSignals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.Signal(36), syscall.Signal(63)}

// Options configure one run.
type Options struct {
	// Load parses and validates the configuration file; it is called again
	// on every SIGHUP. It returns the diagnostics to log with the result.
	Load func() (*config.Config, string, error)
	// ConfigFile is only for log lines.
	ConfigFile string
	// Version and CommandLine are logged at start, as keepalived does.
	Version     string
	CommandLine []string

	// VRRP and Check select the sides (-P, -C); both false means both.
	VRRP, Check bool
	// All runs a side even when the configuration has nothing for it.
	All bool
	// KeepVIPs is --dont-release-vrrp; KeepIPVS --dont-release-ipvs.
	KeepVIPs, KeepIPVS bool
	// IgnoreSIGINT is --ignore-sigint.
	IgnoreSIGINT bool
	// NoBFD is -B: no BFD side even with bfd_instance blocks.
	NoBFD bool

	// PID files; empty means keepalived's default path.
	PIDFile, VRRPPIDFile, CheckPIDFile string
	BFDPIDFile                         string // -b
	// NoPIDFiles skips them (tests running several daemons in one
	// filesystem set distinct paths instead when they care).
	NoPIDFiles bool

	Logs *Logs
	// Detail is -D: keepalived logs its CPU usage at exit only then.
	Detail bool

	// NewLVS builds the checker side; nil means there is none in this
	// build and the LVS configuration is only logged as not run.
	NewLVS func(cfg *config.Config, log *slog.Logger, keepIPVS bool) (LVS, error)
	// Notifiers are told every VRRP event after the notify scripts have
	// been queued (metrics, transition counters); they must not block.
	Notifiers []vrrp.Notifier
	// WrapTrackSink, when set, sits between the trackers and the engine
	// (a vrrp_script result recorder); it is called again after a reload
	// changes the trackers.
	WrapTrackSink func(next track.Sink, scripts []vrrp.ScriptConfig, runs []track.Script) track.Sink
	// OnSignal adds handlers for more signals (data/stats dumps, ...); they
	// run on the signal goroutine.
	OnSignal map[os.Signal]func()
	// Ready, if set, is called once both sides have started, Reloaded after
	// each reload with its outcome, and Stopping when a stop begins
	// (systemd notifications).
	Ready     func()
	Reloading func()
	Reloaded  func(err error)
	Stopping  func()
}

// Daemon is one running keepalived-go.
type Daemon struct {
	opt Options
	log *Logs

	mu        sync.Mutex
	cfg       *config.Config
	vrrp      *vrrpSide
	lvs       LVS
	lvsCancel context.CancelFunc
	lvsDone   chan struct{}
	bfd       *bfdSide  // bfd.go
	bfdNow    bfdHandle // the running BFD side, read without mu (BFD_CHECK)
	reloads   int
	lastErr   error
	sync      syncFollower
}

// New prepares a daemon; Run starts it.
func New(opt Options) *Daemon {
	if opt.Logs == nil {
		opt.Logs = &Logs{Core: slog.New(slog.DiscardHandler), VRRP: slog.New(slog.DiscardHandler), Check: slog.New(slog.DiscardHandler)}
	}
	if !opt.VRRP && !opt.Check {
		opt.VRRP, opt.Check = true, true
	}
	return &Daemon{opt: opt, log: opt.Logs}
}

// VRRP returns the running VRRP engine (nil when that side is not
// running), for status, metrics and dump files.
func (d *Daemon) VRRP() *vrrp.Router {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vrrp == nil {
		return nil
	}
	return d.vrrp.router
}

// LVS returns the running checker side (nil when not running).
func (d *Daemon) LVS() LVS {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lvs
}

// VRRPStatus is the engine's snapshot (nil when the VRRP side is not
// running).
func (d *Daemon) VRRPStatus() []vrrp.InstanceStatus {
	if r := d.VRRP(); r != nil {
		return r.Status()
	}
	return nil
}

// VRRPConfig is the engine configuration running now (zero when the VRRP
// side is not running).
func (d *Daemon) VRRPConfig() vrrp.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vrrp == nil {
		return vrrp.Config{}
	}
	return d.vrrp.config()
}

// Config returns the configuration currently applied.
func (d *Daemon) Config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Reloads reports how many reloads were attempted and the last one's
// error (nil when it succeeded or none happened).
func (d *Daemon) Reloads() (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reloads, d.lastErr
}

// Run starts the daemon with cfg (already loaded by the caller, who has
// reported its diagnostics) and serves signals until SIGTERM/SIGINT or
// ctx's end, then stops cleanly. It returns nil after a clean stop.
func (d *Daemon) Run(ctx context.Context, cfg *config.Config) error {
	core := d.log.Core
	core.Info(fmt.Sprintf("Starting %s", d.opt.Version))
	if u, err := uname(); err == nil {
		core.Info("Running on " + u)
	}
	if len(d.opt.CommandLine) > 0 {
		core.Info("Command line: " + quoteArgs(d.opt.CommandLine))
	}
	if d.opt.ConfigFile != "" {
		core.Info(fmt.Sprintf("Opening file '%s'.", d.opt.ConfigFile))
		core.Info(fmt.Sprintf("Configuration file %s", d.opt.ConfigFile))
	}

	pf, err := d.writePIDFiles(cfg)
	if err != nil {
		if errors.Is(err, ErrRunning) {
			core.Info("daemon is already running")
		}
		return err
	}
	defer pf.Remove()

	sigs := []os.Signal{syscall.SIGHUP, syscall.SIGTERM}
	if !d.opt.IgnoreSIGINT {
		sigs = append(sigs, syscall.SIGINT)
	}
	for s := range d.opt.OnSignal {
		sigs = append(sigs, s)
	}
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, sigs...)
	defer signal.Stop(ch)
	if d.opt.IgnoreSIGINT {
		signal.Ignore(syscall.SIGINT)
	}
	// keepalived's dump signals must never kill us, whether or not a
	// handler is plugged in (exporters send them periodically).
	for _, s := range dumpSignals {
		if _, ok := d.opt.OnSignal[s]; !ok {
			signal.Ignore(s)
		}
	}

	g := &cfg.Global
	runGlobalScript(core, d.opt.Detail, "startup", g.StartupScript, g, g.StartupScriptTimeout)
	if err := d.start(cfg); err != nil {
		d.stop()
		return err
	}
	fitProcessors(d.wantLVS(cfg))
	if d.opt.Ready != nil {
		d.opt.Ready()
	}
	steadyStateMemory(core)
	quitWatchdog := make(chan struct{})
	defer close(quitWatchdog)
	go watchdog(quitWatchdog, func() { d.VRRPStatus() })
	d.serveSignals(ctx, ch)
	return nil
}

// serveSignals acts on signals until SIGTERM/SIGINT or ctx's end, then
// stops the daemon. A reload's parse runs off this loop, so while a large
// file is read a stop is acted on at once (the pending reload is
// abandoned), dump signals are answered, and SIGHUPs are coalesced into
// one more reload after the current one, as keepalived's pending signal
// is.
func (d *Daemon) serveSignals(ctx context.Context, ch <-chan os.Signal) {
	var (
		loading   <-chan loadResult // non-nil while a reload parses
		hupQueued bool
	)
	for {
		select {
		case <-ctx.Done():
			d.abandonReload(loading)
			d.shutdown()
			return
		case r := <-loading:
			loading = nil
			d.finishReload(r)
			if hupQueued {
				hupQueued = false
				loading = d.startReload()
			}
		case s := <-ch:
			switch s {
			case syscall.SIGHUP:
				if loading != nil {
					hupQueued = true
					d.log.Core.Info("Reload requested while reloading - it will follow this one")
					continue
				}
				loading = d.startReload()
			case syscall.SIGTERM, syscall.SIGINT:
				d.abandonReload(loading)
				d.shutdown()
				return
			default:
				if f := d.opt.OnSignal[s]; f != nil {
					f()
				}
			}
		}
	}
}

// abandonReload notes a reload whose parse is still running when the
// daemon stops: its result is dropped (the channel is buffered, so the
// parsing goroutine ends on its own) and nothing of it is applied.
func (d *Daemon) abandonReload(loading <-chan loadResult) {
	if loading != nil {
		d.log.Core.Info("Stopping during a reload - the new configuration is abandoned")
	}
}

// writePIDFiles writes a side's pid file only when that side runs, as
// keepalived starts a child only for a side with something to do.
func (d *Daemon) writePIDFiles(cfg *config.Config) (*PIDFiles, error) {
	if d.opt.NoPIDFiles {
		return nil, nil
	}
	or := func(p, def string) string {
		if p == "" {
			return def
		}
		return p
	}
	paths := []string{or(d.opt.PIDFile, DefaultPIDFile)}
	if d.wantVRRP(cfg) {
		paths = append(paths, or(d.opt.VRRPPIDFile, DefaultVRRPPIDFile))
	}
	if d.wantLVS(cfg) {
		paths = append(paths, or(d.opt.CheckPIDFile, DefaultCheckPIDFile))
	}
	if d.wantBFD(cfg) {
		paths = append(paths, or(d.opt.BFDPIDFile, DefaultBFDPIDFile))
	}
	return WritePIDFiles(paths...)
}

// wantVRRP: keepalived runs its VRRP child for instances and for static
// addresses, routes or rules alone (have_vrrp_config), which it then
// installs and keeps.
func (d *Daemon) wantVRRP(cfg *config.Config) bool {
	v := &cfg.VRRP
	return d.opt.VRRP && (d.opt.All || len(v.Instances) > 0 ||
		len(v.StaticAddresses) > 0 || len(v.StaticRoutes) > 0 || len(v.StaticRules) > 0)
}

func (d *Daemon) wantLVS(cfg *config.Config) bool {
	return d.opt.Check && (d.opt.All || len(cfg.LVS.VirtualServers) > 0)
}

func (d *Daemon) start(cfg *config.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg = cfg
	pid := os.Getpid()
	if !d.wantVRRP(cfg) && !d.wantLVS(cfg) && !d.wantBFD(cfg) {
		d.log.Core.Info("Warning - keepalived has no configuration to run")
	}
	// BFD first, as keepalived starts its BFD child before the others
	// that read its events.
	if d.wantBFD(cfg) {
		// A BFD side that cannot start (port 3784 taken) leaves VRRP
		// running, its weight-0 track_bfd instances in FAULT.
		if err := d.startBFDLocked(cfg); err != nil {
			d.log.Core.Error(fmt.Sprintf("BFD child process failed to start, the others run on: %v", err))
		}
	}
	if d.wantVRRP(cfg) {
		d.log.Core.Info(fmt.Sprintf("Starting VRRP child process, pid=%d", pid))
		v, err := startVRRP(cfg, d.log.VRRP, d.sideOptions())
		if err != nil {
			d.log.VRRP.Error(fmt.Sprintf("VRRP: %v", err))
			return fmt.Errorf("vrrp: %w", err)
		}
		d.vrrp = v
		d.bfd.syncVRRP(v.router)
	}
	if d.wantLVS(cfg) {
		if err := d.startLVS(cfg); err != nil {
			if d.vrrp == nil {
				return err
			}
			// keepalived's VRRP child runs on when the checker child
			// cannot start (no IPVS in the kernel, say).
			d.log.Core.Error(fmt.Sprintf("Healthcheck child process failed to start, VRRP runs on: %v", err))
		}
	}
	return nil
}

func (d *Daemon) sideOptions() sideOptions {
	return sideOptions{
		keepVIPs:  d.opt.KeepVIPs,
		notifiers: append(append([]vrrp.Notifier(nil), d.opt.Notifiers...), &d.sync),
		wrapSink:  d.opt.WrapTrackSink,
	}
}

func (d *Daemon) startLVS(cfg *config.Config) error {
	if d.opt.NewLVS == nil {
		d.log.Check.Warn("Healthcheck side not available in this build: virtual_server blocks are not run")
		return nil
	}
	d.log.Core.Info(fmt.Sprintf("Starting Healthcheck child process, pid=%d", os.Getpid()))
	m, err := d.opt.NewLVS(cfg, d.log.Check, d.opt.KeepIPVS)
	if err != nil {
		d.log.Check.Error(fmt.Sprintf("Healthcheck: %v", err))
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Check.Error(fmt.Sprintf("Healthcheck child process died: %v", err))
		}
	}()
	d.lvs, d.lvsCancel, d.lvsDone = m, cancel, done
	d.sync.set(m, cfg)
	d.log.Check.Info("Startup complete")
	return nil
}

// loadResult is what Options.Load returned.
type loadResult struct {
	cfg   *config.Config
	diags string
	err   error
}

// Reload is SIGHUP: load and validate the file, then apply only the
// difference. On a load error nothing changes.
func (d *Daemon) Reload() error {
	return d.finishReload(<-d.startReload())
}

// startReload begins a reload: the file is parsed on its own goroutine,
// whose result arrives on the returned channel.
func (d *Daemon) startReload() <-chan loadResult {
	if d.opt.Reloading != nil {
		d.opt.Reloading()
	}
	d.log.Core.Info("Reloading ...")
	out := make(chan loadResult, 1)
	go func() {
		cfg, diags, err := d.opt.Load()
		out <- loadResult{cfg, diags, err}
	}()
	return out
}

// finishReload logs the parse's diagnostics and applies a configuration
// that loaded.
func (d *Daemon) finishReload(r loadResult) error {
	if r.diags != "" {
		for _, l := range strings.Split(strings.TrimRight(r.diags, "\n"), "\n") {
			d.log.Core.Info(l)
		}
	}
	err := r.err
	if err == nil {
		err = d.apply(r.cfg)
		fitProcessors(d.wantLVS(d.Config()))
	} else {
		err = fmt.Errorf("new configuration rejected, keeping the running one: %w", err)
	}
	d.mu.Lock()
	d.reloads++
	d.lastErr = err
	d.mu.Unlock()
	if err != nil {
		d.log.Core.Error(fmt.Sprintf("Reload failed - %v", err))
	} else {
		d.log.Core.Info("Reload complete") // keepalived 2.2.7's words; log alerts match them
	}
	if d.opt.Reloaded != nil {
		d.opt.Reloaded(err)
	}
	return err
}

func (d *Daemon) apply(cfg *config.Config) error {
	// What keepalived cannot change without a restart refuses the reload.
	old := d.Config()
	unsupported := false
	for _, c := range []struct{ was, is, what string }{
		{old.Global.NetNamespace, cfg.Global.NetNamespace, "network namespace"},
		{old.Global.Instance, cfg.Global.Instance, "instance name"},
	} {
		if c.was != c.is {
			d.log.Core.Info(fmt.Sprintf("Cannot change %s at a reload - please restart keepalived", c.what))
			unsupported = true
		}
	}
	if unsupported {
		return errors.New("unsupported change, continuing with the old configuration")
	}
	// Validate every side before changing any, so a configuration one side
	// refuses leaves both untouched.
	if d.wantVRRP(cfg) {
		res, err := translate(cfg)
		if err != nil {
			return fmt.Errorf("vrrp: %w", err)
		}
		if _, err := vrrp.New(res.VRRP, vrrp.Options{Listen: func(string, bool) (vrrp.Conn, error) { return nil, errors.New("validation only") }, Network: nopNetwork{}}); err != nil {
			return fmt.Errorf("vrrp: %w", err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	switch {
	case d.vrrp != nil && d.wantVRRP(cfg):
		d.log.VRRP.Info("Reloading")
		if err := d.vrrp.reload(cfg); err != nil {
			errs = append(errs, fmt.Errorf("vrrp: %w", err))
		}
	case d.vrrp != nil:
		errs = append(errs, d.vrrp.stop())
		d.vrrp = nil
	case d.wantVRRP(cfg):
		d.log.Core.Info(fmt.Sprintf("Starting VRRP child process, pid=%d", os.Getpid()))
		v, err := startVRRP(cfg, d.log.VRRP, d.sideOptions())
		if err != nil {
			errs = append(errs, fmt.Errorf("vrrp: %w", err))
		} else {
			d.vrrp = v
		}
	}
	switch {
	case d.lvs != nil && d.wantLVS(cfg):
		d.log.Check.Info("Reloading")
		if err := d.lvs.Reload(cfg); err != nil {
			errs = append(errs, fmt.Errorf("lvs: %w", err))
		} else {
			d.sync.set(d.lvs, cfg)
		}
	case d.lvs != nil:
		d.stopLVSLocked()
	case d.wantLVS(cfg):
		if err := d.startLVS(cfg); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, d.applyBFDLocked(cfg))
	// What applied stays applied; the error says what did not.
	d.cfg = cfg
	return errors.Join(errs...)
}

func (d *Daemon) stopLVSLocked() {
	if d.lvsCancel != nil {
		d.lvsCancel()
		<-d.lvsDone
	}
	d.lvs, d.lvsCancel, d.lvsDone = nil, nil, nil
	d.sync.set(nil, nil)
}

func (d *Daemon) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vrrp != nil {
		if err := d.vrrp.stop(); err != nil {
			d.log.VRRP.Warn(fmt.Sprintf("stop: %v", err))
		}
		d.vrrp = nil
	}
	d.stopLVSLocked()
	d.stopBFDLocked()
}

func (d *Daemon) shutdown() {
	if d.opt.Stopping != nil {
		d.opt.Stopping()
	}
	d.log.Core.Info("Stopping")
	g := &d.Config().Global
	// keepalived's children each report their usage under their own
	// identity; here one process reports it once.
	side := d.log.Check
	if d.VRRP() != nil {
		side = d.log.VRRP
	}
	d.stop()
	runGlobalScript(d.log.Core, d.opt.Detail, "shutdown", g.ShutdownScript, g, g.ShutdownScriptTimeout)
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	side.Info(fmt.Sprintf("Stopped - used (self/children) %s/%s user time, %s/%s system time",
		tv(self.Utime), tv(children.Utime), tv(self.Stime), tv(children.Stime)))
	if d.opt.Detail {
		d.log.Core.Info(fmt.Sprintf("CPU usage (self/children) user: %s/%s system: %s/%s",
			tv(self.Utime), tv(children.Utime), tv(self.Stime), tv(children.Stime)))
	}
	d.log.Core.Info(fmt.Sprintf("Stopped %s", d.opt.Version))
}

func tv(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + a + "'"
	}
	return strings.Join(q, " ")
}

func uname() (string, error) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "", err
	}
	s := func(b []int8) string {
		var out []byte
		for _, c := range b {
			if c == 0 {
				break
			}
			out = append(out, byte(c))
		}
		return string(out)
	}
	return fmt.Sprintf("%s %s %s", s(u.Sysname[:]), s(u.Release[:]), s(u.Version[:])), nil
}

// nopNetwork lets vrrp.New validate a configuration without a host.
type nopNetwork struct{}

func (nopNetwork) AddAddress(context.Context, vrrp.Address) error { return nil }
func (nopNetwork) DelAddress(context.Context, vrrp.Address) error { return nil }
func (nopNetwork) AddRoute(context.Context, vrrp.Route) error     { return nil }
func (nopNetwork) DelRoute(context.Context, vrrp.Route) error     { return nil }
func (nopNetwork) AddRule(context.Context, vrrp.Rule) error       { return nil }
func (nopNetwork) DelRule(context.Context, vrrp.Rule) error       { return nil }
func (nopNetwork) GratuitousARP(string, netip.Addr) error         { return nil }
func (nopNetwork) UnsolicitedNA(string, netip.Addr) error         { return nil }
func (nopNetwork) LinkUp(string) (bool, error)                    { return false, nil }
