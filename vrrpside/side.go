// Package vrrpside is keepalived's VRRP child process as the daemon runs
// it: the VRRP engine on this host's sockets and netlink (vrrphost), its
// trackers, notify scripts and notify_fifo readers, the VMACs, and the
// static addresses, routes and rules. It has the shape of lvs.Manager:
// New builds and starts it, Run holds it until its context ends and then
// stops it, Reload applies a new configuration's difference.
package vrrpside

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os/exec"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/nftfilter"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/notify"
	"github.com/dsas/keepalived-go/vrrp/track"
	"github.com/dsas/keepalived-go/vrrpconf"
	"github.com/dsas/keepalived-go/vrrphost"
)

// notifyTimeout bounds how long a stop waits for queued notify scripts
// (notify_stop included) before killing them.
const notifyTimeout = 10 * time.Second

// Side is what keepalived's VRRP child process does: the engine on this
// host's sockets and netlink, its trackers and its notifications.
type Side struct {
	log      *slog.Logger
	keepVIPs bool
	wrapSink func(track.Sink, []vrrp.ScriptConfig, []track.Script) track.Sink

	host    *vrrphost.Host
	router  *vrrp.Router
	watcher *vrrphost.Watcher
	// watching is watcher for the dump files, read off the side's
	// goroutines (stop clears watcher without a lock).
	watching atomic.Pointer[vrrphost.Watcher]
	notify   swapNotifier
	smtp     smtpNotifier
	cur      atomic.Pointer[vrrp.Config] // what the Listener plans sockets from
	plan     atomic.Pointer[sockPlan]    // the Listener planned from cur
	// stopping stops VMAC re-creation while a stop deletes them.
	stopping atomic.Bool

	mu      sync.Mutex // guards what reload replaces below
	cfg     *config.Config
	res     *vrrpconf.Result
	disp    *notify.Dispatcher
	tracker *track.Tracker
	fifos   []*exec.Cmd
	// promoted are the interfaces whose promote_secondaries this
	// process turned on, to turn off again (promote.go).
	promoted map[string]bool
	// igmpOff: this process turned igmp_link_local_mcast_reports off
	// (disable_local_igmp) and turns it on again at stop.
	igmpOff bool
	// linkbeat polls the linkbeat interfaces; beating their names,
	// whose netlink link events are ignored as keepalived ignores them.
	linkbeat *vrrphost.Linkbeat
	beating  atomic.Pointer[map[string]bool]

	quit     chan struct{} // ends waitForSources
	polled   chan struct{} // closed when it has ended
	reloaded chan struct{} // wakes waitForSources after a reload (buffered, 1)
}

// swapNotifier lets a reload replace the dispatcher under a running
// engine, and tees the events to the daemon's other observers.
type swapNotifier struct {
	p    atomic.Pointer[notify.Dispatcher]
	tees []vrrp.Notifier
}

func (s *swapNotifier) Notify(ev vrrp.Event) {
	if d := s.p.Load(); d != nil {
		d.Notify(ev)
	}
	for _, t := range s.tees {
		t.Notify(ev)
	}
}

// Options are what the process lends the VRRP side.
type Options struct {
	Logger *slog.Logger
	// KeepVIPs is --dont-release-vrrp.
	KeepVIPs bool
	// Notifiers are told every VRRP event after the notify scripts have
	// been queued (metrics, transition counters, the LVS sync daemon);
	// they must not block.
	Notifiers []vrrp.Notifier
	// WrapTrackSink, when set, sits between the trackers and the engine
	// (a vrrp_script result recorder); it is called again after a reload
	// changes the trackers.
	WrapTrackSink func(next track.Sink, scripts []vrrp.ScriptConfig, runs []track.Script) track.Sink
	// Rejected, when set, is told of the adverts refused for an
	// authentication or protocol error (the SNMP RFC traps); it must not
	// block.
	Rejected func(vrrp.Rejection)
}

func translate(cfg *config.Config) (*vrrpconf.Result, error) {
	return vrrpconf.Translate(cfg, vrrpconf.Options{PrimaryAddr: vrrphost.PrimaryAddrs(), TrackFileDir: trackFileDir})
}

// Check validates cfg as New and Reload would, touching nothing: the
// daemon checks every side before changing any.
func Check(cfg *config.Config) error {
	res, err := translate(cfg)
	if err != nil {
		return err
	}
	_, err = vrrp.New(res.VRRP, vrrp.Options{Listen: func(string, bool) (vrrp.Conn, error) { return nil, errors.New("validation only") }, Network: nopNetwork{}})
	return err
}

// New starts the VRRP side on cfg: sockets, VMACs, static entries,
// notifications and trackers. Run holds it; cancelling Run's context
// stops it.
func New(cfg *config.Config, so Options) (*Side, error) {
	log := so.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	initTrackFiles(cfg, log)
	res, err := translate(cfg)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		log.Warn(w)
	}
	for _, n := range res.Notes {
		log.Info(n)
	}
	v := &Side{log: log, keepVIPs: so.KeepVIPs, wrapSink: so.WrapTrackSink, res: res, cfg: cfg, quit: make(chan struct{}), polled: make(chan struct{}), reloaded: make(chan struct{}, 1)}
	v.smtp.setConfig(cfg, log)
	v.notify.tees = append(slices.Clone(so.Notifiers), &v.smtp)
	v.cur.Store(&res.VRRP)
	if v.host, err = vrrphost.New(); err != nil {
		return nil, err
	}
	fw := cfg.Global.VRRP.Firewall
	v.host.SetNoAcceptFilter(nftfilter.Config{Table: fw.NFTablesTable, Priority: int32(fw.NFTablesPriority), Counters: fw.NFTablesCounters})
	listen := func(ifname string, ipv6 bool) (vrrp.Conn, error) {
		return v.sockPlan().listen(ifname, ipv6)
	}
	listenAH := func(ifname string) (vrrp.Conn, error) {
		return v.sockPlan().listenAH(ifname)
	}
	rcvBuf := func(ifname string, ipv6, ah bool) int {
		return v.sockPlan().rcvBuf(ifname, ipv6, ah)
	}
	// keepalived's scheduler check: a late timer is logged and, with
	// max_auto_priority, raises the realtime priority (vrrphost.AutoPriority).
	auto := vrrphost.NewAutoPriority(cfg.Global.MaxAutoPriority, log)
	v.router, err = vrrp.New(res.VRRP, vrrp.Options{Listen: listen, ListenAH: listenAH, RcvBuf: rcvBuf, Network: v.host, Notifier: &v.notify, Logger: log,
		Rejected: so.Rejected, Late: auto.Late, LateAfter: cfg.Global.MinAutoPriorityDelay, IntervalLowered: v.cutDelays})
	if err != nil {
		v.host.Close()
		return nil, err
	}
	if err := v.createVMACs(res.VMACs); err != nil {
		v.host.Close()
		return nil, err
	}
	v.createIPVLANs(res.IPVLANs, nil)
	if v.disp, err = v.newDispatcher(res); err != nil {
		v.host.Close()
		return nil, err
	}
	v.notify.p.Store(v.disp)
	v.fifos = v.startFIFOScripts(res)
	v.promote(nil, res)
	v.disableLocalIGMP(cfg)
	// Subscribe before the engine reads the initial link states, so no
	// change falls between the two, and before the static routes go in:
	// keepalived's route monitor hears them (RouteAdded).
	v.watcher, err = vrrphost.Watch(hostSink{v}, log)
	if err != nil {
		v.close()
		return nil, err
	}
	v.watcher.SetDelays(linkDelays(cfg, res))
	v.watching.Store(v.watcher)
	v.installStatic(res)
	log.Info("Startup complete")
	if err := v.host.BeginStartup(); err != nil {
		log.Debug(fmt.Sprintf("removing stale VIPs one by one: %v", err))
	}
	track.Prime(v.trackConfig(res), v.sink(res))
	err = v.router.Start()
	v.host.EndStartup()
	if err != nil {
		v.close()
		return nil, err
	}
	v.checkTrackedSources(res)
	v.startLinkbeat(nil, res)
	v.tracker = track.Start(v.trackConfig(res), v.sink(res))
	go v.waitForSources()
	return v, nil
}

// sockPlan is the Listener planned from one configuration. Planning walks
// every instance, so it is made once per configuration rather than for
// each socket opened: with 2 000 VMAC instances (a socket each) that was
// 2 000 x 2 000 map insertions at start (0.8 s of CPU).
type sockPlan struct {
	cfg      *vrrp.Config
	listen   vrrp.Listener
	listenAH func(string) (vrrp.Conn, error)
	rcvBuf   func(ifname string, ipv6, ah bool) int
}

func (v *Side) sockPlan() *sockPlan {
	cfg := v.cur.Load()
	if p := v.plan.Load(); p != nil && p.cfg == cfg {
		return p
	}
	p := &sockPlan{cfg: cfg, listen: vrrphost.Listener(*cfg), listenAH: vrrphost.ListenerAH(*cfg), rcvBuf: vrrphost.RcvBuf(*cfg)}
	v.plan.Store(p)
	return p
}

// sourcePoll is how often instances held in FAULT for want of a source
// address look for one (keepalived learns it from address events).
const sourcePoll = time.Second

// waitForSources re-applies the configuration once an interface that
// lacked an address has one, so the instances waiting for it start. Only
// a reload changes which instances wait, so while none does it sleeps
// until the next reload instead of waking the daemon every second.
func (v *Side) waitForSources() {
	defer close(v.polled)
	t := time.NewTicker(sourcePoll)
	defer t.Stop()
	for {
		waiting := v.router.NeedsSource()
		tick := t.C
		if len(waiting) == 0 {
			t.Stop()
			tick = nil
		}
		select {
		case <-v.quit:
			return
		case <-v.reloaded:
			t.Reset(sourcePoll)
			continue
		case <-tick:
		}
		v.mu.Lock()
		cfg := v.cfg
		v.mu.Unlock()
		res, err := translate(cfg)
		if err != nil {
			continue
		}
		found := false
		for _, ic := range res.VRRP.Instances {
			for _, name := range waiting {
				if ic.Name == name && ic.SrcIP.IsValid() {
					found = true
				}
			}
		}
		if found {
			v.mu.Lock()
			if v.cfg == cfg { // no SIGHUP reload came in between
				if err := v.reloadLocked(cfg); err != nil {
					v.log.Warn(fmt.Sprintf("applying the new source address: %v", err))
				}
			}
			v.mu.Unlock()
		}
	}
}

// sink is where tracker results go: the engine, through the daemon's
// recorder when one is plugged in.
func (v *Side) sink(res *vrrpconf.Result) track.Sink {
	if v.wrapSink != nil {
		return v.wrapSink(v.router, res.VRRP.Scripts, res.Track.Scripts)
	}
	return v.router
}

// Router is the running engine, for status, metrics and dump files.
func (v *Side) Router() *vrrp.Router {
	if v == nil {
		return nil
	}
	return v.router
}

// Status is the engine's snapshot (nil on a nil Side: the VRRP side is
// not running).
func (v *Side) Status() []vrrp.InstanceStatus {
	if v == nil {
		return nil
	}
	return v.router.Status()
}

// Config returns the engine configuration running now (zero on a nil
// Side).
func (v *Side) Config() vrrp.Config {
	if v == nil {
		return vrrp.Config{}
	}
	return *v.cur.Load()
}

// DelayedLinks are the interfaces whose change of state waits for its
// interface_up_down_delays, with the flags the engine still acts on
// (the SIGUSR1 dump's "Delayed state change running").
func (v *Side) DelayedLinks() map[string]uint32 {
	if v == nil {
		return nil
	}
	if w := v.watching.Load(); w != nil {
		return w.Delayed()
	}
	return nil
}

// LinkDelays are the interface_up_down_delays in force, a master's
// shorter advert interval's cuts included (polled interfaces have none).
func (v *Side) LinkDelays() map[string]config.InterfaceDelay {
	if v == nil {
		return nil
	}
	w := v.watching.Load()
	if w == nil {
		return nil
	}
	out := map[string]config.InterfaceDelay{}
	for name, d := range w.Delays() {
		out[name] = config.InterfaceDelay{Name: name, Up: d.Up, Down: d.Down}
	}
	return out
}

// cutDelays is the engine's IntervalLowered: the instance's interface
// and VMAC delays held under (down_timer_adverts - 1) of the master's
// advert intervals, as keepalived's check_debounce_timers.
func (v *Side) cutDelays(ic vrrp.InstanceConfig, interval time.Duration) bool {
	w := v.watching.Load()
	if w == nil || ic.DownTimerAdverts <= 1 {
		return false
	}
	limit, cut := debounceCut(ic.DownTimerAdverts, interval)
	names := []string{cmp.Or(ic.BaseInterface, ic.Interface)}
	if ic.VMACName != "" {
		names = append(names, ic.VMACName)
	}
	return w.CutDelays(names, limit, cut)
}

// debounceCut is keepalived's bound on an interface's delays, (n - 1)
// advert intervals, and what a delay of that or more becomes: just under
// it by advert_int / 256 of keepalived's microseconds.
func debounceCut(downTimerAdverts int, interval time.Duration) (limit, cut time.Duration) {
	limit = time.Duration(downTimerAdverts-1) * interval
	return limit, limit - interval/time.Microsecond/256*time.Microsecond
}

// Probe takes the engine's locks and returns: the systemd watchdog pings
// only while it does, so a wedged engine gets the daemon restarted.
func (v *Side) Probe() { v.router.Status() }

// BFDState passes a BFD session's Up/Down to the engine (track_bfd).
func (v *Side) BFDState(name string, up bool) { v.router.BFDState(name, up) }

// Run holds the side until ctx ends, then leaves VRRP as keepalived does
// on SIGTERM and returns what the stop could not undo.
func (v *Side) Run(ctx context.Context) error {
	<-ctx.Done()
	return v.stop()
}

// Reload moves to cfg; on error nothing has changed.
func (v *Side) Reload(cfg *config.Config) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reloadLocked(cfg)
}

func (v *Side) reloadLocked(cfg *config.Config) error {
	initTrackFiles(cfg, v.log)
	res, err := translate(cfg)
	if err != nil {
		return err
	}
	old := v.res
	for _, m := range res.VMACs {
		if !containsVMAC(old.VMACs, m) {
			if err := v.createVMAC(m); err != nil {
				return fmt.Errorf("vmac %s: %w", m.Name, err)
			}
		}
	}
	v.createIPVLANs(res.IPVLANs, old.IPVLANs)
	prev := v.cur.Load()
	v.cur.Store(&res.VRRP)
	if err := v.router.Reload(res.VRRP); err != nil {
		v.cur.Store(prev)
		return err
	}
	for _, w := range res.Warnings {
		v.log.Warn(w)
	}
	v.watcher.SetDelays(linkDelays(cfg, res))
	if !reflect.DeepEqual(old.Notify, res.Notify) || !reflect.DeepEqual(old.Users, res.Users) {
		d, err := v.newDispatcher(res)
		if err != nil {
			v.log.Warn("notify: keeping the previous notifications", "err", err)
		} else {
			d.Adopt(v.disp)
			oldDisp := v.disp
			v.disp = d
			v.notify.p.Store(d)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
				defer cancel()
				oldDisp.Close(ctx)
			}()
		}
	}
	if !reflect.DeepEqual(old.Track, res.Track) || !reflect.DeepEqual(old.Users, res.Users) {
		v.tracker.Stop()
		v.tracker = track.Start(v.trackConfig(res), v.sink(res))
	}
	if !reflect.DeepEqual(old.FIFOScripts, res.FIFOScripts) {
		stopCmds(v.fifos)
		v.fifos = v.startFIFOScripts(res)
	}
	v.removeStale(old, res)
	v.promote(old, res)
	v.startLinkbeat(old, res)
	v.installStatic(res)
	v.smtp.setConfig(cfg, v.log)
	v.cfg = cfg
	for _, m := range old.VMACs {
		if !containsVMAC(res.VMACs, m) {
			v.deleteVMAC(m)
		}
	}
	v.deleteIPVLANs(old.IPVLANs, res.IPVLANs)
	v.res = res
	select {
	case v.reloaded <- struct{}{}:
	default:
	}
	return nil
}

// stop leaves VRRP as keepalived does on SIGTERM.
func (v *Side) stop() error {
	v.stopping.Store(true)
	close(v.quit)
	<-v.polled
	// The host watcher ends first, outside v.mu: its handlers take v.mu,
	// so the VIP removals below would otherwise reach a handler that
	// waits for this stop while the stop waits for the watcher.
	var werr error
	if v.watcher != nil {
		werr = v.watcher.Close()
		v.watcher = nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tracker != nil {
		v.tracker.Stop()
	}
	err := v.router.Stop(v.keepVIPs)
	return errors.Join(werr, err, v.close())
}

func (v *Side) close() error {
	var errs []error
	if v.watcher != nil {
		errs = append(errs, v.watcher.Close())
	}
	if v.disp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
		errs = append(errs, v.disp.Close(ctx))
		cancel()
	}
	stopCmds(v.fifos)
	v.linkbeat.Stop()
	v.linkbeat = nil
	v.promote(v.res, nil)
	if v.igmpOff {
		v.igmpOff = false
		if err := vrrphost.RestoreLocalIGMP(); err != nil {
			v.log.Info(err.Error())
		}
	}
	// Static entries go whatever -V says, as in keepalived's stop_vrrp.
	ctx := context.Background()
	for _, r := range v.res.StaticRules {
		v.host.DelRule(ctx, r)
	}
	for _, r := range v.res.StaticRoutes {
		v.host.DelRoute(ctx, r)
	}
	for _, a := range v.res.StaticAddresses {
		v.host.DelAddress(ctx, a)
	}
	if !v.keepVIPs {
		v.deleteVMACs(v.res.VMACs)
		v.deleteIPVLANs(v.res.IPVLANs, nil)
	}
	errs = append(errs, v.host.Close())
	return errors.Join(errs...)
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

// linkDelays are the interface_up_down_delays the watcher applies: not
// on a polled (linkbeat) interface, whose netlink events keepalived
// ignores and whose polled changes count at once.
func linkDelays(cfg *config.Config, res *vrrpconf.Result) map[string]vrrphost.Delay {
	d := map[string]vrrphost.Delay{}
	for name, dl := range vrrpconf.LinkDelays(cfg, res.VRRP.Instances) {
		if !slices.Contains(res.Linkbeat, name) {
			d[name] = vrrphost.Delay{Up: dl.Up, Down: dl.Down}
		}
	}
	return d
}
