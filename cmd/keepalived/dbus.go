package main

import (
	"cmp"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/godbus/dbus/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpdbus"
)

func init() { extensions = append(extensions, dbusAPI) }

// dbusAPI exports keepalived's D-Bus API when global_defs has enable_dbus.
// It reads the daemon like observe does and acts on it only through what
// a signal would do: PrintData runs the SIGUSR1 handler, ReloadConfig
// sends the process SIGHUP (keepalived's VRRP child signals its parent).
// The bus is joined once the daemon is ready, and again after a reload
// that turns enable_dbus on; a bus that cannot be reached is logged, not
// fatal, as in keepalived.
func dbusAPI(o Options, opt *hooks) (func(*daemon.Daemon) func(), error) {
	if o.CheckOnly && !o.VRRPOnly {
		return nil, nil // -C: no VRRP side, no VRRP API
	}
	b := &dbusBridge{opt: opt}
	runningDBus.Store(b)
	opt.Notifiers = append(opt.Notifiers, b)
	prevReady, prevReloaded := opt.Ready, opt.Reloaded
	opt.Ready = func() {
		if prevReady != nil {
			prevReady()
		}
		b.sync(false)
	}
	opt.Reloaded = func(err error) {
		if prevReloaded != nil {
			prevReloaded(err)
		}
		if err == nil {
			b.sync(true)
		}
	}
	return func(d *daemon.Daemon) func() {
		b.mu.Lock()
		b.d = d
		b.mu.Unlock()
		return b.stop
	}, nil
}

// dbusBridge holds the running service, if any, between the daemon's
// hooks and the bus; it is the Notifier the daemon knows.
type dbusBridge struct {
	opt *hooks

	mu  sync.Mutex
	d   *daemon.Daemon
	svc *vrrpdbus.Service
	// lost: there was no bus to own the name on; the stop still says
	// "Released DBus", as keepalived's does.
	lost bool
}

func (b *dbusBridge) Notify(ev vrrp.Event) {
	b.mu.Lock()
	svc := b.svc
	b.mu.Unlock()
	if svc != nil {
		svc.Notify(ev)
	}
}

// sync starts or stops the service to follow enable_dbus in the running
// configuration; after a reload a running service says VrrpReloaded.
func (b *dbusBridge) sync(reload bool) {
	b.mu.Lock()
	d, svc := b.d, b.svc
	b.mu.Unlock()
	if d == nil {
		return
	}
	cfg := d.Config()
	// keepalived's VRRP child runs the D-Bus service: none without it.
	on := cfg != nil && cfg.Global.EnableDBus && vrrpOf(d) != nil
	switch {
	case on && svc == nil:
		b.start(d, cfg)
	case !on && svc != nil:
		b.stop()
	case on && reload:
		svc.Reloaded()
	}
}

func (b *dbusBridge) start(d *daemon.Daemon, cfg *config.Config) {
	log := b.opt.Logs.VRRP
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		// keepalived's words when GDBus cannot own the name (no bus).
		name := cmp.Or(cfg.Global.DBusServiceName, vrrpdbus.DefaultService)
		log.Info("Lost the name " + name + " on the session bus")
		log.Debug("D-Bus: no system bus", "err", err)
		b.mu.Lock()
		b.lost = true
		b.mu.Unlock()
		return
	}
	svc := vrrpdbus.New(vrrpdbus.Options{
		Service:         cfg.Global.DBusServiceName,
		Namespace:       cfg.Global.NetNamespace,
		Instance:        cfg.Global.Instance,
		Instances:       func() []vrrp.InstanceStatus { return vrrpOf(d).Status() },
		PrintData:       b.onSignal(syscall.SIGUSR1),
		PrintStats:      b.onSignal(syscall.SIGUSR2),
		PrintStatsClear: b.onSignal(syscall.Signal(63)),
		ReloadConfig:    func() { _ = syscall.Kill(os.Getpid(), syscall.SIGHUP) },
		SendGARP: func(name string) {
			if v := vrrpOf(d); v != nil {
				v.Router().SendGARP(name)
			}
		},
		Logger: log,
	})
	// Published before Start so that no event between the initial states
	// and the first notification is lost.
	b.mu.Lock()
	b.svc = svc
	b.mu.Unlock()
	if err := svc.Start(conn); err != nil {
		log.Info(err.Error())
		conn.Close()
		b.mu.Lock()
		b.svc = nil
		b.mu.Unlock()
	}
}

// onSignal runs the handler another extension put on sig (observe's dump
// files), looked up at call time since extensions register in any order.
func (b *dbusBridge) onSignal(sig os.Signal) func() {
	return func() {
		if h := b.opt.OnSignal[sig]; h != nil {
			h()
		}
	}
}

// stop sends VrrpStopped and leaves the bus; the daemon has already sent
// its STOP events, so their VrrpStatusChange signals go first.
func (b *dbusBridge) stop() {
	b.mu.Lock()
	svc, lost := b.svc, b.lost
	b.svc, b.lost = nil, false
	b.mu.Unlock()
	if svc != nil {
		svc.Stop()
	} else if lost {
		b.opt.Logs.VRRP.Info("Released DBus")
	}
}

// runningDBus is this process's D-Bus bridge, nil when the D-Bus API
// cannot run (-C); the metrics and the status read its connection.
var runningDBus atomic.Pointer[dbusBridge]

// link is the D-Bus service's connection state; ok is false while
// enable_dbus is off.
func (b *dbusBridge) link() (l status.Link, ok bool) {
	b.mu.Lock()
	d, svc := b.d, b.svc
	b.mu.Unlock()
	if svc != nil {
		return status.Link{Name: "dbus", Target: svc.Name(), Connected: svc.Connected()}, true
	}
	if d == nil || d.Config() == nil || !d.Config().Global.EnableDBus {
		return status.Link{}, false
	}
	return status.Link{Name: "dbus", Target: cmp.Or(d.Config().Global.DBusServiceName, vrrpdbus.DefaultService)}, true
}

// links are the monitoring connections for the status: the SNMP
// subagent's, then the D-Bus service's.
func links() []status.Link {
	var out []status.Link
	if a := runningAgent.Load(); a != nil {
		out = append(out, status.Link{Name: "snmp", Target: a.Addr, Connected: a.Connected()})
	}
	if b := runningDBus.Load(); b != nil {
		if l, ok := b.link(); ok {
			out = append(out, l)
		}
	}
	return out
}

// linkCollector exports the D-Bus service's connection: 1 while it is on
// the system bus, 0 when enable_dbus is set and it is not; absent
// otherwise. (The AgentX session is keepalived_snmp_agentx_connected.)
type linkCollector struct{}

var dbusConnectedDesc = prometheus.NewDesc("keepalived_dbus_connected",
	"1 while the D-Bus service (enable_dbus) is on the system bus, 0 while it is not.", nil, nil)

// Describe implements prometheus.Collector.
func (linkCollector) Describe(ch chan<- *prometheus.Desc) { ch <- dbusConnectedDesc }

// Collect implements prometheus.Collector.
func (linkCollector) Collect(ch chan<- prometheus.Metric) {
	b := runningDBus.Load()
	if b == nil {
		return
	}
	l, ok := b.link()
	if !ok {
		return
	}
	v := 0.0
	if l.Connected {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(dbusConnectedDesc, prometheus.GaugeValue, v)
}
