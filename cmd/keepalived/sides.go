package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/lvs"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpside"
)

// hooks are the options an extension may adjust: the daemon's and the
// VRRP side's (their fields do not overlap).
type hooks struct {
	*daemonOptions
	*vrrpOptions
	// start is the configuration the daemon starts with; what is fixed at
	// start (the SNMP subtrees) is decided from it.
	start *config.Config
}

// The embedded fields' names.
type (
	daemonOptions = daemon.Options
	vrrpOptions   = vrrpside.Options
)

// vrrpOf is d's running VRRP side (nil when it is not running; the nil
// Side's Status and Config are empty).
func vrrpOf(d *daemon.Daemon) *vrrpside.Side {
	if d == nil {
		return nil
	}
	s, _ := d.VRRP().(*vrrpside.Side)
	return s
}

// lvsOf is d's running checker side (nil when it is not running).
func lvsOf(d *daemon.Daemon) *lvs.Manager {
	if d == nil {
		return nil
	}
	if s, ok := d.LVS().(*lvsSide); ok {
		return s.Manager
	}
	return nil
}

// lvsSide is the checker side with the IPVS sync daemon following the
// VRRP instance lvs_sync_daemon names.
type lvsSide struct {
	*lvs.Manager
	follow *syncFollower
}

func (l *lvsSide) Run(ctx context.Context) error {
	defer l.follow.set(nil, nil)
	return l.Manager.Run(ctx)
}

func (l *lvsSide) Reload(cfg *config.Config) error {
	if err := l.Manager.Reload(cfg); err != nil {
		return err
	}
	l.follow.set(l.Manager, cfg)
	return nil
}

// plugSides gives the daemon its VRRP and checker sides. vopt is read
// when the VRRP side starts, after the extensions have adjusted it; the
// IPVS sync daemon follows the VRRP instance lvs_sync_daemon names, and
// BFD_CHECK asks the daemon handed to the returned function; drift is the
// period of the IPVS drift check (--ipvs-drift-check, 0 = none).
func plugSides(opt *daemon.Options, vopt *vrrpside.Options, drift time.Duration) (setRunning func(*daemon.Daemon)) {
	follow := &syncFollower{}
	opt.RunScript = vrrpside.RunScript
	opt.CheckVRRP = vrrpside.Check
	opt.NotifyStop = vrrpside.NotifyStop
	opt.NewVRRP = func(c *config.Config, log *slog.Logger, keepVIPs bool) (daemon.Side, error) {
		so := *vopt
		so.Logger, so.KeepVIPs = log, keepVIPs
		// The extensions' observers first, the sync daemon last.
		so.Notifiers = append(append([]vrrp.Notifier(nil), vopt.Notifiers...), follow)
		if err := ipvsForSyncDaemon(c, log); err != nil {
			return nil, err
		}
		return vrrpside.New(c, so)
	}
	var running *daemon.Daemon
	bfdUp := func(name string) bool { return running != nil && running.BFDUp(name) }
	opt.NewLVS = func(c *config.Config, log *slog.Logger, keepIPVS bool) (daemon.LVS, error) {
		m, err := lvs.New(c, lvs.Options{Logger: log, KeepOnExit: keepIPVS, BFDUp: bfdUp, Traps: queueCheckTrap,
			Resync: drift})
		if err != nil {
			return nil, err
		}
		follow.set(m, c)
		return &lvsSide{Manager: m, follow: follow}, nil
	}
	return func(d *daemon.Daemon) { running = d }
}

// driftCheckPeriod reads --ipvs-drift-check: a Go duration ("30s", "5m")
// or whole seconds; "" or 0 is none, keepalived's behaviour.
func driftCheckPeriod(v string) (time.Duration, bool) {
	if v == "" {
		return 0, true
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d >= 0
}
