// Package daemon is keepalived-go's process lifecycle: it starts the sides
// it is given (the VRRP side, the LVS side, the BFD side), writes
// keepalived's pid files, and turns signals into keepalived's actions:
// SIGHUP reloads, SIGTERM and SIGINT stop cleanly. It imports no engine:
// each side is built by a constructor in Options and driven through Side.
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
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/dsas/keepalived-go/config"
)

// Side is one of keepalived's children as the daemon drives it, built by
// its constructor in Options: Run holds it until its context ends, then
// stops it and returns what the stop could not undo; Reload applies a new
// configuration's difference, and on error leaves what it could not
// apply. *lvs.Manager and *vrrpside.Side are sides.
//
// A side may also implement BFDSink (it is told the BFD sessions' state)
// and Prober (the systemd watchdog pings only while Probe returns).
type Side interface {
	Run(ctx context.Context) error
	Reload(cfg *config.Config) error
}

// LVS is the checker side; *lvs.Manager implements it.
type LVS = Side

// BFDSink is a side that follows the BFD sessions (track_bfd).
type BFDSink interface {
	BFDState(name string, up bool)
}

// Prober is a side whose liveness the systemd watchdog checks: Probe
// takes the side's locks and returns.
type Prober interface {
	Probe()
}

// running is a side the daemon runs: its Run on a goroutine of its own.
type running struct {
	Side
	cancel context.CancelFunc
	done   chan struct{}
	err    error // Run's result, once done is closed
}

// runSide starts s.Run; died is called if Run returns before stop.
func runSide(s Side, died func(error)) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Side: s, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = s.Run(ctx)
		if r.err != nil && ctx.Err() == nil && died != nil {
			died(r.err)
		}
	}()
	return r
}

// stop ends the side and returns Run's result.
func (r *running) stop() error {
	r.cancel()
	<-r.done
	return r.err
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
	// LogConfig, if set, logs the configuration's diagnostics at start,
	// as keepalived's processes do when they read the file: the parent,
	// and the VRRP, checker and BFD children that run (vrrp, check, bfd).
	LogConfig func(logs *Logs, vrrp, check, bfd bool)
	// Detail is -D: keepalived logs its CPU usage at exit only then.
	Detail bool

	// NewVRRP builds and starts the VRRP side (vrrpside.New); nil means
	// there is none in this build and the VRRP configuration is only
	// logged as not run. CheckVRRP validates a configuration for it
	// before a reload changes any side (vrrpside.Check).
	NewVRRP   func(cfg *config.Config, log *slog.Logger, keepVIPs bool) (Side, error)
	CheckVRRP func(cfg *config.Config) error
	// NotifyStop sends the STOP notifies keepalived's VRRP child sends as
	// it exits on a file it refuses at start (vrrpside.NotifyStop); nil
	// sends none.
	NotifyStop func(cfg *config.Config, log *slog.Logger) error
	// NewLVS builds the checker side; nil means there is none in this
	// build and the LVS configuration is only logged as not run.
	NewLVS func(cfg *config.Config, log *slog.Logger, keepIPVS bool) (LVS, error)
	// RunScript runs startup_script and shutdown_script (vrrpside.RunScript).
	RunScript ScriptRunner
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

	mu      sync.Mutex
	cfg     *config.Config
	vrrp    *running
	lvs     *running
	bfd     *bfdSide  // bfd.go
	bfdNow  bfdHandle // the running BFD side, read without mu (BFD_CHECK)
	reloads int
	lastErr error
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

// VRRP returns the running VRRP side (nil when not running), for status,
// metrics and dump files; cmd/keepalived knows its type.
func (d *Daemon) VRRP() Side {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vrrp == nil {
		return nil
	}
	return d.vrrp.Side
}

// LVS returns the running checker side (nil when not running).
func (d *Daemon) LVS() LVS {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lvs == nil {
		return nil
	}
	return d.lvs.Side
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
	if d.opt.LogConfig != nil {
		d.opt.LogConfig(d.log, d.wantVRRP(cfg), d.wantLVS(cfg), d.wantBFD(cfg))
	}

	pf, err := d.writePIDFiles(cfg)
	if err != nil {
		if errors.Is(err, ErrRunning) {
			core.Info("daemon is already running")
		}
		return err
	}
	defer pf.Remove()
	// keepalived's parent logs this right after writing its pid file,
	// at every start (not at reloads); operators' log filters know it.
	if cfg.Global.MaxAutoPriority == 0 {
		core.Info("NOTICE: setting config option max_auto_priority should result in better keepalived performance")
	}

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

	// One P from the start when that is where the daemon ends up: the
	// start-up then runs on the threads it keeps.
	fitProcessors(d.wantLVS(cfg) && parallelCheckers(cfg))
	g := &cfg.Global
	runGlobalScript(core, d.opt.RunScript, d.opt.Detail, "startup", g.StartupScript, g, g.StartupScriptTimeout)
	if err := d.start(cfg); err != nil {
		d.stop()
		if errors.Is(err, ErrConfig) || errors.Is(err, ErrFatal) {
			d.stopped()
		}
		return err
	}
	if d.opt.Ready != nil {
		d.opt.Ready()
	}
	steadyStateMemory(core, d.wantLVS(cfg))
	quitWatchdog := make(chan struct{})
	defer close(quitWatchdog)
	go watchdog(quitWatchdog, d.probe)
	d.serveSignals(ctx, ch)
	return nil
}

// probe checks the sides that can be probed, outside the daemon's lock.
func (d *Daemon) probe() {
	for _, s := range []Side{d.VRRP(), d.LVS()} {
		if p, ok := s.(Prober); ok {
			p.Probe()
		}
	}
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
// Sides reports which sides cfg runs under the daemon's options (-P, -C,
// -a), as keepalived decides which children to start.
func (d *Daemon) Sides(cfg *config.Config) (vrrp, check bool) {
	return d.wantVRRP(cfg), d.wantLVS(cfg)
}

func (d *Daemon) wantVRRP(cfg *config.Config) bool {
	v := &cfg.VRRP
	return d.opt.VRRP && (d.opt.All || len(v.Instances) > 0 || v.Refused ||
		len(v.StaticAddresses) > 0 || len(v.StaticRoutes) > 0 || len(v.StaticRules) > 0)
}

func (d *Daemon) wantLVS(cfg *config.Config) bool {
	return d.opt.Check && (d.opt.All || len(cfg.LVS.VirtualServers) > 0 || cfg.LVS.HaveCheckerConfig || cfg.LVS.Refused)
}

func (d *Daemon) start(cfg *config.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg = cfg
	if !d.wantVRRP(cfg) && !d.wantLVS(cfg) && !d.wantBFD(cfg) {
		d.log.Core.Info("Warning - keepalived has no configuration to run")
	}
	// A checker side that cannot read its file ends the start before
	// any VIP is set (keepalived kills the VRRP child it started).
	if d.wantLVS(cfg) && cfg.LVS.Refused {
		return d.startLVS(cfg)
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
		if err := d.startvrrpLocked(cfg); err != nil {
			return err
		}
		d.bfd.syncVRRP(d.vrrpLocked())
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
		d.bfd.syncLVS(d.lvsLocked())
	}
	return nil
}

// vrrpLocked is VRRP with d.mu held.
func (d *Daemon) vrrpLocked() Side {
	if d.vrrp == nil {
		return nil
	}
	return d.vrrp.Side
}

// startvrrpLocked starts the VRRP side; d.mu is held.
func (d *Daemon) startvrrpLocked(cfg *config.Config) error {
	if d.opt.NewVRRP == nil {
		d.log.VRRP.Warn("VRRP side not available in this build: vrrp_instance blocks are not run")
		return nil
	}
	d.log.Core.Info(fmt.Sprintf("Starting VRRP child process, pid=%d", os.Getpid()))
	if cfg.VRRP.Refused {
		// keepalived's stop_vrrp still runs notify_shutdown.
		if d.opt.NotifyStop != nil {
			if err := d.opt.NotifyStop(cfg, d.log.VRRP); err != nil {
				// keepalived logs nothing here; the file's
				// diagnostics were reported already.
				d.log.VRRP.Debug(fmt.Sprintf("VRRP stop notifies: %v", err))
			}
		}
		return d.refuse(d.log.VRRP, "vrrp", ErrConfig)
	}
	v, err := d.opt.NewVRRP(cfg, d.log.VRRP, d.opt.KeepVIPs)
	if errors.Is(err, ErrFatal) {
		return d.refuse(d.log.VRRP, "vrrp", ErrFatal)
	}
	if err != nil {
		d.log.VRRP.Error(fmt.Sprintf("VRRP: %v", err))
		return fmt.Errorf("vrrp: %w", err)
	}
	d.vrrp = runSide(v, nil)
	return nil
}

// refuse logs what keepalived logs when a child exits at start with a
// permanent error (ErrConfig: CONFIG, ErrFatal: FATAL), and returns it:
// the daemon terminates.
func (d *Daemon) refuse(side *slog.Logger, name string, kind error) error {
	self, _ := usage()
	side.Info(fmt.Sprintf("Stopped - used %s user time, %s system time", tv(self.Utime), tv(self.Stime)))
	word := "CONFIG"
	if kind == ErrFatal {
		word = "FATAL"
	}
	d.log.Core.Info(fmt.Sprintf("pid %d exited with permanent error %s. Terminating", os.Getpid(), word))
	return fmt.Errorf("%s: %w", name, kind)
}

func (d *Daemon) startLVS(cfg *config.Config) error {
	if cfg.LVS.Refused {
		d.log.Core.Info(fmt.Sprintf("Starting Healthcheck child process, pid=%d", os.Getpid()))
		return d.refuse(d.log.Check, "checker", ErrConfig)
	}
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
	d.lvs = runSide(m, func(err error) {
		d.log.Check.Error(fmt.Sprintf("Healthcheck child process died: %v", err))
	})
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
		fitProcessors(d.wantLVS(d.Config()) && parallelCheckers(d.Config()))
		fitCollector(d.wantLVS(d.Config()))
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
	// keepalived's VRRP child exits on such a file at a reload too, and
	// its parent terminates: every address and route goes. Here the
	// running configuration stays (docs/compat.md).
	if d.wantVRRP(cfg) && cfg.VRRP.Refused {
		return fmt.Errorf("vrrp: %w: keepalived's VRRP process would exit", ErrConfig)
	}
	if d.wantLVS(cfg) && cfg.LVS.Refused {
		return fmt.Errorf("checker: %w: keepalived's checker process would exit", ErrConfig)
	}
	// Validate every side before changing any, so a configuration one side
	// refuses leaves both untouched.
	if d.wantVRRP(cfg) && d.opt.CheckVRRP != nil {
		if err := d.opt.CheckVRRP(cfg); err != nil {
			return fmt.Errorf("vrrp: %w", err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	switch {
	case d.vrrp != nil && d.wantVRRP(cfg):
		d.log.VRRP.Info("Reloading")
		if err := d.vrrp.Reload(cfg); err != nil {
			errs = append(errs, fmt.Errorf("vrrp: %w", err))
		}
	case d.vrrp != nil:
		errs = append(errs, d.vrrp.stop())
		d.vrrp = nil
	case d.wantVRRP(cfg):
		if err := d.startvrrpLocked(cfg); err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case d.lvs != nil && d.wantLVS(cfg):
		d.log.Check.Info("Reloading")
		if err := d.lvs.Reload(cfg); err != nil {
			errs = append(errs, fmt.Errorf("lvs: %w", err))
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

// stopLVSLocked stops the checker side; its teardown logs its own errors.
func (d *Daemon) stopLVSLocked() {
	if d.lvs != nil {
		_ = d.lvs.stop()
	}
	d.lvs = nil
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
	runGlobalScript(d.log.Core, d.opt.RunScript, d.opt.Detail, "shutdown", g.ShutdownScript, g, g.ShutdownScriptTimeout)
	self, children := usage()
	side.Info(fmt.Sprintf("Stopped - used (self/children) %s/%s user time, %s/%s system time",
		tv(self.Utime), tv(children.Utime), tv(self.Stime), tv(children.Stime)))
	d.stopped()
}

// stopped is the parent's last words, at a stop and at a start that
// failed with ErrConfig or ErrFatal.
func (d *Daemon) stopped() {
	if d.opt.Detail {
		self, children := usage()
		d.log.Core.Info(fmt.Sprintf("CPU usage (self/children) user: %s/%s system: %s/%s",
			tv(self.Utime), tv(children.Utime), tv(self.Stime), tv(children.Stime)))
	}
	d.log.Core.Info(fmt.Sprintf("Stopped %s", d.opt.Version))
}

// usage is this process's and its reaped children's CPU time.
func usage() (self, children syscall.Rusage) {
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	return self, children
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
