package lvs

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/internal/strerror"
)

// This file writes the checker side's log lines operators grep, worded as
// keepalived 2.2.7 words them (check_tcp.c, check_http.c, ipwrapper.c,
// check_api.c); the LVS differential (differential/lvs_vm_test.go)
// compares them with keepalived's.

// verdict is the Checker.OnVerdict of w's checker: keepalived's epilog
// lines (for HTTP_GET and SSL_GET, "<what> success to RS url(PATH)" for
// each url that passes while the checker is down). A method value, not a
// closure over copies of w's fields.
func (w *watched) verdict(v check.Verdict) {
	for _, l := range verdictLines(w.cfg, w.vs, w.rs, v) {
		w.log.Info(l)
	}
}

func verdictLines(c *config.Checker, vs, rs string, v check.Verdict) []string {
	var urls []*config.URL
	if c.HTTP != nil {
		urls = c.HTTP.URLs
	}
	if v.NotRun {
		return notRunLines(c.Type, rs, v.Err)
	}
	failed := func(name string) string {
		if v.Retry > 0 && v.HasRun {
			return fmt.Sprintf("%s on service %s failed after %d retries.", name, rs, v.Retry)
		}
		return fmt.Sprintf("%s on service %s failed.", name, rs)
	}
	switch c.Type {
	case config.CheckMisc:
		if c.Misc != nil {
			return []string{miscLine(c.Misc, vs, rs, v)}
		}
	case config.CheckTCP:
		if v.Up {
			return []string{fmt.Sprintf("TCP connection to %s success.", rs)}
		}
		return []string{failed("TCP_CHECK")}
	case config.CheckUDP:
		if v.Up {
			return []string{fmt.Sprintf("UDP connection to %s success.", rs)}
		}
		return []string{failed("UDP_CHECK")}
	case config.CheckPing:
		switch {
		case v.Up:
			return []string{fmt.Sprintf("ICMP connection to %s success.", rs)}
		case v.Retry > 0 && v.HasRun:
			return []string{fmt.Sprintf("ICMP CHECK on service %s of %s failed after %d retries.", rs, vs, v.Retry)}
		}
		return []string{fmt.Sprintf("ICMP CHECK on service %s failed.", rs)}
	case config.CheckSMTP:
		// A failure is worded by the step that failed (smtp_final).
		if v.Up {
			return []string{fmt.Sprintf("Remote SMTP server %s succeed on service.", rs)}
		}
		var se *probe.SMTPError
		if errors.As(v.Err, &se) {
			return []string{"SMTP_CHECK " + se.Reason}
		}
	case config.CheckDNS:
		// dns_final: the reason, and the retries once the checker has run
		// (even "after 0 retries").
		var de *probe.DNSError
		if v.Up || !errors.As(v.Err, &de) {
			return nil
		}
		l := fmt.Sprintf("DNS_CHECK (%s) %s", rs, de.Reason)
		if v.HasRun {
			l += fmt.Sprintf(" after %d retries", v.Retry)
		}
		return []string{l}
	case config.CheckHTTP, config.CheckSSL:
		if !v.Up {
			// timeout_epilog marks the checker as run before the
			// epilog, so even a first failure is "after N retries".
			if v.Retry > 0 {
				return []string{fmt.Sprintf("HTTP_CHECK on service %s failed after %d retries.", rs, v.Retry)}
			}
			return []string{fmt.Sprintf("HTTP_CHECK on service %s failed.", rs)}
		}
		// http_handle_response's line for the url that passed while the
		// checker is down, then epilog's once every url passed.
		var out []string
		if !v.WasUp && v.URL < len(urls) {
			u := urls[v.URL]
			what := "HTTP status code"
			switch {
			case u.Regex != nil:
				what = "Regex match"
			case len(u.Digest) > 0:
				what = "MD5 digest"
			}
			out = append(out, fmt.Sprintf("%s success to %s url(%s)", what, rs, u.Path))
		}
		if v.Partial {
			return out
		}
		return append(out, fmt.Sprintf("Remote Web server %s succeed on service.", rs))
	}
	return nil
}

// notRunLines are keepalived's lines for a check whose socket could not be
// set up (layer4.c's socket_bind_connect, then the checker's
// "Rescheduling" line).
func notRunLines(t config.CheckerType, rs string, err error) []string {
	var se *probe.SetupError
	if !errors.As(err, &se) {
		return nil
	}
	why := strerror.Text(se.Err)
	var out []string
	switch se.Op {
	case "SO_MARK":
		out = append(out, fmt.Sprintf("Error setting fwmark %s to socket: %s", se.Arg, why))
	case "SO_BINDTODEVICE":
		out = append(out, fmt.Sprintf("Checker can't bind to device %s: %s", se.Arg, why))
	default:
		out = append(out, "Checker bind failed: "+why)
	}
	switch t {
	case config.CheckTCP:
		out = append(out, "TCP socket bind failed. Rescheduling.")
	case config.CheckHTTP, config.CheckSSL:
		out = append(out, "WEB socket bind failed. Rescheduling")
	case config.CheckSMTP:
		out = append(out, "SMTP_CHECK socket bind failed. Rescheduling.")
	}
	return out
}

var exitRe = regexp.MustCompile(`exit status (\d+)$`)

// miscLine is check_misc.c's "Misc check for [RS VS VS] by [SCRIPT] …".
func miscLine(m *config.MiscCheck, vs, rs string, v check.Verdict) string {
	script := m.Path.Raw
	if len(m.Path.Argv) > 0 {
		script = m.Path.Argv[0]
	} else if f := strings.Fields(script); len(f) > 0 {
		script = f[0]
	}
	head := fmt.Sprintf("Misc check for [%s VS %s] by [%s] ", rs, vs, script)
	if v.Up {
		return head + "succeeded."
	}
	what, reason := "failed", ""
	if v.Err != nil {
		msg := v.Err.Error()
		if strings.Contains(msg, "timed out") {
			what = "timed out"
		} else if e := exitRe.FindStringSubmatch(msg); e != nil {
			reason = " (exited with status " + e[1] + ")"
		}
	}
	tries := " with retry disabled"
	switch {
	case v.Retry == 1:
		tries = " after 1 retry"
	case v.Retry > 1:
		tries = fmt.Sprintf(" after %d retries", v.Retry)
	}
	return head + what + tries + reason + "."
}

// logEvent writes keepalived's lines for a real server or quorum
// transition (ipwrapper.c perform_svr_state and update_quorum_state).
// Start-up and omega notifications have no state line of their own, but
// for the quorum keepalived starts with.
func (m *Manager) logEvent(p *plan, ev check.Event) {
	if ev.Shutdown {
		return
	}
	vs := p.vs(ev.VS)
	switch ev.Kind {
	case check.RealServerUp, check.RealServerDown:
		if ev.Init {
			return
		}
		inhibit := false
		if vs != nil {
			for _, r := range vs.Reals {
				if r.ID == ev.RS {
					inhibit = r.InhibitOnFailure
				}
			}
		}
		verb, prep := "Remov", "from"
		switch {
		case ev.Kind == check.RealServerUp && inhibit:
			verb, prep = "Enabl", "of"
		case ev.Kind == check.RealServerUp:
			verb, prep = "Add", "to"
		case inhibit:
			verb, prep = "Disabl", "of"
		}
		m.log.Info(fmt.Sprintf("%sing service %s %s VS %s", verb, ev.RS, prep, ev.VS))
	case check.QuorumUp:
		m.log.Info(fmt.Sprintf("Gained quorum %d+%d=%d <= %d for VS %s", ev.Quorum, ev.Hysteresis, ev.Threshold, ev.Weight, ev.VS))
		if vs != nil && vs.Sorry != nil && !ev.Init {
			verb := "Removing"
			if vs.Sorry.Inhibit {
				verb = "Disabling"
			}
			m.log.Info(fmt.Sprintf("%s sorry server %s from VS %s", verb, vs.Sorry.ID, ev.VS))
			m.log.Info("Adding alive servers to the pool for VS " + ev.VS)
		}
	case check.QuorumDown:
		what := "Lost quorum"
		if ev.Init {
			what = "Starting with quorum down"
		}
		m.log.Info(fmt.Sprintf("%s %d-%d=%d > %d for VS %s", what, ev.Quorum, ev.Hysteresis, ev.Threshold, ev.Weight, ev.VS))
		if vs != nil && vs.Sorry != nil {
			verb := "Adding"
			if vs.Sorry.Inhibit {
				verb = "Enabling"
			}
			m.log.Info(fmt.Sprintf("%s sorry server %s to VS %s", verb, vs.Sorry.ID, ev.VS))
			m.log.Info("Removing alive servers from the pool for VS " + ev.VS)
		}
	}
}

// vs is the engine's view of the virtual server id, or nil.
func (p *plan) vs(id string) *check.VirtualServer {
	for i := range p.vss {
		if p.vss[i].ID == id {
			return &p.vss[i]
		}
	}
	return nil
}

// logActivating is register_checkers_thread's line for each checker that
// runs on a timer (FILE_CHECK and BFD_CHECK follow events), then the BFD
// line keepalived (built with BFD) always writes.
func (m *Manager) logActivating(p *plan) {
	for _, vs := range p.vss {
		for _, rs := range vs.Reals {
			for _, c := range rs.Checkers {
				if c.Kind == "FILE_CHECK" || c.Kind == "BFD_CHECK" {
					continue
				}
				m.log.Info(fmt.Sprintf("Activating healthchecker for service %s for VS %s", rs.ID, vs.ID))
			}
		}
	}
	m.log.Info("Activating BFD healthchecker")
}

// logShutdown is clear_service_rs's line at stop for every real server
// (keepalived logs it whether or not the server is in IPVS), when the
// virtual servers are taken down one by one (no lvs_flush_on_stop).
func (m *Manager) logShutdown(p *plan, status []check.ServiceStatus) {
	alive := map[[2]string]bool{}
	for _, s := range status {
		for _, r := range s.Reals {
			alive[[2]string{s.ID, r.ID}] = r.Alive
		}
	}
	for _, vs := range p.vss {
		for _, rs := range vs.Reals {
			inhibited := ""
			if rs.InhibitOnFailure && !alive[[2]string{vs.ID, rs.ID}] {
				inhibited = "(inhibited) "
			}
			m.log.Info(strings.Join([]string{"Shutting down ", inhibited, "service ", rs.ID, " from VS ", vs.ID}, ""))
		}
	}
}
