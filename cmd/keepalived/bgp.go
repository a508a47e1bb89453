package main

import (
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/bgp"
	"github.com/dsas/keepalived-go/bgpconf"
	"github.com/dsas/keepalived-go/bgpproc"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/metrics"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

func init() { extensions = append(extensions, bgpExtension) }

// collectors are the extensions' metric collectors by name; observe
// registers them with the endpoint's registry. A name is set once per
// daemon, so a second daemon in one process (tests) replaces, not
// duplicates, its series.
var collectors = map[string]prometheus.Collector{}

// bgpStatus is the running bgp_speaker's status for the control socket;
// observe reads it at each request.
var bgpStatus func() status.BGP

// bgpPoll is how often health is read besides VRRP events: virtual
// servers' quorum has no event of its own here.
const bgpPoll = 250 * time.Millisecond

// bgpRestart is how long a speaker helper that died waits before it is
// started again.
const bgpRestart = time.Second

// bgpSide is the running bgp_speaker extension: the speaker (gobgp in the
// keepalived-bgp helper, see bgpproc), the
// announcer deciding what it says, and the loop feeding health to it.
type bgpSide struct {
	log *slog.Logger
	get func() *daemon.Daemon

	mu      sync.Mutex
	cfg     *config.BGP
	speaker *bgpproc.Speaker
	ann     *bgp.Announcer
	stop    chan struct{}
	kick    chan struct{}
	gate    bfdGate
	closed  bool // shut down: a dead helper is not restarted
}

// bgpExtension starts the speaker once the daemon is ready (its
// configuration is loaded then), re-reads the block on reload, reconciles
// on every VRRP event and drains before the daemon stops.
func bgpExtension(o Options, opt *hooks) (func(*daemon.Daemon) func(), error) {
	var dmu sync.Mutex
	var d *daemon.Daemon
	b := &bgpSide{log: opt.Logs.Core, kick: make(chan struct{}, 1),
		get: func() *daemon.Daemon { dmu.Lock(); defer dmu.Unlock(); return d }}
	opt.Notifiers = append(opt.Notifiers, b)
	collectors["bgp"] = metrics.NewBGPCollector(b.snapshot)
	bgpStatus = b.status
	chain(&opt.Ready, func() { b.configure() })
	prevReloaded := opt.Reloaded
	opt.Reloaded = func(err error) {
		if prevReloaded != nil {
			prevReloaded(err)
		}
		if err == nil {
			b.configure()
		}
	}
	chain(&opt.Stopping, func() { b.drainAndStop() })
	return func(dd *daemon.Daemon) func() {
		dmu.Lock()
		d = dd
		dmu.Unlock()
		return b.shutdown
	}, nil
}

// chain runs f after whatever *hook already did.
func chain(hook *func(), f func()) {
	prev := *hook
	*hook = func() {
		if prev != nil {
			prev()
		}
		f()
	}
}

// Notify is the VRRP event stream: any state change may change health.
func (b *bgpSide) Notify(vrrp.Event) {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// configure starts, keeps or restarts the speaker for the loaded
// configuration. A changed block restarts the sessions; changed announce
// targets only change what the running speaker says.
func (b *bgpSide) configure() {
	d := b.get()
	if d == nil {
		return
	}
	cfg := d.Config()
	var want *config.BGP
	if cfg != nil {
		want = cfg.BGP
	}
	src, warnings := bgpconf.Sources(cfg)
	warnings = append(warnings, bfdWarnings(cfg)...)
	for _, w := range warnings {
		b.log.Warn(w)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if b.speaker != nil && sameSpeaker(b.cfg, want) {
		b.cfg = want
		b.ann.SetSources(src)
		b.kickLocked()
		return
	}
	b.stopLocked()
	if want == nil {
		return
	}
	sp, err := bgpproc.Start(b.log, speakerConfig(want))
	if err != nil {
		b.log.Error(err.Error())
		return
	}
	b.log.Info("BGP speaker started", "local_as", want.LocalAS, "router_id", want.RouterID, "neighbors", len(want.Neighbors))
	b.cfg, b.speaker, b.ann = want, sp, bgp.New(b.log, sp, src)
	b.gate.enabled = nil // a new speaker: every session enabled
	b.stop = make(chan struct{})
	go b.loop(b.ann, b.stop)
	go b.watch(sp, b.stop)
}

// watch restarts a speaker whose helper died (bgpproc has logged why): the
// sessions went down with it, the routers dropped our paths, and a new
// helper announces again what health asks for.
func (b *bgpSide) watch(sp *bgpproc.Speaker, stop chan struct{}) {
	select {
	case <-stop:
		return
	case <-sp.Done():
	}
	b.mu.Lock()
	if b.speaker != sp {
		b.mu.Unlock()
		return
	}
	close(b.stop)
	b.speaker, b.ann, b.cfg = nil, nil, nil
	b.mu.Unlock()
	time.Sleep(bgpRestart)
	b.configure()
}

func (b *bgpSide) kickLocked() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// sameSpeaker: the sessions and path attributes are unchanged (the
// announce lines may differ).
func sameSpeaker(a, b *config.BGP) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.Announce, y.Announce = nil, nil
	return reflect.DeepEqual(x, y)
}

func speakerConfig(c *config.BGP) bgpproc.Config {
	sc := bgpproc.Config{LocalAS: c.LocalAS, RouterID: c.RouterID, ListenPort: c.ListenPort,
		NextHop: c.NextHop, Communities: c.Communities}
	if c.MEDSet {
		sc.MED = &c.MED
	}
	if c.LocalPrefSet {
		sc.LocalPref = &c.LocalPref
	}
	for _, n := range c.Neighbors {
		sc.Neighbors = append(sc.Neighbors, bgpproc.Neighbor{Addr: n.Addr, RemoteAS: n.RemoteAS,
			HoldTime: n.HoldTime, Port: n.Port, Passive: n.Passive})
		// A passive neighbour only ever comes up if we listen.
		if n.Passive && sc.ListenPort == 0 {
			sc.ListenPort = 179
		}
	}
	return sc
}

// loop reconciles at every VRRP event and every bgpPoll.
func (b *bgpSide) loop(ann *bgp.Announcer, stop chan struct{}) {
	t := time.NewTicker(bgpPoll)
	defer t.Stop()
	for {
		ann.Reconcile(b.health())
		b.gateBFD()
		select {
		case <-stop:
			return
		case <-b.kick:
		case <-t.C:
		}
	}
}

// health reads the running daemon's VRRP instances and virtual servers.
func (b *bgpSide) health() bgp.Health {
	d := b.get()
	if d == nil {
		return bgp.Health{}
	}
	var services []check.ServiceStatus
	if m := lvsOf(d); m != nil {
		for _, vs := range m.Status() {
			services = append(services, vs.ServiceStatus)
		}
	}
	return bgpconf.Health(vrrpOf(d).Status(), services)
}

// drainAndStop is the graceful stop: withdraw everything, give the routers
// drain_time to move the flows, then close the sessions. It runs before
// the daemon stops VRRP and the checkers, so the director keeps serving
// while the routers move away from it.
func (b *bgpSide) drainAndStop() {
	b.mu.Lock()
	ann, cfg := b.ann, b.cfg
	b.mu.Unlock()
	if ann == nil {
		return
	}
	ann.Drain()
	if cfg.DrainTime > 0 {
		b.log.Info("BGP draining", "wait", cfg.DrainTime)
		time.Sleep(cfg.DrainTime)
	}
	b.shutdown()
}

func (b *bgpSide) shutdown() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.stopLocked()
}

// stopLocked withdraws everything and closes the sessions. It does not
// wait for the loop: the loop may be reading VRRP status, which can wait
// for the daemon's main loop, and that is where Stopping runs. Once the
// announcer is draining, whatever the loop does next announces nothing.
func (b *bgpSide) stopLocked() {
	if b.speaker == nil {
		return
	}
	b.ann.Drain()
	close(b.stop)
	b.speaker.Stop()
	b.log.Info("BGP speaker stopped")
	b.speaker, b.ann, b.cfg = nil, nil, nil
}

// status is the BGP side as keepalivectl and the metrics show it.
func (b *bgpSide) status() status.BGP {
	b.mu.Lock()
	sp, ann := b.speaker, b.ann
	b.mu.Unlock()
	if sp == nil {
		return status.BGP{}
	}
	s := status.BGP{Running: true, LastChange: ann.LastChange(), Draining: ann.Draining()}
	for _, n := range sp.Neighbors() {
		s.Neighbors = append(s.Neighbors, status.BGPNeighbor{Addr: n.Addr.String(), RemoteAS: n.RemoteAS, State: n.State})
	}
	for _, p := range ann.Announced() {
		s.Announced = append(s.Announced, p.String())
	}
	return s
}

// snapshot is what the metrics endpoint shows.
func (b *bgpSide) snapshot() metrics.BGPSnapshot {
	st := b.status()
	s := metrics.BGPSnapshot{Running: st.Running, Announced: st.Announced, LastChange: st.LastChange, Draining: st.Draining}
	for _, n := range st.Neighbors {
		s.Neighbors = append(s.Neighbors, metrics.BGPNeighbor{Addr: n.Addr, RemoteAS: n.RemoteAS, State: n.State})
	}
	return s
}
