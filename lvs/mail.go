package lvs

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/smtpalert"
)

// mailPlan is the checkers' side of keepalived's e-mail alerts: the
// resolved smtp_alert of each virtual and real server (the parser applies
// smtp_alert_checker / smtp_alert as keepalived's check_data.c does) and
// global_defs no_checker_emails.
type mailPlan struct {
	sender alerter
	vs     map[string]bool    // virtual server ID -> smtp_alert
	rs     map[[2]string]bool // {VS, RS} -> smtp_alert
	// noChecker is no_checker_emails: a checker's verdict is mailed only
	// when it changed its real server's alive state.
	noChecker bool
}

// alerter is *smtpalert.Sender; tests record instead.
type alerter interface {
	Enabled() bool
	Alert(subject, body string)
}

func newMailPlan(cfg *config.Config, log *slog.Logger) mailPlan {
	mp := mailPlan{vs: map[string]bool{}, rs: map[[2]string]bool{}, noChecker: cfg.Global.NoCheckerEmails}
	if len(cfg.Global.NotificationEmail) > 0 && cfg.Global.SMTPServer != "" {
		mp.sender = smtpalert.New(smtpalert.FromGlobal(&cfg.Global), log)
	}
	return mp
}

// checkerBodies are the texts of keepalived 2.2.7's smtp_alert calls in
// each checker (check_*.c), for a checker coming up and going down.
// FILE_CHECK sends none; MISC_CHECK, SMTP_CHECK and BFD_CHECK are built in
// checkerBody.
var checkerBodies = map[string][2]string{
	"TCP_CHECK":  {"=> TCP CHECK succeed on service <=", "=> TCP CHECK failed on service <="},
	"HTTP_GET":   {"=> CHECK succeed on service <=", "=> CHECK failed on service : HTTP request failed <="},
	"SSL_GET":    {"=> CHECK succeed on service <=", "=> CHECK failed on service : HTTP request failed <="},
	"DNS_CHECK":  {"=> DNS_CHECK: succeed on service <=", "=> DNS_CHECK: failed on service <="},
	"PING_CHECK": {"=> ICMP CHECK succeed on service <=", "=> ICMP CHECK failed on service <="},
	"UDP_CHECK":  {"=> UDP CHECK succeed on service <=", "=> UDP CHECK failed on service <="},
}

// checkerBody is keepalived's body for a checker event, false when that
// checker sends no mail for it. keepalived's checkers mail a flip of their
// own state; MISC_CHECK also its first verdict, whichever it is.
func (p *plan) checkerBody(ev check.Event) (string, bool) {
	up := ev.Kind == check.CheckerUp
	if ev.First && ev.Checker != "MISC_CHECK" {
		return "", false
	}
	switch ev.Checker {
	case "MISC_CHECK":
		how := "succeeded"
		switch {
		case up:
		case strings.Contains(ev.Err, "timed out"):
			how = "timed out"
		default:
			how = "failed"
		}
		return "=> MISC CHECK " + how + " on service <=", true
	case "SMTP_CHECK":
		switch {
		case up:
			return "=> CHECK succeed on service <=", true
		case ev.Err != "":
			return "=> CHECK failed on service : " + ev.Err + " <=", true
		}
		return "=> CHECK failed on service <=", true
	case "BFD_CHECK":
		how := "failed"
		if up {
			how = "succeeded"
		}
		return fmt.Sprintf("=> BFD CHECK %s %s on service <=", p.bfdName(ev), how), true
	}
	b, ok := checkerBodies[ev.Checker]
	if !ok {
		return "", false
	}
	if up {
		return b[0], true
	}
	return b[1], true
}

// bfdName is the bfd_instance a BFD_CHECK event's checker follows.
func (p *plan) bfdName(ev check.Event) string {
	for _, vs := range p.vss {
		if vs.ID != ev.VS {
			continue
		}
		for _, rs := range vs.Reals {
			if rs.ID == ev.RS && ev.CheckerIndex < len(rs.Checkers) {
				return strings.TrimPrefix(rs.Checkers[ev.CheckerIndex].Wake, bfdWakeKey(""))
			}
		}
	}
	return ""
}

// sendMail sends keepalived's e-mail alert for ev, if it sends one: a
// checker's verdict (SMTP_MSG_RS), a quorum change (SMTP_MSG_VS) or a live
// real server removed by a reload (SMTP_MSG_RS_SHUT). A real server's own
// up/down event is mailed by its checker's verdict, with the checker's
// words. Nothing at stop: keepalived 2.2.7 queues its omega
// "=> Shutting down <=" mails (SMTP_MSG_RS_SHUT, SMTP_MSG_VS) but its
// checker process exits before sending them (measured,
// TestVMCheckerMailDifferential), and a mail half-sent as the process
// ends would be worse than none.
func (p *plan) sendMail(ev check.Event) {
	mp := &p.mail
	if mp.sender == nil || !mp.sender.Enabled() {
		return
	}
	switch ev.Kind {
	case check.CheckerUp, check.CheckerDown:
		if !mp.rs[[2]string{ev.VS, ev.RS}] || (mp.noChecker && !ev.AliveChanged) {
			return
		}
		body, ok := p.checkerBody(ev)
		if !ok {
			return
		}
		state := "DOWN"
		if ev.Alive {
			state = "UP"
		}
		mp.sender.Alert(fmt.Sprintf("Realserver %s of virtual server %s - %s", ev.RS, ev.VS, state), body)
	case check.RealServerDown:
		// A live real server removed by a reload (ipwrapper.c's
		// clear_service_rs, SMTP_MSG_RS_SHUT).
		if ev.Removed && mp.rs[[2]string{ev.VS, ev.RS}] {
			mp.sender.Alert(fmt.Sprintf("Realserver %s of virtual server %s - DOWN", ev.RS, ev.VS), "=> Removing <=")
		}
	case check.QuorumUp, check.QuorumDown:
		if mp.vs[ev.VS] && !ev.Shutdown {
			mp.sender.Alert(quorumMail(ev))
		}
	}
}

// quorumMail is ipwrapper.c do_vs_notifies' subject and body.
func quorumMail(ev check.Event) (subject, body string) {
	up := ev.Kind == check.QuorumUp
	state, what := "DOWN", "Lost quorum"
	switch {
	case up && ev.Init:
		state, what = "UP", "Starting with quorum up"
	case up:
		state, what = "UP", "Gained quorum"
	case ev.Init:
		what = "Starting with quorum down"
	}
	subject = fmt.Sprintf("Virtualserver %s - %s", ev.VS, state)
	return subject, fmt.Sprintf("=> %s %d+%d=%d <= %d <=", what, ev.Quorum, ev.Hysteresis, ev.Threshold, ev.Weight)
}
