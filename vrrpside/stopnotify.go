package vrrpside

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/notify"
)

// NotifyStop sends the STOP notifications keepalived's VRRP child sends
// when it exits at start on a file it refuses (two instances sharing a
// VRID: exit CONFIG): its shutdown runs notify_shutdown on the instances
// it read, STOP for every instance (its configured priority) and then
// every sync group. No engine starts; the scripts run as the normal path
// runs them (script_user, enable_script_security via the translated
// users).
func NotifyStop(cfg *config.Config, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res, err := translate(cfg)
	if err != nil {
		return fmt.Errorf("stop notifies: %w", err)
	}
	nc := res.Notify
	nc.Logger = log
	nc.Run = runner(res.Users)
	// keepalived opens the notify FIFOs after the checks that refuse a
	// file: no FIFO line, no FIFO script.
	nc.FIFOs = nil
	return stopNotify(nc, res.VRRP, cfg.VRRP.RefusedCompleted, notifyTimeout)
}

// stopNotify emits keepalived's notify_shutdown order through a
// dispatcher built from nc and waits up to wait for the scripts. Instances
// keepalived never completed (completed false) report priority 0, its
// zeroed effective priority.
func stopNotify(nc notify.Config, vc vrrp.Config, completed bool, wait time.Duration) error {
	d, err := notify.New(nc)
	if err != nil {
		return fmt.Errorf("stop notifies: %w", err)
	}
	now := time.Now()
	for _, in := range vc.Instances {
		prio := 0
		if completed {
			prio = in.Priority
		}
		d.Notify(vrrp.Event{Name: in.Name, State: vrrp.StateStop, Priority: prio, Time: now})
	}
	for _, g := range vc.SyncGroups {
		d.Notify(vrrp.Event{Group: true, Name: g.Name, State: vrrp.StateStop, Time: now})
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return d.Close(ctx)
}
