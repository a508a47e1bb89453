package statefile

import (
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/check/probe"
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
	dumpSSL(p, cfg)
	if len(cfg.LVS.VirtualServers) > 0 {
		p("------< LVS Topology >------")
		p(" System is compiled with LVS v1.2.1")
		for _, g := range cfg.LVS.Groups {
			dumpVSG(p, cfg, g, health)
		}
		for _, vs := range cfg.LVS.VirtualServers {
			dumpVS(p, vs, cfg.LVS.Group(vs.GroupName), health[vsID(vs)])
		}
	}
	// keepalived queues the FILE_CHECKs when its checker process starts
	// (add_rs_to_track_files), after every checker the file declares.
	var checkers, fileCheckers []string
	rx := regexesOf(cfg)
	for _, vs := range cfg.LVS.VirtualServers {
		for _, rs := range vs.RealServers {
			st := realStatus(health[vsID(vs)], rs, vs)
			for i, c := range rs.Checkers {
				var cs *check.CheckerStatus
				if st != nil && i < len(st.Checkers) {
					cs = &st.Checkers[i]
				}
				var cb strings.Builder
				dumpChecker(func(f string, a ...any) { fmt.Fprintf(&cb, f+"\n", a...) }, vs, rs, c, cs, rx)
				if c.Type == config.CheckFile {
					fileCheckers = append(fileCheckers, cb.String())
				} else {
					checkers = append(checkers, cb.String())
				}
			}
		}
	}
	if checkers = append(checkers, fileCheckers...); len(checkers) > 0 {
		p("------< Health checkers >------")
		for _, c := range checkers {
			io.WriteString(w, c)
		}
	}
	dumpCheckerTrackFiles(p, cfg)
	dumpCheckerTrackBFDs(p, cfg)
}

func vsID(vs *config.VirtualServer) string {
	switch {
	case vs.GroupName != "":
		return check.FormatGroup(vs.GroupName, vs.GroupSeq)
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

func dumpVS(p func(string, ...any), vs *config.VirtualServer, g *config.VirtualServerGroup, h check.ServiceStatus) {
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
	v4, v6 := groupFamilies(g)
	switch {
	case vs.Family == config.IPv6 || (vs.Fwmark == 0 && vs.GroupName == "" && vs.Addr.Addr().Is6()):
		fam = "inet6"
	case g != nil && v4 && v6 && vs.Family == config.FamilyUnspec:
		// vs->af stays unset for a group of both families.
		fam = "IPv4 & IPv6"
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
	if g := vs.PersistenceGranularity; g != 0xffffffff {
		// A prefix length for IPv6, a netmask for IPv4 (dump_vs).
		if vs.Family == config.IPv6 {
			p("   persistence granularity = %d", g)
		} else {
			p("   persistence granularity = %s", netip.AddrFrom4([4]byte{byte(g >> 24), byte(g >> 16), byte(g >> 8), byte(g)}))
		}
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
	weight, raw, alive, failed := int64(rs.Weight), int64(rs.Weight), true, 0
	if st != nil {
		weight, raw, alive = st.Weight, st.RawWeight, st.Alive
		if raw == 0 {
			raw = weight // a status without RawWeight (Weight is RawWeight clamped)
		}
		for _, c := range st.Checkers {
			if !c.Up {
				failed++
			}
		}
	}
	p("   ------< Real server >------")
	p("   RIP = %s, RPORT = %d, WEIGHT = %d EFF WEIGHT = %d", rs.Addr.Addr(), rs.Addr.Port(), weight, raw)
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
	p("   effective weight = %d", raw)
	p("   previous effective_weight = 0")
	p("   alive = %d", b2i(alive))
	p("   num failed checkers = %d", failed)
	p("   RS set = %d", b2i(set))
	p("   reloaded = 0")
	header := false
	for _, c := range rs.Checkers {
		if c.Type == config.CheckFile && c.File != nil {
			if !header {
				p("   Tracked Files")
				header = true
			}
			p("     %s, weight %d%s", c.File.TrackFile, c.File.Weight, reverse(c.File.Reverse))
		}
	}
	header = false
	for _, c := range rs.Checkers {
		if c.Type == config.CheckBFD && c.BFD != nil {
			if !header {
				p("   Tracked BFDs")
				header = true
			}
			p("     %s", c.BFD.Name)
		}
	}
}

func dumpChecker(p func(string, ...any), vs *config.VirtualServer, rs *config.RealServer, c *config.Checker, st *check.CheckerStatus, rx regexes) {
	up, ran, cur := true, false, int64(0)
	if st != nil {
		up, ran, cur = st.Up, st.HasRun, st.Weight
	}
	p(" %s -> %s", vsID(vs), check.FormatService(rs.Addr, vs.Protocol.String()))
	p("   Enabled = yes")
	p("   Up = %s", yesNo(up))
	p("   Has run = %s", yesNo(ran))
	p("   Current weight = %d", cur)
	switch c.Type {
	case config.CheckFile:
	case config.CheckBFD:
		// A BFD_CHECK follows events and has no timing: keepalived
		// prints its unset (all ones) values.
		p("   Alpha = %s", yesNo(c.Alpha))
		p("   Delay loop = %d us", uint64(math.MaxUint64))
		p("   Warmup = %d us", uint64(math.MaxUint64))
		p("   Retries = %d", uint32(math.MaxUint32))
		p("   Delay before retry = %d us", uint64(math.MaxUint64))
		p("   Retries iterations = %d", uint32(math.MaxUint32))
		p("   Default delay before retry = %d us", defaultDelayBeforeRetry(c.Type).Microseconds())
	default:
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
		if c.Conn.BindAddr.IsValid() {
			p("     Bind to = [%s]:%d", c.Conn.BindAddr, c.Conn.BindPort)
		}
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
	case c.SMTP != nil:
		p("   Keepalive method = SMTP_CHECK")
		p("   helo = %s", c.SMTP.HeloName)
	case c.DNS != nil:
		p("   Keepalive method = DNS_CHECK")
		p("   Type = %s", strings.ToUpper(cmpOr(c.DNS.Type, "SOA")))
		p("   Name = %s", c.DNS.Name)
	case c.UDP != nil:
		dumpUDP(p, c.UDP)
	case c.Type == config.CheckFile && c.File != nil:
		p("   Keepalive method = FILE_CHECK")
		p("     Tracked file = %s", c.File.TrackFile)
		p("     Reloaded = No")
	case c.Type == config.CheckBFD && c.BFD != nil:
		p("   Keepalive method = BFD_CHECK")
		p("   Name = %s", c.BFD.Name)
		p("   Alpha is %s", onOff(c.Alpha))
	case c.HTTP != nil:
		dumpHTTP(p, c, rx)
		if st != nil && st.FailedURL != "" {
			p("   Failed URL = %s", st.FailedURL)
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

func dumpHTTP(p func(string, ...any), c *config.Checker, rx regexes) {
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
		if u.VirtualHost != "" {
			p("     Virtual host = %s", u.VirtualHost)
		}
		if u.Regex != nil {
			dumpRegex(p, u.Regex, rx)
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

func setUnset(b bool) string {
	if b {
		return "set"
	}
	return "unset"
}

// dumpSSL is dump_ssl: the section exists with an SSL block, or when an
// SSL_GET checker makes keepalived build its default context.
func dumpSSL(p func(string, ...any), cfg *config.Config) {
	ssl := cfg.LVS.SSL
	if ssl == nil && !hasChecker(cfg, config.CheckSSL) {
		return
	}
	p("------< SSL definitions >------")
	if ssl == nil || (ssl.Password == "" && ssl.CAFile == "" && ssl.Certificate == "" && ssl.Key == "") {
		p(" Using autogen SSL context")
		return
	}
	if ssl.Password != "" {
		p(" Password : %s", ssl.Password)
	}
	if ssl.CAFile != "" {
		p(" CA-file : %s", ssl.CAFile)
	}
	if ssl.Certificate != "" {
		p(" Certificate file : %s", ssl.Certificate)
	}
	if ssl.Key != "" {
		p(" Key file : %s", ssl.Key)
	}
}

func hasChecker(cfg *config.Config, t config.CheckerType) bool {
	for _, vs := range cfg.LVS.VirtualServers {
		for _, rs := range vs.RealServers {
			for _, c := range rs.Checkers {
				if c.Type == t {
					return true
				}
			}
		}
	}
	return false
}

func groupFamilies(g *config.VirtualServerGroup) (v4, v6 bool) {
	if g == nil {
		return false, false
	}
	for _, r := range g.Ranges {
		if r.First.Is4() {
			v4 = true
		} else {
			v6 = true
		}
	}
	for _, f := range g.Fwmarks {
		switch f.Family {
		case config.IPv4:
			v4 = true
		case config.IPv6:
			v6 = true
		}
	}
	return v4, v6
}

// dumpVSG is dump_vsg. Each entry's "Alive" counts the destinations
// keepalived added through it (ADDDEST less DELDEST): the real and sorry
// servers in IPVS of each virtual server using the group, by protocol
// (by family for a fwmark entry). The nftables auto-fwmark line is not
// written (the marks are the IPVS adapter's).
func dumpVSG(p func(string, ...any), cfg *config.Config, g *config.VirtualServerGroup, health map[string]check.ServiceStatus) {
	v4, v6 := groupFamilies(g)
	p(" ------< Virtual server group >------")
	p(" Virtual Server Group = %s, IPv4 = %s, IPv6 = %s", g.Name, yesNo(v4), yesNo(v6))
	var tcp, udp, sctp, fwm4, fwm6 int
	for _, vs := range cfg.LVS.VirtualServers {
		if vs.GroupName != g.Name {
			continue
		}
		n := dests(health[vsID(vs)], vs)
		switch vs.Protocol {
		case config.ProtoTCP:
			tcp += n
		case config.ProtoUDP:
			udp += n
		case config.ProtoSCTP:
			sctp += n
		}
		// ipvswrapper.c counts into fwm4_alive only for an AF_INET
		// virtual server; a mixed-family one (AF_UNSPEC) counts as IPv6.
		if vs.Family == config.IPv4 {
			fwm4 += n
		} else {
			fwm6 += n
		}
	}
	for _, r := range g.Ranges {
		if r.First == r.Last {
			p("   VIP = %s, VPORT = %d", r.First, r.Port)
		} else {
			p("   VIP Range = %s-%s, VPORT = %d", r.First, r.Last, r.Port)
		}
		p("     Alive: %d tcp, %d udp, %d sctp", tcp, udp, sctp)
		p("     reloaded = False")
	}
	for _, f := range g.Fwmarks {
		fam := map[config.Family]string{config.IPv4: " IPv4", config.IPv6: " IPv6"}[f.Family]
		p("   FWMARK = %d%s", f.Mark, fam)
		p("     Alive: %d IPv4, %d IPv6", fwm4, fwm6)
		p("     reloaded = False")
	}
}

// dests is how many destinations of vs are in IPVS (real and sorry).
func dests(h check.ServiceStatus, vs *config.VirtualServer) int {
	if h.Members != nil {
		return len(h.Members)
	}
	n := 0
	for _, rs := range vs.RealServers {
		if inIPVS(h, rs, vs) {
			n++
		}
	}
	return n
}

// dumpUDP is dump_udp_check.
func dumpUDP(p func(string, ...any), u *config.UDPCheck) {
	p("   Keepalive method = UDP_CHECK")
	if len(u.Payload) > 0 {
		p("   Payload len = %d", len(u.Payload))
	} else {
		p("   Payload specified = no")
	}
	p("   Require reply = %s", yesNo(u.RequireReply))
	if u.RequireReply {
		p("     Min reply length = %d", u.MinReplyLength)
		p("     Max reply length = %d", u.MaxReplyLength)
		p("     Reply data len = %d", len(u.Reply))
		if len(u.Reply) > 0 {
			p("     Reply data mask = %s", yesNo(u.ReplyMask != nil))
		}
	}
}

// pcre2Options is keepalived's regex_options table, in its order.
var pcre2Options = []string{"allow_empty_class", "alt_bsux", "auto_callout", "caseless", "dollar_endonly",
	"dotall", "dupnames", "extended", "firstline", "match_unset_backref", "multiline", "never_ucp",
	"never_utf", "no_auto_capture", "no_auto_possess", "no_dotstar_anchor", "no_start_optimize", "ucp",
	"ungreedy", "utf", "never_backslash_c", "alt_circumflex", "alt_verbnames", "use_offset_limit"}

// dumpRegex is dump_url's regex part. keepalived 2.2.7 tests each table
// entry's own bit rather than the url's options, so any option set lists
// every option.
func dumpRegex(p func(string, ...any), r *config.URLRegex, rx regexes) {
	p("     Regex = \"%s\"", r.Pattern)
	if r.NoMatch {
		p("     Regex no match")
	}
	switch {
	case r.MaxOffset != 0:
		p("     Regex min offset = %d, max_offset = %d", r.MinOffset, r.MaxOffset-1)
	case r.MinOffset != 0:
		p("     Regex min offset = %d", r.MinOffset)
	}
	opts := ""
	if len(r.Options) > 0 {
		opts = " " + strings.Join(pcre2Options, " ")
	}
	p("     Regex options:%s", opts)
	p("     Regex ref count = %d", rx.refs[regexKey(r)])
	if r.StackStart != 0 || r.StackMax != 0 {
		p("     Regex stack start %d, max %d", rx.stackStart, rx.stackMax)
	}
}

// regexes is what keepalived keeps once for the whole configuration: one
// compiled regex per pattern and options, shared by the urls using it
// (refs), and one JIT stack sized by the largest regex_stack.
type regexes struct {
	refs                 map[string]int
	stackStart, stackMax uint64
}

func regexKey(r *config.URLRegex) string { return r.Pattern + "\x00" + strings.Join(r.Options, " ") }

func regexesOf(cfg *config.Config) regexes {
	rx := regexes{refs: map[string]int{}}
	for _, vs := range cfg.LVS.VirtualServers {
		for _, rs := range vs.RealServers {
			for _, c := range rs.Checkers {
				if c.HTTP == nil {
					continue
				}
				for _, u := range c.HTTP.URLs {
					if r := u.Regex; r != nil {
						rx.refs[regexKey(r)]++
						rx.stackStart = max(rx.stackStart, r.StackStart)
						rx.stackMax = max(rx.stackMax, r.StackMax)
					}
				}
			}
		}
	}
	return rx
}

// dumpCheckerTrackFiles is the checker process's track file section: the
// files its FILE_CHECKs follow (keepalived forgets the others), each with
// the real servers tracking it.
func dumpCheckerTrackFiles(p func(string, ...any), cfg *config.Config) {
	header := false
	for _, f := range cfg.VRRP.Files {
		var tracking []string
		for _, vs := range cfg.LVS.VirtualServers {
			for _, rs := range vs.RealServers {
				for _, c := range rs.Checkers {
					if c.Type == config.CheckFile && c.File != nil && c.File.TrackFile == f.Name {
						tracking = append(tracking, fmt.Sprintf("     %s -> %s, weight %d%s", vsID(vs),
							check.FormatService(rs.Addr, vs.Protocol.String()), c.File.Weight, reverse(c.File.Reverse)))
					}
				}
			}
		}
		if len(tracking) == 0 {
			continue
		}
		if !header {
			p("------< Checker track files >------")
			header = true
		}
		p(" Track file = %s", f.Name)
		p("   File = %s", f.Path)
		p("   Status = %d", probe.TrackFileValue(f.Path))
		p("   Weight = %d%s", f.Weight, reverse(f.WeightReverse))
		p("   Tracking instances :")
		for _, l := range tracking {
			p("%s", l)
		}
	}
}

// dumpCheckerTrackBFDs is the checker process's BFD section: every
// bfd_instance it takes events from (disabled ones too), with the real
// servers whose BFD_CHECK follows it.
func dumpCheckerTrackBFDs(p func(string, ...any), cfg *config.Config) {
	if len(cfg.LVS.CheckerBFDs) == 0 {
		return
	}
	p("------< Checker track BFDs >------")
	for _, name := range cfg.LVS.CheckerBFDs {
		p(" Checker Track BFD = %s", name)
		p("   Tracking RS :")
		for _, vs := range cfg.LVS.VirtualServers {
			for _, rs := range vs.RealServers {
				for _, c := range rs.Checkers {
					if c.Type == config.CheckBFD && c.BFD != nil && c.BFD.Name == name {
						p("   %s", check.FormatService(rs.Addr, vs.Protocol.String()))
					}
				}
			}
		}
	}
}
