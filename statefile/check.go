package statefile

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
)

// CheckName is the checker side's SIGUSR1 file, as keepalived names it.
const CheckName = "keepalived_check.data"

// FormatCheckData writes keepalived's checker-process SIGUSR1 file
// (dump_data_check): the global definitions as that process sees them,
// the LVS topology with each virtual and real server, and the health
// checkers. health is the checker engine's state by virtual server ID.
func FormatCheckData(w io.Writer, cfg *config.Config, health map[string]check.ServiceStatus) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	writeChildGlobals(w, cfg)
	if len(cfg.LVS.VirtualServers) > 0 {
		p("------< LVS Topology >------")
		p(" System is compiled with LVS v1.2.1")
		for _, vs := range cfg.LVS.VirtualServers {
			dumpVS(p, vs, health[vsID(vs)])
		}
	}
	var checkers []string
	for _, vs := range cfg.LVS.VirtualServers {
		for _, rs := range vs.RealServers {
			st := realStatus(health[vsID(vs)], rs, vs)
			for i, c := range rs.Checkers {
				var cs *check.CheckerStatus
				if st != nil && i < len(st.Checkers) {
					cs = &st.Checkers[i]
				}
				var cb strings.Builder
				dumpChecker(func(f string, a ...any) { fmt.Fprintf(&cb, f+"\n", a...) }, vs, rs, c, cs)
				checkers = append(checkers, cb.String())
			}
		}
	}
	if len(checkers) > 0 {
		p("------< Health checkers >------")
		for _, c := range checkers {
			io.WriteString(w, c)
		}
	}
}

func vsID(vs *config.VirtualServer) string {
	switch {
	case vs.GroupName != "":
		return check.FormatGroup(vs.GroupName, vs.Addr.Port())
	case vs.Fwmark != 0:
		return check.FormatFWMark(vs.Fwmark)
	}
	return check.FormatService(vs.Addr, vs.Protocol.String())
}

func realStatus(s check.ServiceStatus, rs *config.RealServer, vs *config.VirtualServer) *check.RealStatus {
	id := check.FormatService(rs.Addr, vs.Protocol.String())
	for i := range s.Reals {
		if s.Reals[i].ID == id {
			return &s.Reals[i]
		}
	}
	return nil
}

// inIPVS is keepalived's rs->set: the server is in IPVS (alive, or kept
// at weight 0 by inhibit_on_failure). Without a status (not running yet)
// every server counts as set, as a fresh keepalived adds them.
func inIPVS(s check.ServiceStatus, rs *config.RealServer, vs *config.VirtualServer) bool {
	if s.Members == nil {
		// No membership stated (not running yet, or a status without
		// it): what the checkers say.
		st := realStatus(s, rs, vs)
		return st == nil || st.Alive || rs.InhibitOnFailure
	}
	id := check.FormatService(rs.Addr, vs.Protocol.String())
	for _, m := range s.Members {
		if m.ID == id && !m.Sorry {
			return true
		}
	}
	return false
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func fwdLine(p func(string, ...any), prefix string, f config.Forwarding) {
	switch f.Method {
	case config.FwdNAT:
		p("   %sforwarding method = NAT", prefix)
	case config.FwdDR:
		p("   %sforwarding method = DR", prefix)
	default:
		p("   %sforwarding method = TUN, type = IPIP", prefix)
	}
}

func dumpVS(p func(string, ...any), vs *config.VirtualServer, h check.ServiceStatus) {
	p(" ------< Virtual server >------")
	switch {
	case vs.GroupName != "":
		p(" VS GROUP = %s", vsID(vs))
	case vs.Fwmark != 0:
		p(" VS FWMARK = %d", vs.Fwmark)
	default:
		p(" VS VIP = %s, VPORT = %d", vs.Addr.Addr(), vs.Addr.Port())
	}
	if vs.VirtualHost != "" {
		p("   VirtualHost = %s", vs.VirtualHost)
	}
	fam := "inet"
	if vs.Family == config.IPv6 || (vs.Fwmark == 0 && vs.Addr.Addr().Is6()) {
		fam = "inet6"
	}
	p("   Address family = %s", fam)
	p("   connection timeout = %s", secs(cmpOr(vs.ConnectTimeout, 5*time.Second)))
	p("   delay_loop = %s", secs(cmpOr(vs.DelayLoop, 60*time.Second)))
	p("   lvs_sched = %s", cmpOr(vs.Scheduler, "wlc"))
	p("   Hashed = disabled")
	f := vs.Flags
	if vs.Scheduler == "sh" || vs.Scheduler == "mh" {
		p("   %s-port = %sabled", vs.Scheduler, enDis(f&config.SvcSched2 != 0))
		p("   %s-fallback = %sabled", vs.Scheduler, enDis(f&config.SvcSched1 != 0))
	} else {
		p("   flag-1 = %sabled", enDis(f&config.SvcSched1 != 0))
		p("   flag-2 = %sabled", enDis(f&config.SvcSched2 != 0))
		p("   flag-3 = %sabled", enDis(f&config.SvcSched3 != 0))
	}
	ops := ""
	if f&config.SvcOnePacket != 0 && vs.Protocol != config.ProtoUDP {
		ops = " (inactive due to not UDP)"
	}
	p("   One packet scheduling = %sabled%s", enDis(f&config.SvcOnePacket != 0), ops)
	if vs.PersistenceTimeout != 0 {
		p("   persistence timeout = %d", vs.PersistenceTimeout)
	}
	switch vs.Protocol {
	case config.ProtoTCP:
		p("   protocol = TCP")
	case config.ProtoUDP:
		p("   protocol = UDP")
	case config.ProtoSCTP:
		p("   protocol = SCTP")
	default:
		p("   protocol = none")
	}
	p("   alpha is %s", onOff(vs.Alpha))
	p("   omega is %s", onOff(vs.Omega))
	retryLines(p, vs.Retry, vs.DelayBeforeRetry, vs.Warmup)
	p("   Inhibit on failure is %s", onOff(vs.InhibitOnFailure))
	p("   quorum = %d, hysteresis = %d", cmpOr(vs.Quorum, 1), vs.Hysteresis)
	notifyLine(p, "   Quorum up", vs.QuorumUp)
	notifyLine(p, "   Quorum down", vs.QuorumDown)
	if vs.HASuspend {
		p("   Using HA suspend")
	}
	p("   Using smtp notification = %s", yesNo(vs.SMTPAlert))
	fwdLine(p, "default ", vs.Forwarding)
	if s := vs.Sorry; s != nil {
		dup := ""
		if vs.SorryIsRealServer {
			dup = "(duplicates rs) "
		}
		p("   sorry server %s= %s", dup, check.FormatService(s.Addr, vs.Protocol.String()))
		fwdLine(p, "  ", s.Forwarding)
		p("     Inhibit on failure is %s", onOff(s.Inhibit))
	}
	// vs->alive: the service is in IPVS, which it is from the start
	// whatever the quorum (init_service_vs).
	p("   alive = 1")
	p("   quorum_state_up = %d", b2i(h.QuorumUp || h.ID == ""))
	p("   reloaded = 0")
	for _, rs := range vs.RealServers {
		dumpRS(p, rs, realStatus(h, rs, vs), inIPVS(h, rs, vs))
	}
}

func enDis(b bool) string {
	if b {
		return "en"
	}
	return "dis"
}

func dumpRS(p func(string, ...any), rs *config.RealServer, st *check.RealStatus, set bool) {
	weight, alive, failed := int64(rs.Weight), true, 0
	if st != nil {
		weight, alive = st.Weight, st.Alive
		for _, c := range st.Checkers {
			if !c.Up {
				failed++
			}
		}
	}
	p("   ------< Real server >------")
	p("   RIP = %s, RPORT = %d, WEIGHT = %d EFF WEIGHT = %d", rs.Addr.Addr(), rs.Addr.Port(), weight, weight)
	fwdLine(p, "", rs.Forwarding)
	p("   Alpha is %s", onOff(rs.Alpha))
	p("   connection timeout = %s", secs(cmpOr(rs.ConnectTimeout, 5*time.Second)))
	p("   connection limit range = %d -> %d", rs.LThreshold, rs.UThreshold)
	p("   Delay loop = %s", secs(cmpOr(rs.DelayLoop, 60*time.Second)))
	retryLines(p, rs.Retry, rs.DelayBeforeRetry, rs.Warmup)
	p("   Inhibit on failure is %s", onOff(rs.InhibitOnFailure))
	notifyLine(p, "     RS up", rs.NotifyUp)
	notifyLine(p, "     RS down", rs.NotifyDown)
	p("   Using smtp notification = yes")
	p("   initial weight = %d", rs.Weight)
	p("   effective weight = %d", weight)
	p("   previous effective_weight = 0")
	p("   alive = %d", b2i(alive))
	p("   num failed checkers = %d", failed)
	p("   RS set = %d", b2i(set))
	p("   reloaded = 0")
}

func dumpChecker(p func(string, ...any), vs *config.VirtualServer, rs *config.RealServer, c *config.Checker, st *check.CheckerStatus) {
	up, ran := true, false
	if st != nil {
		up, ran = st.Up, !st.LastRun.IsZero()
	}
	p(" %s -> %s", vsID(vs), check.FormatService(rs.Addr, vs.Protocol.String()))
	p("   Enabled = yes")
	p("   Up = %s", yesNo(up))
	p("   Has run = %s", yesNo(ran))
	p("   Current weight = 0")
	if c.Type != config.CheckFile {
		p("   Alpha = %s", yesNo(c.Alpha))
		p("   Delay loop = %d us", c.DelayLoop.Microseconds())
		p("   Warmup = %d us", c.Warmup.Microseconds())
		p("   Retries = %d", c.Retry)
		if c.Retry > 0 {
			p("   Delay before retry = %d us", c.DelayBeforeRetry.Microseconds())
			p("   Retries iterations = %d", b2i(!ran))
		}
		p("   Default delay before retry = %d us", defaultDelayBeforeRetry(c.Type).Microseconds())
	}
	p("   Log all failures = %s", yesNo(c.LogAllFailures))
	if c.Conn != nil {
		p("   Connection")
		p("     Dest = [%s]:%d", c.Conn.Dst.Addr(), c.Conn.Dst.Port())
		if c.Conn.BindIf != "" {
			p("     Bind i/f = %s", c.Conn.BindIf)
		}
		if c.Conn.Fwmark != 0 {
			p("     Mark = %d", c.Conn.Fwmark)
		}
		p("     Timeout = %f", c.Conn.Timeout.Seconds())
	}
	switch {
	case c.Type == config.CheckTCP:
		p("   Keepalive method = TCP_CHECK")
	case c.HTTP != nil:
		dumpHTTP(p, c)
		if u := failedURL(c, st); u != "" {
			p("   Failed URL = %s", u)
		}
	case c.Misc != nil:
		p("   Keepalive method = MISC_CHECK")
		// As written: Argv[0] holds the resolved path keepalived-go runs.
		p("   script = %s", status.CommandString(strings.Fields(c.Misc.Path.Raw)))
		timeout := c.Misc.Timeout
		if timeout == c.DelayLoop {
			timeout = 0 // unset: keepalived falls back to delay_loop when running it
		}
		p("   timeout = %d", int(timeout/time.Second))
		p("   dynamic = %s", map[bool]string{true: "YES", false: "NO"}[c.Misc.Dynamic])
		uid, gid := scriptUser(c.Misc.Path.User, c.Misc.Path.Group)
		p("   uid:gid = %s:%s", uid, gid)
		p("   Last ran = 0.000000 (Thu Jan  1 00:00:00 1970.000000)")
		p("   Last status = 0")
	default:
		p("   Keepalive method = %s", c.Type)
	}
}

func dumpHTTP(p func(string, ...any), c *config.Checker) {
	proto := map[config.HTTPProtocol]string{config.HTTP10: "1.0", config.HTTP11: "1.1", config.HTTP10Close: "1.0C"}[c.HTTP.Protocol]
	p("   Keepalive method = %s, http protocol %s", c.Type, proto)
	if c.HTTP.VirtualHost != "" {
		p("   Virtualhost = %s", c.HTTP.VirtualHost)
	}
	p("   Enable SNI %s", setUnset(c.HTTP.EnableSNI))
	p("   Fast recovery %s", setUnset(c.HTTP.FastRecovery))
	for _, u := range c.HTTP.URLs {
		p("   Checked url = %s", u.Path)
		if len(u.Digest) > 0 {
			p("     digest = %x", u.Digest)
		}
		if len(u.StatusCodes) > 0 {
			p("     HTTP Status Code(s)")
			for _, r := range u.StatusCodes {
				if r.Min == r.Max {
					p("       %d", r.Min)
				} else {
					p("       %d-%d", r.Min, r.Max)
				}
			}
		}
	}
}

// retryLines are the retry, delay_before_retry and warmup a virtual or
// real server sets (keepalived prints them only when set there).
func retryLines(p func(string, ...any), retry *uint32, dbr, warmup *time.Duration) {
	if retry != nil {
		p("   Retry count = %d", *retry)
	}
	if dbr != nil {
		p("   Retry delay = %s", secs(*dbr))
	}
	if warmup != nil {
		p("   Warmup = %s", secs(*warmup))
	}
}

// notifyLine is a notify_up/down or quorum_up/down script line.
func notifyLine(p func(string, ...any), what string, c *config.Command) {
	if c == nil {
		return
	}
	uid, gid := scriptUser(c.User, c.Group)
	p("%s notify script = %s, uid:gid %s:%s", what, status.CommandString(strings.Fields(c.Raw)), uid, gid)
}

// defaultDelayBeforeRetry is the checker type's own default, which
// keepalived prints whatever the configuration says: 3 s for HTTP_GET and
// SSL_GET, 0 (delay_loop) for DNS_CHECK, 1 s for the others.
func defaultDelayBeforeRetry(t config.CheckerType) time.Duration {
	switch t {
	case config.CheckHTTP, config.CheckSSL:
		return 3 * time.Second
	case config.CheckDNS:
		return 0
	}
	return time.Second
}

// failedURL is check_http.c's failed_url: the url of an HTTP_GET or
// SSL_GET that failed for good and waits for a good pass (Confirming).
// The status names the url only in its error, so with several urls the
// one whose path the error quotes is taken.
func failedURL(c *config.Checker, st *check.CheckerStatus) string {
	if st == nil || !st.Confirming || len(c.HTTP.URLs) == 0 {
		return ""
	}
	if len(c.HTTP.URLs) == 1 {
		return c.HTTP.URLs[0].Path
	}
	best := ""
	for _, u := range c.HTTP.URLs {
		// The longest match: "/" is a suffix of "/mrtg/" too.
		if strings.Contains(st.LastFailure, u.Path+":") && len(u.Path) > len(best) {
			best = u.Path
		}
	}
	return best
}

func setUnset(b bool) string {
	if b {
		return "set"
	}
	return "unset"
}
