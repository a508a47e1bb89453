package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/metrics"
	"github.com/dsas/keepalived-go/statefile"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

func init() { extensions = append(extensions, observe) }

// observe plugs the observers into the daemon: keepalived's dump files on
// its signals, the control socket for keepalivectl and, with
// --metrics-listen, the Prometheus endpoint. The sockets open once the
// daemon has started (after its pid-file check), and a socket that cannot
// be opened is logged, not fatal: observability must not take VRRP down.
func observe(o Options, opt *hooks) (func(*daemon.Daemon) func(), error) {
	var (
		mu sync.Mutex
		d  *daemon.Daemon // set by attach, before Run
	)
	get := func() *daemon.Daemon { mu.Lock(); defer mu.Unlock(); return d }

	trans := &status.Transitions{}
	scripts := status.NewScriptRecorder(nil, nil, nil)
	reloads := &status.Reloads{}
	opt.Notifiers = append(opt.Notifiers, trans)
	opt.WrapTrackSink = scripts.Wrap

	src := status.Sources{
		VRRP: status.VRRPFuncs{
			StatusFunc: func() []vrrp.InstanceStatus { return vrrpOf(get()).Status() },
			ConfigFunc: func() vrrp.Config { return vrrpOf(get()).Config() },
		},
		Scripts:     scripts,
		Reloads:     reloads,
		Transitions: trans,
		LVS:         lvsSource(get, opt),
		BGP: status.BGPFunc(func() status.BGP {
			if bgpStatus == nil {
				return status.BGP{}
			}
			return bgpStatus()
		}),
		BFD:        status.BFDFunc(func() status.BFD { return bfdStatus(get()) }),
		Links:      links,
		ConfigFile: cmp.Or(o.ConfigFile, defaultConfigFile),
		Version:    status.BuildVersion(),
		RouterID: func() string {
			if c := get().Config(); c != nil {
				return c.Global.RouterID
			}
			return ""
		},
	}
	if o.CheckOnly && !o.VRRPOnly {
		src.VRRP, src.Scripts, src.Transitions = nil, nil, nil // -C: no VRRP side
	}
	dumpOnSignals(o, opt, src, get)

	prevReloaded := opt.Reloaded
	opt.Reloaded = func(err error) {
		reloads.Record(time.Now(), err)
		if prevReloaded != nil {
			prevReloaded(err)
		}
	}

	srv := &servers{}
	prevReady := opt.Ready
	opt.Ready = func() {
		if prevReady != nil {
			prevReady()
		}
		reloads.Loaded(time.Now())
		srv.start(o, opt, src, get)
	}
	attach := func(dd *daemon.Daemon) func() {
		mu.Lock()
		d = dd
		mu.Unlock()
		return srv.close
	}
	return attach, nil
}

// lvsSource reads the checker side with the kernel's IPVS counters, over a
// connection of its own dialled at the first status or scrape that needs
// it, and again later if IPVS was not there yet.
func lvsSource(get func() *daemon.Daemon, opt *hooks) status.LVSFunc {
	var mu sync.Mutex
	var conn *ipvs.Conn
	return func() []status.VirtualServer {
		m := lvsOf(get())
		if m == nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if conn == nil {
			c, err := ipvs.Dial()
			if err != nil {
				return status.FromLVS(m.Status())
			}
			conn = c
		}
		vs, err := status.FromLVSKernel(m.Status(), conn)
		if err != nil {
			opt.Logs.Check.Debug("ipvs counters unavailable", "err", err)
		}
		return vs
	}
}

// dumpOnSignals writes keepalived's dump files on its signals, logging
// keepalived's own lines, which log alerts may match.
func dumpOnSignals(o Options, opt *hooks, src status.Sources, get func() *daemon.Daemon) {
	files := statefile.New(src, statefile.WithHost(func() statefile.Host {
		return statefile.Host{Config: get().Config(), Interfaces: statefile.HostInterfaces(), Delayed: vrrpOf(get()).DelayedLinks(), Delays: vrrpOf(get()).LinkDelays()}
	}), statefile.WithCheck(func() (*config.Config, map[string]check.ServiceStatus) {
		if o.VRRPOnly && !o.CheckOnly {
			return nil, nil // -P: no checker side
		}
		health := map[string]check.ServiceStatus{}
		if m := lvsOf(get()); m != nil {
			for _, s := range m.Status() {
				health[s.ID] = s.ServiceStatus
			}
		}
		return get().Config(), health
	}), statefile.WithBFD(func() (*config.Config, statefile.BFDDump) {
		d := get()
		if d == nil || d.BFD() == nil {
			return nil, statefile.BFDDump{}
		}
		r := d.BFD()
		if r == nil {
			return nil, statefile.BFDDump{}
		}
		return d.Config(), statefile.BFDDump{FDIn: r.InputFD(), Sessions: r.Dump()}
	}), statefile.WithDataName(func(name string) string {
		g := get().Config().Global
		if !g.DataUseInstance {
			return name
		}
		return statefile.DataUseInstanceName(name, g.NetNamespace, g.Instance)
	}))
	vlog := opt.Logs.VRRP
	dump := func(format string, write func() (string, error)) func() {
		return func() {
			// keepalived's parent passes the signal to its VRRP child;
			// without one (-C, or nothing to run) no line and no file.
			if d := get(); d == nil || d.VRRP() == nil {
				return
			}
			vlog.Info(fmt.Sprintf(format, os.Getpid()))
			if _, err := write(); err != nil {
				vlog.Error(err.Error())
			}
		}
	}
	// Each of keepalived's processes resolves the default script user at
	// its first dump if nothing did before, and logs its failure then.
	userNote := func(l *slog.Logger, told *bool) {
		if d := get(); d != nil && !*told {
			*told = true
			if n := statefile.DefaultScriptUserNote(&d.Config().Global); n != "" {
				l.Error(n)
			}
		}
	}
	var vrrpTold, checkTold bool
	vrrpDump := dump("Printing VRRP data for process(%d) on signal", files.WriteData)
	vrrpData := func() {
		if d := get(); d != nil && d.VRRP() != nil {
			userNote(vlog, &vrrpTold)
		}
		vrrpDump()
	}
	checkData := func() {
		// keepalived's checker process logs and writes its own file.
		if path, err := files.WriteCheckData(); err != nil {
			opt.Logs.Check.Error(err.Error())
		} else if path != "" {
			userNote(opt.Logs.Check, &checkTold)
			opt.Logs.Check.Info(fmt.Sprintf("Printing checker data for process(%d) on signal", os.Getpid()))
		}
	}
	bfdData := func() {
		// keepalived's BFD process logs and writes its own file.
		blog := opt.Logs.BFD
		if blog == nil {
			blog = opt.Logs.Core
		}
		if path, err := files.WriteBFDData(); err != nil {
			blog.Error(err.Error())
		} else if path != "" {
			blog.Info(fmt.Sprintf("Printing BFD data for process(%d) on signal", os.Getpid()))
		}
	}
	opt.OnSignal[syscall.SIGUSR1] = func() { vrrpData(); checkData(); bfdData() }
	opt.OnSignal[syscall.SIGUSR2] = dump("Printing VRRP stats for process(%d) on signal", files.WriteStats)
	opt.OnSignal[syscall.Signal(36)] = dump("Printing VRRP as json for process(%d) on signal", files.WriteJSON)
	opt.OnSignal[syscall.Signal(63)] = dump("Printing and clearing VRRP stats for process(%d) on signal", files.WriteStatsClear)
}

// servers are the control socket and the metrics listener, opened once
// the daemon is ready (after its pid-file check). One that cannot be
// opened is logged, not fatal: observability must not take VRRP down.
type servers struct {
	sync.Mutex
	ctl *control.Server
	met *metrics.Server
}

func (s *servers) start(o Options, opt *hooks, src status.Sources, get func() *daemon.Daemon) {
	s.Lock()
	defer s.Unlock()
	core := opt.Logs.Core
	if o.ControlSocket != "-" {
		path := o.ControlSocket
		if path == "" {
			// Next to the main pid file, so daemons keepalived lets run
			// side by side (instance, namespace, -p) do not clash.
			path = control.SocketFor(opt.PIDFile)
		}
		c, err := control.NewServer(path, src, control.WithLogger(core))
		if err != nil {
			core.Error(err.Error())
		}
		s.ctl = c
	}
	if o.MetricsListen != "" {
		var mopts []metrics.Option
		if o.MetricsGen2brain {
			mopts = append(mopts, metrics.WithGen2brain())
		}
		reg := metrics.NewRegistry(src, mopts...)
		metrics.RegisterRuntime(reg)
		reg.MustRegister(bfdCollector(get), snmpCollector(), linkCollector{})
		for _, c := range collectors {
			reg.MustRegister(c)
		}
		m, err := metrics.Serve(o.MetricsListen, reg, core, metrics.WithStatusPage(src))
		if err != nil {
			core.Error(err.Error())
		}
		s.met = m
	}
}

func (s *servers) close() {
	s.Lock()
	defer s.Unlock()
	if s.ctl != nil {
		s.ctl.Close()
	}
	if s.met != nil {
		s.met.Close()
	}
}
