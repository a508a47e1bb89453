package lvs

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net/netip"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/check/pcre"
	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/check/tlskey"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// plan is one configuration translated: the checker engine's virtual
// servers and, for each of them, the IPVS services it programs and how its
// members become destinations. A plan is immutable once built.
type plan struct {
	vss  []check.VirtualServer
	byID map[string]*vsPlan
	// order lists the virtual server IDs in configuration order.
	order []string
	// keys are every service key of the plan (normalized).
	keys map[ipvs.ServiceKey]string // -> owning virtual server ID
	// scripts are the notify and quorum commands, kept as configured so the
	// runner knows their user and shell.
	scripts map[scriptKey]*config.Command

	global config.LVSGlobal
	// nft is the nftables_ipvs table; nil without nftables_ipvs.
	nft *nftPlan
	// rsInitNotifies is global_defs rs_init_notifies: real servers that
	// start alive get their notify_up.
	rsInitNotifies bool
	// scriptUser is global_defs script_user (with its group).
	scriptUser, scriptGroup string
	// mail is the checkers' e-mail alerts (smtp_alert).
	mail mailPlan
}

type scriptKey struct {
	vs, rs string
	kind   check.EventKind
}

// vsPlan is one virtual server's side of IPVS.
type vsPlan struct {
	id string
	// services carry the settings but no destinations.
	services []ipvs.Service
	// members maps a member (real or sorry server) to its destination; the
	// weight comes from the engine.
	reals map[string]memberDest
	sorry *memberDest
}

// memberDest is a destination before it is bound to one service: the port
// rule of keepalived's ipvs_cmd depends on the service kind.
type memberDest struct {
	addr    netip.AddrPort
	fwd     config.Forwarding
	uthresh uint32
	lthresh uint32
}

// destination binds d to svc the way keepalived's ipvs_cmd/ipvs_group_cmd
// do: NAT keeps the real server's port, DR and TUN take the service port
// (none for a firewall mark service).
func (d memberDest) destination(svc ipvs.ServiceKey, weight int64) ipvs.Destination {
	out := ipvs.Destination{
		Addr:           d.addr.Addr().Unmap(),
		Port:           d.addr.Port(),
		Weight:         uint32(min(max(weight, 0), 1<<31-1)),
		UpperThreshold: d.uthresh,
		LowerThreshold: d.lthresh,
	}
	switch d.fwd.Method {
	case config.FwdNAT:
		out.Forward = ipvs.NAT
	case config.FwdDR:
		out.Forward = ipvs.DR
	case config.FwdTUN:
		out.Forward = ipvs.Tunnel
		out.TunnelType = ipvs.TunnelType(d.fwd.TunnelType)
		out.TunnelPort = d.fwd.TunnelPort
		switch d.fwd.TunnelCsum {
		case config.TunnelCsumOn:
			out.TunnelFlags = ipvs.TunnelCsum
		case config.TunnelRemCsum:
			out.TunnelFlags = ipvs.TunnelRemCsum
		}
	}
	if out.Forward != ipvs.NAT {
		out.Port = svc.Port
		if svc.FWMark != 0 {
			out.Port = 0
		}
	}
	return out
}

// table returns the services of vs with destinations for members.
func (v *vsPlan) table(members []check.Member) ipvs.Table {
	t := make(ipvs.Table, len(v.services))
	for i, s := range v.services {
		byKey := make(map[ipvs.DestKey]int, len(members))
		var dests []ipvs.Destination
		for _, m := range members {
			md, ok := v.reals[m.ID], !m.Sorry
			if m.Sorry && v.sorry != nil {
				md, ok = *v.sorry, true
			}
			if !ok {
				continue
			}
			d := md.destination(s.ServiceKey, m.Weight)
			// A sorry server that is also a real server is one IPVS entry;
			// whichever role wants traffic wins.
			if j, dup := byKey[d.Key()]; dup {
				if d.Weight > dests[j].Weight {
					dests[j] = d
				}
				continue
			}
			byKey[d.Key()] = len(dests)
			dests = append(dests, d)
		}
		s.Destinations = dests
		t[i] = s
	}
	return t
}

// translator carries what translating one configuration needs.
type translator struct {
	cfg *config.Config
	log *slog.Logger
	p   *plan
	tls *tls.Config // built on first SSL_GET
	// bfdUp is the BFD side's session state, for BFD_CHECK.
	bfdUp func(name string) bool
	// prev is the plan a reload replaces, whose group fwmarks stay.
	prev *plan
	// urls are the HTTP_GET/SSL_GET url lists built so far, by content.
	urls map[string][]probe.URL
}

// sharedURLs returns an equal url list built before, if any: probers only
// read theirs, and thousands of checkers of one service usually check the
// same url (112 B each, 0.1 MB at 1 000 real servers). Lists with a regex
// keep their own.
func (t *translator) sharedURLs(urls []probe.URL) []probe.URL {
	var key strings.Builder
	for _, u := range urls {
		if u.Match != nil || u.MatchErr != nil {
			return urls
		}
		fmt.Fprintf(&key, "%q %q %q %t %v\n", u.Path, u.Digest, u.VirtualHost, u.TLSCompliant, u.Status)
	}
	if shared, ok := t.urls[key.String()]; ok {
		return shared
	}
	if t.urls == nil {
		t.urls = map[string][]probe.URL{}
	}
	t.urls[key.String()] = urls
	return urls
}

// translate turns cfg's LVS side into a plan. Virtual servers the kernel
// could not take (an IPVS key already used by an earlier one) are left out
// with a warning, as keepalived's failing ipvs_cmd would leave them.
func translate(cfg *config.Config, log *slog.Logger, bfdUp func(string) bool) (*plan, error) {
	return translateFrom(cfg, log, bfdUp, nil)
}

// translateFrom is translate at a reload from prev: the groups that stay
// keep their nftables_ipvs fwmarks, new ones get the next free ones.
func translateFrom(cfg *config.Config, log *slog.Logger, bfdUp func(string) bool, prev *plan) (*plan, error) {
	t := &translator{cfg: cfg, log: log, bfdUp: bfdUp, prev: prev, p: &plan{
		byID:           map[string]*vsPlan{},
		keys:           map[ipvs.ServiceKey]string{},
		scripts:        map[scriptKey]*config.Command{},
		global:         cfg.Global.LVS,
		rsInitNotifies: cfg.Global.RSInitNotifies,
		scriptUser:     cfg.Global.ScriptUser,
		scriptGroup:    cfg.Global.ScriptGroup,
		mail:           newMailPlan(cfg, log),
	}}
	t.p.nft = newNFTPlan(cfg, prev)
	for _, vs := range cfg.LVS.VirtualServers {
		var id string
		switch vs.Kind {
		case config.VSAddress:
			id = check.FormatService(vs.Addr, vs.Protocol.String())
		case config.VSFwmark:
			id = check.FormatFWMark(vs.Fwmark)
		case config.VSGroup:
			// keepalived numbers the virtual servers of a group in the
			// port of their name (link_vsg_to_vs; the parser does it).
			id = check.FormatGroup(vs.GroupName, vs.GroupSeq)
		}
		if _, dup := t.p.byID[id]; dup {
			t.log.Warn("duplicate virtual server ignored", "vs", id)
			continue
		}
		if err := t.virtualServer(id, vs); err != nil {
			return nil, fmt.Errorf("lvs: virtual server %s: %w", id, err)
		}
	}
	return t.p, nil
}

func (t *translator) virtualServer(id string, vs *config.VirtualServer) error {
	vp := &vsPlan{id: id, reals: map[string]memberDest{}}
	base := ipvs.Service{
		Scheduler: vs.Scheduler,
		Flags:     ipvs.Flags(vs.Flags),
		Timeout:   vs.PersistenceTimeout,
	}
	if base.Scheduler == "" {
		base.Scheduler = "wlc"
	}
	if vs.PersistenceTimeout != 0 {
		base.PEName = vs.PersistenceEngine
	}
	add := func(k ipvs.ServiceKey) {
		k = k.Normalize()
		if owner, dup := t.p.keys[k]; dup {
			t.log.Warn("IPVS service already programmed by another virtual server; ignored", "vs", id, "service", k.String(), "owner", owner)
			return
		}
		s := base
		s.ServiceKey = k
		s.Granularity = granularity(vs.PersistenceGranularity, k.Family)
		t.p.keys[k] = id
		vp.services = append(vp.services, s)
	}
	proto := ipvs.Protocol(vs.Protocol)
	if proto == 0 {
		proto = ipvs.UDP // keepalived's and the kernel's default
	}
	fwmFamily := func(f config.Family) ipvs.Family {
		if f == config.FamilyUnspec {
			f = vs.Family
		}
		if f == config.IPv6 {
			return ipvs.IPv6
		}
		return ipvs.IPv4 // keepalived's default when it cannot tell
	}
	switch vs.Kind {
	case config.VSAddress:
		add(ipvs.ServiceKey{Protocol: proto, Addr: vs.Addr.Addr(), Port: vs.Addr.Port()})
	case config.VSFwmark:
		add(ipvs.ServiceKey{FWMark: vs.Fwmark, Family: fwmFamily(config.FamilyUnspec)})
	case config.VSGroup:
		g := vs.Group
		if g == nil {
			g = t.cfg.LVS.Group(vs.GroupName)
		}
		if g == nil {
			t.log.Warn("virtual server group not configured; virtual server ignored", "vs", id, "group", vs.GroupName)
			return nil
		}
		if t.p.nft.marksGroup(g) {
			// nftables_ipvs: the group's addresses are marked by nftables
			// and balanced by one fwmark service per family.
			mark, v4, v6 := t.p.nft.group(g, proto)
			if v4 {
				add(ipvs.ServiceKey{FWMark: mark, Family: ipvs.IPv4})
			}
			if v6 {
				add(ipvs.ServiceKey{FWMark: mark, Family: ipvs.IPv6})
			}
			break
		}
		for _, r := range g.Ranges {
			for a := r.First; a.IsValid(); a = nextInRange(a, r.Last) {
				add(ipvs.ServiceKey{Protocol: proto, Addr: a, Port: r.Port})
			}
		}
		for _, f := range g.Fwmarks {
			add(ipvs.ServiceKey{FWMark: f.Mark, Family: fwmFamily(f.Family)})
		}
	}

	cvs := check.VirtualServer{
		ID:         id,
		Quorum:     int64(vs.Quorum),
		Hysteresis: int64(vs.Hysteresis),
		Omega:      vs.Omega,
	}
	if vs.QuorumUp != nil {
		cvs.QuorumUp = argv(vs.QuorumUp)
		t.p.scripts[scriptKey{vs: id, kind: check.QuorumUp}] = vs.QuorumUp
	}
	if vs.QuorumDown != nil {
		cvs.QuorumDown = argv(vs.QuorumDown)
		t.p.scripts[scriptKey{vs: id, kind: check.QuorumDown}] = vs.QuorumDown
	}
	proto2 := vs.Protocol.String()
	cvs.Reals = make([]check.RealServer, 0, len(vs.RealServers))
	mail := t.p.mail.sender != nil // without e-mail no lookup: 0.1 MB less at 1 000 real servers
	if mail {
		t.p.mail.vs[id] = vs.SMTPAlert
	}
	for _, rs := range vs.RealServers {
		rid := check.FormatService(rs.Addr, proto2)
		if _, dup := vp.reals[rid]; dup {
			t.log.Warn("duplicate real server ignored", "vs", id, "rs", rid)
			continue
		}
		if mail && rs.SMTPAlert { // read as false when absent
			t.p.mail.rs[[2]string{id, rid}] = true
		}
		vp.reals[rid] = memberDest{addr: rs.Addr, fwd: rs.Forwarding, uthresh: rs.UThreshold, lthresh: rs.LThreshold}
		crs := check.RealServer{
			ID:               rid,
			Weight:           int64(rs.Weight),
			InhibitOnFailure: rs.InhibitOnFailure,
		}
		if rs.NotifyUp != nil {
			crs.NotifyUp = argv(rs.NotifyUp)
			t.p.scripts[scriptKey{vs: id, rs: rid, kind: check.RealServerUp}] = rs.NotifyUp
		}
		if rs.NotifyDown != nil {
			crs.NotifyDown = argv(rs.NotifyDown)
			t.p.scripts[scriptKey{vs: id, rs: rid, kind: check.RealServerDown}] = rs.NotifyDown
		}
		for _, c := range rs.Checkers {
			cc, err := t.checker(id, rid, vs, rs, c)
			if err != nil {
				return fmt.Errorf("real server %s %s: %w", rid, c.Type, err)
			}
			if cc != nil {
				crs.Checkers = append(crs.Checkers, *cc)
			}
		}
		cvs.Reals = append(cvs.Reals, crs)
	}
	if s := vs.Sorry; s != nil {
		md := memberDest{addr: s.Addr, fwd: s.Forwarding}
		vp.sorry = &md
		cvs.Sorry = &check.SorryServer{ID: check.FormatService(s.Addr, proto2), Inhibit: s.Inhibit}
	}
	t.p.vss = append(t.p.vss, cvs)
	t.p.byID[id] = vp
	t.p.order = append(t.p.order, id)
	return nil
}

// granularity converts keepalived's persistence netmask (an IPv4 mask, an
// IPv6 prefix length, 0xffffffff when unset) to a prefix length.
func granularity(g uint32, f ipvs.Family) int {
	if g == 0xffffffff {
		return 0
	}
	if f == ipvs.IPv6 {
		return int(min(g, 128))
	}
	return bits.LeadingZeros32(^g)
}

// nextInRange returns the address after a, or the zero Addr past last.
// keepalived's ranges vary only the last octet (IPv4) or 16-bit group (IPv6).
func nextInRange(a, last netip.Addr) netip.Addr {
	if a == last || !a.Less(last) {
		return netip.Addr{}
	}
	return a.Next()
}

// argv is the command as the engine hands it over: a shell command line goes
// to /bin/sh -c, as keepalived's system() does.
func argv(c *config.Command) check.Command {
	if c.Shell {
		return check.Command{"/bin/sh", "-c", c.Raw}
	}
	return check.Command(c.Argv)
}

func (t *translator) checker(vsID, rsID string, vs *config.VirtualServer, rs *config.RealServer, c *config.Checker) (*check.Checker, error) {
	timing := check.Timing{
		DelayLoop:        c.DelayLoop,
		DelayBeforeRetry: c.DelayBeforeRetry,
		Warmup:           c.Warmup,
		Retry:            int(c.Retry),
		Alpha:            c.Alpha,
	}
	if timing.DelayLoop <= 0 {
		timing.DelayLoop = check.DefaultDelayLoop
	}
	var conn probe.Conn
	if c.Conn != nil {
		conn = probe.Conn{
			Addr:     c.Conn.Dst,
			BindAddr: c.Conn.BindAddr,
			BindPort: c.Conn.BindPort,
			BindIf:   c.Conn.BindIf,
			FWMark:   c.Conn.Fwmark,
			Timeout:  c.Conn.Timeout,
		}
		if conn.Timeout <= 0 {
			conn.Timeout = check.DefaultConnectTimeout
		}
	}
	out := &check.Checker{Kind: c.Type.String(), Timing: timing}
	switch c.Type {
	case config.CheckHTTP, config.CheckSSL:
		p, err := t.httpProbe(c, vs, rs, conn)
		if err != nil {
			return nil, err
		}
		out.Probe = p
	case config.CheckTCP:
		out.Probe = &probe.TCP{Conn: conn}
	case config.CheckSMTP:
		p := &probe.SMTP{Conn: conn, RS: rs.Addr}
		if c.SMTP != nil {
			p.HELO = c.SMTP.HeloName
		}
		out.Probe = p
	case config.CheckMisc:
		m := c.Misc
		if m == nil || m.Path.Raw == "" && len(m.Path.Argv) == 0 {
			return nil, errors.New("MISC_CHECK without misc_path")
		}
		p := &probe.Misc{Argv: argv(&m.Path), Timeout: m.Timeout, Dynamic: m.Dynamic}
		if p.Timeout <= 0 {
			p.Timeout = timing.DelayLoop
		}
		cred, err := credential(firstNonEmpty(m.Path.User, t.cfg.Global.ScriptUser), firstNonEmpty(m.Path.Group, t.cfg.Global.ScriptGroup))
		if err != nil {
			return nil, err
		}
		p.Credential = cred
		out.Probe = p
	case config.CheckDNS:
		p := &probe.DNS{Conn: conn}
		if c.DNS != nil {
			p.Type, p.Name = c.DNS.Type, c.DNS.Name
		}
		out.Probe = p
	case config.CheckUDP:
		p := &probe.UDP{Conn: conn}
		if u := c.UDP; u != nil {
			p.Payload, p.RequireReply = u.Payload, u.RequireReply
			p.Reply, p.Mask = u.Reply, u.ReplyMask
			p.MinLen, p.MaxLen = int(u.MinReplyLength), int(u.MaxReplyLength)
		}
		out.Probe = p
	case config.CheckPing:
		out.Probe = &probe.Ping{Conn: conn}
	case config.CheckFile:
		f := c.File
		if f == nil {
			return nil, errors.New("FILE_CHECK without track_file")
		}
		path := ""
		for _, tf := range t.cfg.VRRP.Files {
			if tf.Name == f.TrackFile {
				path = tf.Path
			}
		}
		if path == "" {
			return nil, fmt.Errorf("track_file %q not configured", f.TrackFile)
		}
		out.Probe = &probe.File{Path: path, Weight: int64(f.Weight), Reverse: f.Reverse}
		// keepalived watches the file; we poll it every second. It
		// reads the file when it starts, so a FILE_CHECK is never in
		// alpha mode (add_rs_to_track_files clears it).
		r := check.Resolve("FILE_CHECK")
		out.Timing = r.Timing
		out.Timing.Alpha = false
	case config.CheckBFD:
		if c.BFD == nil {
			return nil, errors.New("BFD_CHECK without bfd instance")
		}
		out.Probe = &probe.BFD{Name: c.BFD.Name, Up: t.bfdUp}
		// Each BFD event runs the checker at once (Manager.BFDState); the
		// one-second period only restates the last event.
		out.Wake = bfdWakeKey(c.BFD.Name)
		out.Inert = !t.bfdEnabled(c.BFD.Name)
		r := check.Resolve("FILE_CHECK")
		out.Timing = r.Timing
		out.Timing.Alpha = c.Alpha
	default:
		return nil, fmt.Errorf("unknown checker type %d", c.Type)
	}
	out.FastRecovery = (c.Type == config.CheckHTTP || c.Type == config.CheckSSL) && c.HTTP != nil && c.HTTP.FastRecovery
	if vs.HASuspend {
		g := vs.Group
		if g == nil && vs.Kind == config.VSGroup {
			g = t.cfg.LVS.Group(vs.GroupName)
		}
		out.Probe = newSuspendable(out.Probe, vs, g, c.Alpha, t.log, vsID)
	}
	w := &watched{
		inner: out.Probe, log: t.log, kind: out.Kind, vs: vsID, rs: rsID, cfg: c,
		logAll:  c.LogAllFailures || t.cfg.Global.CheckerLogAllFailures,
		dynamic: c.Type == config.CheckFile || c.Type == config.CheckMisc && c.Misc != nil && c.Misc.Dynamic,
	}
	if c.Type == config.CheckBFD {
		w.bfd = c.BFD.Name
	}
	out.Probe, out.OnVerdict = w, w.verdict
	return out, nil
}

// httpProbe is an HTTP_GET or SSL_GET checker's probe.
func (t *translator) httpProbe(c *config.Checker, vs *config.VirtualServer, rs *config.RealServer, conn probe.Conn) (*probe.HTTP, error) {
	h := c.HTTP
	if h == nil {
		h = &config.HTTPCheck{}
	}
	p := &probe.HTTP{Conn: conn, EnableSNI: h.EnableSNI}
	p.VirtualHost = firstNonEmpty(h.VirtualHost, rs.VirtualHost, vs.VirtualHost)
	p.Protocol = [...]string{config.HTTP10: "1.0", config.HTTP11: "1.1", config.HTTP10Close: "1.0C"}[h.Protocol]
	for _, u := range h.URLs {
		pu := probe.URL{Path: u.Path, VirtualHost: u.VirtualHost, TLSCompliant: u.TLSCompliant || h.TLSCompliant}
		if u.Digest != nil {
			pu.Digest = hex.EncodeToString(u.Digest)
		}
		for _, r := range u.StatusCodes {
			pu.Status = append(pu.Status, probe.StatusRange{Lo: int(r.Min), Hi: int(r.Max)})
		}
		if u.Regex != nil {
			pu.Match, pu.MatchErr = urlMatcher(u.Regex)
			if pu.MatchErr != nil {
				// -t refuses it too; running on would pass unmatched bodies.
				t.log.Error("url regex cannot run; the check fails until it is rewritten", "rs", rs.Addr.String(), "path", u.Path, "err", pu.MatchErr)
			}
		}
		p.URLs = append(p.URLs, pu)
	}
	p.URLs = t.sharedURLs(p.URLs)
	if c.Type == config.CheckSSL {
		tc, err := t.tlsConfig()
		if err != nil {
			return nil, err
		}
		p.TLS = tc
	}
	return p, nil
}

// tlsConfig is the client context of every SSL_GET: keepalived's SSL block,
// or a context that verifies nothing when there is none.
func (t *translator) tlsConfig() (*tls.Config, error) {
	if t.tls != nil {
		return t.tls, nil
	}
	tc := &tls.Config{}
	if s := t.cfg.LVS.SSL; s != nil {
		if s.CAFile != "" {
			pem, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, fmt.Errorf("SSL ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("SSL ca %s: no certificate", s.CAFile)
			}
			tc.RootCAs = pool
		}
		if s.Certificate != "" {
			key := firstNonEmpty(s.Key, s.Certificate)
			// password unlocks an encrypted key, as OpenSSL's PEM callback.
			cert, err := tlskey.Load(s.Certificate, key, s.Password)
			if err != nil {
				return nil, fmt.Errorf("SSL certificate: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
	}
	t.tls = tc
	return tc, nil
}

// credential resolves a script user (and group); nil keeps our own identity.
func credential(name, group string) (*syscall.Credential, error) {
	if name == "" {
		// keepalived's default script user, when it exists.
		if _, err := user.Lookup("keepalived_script"); err != nil {
			return nil, nil
		}
		name = "keepalived_script"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("script user %q: %w", name, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("script group %q: %w", group, err)
		}
		gid, _ = strconv.ParseUint(g.Gid, 10, 32)
	}
	if uid == uint64(os.Geteuid()) && gid == uint64(os.Getegid()) {
		return nil, nil
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// urlMatcher compiles a url's PCRE2 regex for RE2 (check/pcre).
func urlMatcher(r *config.URLRegex) (*pcre.Matcher, error) {
	re, err := pcre.Compile(r.Pattern, r.Options)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", r.Pattern, err)
	}
	return &pcre.Matcher{Re: re, NoMatch: r.NoMatch, Min: r.MinOffset, Max: r.MaxOffset}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// bfdEnabled: the BFD side runs the instance (keepalived's BFD process
// disables some, such as those without a neighbor).
func (t *translator) bfdEnabled(name string) bool {
	for _, b := range t.cfg.VRRP.BFDs {
		if b.Name == name {
			return !b.Disabled
		}
	}
	return false
}
