package vrrpside

import (
	"log/slog"
	"sync"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/smtpalert"
	"github.com/dsas/keepalived-go/vrrp"
)

// smtpNotifier sends keepalived's e-mail alerts for the instances and sync
// groups with smtp_alert (vrrp_smtp_notifier, vrrp_sync_smtp_notifier): one
// per state change, none for a state already mailed, FAULT left out under
// no_email_faults.
type smtpNotifier struct {
	mu        sync.Mutex
	sender    *smtpalert.Sender
	instances map[string]bool // smtp_alert, by instance
	groups    map[string]bool
	noFaults  bool
	last      map[smtpKey]vrrp.State
}

type smtpKey struct {
	group bool
	name  string
}

// setConfig (re)reads the e-mail settings; a reload keeps what was mailed.
func (n *smtpNotifier) setConfig(cfg *config.Config, log *slog.Logger) {
	g := &cfg.Global
	sc := smtpalert.FromGlobal(g)
	instances, groups := map[string]bool{}, map[string]bool{}
	for _, in := range cfg.VRRP.Instances {
		instances[in.Name] = in.SMTPAlert
	}
	for _, sg := range cfg.VRRP.SyncGroups {
		groups[sg.Name] = sg.SMTPAlert
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sender = smtpalert.New(sc, log)
	n.instances, n.groups, n.noFaults = instances, groups, g.NoEmailFaults
	if n.last == nil {
		n.last = map[smtpKey]vrrp.State{}
	}
}

// smtpText is keepalived's subject and body for a state.
func smtpText(group bool, st vrrp.State) (subject, body string, ok bool) {
	switch st {
	case vrrp.StateMaster:
		if group {
			return "Entering MASTER state", "=> All VRRP group instances are now in MASTER state <=", true
		}
		return "Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <=", true
	case vrrp.StateBackup:
		if group {
			return "Entering BACKUP state", "=> All VRRP group instances are now in BACKUP state <=", true
		}
		return "Entering BACKUP state", "=> VRRP Instance is no longer owning VRRP VIPs <=", true
	case vrrp.StateFault:
		if group {
			return "Entering FAULT state", "=> All VRRP group instances are now in FAULT state <=", true
		}
		return "Entering FAULT state", "=> VRRP Instance is no longer owning VRRP VIPs <=", true
	case vrrp.StateStop:
		if group {
			return "Stopping", "=> All VRRP group instances are now stopping <=", true
		}
		return "Stopping", "=> VRRP Instance stopping <=", true
	case vrrp.StateDeleted:
		if !group {
			return "Deleted", "=> VRRP Deleted at reload <=", true
		}
	}
	return "", "", false
}

// Notify implements vrrp.Notifier; the sending runs in the background.
func (n *smtpNotifier) Notify(ev vrrp.Event) {
	if ev.Kind != vrrp.EventState {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sender == nil || !n.sender.Enabled() {
		return
	}
	on := n.instances[ev.Name]
	kind := "VRRP Instance"
	if ev.Group {
		on, kind = n.groups[ev.Name], "VRRP Group"
	}
	k := smtpKey{ev.Group, ev.Name}
	if !on || (n.noFaults && ev.State == vrrp.StateFault) {
		return
	}
	if last, seen := n.last[k]; seen && last == ev.State {
		return
	}
	subject, body, ok := smtpText(ev.Group, ev.State)
	if !ok {
		return
	}
	n.last[k] = ev.State
	n.sender.Send(kind, ev.Name, subject, body)
}
