package parser

import (
	"net/netip"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/check/pcre"
	"github.com/dsas/keepalived-go/config"
)

// chkKeywords: the checker blocks valid inside real_server.
func chkKeywords() table {
	return table{
		"HTTP_GET":   {Kind: kwBlock, Handle: chkNew(config.CheckHTTP), Sub: chkHTTPTable(false), End: chkHTTPEnd},
		"SSL_GET":    {Kind: kwBlock, Handle: chkNew(config.CheckSSL), Sub: chkHTTPTable(true), End: chkHTTPEnd},
		"TCP_CHECK":  {Kind: kwBlock, Handle: chkNew(config.CheckTCP), Sub: chkCommonTable(true), End: chkConnEnd},
		"PING_CHECK": {Kind: kwBlock, Handle: chkNew(config.CheckPing), Sub: chkCommonTable(true), End: chkConnEnd},
		"SMTP_CHECK": {Kind: kwBlock, Handle: chkNew(config.CheckSMTP), Sub: chkSMTPTable(), End: chkSMTPEnd},
		"MISC_CHECK": {Kind: kwBlock, Handle: chkNew(config.CheckMisc), Sub: chkMiscTable(), End: chkMiscEnd},
		"DNS_CHECK":  {Kind: kwBlock, Handle: chkNew(config.CheckDNS), Sub: chkDNSTable(), End: chkConnEnd},
		"UDP_CHECK":  {Kind: kwBlock, Handle: chkNew(config.CheckUDP), Sub: chkUDPTable(), End: chkUDPEnd},
		"FILE_CHECK": {Kind: kwBlock, Handle: chkNew(config.CheckFile), Sub: chkFileTable(), End: chkFileEnd},
		"BFD_CHECK":  {Kind: kwBlock, Handle: chkNew(config.CheckBFD), Sub: chkBFDTable(), End: chkBFDEnd},
	}
}

// chkNew is queue_checker plus each type's own defaults.
func chkNew(t config.CheckerType) func(*ctx, token, []token) {
	return func(c *ctx, kw token, _ []token) {
		c.lvs.chk, c.lvs.url, c.lvs.urlRx, c.lvs.smtpHost = nil, nil, nil, nil
		rb := c.lvs.rs
		if rb == nil {
			c.SkipBlock()
			return
		}
		ck := &config.Checker{Type: t}
		b := &lvsChkBuild{c: ck, rs: rb, pos: kw.Pos, defRetry: 1, defDBR: time.Second}
		switch t {
		case config.CheckHTTP, config.CheckSSL:
			ck.HTTP = &config.HTTPCheck{}
			b.defDBR = 3 * time.Second
		case config.CheckSMTP:
			ck.SMTP = &config.SMTPCheck{}
		case config.CheckMisc:
			ck.Misc = &config.MiscCheck{}
			b.defRetry = 0
		case config.CheckDNS:
			ck.DNS = &config.DNSCheck{Type: "SOA"}
			b.defRetry, b.defDBR = 3, 0
		case config.CheckUDP:
			ck.UDP = &config.UDPCheck{MaxReplyLength: 255}
		case config.CheckFile:
			ck.File = &config.FileCheck{}
		case config.CheckBFD:
			ck.BFD = &config.BFDCheck{}
		}
		switch t {
		case config.CheckMisc, config.CheckFile, config.CheckBFD:
		default:
			ck.Conn = &config.ConnOpts{Dst: rb.written}
		}
		rb.checkers = append(rb.checkers, b)
		c.lvs.chk = b
	}
}

// chkCur is the checker being filled, nil when it was dropped already.
func (c *ctx) chkCur() *lvsChkBuild {
	if b := c.lvs.chk; b != nil && !b.dropped {
		return b
	}
	return nil
}

// chkConn is where connection keywords go: an open SMTP host block, else
// the checker itself.
func (c *ctx) chkConn() *config.ConnOpts {
	b := c.chkCur()
	if b == nil {
		return nil
	}
	if c.lvs.smtpHost != nil {
		return c.lvs.smtpHost
	}
	b.connWritten = true
	return b.c.Conn
}

func chkKw(f func(c *ctx, b *lvsChkBuild, kw token, args []token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if b := c.chkCur(); b != nil {
			f(c, b, kw, args)
		}
	}}
}

func chkKwArg(f func(c *ctx, b *lvsChkBuild, a token, args []token)) *keyword {
	return chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if c.Require(kw, args, 1) {
			f(c, b, args[0], args)
		}
	})
}

func chkConnKwArg(f func(c *ctx, co *config.ConnOpts, a token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if c.chkCur() == nil || !c.Require(kw, args, 1) {
			return
		}
		if co := c.chkConn(); co != nil {
			f(c, co, args[0])
		}
	}}
}

// chkCommonTable is install_checker_common_keywords.
func chkCommonTable(conn bool) table {
	t := chkTimingKeywords()
	if conn {
		merge(t, chkConnKeywords())
	}
	return t
}

// chkTimingKeywords: retries, delays and alpha mode, common to every checker.
func chkTimingKeywords() table {
	return table{
		"retry": chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
			if r, ok := c.lvsCountArg(a, 0, "Invalid retry connection value '%s'"); ok {
				b.retry = r
			}
		}),
		"delay_before_retry": chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "Invalid delay_before_retry connection value '%s'"); ok {
				b.delayBeforeRetry = &d
			}
		}),
		"warmup": chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "Invalid warmup connection value '%s'"); ok {
				b.warmup = &d
			}
		}),
		"delay_loop": chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, 0, "delay_loop '%s' is invalid - ignoring"); ok {
				b.delayLoop = &d
			}
		}),
		"alpha": chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid alpha parameter"); ok {
				b.alpha = &v
			}
		}),
		"log_all_failures": chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid log_all_failures parameter"); ok {
				b.c.LogAllFailures = v
			}
		}),
	}
}

// chkConnKeywords: where a connecting checker connects from and to.
func chkConnKeywords() table {
	return table{
		"connect_ip": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			ap, ok := lvsSockAddr(a.Text, "")
			switch {
			case !ok:
				c.Report(a.Pos, generalError, "Invalid connect_ip address %s - ignoring", a.Text)
			case co.BindAddr.IsValid() && co.BindAddr.Is4() != ap.Addr().Is4():
				c.Report(a.Pos, generalError, "connect_ip address %s does not match address family of bindto - skipping", a.Text)
			default:
				co.Dst = netip.AddrPortFrom(ap.Addr(), co.Dst.Port())
			}
		}),
		"connect_port": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			n, ok := c.Uint(a, 1, 65535)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid checker connect_port '%s'", a.Text)
				return
			}
			co.Dst = netip.AddrPortFrom(co.Dst.Addr(), uint16(n))
			if b := c.chkCur(); b != nil && c.lvs.smtpHost == nil {
				b.smtpPortSet = true
			}
		}),
		"bindto": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			ap, ok := lvsSockAddr(a.Text, "")
			switch {
			case !ok:
				c.Report(a.Pos, generalError, "Invalid bindto address %s - ignoring", a.Text)
			case co.Dst.Addr().IsValid() && co.Dst.Addr().Is4() != ap.Addr().Is4():
				c.Report(a.Pos, generalError, "bindto address %s does not match address family of connect_ip - skipping", a.Text)
			default:
				co.BindAddr = ap.Addr()
			}
		}),
		"bind_port": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			n, ok := c.Uint(a, 1, 65535)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid checker bind_port '%s'", a.Text)
				return
			}
			co.BindPort = uint16(n)
		}),
		"bind_if": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			if len(a.Text) > 15 { // IFNAMSIZ-1
				c.Report(a.Pos, generalError, "Interface name %s is too long - ignoring", a.Text)
				return
			}
			co.BindIf = a.Text
		}),
		"connect_timeout": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, (1<<32-1)*time.Microsecond, "connect_timeout %s invalid - ignoring"); ok {
				co.Timeout = d
			}
			if c.lvs.smtpHost == nil {
				c.lvs.chk.timeoutSet = true
			}
		}),
		"fwmark": chkConnKwArg(func(c *ctx, co *config.ConnOpts, a token) {
			n, ok := c.Uint(a, 0, 1<<32-1)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid fwmark connection value '%s'", a.Text)
				return
			}
			co.Fwmark = uint32(n)
		}),
	}
}

// chkDrop is dequeue_new_checker.
func (c *ctx) chkDrop(b *lvsChkBuild) {
	if b.dropped {
		return
	}
	b.dropped = true
	rs := b.rs
	for i, x := range rs.checkers {
		if x == b {
			rs.checkers = append(rs.checkers[:i], rs.checkers[i+1:]...)
			break
		}
	}
}

// chkCheckConn is check_conn_opts: an IPv6 link-local destination needs
// bind_if.
func (c *ctx) chkCheckConn(b *lvsChkBuild, co *config.ConnOpts) bool {
	a := co.Dst.Addr()
	if a.Is6() && a.IsLinkLocalUnicast() && co.BindIf == "" {
		c.Report(b.pos, generalError, "Checker link local address %s requires a bind_if", a)
		return false
	}
	return true
}

func chkConnEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk = nil
	if b != nil && !c.chkCheckConn(b, b.c.Conn) {
		c.chkDrop(b)
	}
}

// HTTP_GET / SSL_GET.

func chkHTTPTable(ssl bool) table {
	h := func(b *lvsChkBuild) *config.HTTPCheck { return b.c.HTTP }
	t := chkCommonTable(true)
	t["nb_get_retry"] = chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
		c.Report(a.Pos, generalError, "nb_get_retry is deprecated - please use 'retry'")
		if r, ok := c.lvsCountArg(a, 0, "Invalid nb_get_retry value '%s'"); ok {
			b.retry = r
		}
	})
	t["virtualhost"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "HTTP_GET virtualhost name missing")
			return
		}
		h(b).VirtualHost = args[0].Text
	})
	t["http_protocol"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "Missing http_protocol version")
			return
		}
		switch args[0].Text {
		case "1.0":
			h(b).Protocol = config.HTTP10
		case "1.1":
			h(b).Protocol = config.HTTP11
		case "1.0C", "1.0c":
			h(b).Protocol = config.HTTP10Close
		default:
			c.Report(args[0].Pos, generalError, "Invalid http_protocol version %s", args[0].Text)
		}
	})
	t["enable_sni"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if v, ok := c.lvsBool(kw, args, "Invalid enable_sni parameter"); ok {
			h(b).EnableSNI = v
		}
	})
	t["fast_recovery"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if v, ok := c.lvsBool(kw, args, "Invalid fast_recovery parameter"); ok {
			h(b).FastRecovery = v
		}
	})
	// tls_compliant is 2.3 and SSL_GET only: keepalived 2.3 installs it
	// (checker and url) for SSL_GET alone, so under HTTP_GET it is an
	// unknown keyword there as here.
	if ssl {
		t["tls_compliant"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid tls_compliant option"); ok {
				h(b).TLSCompliant = v
			}
		})
	}
	t["url"] = &keyword{Kind: kwBlock, Handle: chkURLHandler, Sub: chkURLTable(ssl), End: chkURLEnd}
	return t
}

func chkHTTPEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk, c.lvs.url = nil, nil
	if b == nil {
		return
	}
	if len(b.c.HTTP.URLs) == 0 {
		c.Report(b.pos, generalError, "HTTP/SSL_GET checker has no urls specified - ignoring")
		c.chkDrop(b)
		return
	}
	if !c.chkCheckConn(b, b.c.Conn) {
		c.chkDrop(b)
	}
}

func chkURLHandler(c *ctx, kw token, _ []token) {
	c.lvs.url, c.lvs.urlRx = nil, nil
	b := c.chkCur()
	if b == nil {
		c.SkipBlock()
		return
	}
	c.lvs.url, c.lvs.urlPos = &config.URL{}, kw.Pos
	c.lvs.urlRxBuf = lvsURLRegexBuild{}
	c.lvs.urlRx = &c.lvs.urlRxBuf
}

func chkURLKw(f func(c *ctx, u *config.URL, rx *lvsURLRegexBuild, kw token, args []token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if c.lvs.url != nil && c.chkCur() != nil {
			f(c, c.lvs.url, c.lvs.urlRx, kw, args)
		}
	}}
}

var chkRegexOptions = map[string]bool{
	"allow_empty_class": true, "alt_bsux": true, "auto_callout": true, "caseless": true,
	"dollar_endonly": true, "dotall": true, "dupnames": true, "extended": true, "firstline": true,
	"match_unset_backref": true, "multiline": true, "never_ucp": true, "never_utf": true,
	"no_auto_capture": true, "no_auto_possess": true, "no_dotstar_anchor": true,
	"no_start_optimize": true, "ucp": true, "ungreedy": true, "utf": true,
	"never_backslash_c": true, "alt_circumflex": true, "alt_verbnames": true, "use_offset_limit": true,
}

// chkURLTable is every keyword of an HTTP_GET/SSL_GET url block.
func chkURLTable(ssl bool) table {
	t := tables(chkURLMatchKeywords(), chkURLRegexKeywords())
	if ssl {
		t["tls_compliant"] = chkURLKw(func(c *ctx, u *config.URL, _ *lvsURLRegexBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid tls_compliant option"); ok {
				u.TLSCompliant = v
			}
		})
	}
	return t
}

// chkURLMatchKeywords: what a url block expects back.
func chkURLMatchKeywords() table {
	return table{
		"path": chkURLKw(func(c *ctx, u *config.URL, _ *lvsURLRegexBuild, kw token, args []token) {
			if c.Require(kw, args, 1) {
				u.Path = args[0].Text
			}
		}),
		"digest": chkURLKw(func(c *ctx, u *config.URL, _ *lvsURLRegexBuild, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			d := args[0].Text
			switch {
			case u.Digest != nil:
				c.Report(args[0].Pos, generalError, "Digest '%s' is a duplicate", d)
			case len(d) != 32:
				c.Report(args[0].Pos, generalError, "digest '%s' character length should be 32 rather than %d", d, len(d))
			default:
				buf := make([]byte, 16)
				for i := 0; i < 16; i++ {
					hi, lo := d[2*i], d[2*i+1]
					if !isHex(hi) || !isHex(lo) {
						c.Report(args[0].Pos, generalError, "Unable to interpret hex digit in '%s' at offset %d/%d", d, 2*i, 2*i+1)
						return
					}
					buf[i] = hexVal(hi)<<4 | hexVal(lo)
				}
				u.Digest = buf
			}
		}),
		"status_code": chkURLKw(func(c *ctx, u *config.URL, _ *lvsURLRegexBuild, _ token, args []token) {
			for _, a := range args {
				lo, hi, ok := chkStatusRange(a.Text)
				if !ok {
					c.Report(a.Pos, generalError, "Invalid HTTP_GET status code '%s'", a.Text)
					continue
				}
				u.StatusCodes = append(u.StatusCodes, config.StatusRange{Min: lo, Max: hi})
			}
		}),
		"virtualhost": chkURLKw(func(c *ctx, u *config.URL, _ *lvsURLRegexBuild, kw token, args []token) {
			if len(args) < 1 {
				c.Report(kw.Pos, generalError, "Missing HTTP_GET virtualhost name")
				return
			}
			u.VirtualHost = args[0].Text
		}),
	}
}

// chkURLRegexKeywords: the regex a url's body must (not) match.
func chkURLRegexKeywords() table {
	return table{
		// regex is re-read with the quoted/escaped tokenizer.
		"regex": {Script: true, Handle: func(c *ctx, kw token, args []token) {
			if c.lvs.url == nil || c.chkCur() == nil {
				return
			}
			raw := c.Raw()
			if raw == "" {
				raw = joinTokens(kw, args)
			}
			words, err := splitEscaped(raw)
			if err != nil || len(words) != 2 {
				c.Report(kw.Pos, info, "regex missing or too many fields")
				return
			}
			c.lvs.urlRx.rx.Pattern, c.lvs.urlRx.hasPattern = words[1], true
			c.lvs.urlRx.pos = kw.Pos
		}},
		"regex_no_match": chkURLKw(func(_ *ctx, _ *config.URL, rx *lvsURLRegexBuild, _ token, _ []token) {
			rx.rx.NoMatch = true
		}),
		"regex_options": chkURLKw(func(_ *ctx, _ *config.URL, rx *lvsURLRegexBuild, _ token, args []token) {
			for _, a := range args {
				if chkRegexOptions[a.Text] {
					rx.rx.Options = append(rx.rx.Options, a.Text)
					rx.options = true
				}
			}
		}),
		"regex_min_offset": chkURLKw(func(c *ctx, _ *config.URL, rx *lvsURLRegexBuild, kw token, args []token) {
			rx.rx.MinOffset = chkRegexOffset(c, kw, args, "min")
			rx.minSet = rx.rx.MinOffset != 0
		}),
		"regex_max_offset": chkURLKw(func(c *ctx, _ *config.URL, rx *lvsURLRegexBuild, kw token, args []token) {
			rx.rx.MaxOffset = chkRegexOffset(c, kw, args, "max") + 1
			rx.maxSet = true
		}),
		"regex_stack": chkURLKw(func(c *ctx, _ *config.URL, rx *lvsURLRegexBuild, kw token, args []token) {
			if len(args) != 2 {
				c.Report(kw.Pos, info, "regex_stack requires start and max values")
				return
			}
			s, e1 := chkUlong(args[0].Text)
			m, e2 := chkUlong(args[1].Text)
			switch {
			case !e1:
				c.Report(args[0].Pos, info, "regex_stack invalid start value")
			case !e2:
				c.Report(args[1].Pos, info, "regex_stack invalid max value")
			case s > m:
				c.Report(kw.Pos, info, "regex stack start cannot exceed max value")
			default:
				rx.rx.StackStart, rx.rx.StackMax, rx.stackSet = s, m, true
			}
		}),
	}
}

func chkUlong(s string) (uint64, bool) {
	if s == "" || !allDigits(s) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n, true
}

func chkRegexOffset(c *ctx, kw token, args []token, what string) uint64 {
	if len(args) != 1 {
		c.Report(kw.Pos, info, "Missing or too may options for regex_%s_offset", what)
		return 0
	}
	n, ok := chkUlong(args[0].Text)
	if !ok {
		c.Report(args[0].Pos, info, "Invalid regex_%s_offset %s specified", what, args[0].Text)
		return 0
	}
	return n
}

// chkStatusRange reads CODE or LOW-HIGH within 100..599.
func chkStatusRange(s string) (uint16, uint16, bool) {
	lo, hi := s, s
	if i := strings.IndexByte(s, '-'); i >= 0 {
		lo, hi = s[:i], s[i+1:]
	}
	a, ok1 := chkUlong(lo)
	b, ok2 := chkUlong(hi)
	if !ok1 || !ok2 || a < 100 || a > 599 || b < 100 || b > 599 || a > b {
		return 0, 0, false
	}
	return uint16(a), uint16(b), true
}

// chkURLEnd is url_check: a url without path is dropped; the status codes
// default to 200-299; regex fields without a regex are cleared.
func chkURLEnd(c *ctx) {
	u, rx := c.lvs.url, c.lvs.urlRx
	c.lvs.url, c.lvs.urlRx = nil, nil
	b := c.chkCur()
	if u == nil || b == nil {
		return
	}
	if u.Path == "" {
		c.Report(c.lvs.urlPos, generalError, "HTTP/SSL_GET checker url has no path - ignoring")
		return
	}
	if len(u.StatusCodes) == 0 {
		u.StatusCodes = []config.StatusRange{{Min: 200, Max: 299}}
	}
	if rx.hasPattern {
		r := rx.rx
		if r.MaxOffset != 0 && r.MinOffset >= r.MaxOffset {
			c.Report(c.lvs.urlPos, info, "regex min offset %d > regex_max_offset %d - ignoring", r.MinOffset, r.MaxOffset-1)
			r.MinOffset, r.MaxOffset = 0, 0
		}
		u.Regex = &r
		// Ours: a pattern RE2 cannot run would leave every body unmatched.
		if _, err := pcre.Compile(r.Pattern, r.Options); err != nil {
			c.Report(rx.pos, generalError, "regex '%s' cannot be run by keepalived-go: %v", r.Pattern, err)
		}
	} else if rx.options || rx.rx.NoMatch || rx.minSet || rx.maxSet || rx.stackSet {
		c.Report(c.lvs.urlPos, info, "regex parameters specified without regex")
	}
	b.c.HTTP.URLs = append(b.c.HTTP.URLs, u)
}

// SMTP_CHECK.

func chkSMTPTable() table {
	t := chkCommonTable(true)
	t["helo_name"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "SMTP_CHECK helo name missing")
			return
		}
		b.c.SMTP.HeloName = args[0].Text
	})
	host := chkCommonTable(true)
	t["host"] = &keyword{Kind: kwBlock, Sub: host,
		Handle: func(c *ctx, _ token, _ []token) {
			b := c.chkCur()
			if b == nil {
				c.SkipBlock()
				return
			}
			c.lvs.smtpHost = &config.ConnOpts{Dst: b.rs.written}
		},
		End: func(c *ctx) {
			co := c.lvs.smtpHost
			c.lvs.smtpHost = nil
			b := c.chkCur()
			if co == nil || b == nil {
				return
			}
			if c.chkCheckConn(b, co) {
				b.hosts = append(b.hosts, co)
			}
		}}
	return t
}

// chkSMTPEnd: without host blocks (or with connection keywords of its own)
// the checker connects to the real server, on its port unless
// connect_port says otherwise; each host block becomes one more checker
// sharing the SMTP settings. keepalived says "deprecated" at INFO level.
func chkSMTPEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk, c.lvs.smtpHost = nil, nil
	if b == nil {
		return
	}
	ck := b.c
	if ck.SMTP.HeloName == "" {
		ck.SMTP.HeloName = "smtpchecker.keepalived.org"
	}
	if len(b.hosts) > 0 {
		c.Report(b.pos, info, "The SMTP_CHECK host block is deprecated. Please define additional checkers.")
	}
	hosts := b.hosts
	if b.connWritten || len(hosts) == 0 {
		if !c.chkCheckConn(b, ck.Conn) {
			c.chkDrop(b)
			return
		}
	} else {
		ck.Conn = hosts[0]
		hosts = hosts[1:]
	}
	rb := b.rs
	for _, co := range hosts {
		nc := *ck
		smtp := *ck.SMTP
		nc.SMTP, nc.Conn = &smtp, co
		nb := *b
		nb.c, nb.hosts = &nc, nil
		// a host's own connect_timeout was recorded as non-zero
		nb.timeoutSet = co.Timeout != 0
		rb.checkers = append(rb.checkers, &nb)
	}
	if !b.connWritten && len(b.hosts) > 0 {
		b.timeoutSet = ck.Conn.Timeout != 0
	}
}

// MISC_CHECK.

func chkMiscTable() table {
	t := chkCommonTable(false)
	t["misc_path"] = &keyword{Script: true, Handle: func(c *ctx, kw token, args []token) {
		b := c.chkCur()
		if b == nil {
			return
		}
		cmd, ok := c.Command(kw, args, false)
		if !ok {
			return
		}
		user, group := b.c.Misc.Path.User, b.c.Misc.Path.Group
		b.c.Misc.Path = cmd
		b.c.Misc.Path.User, b.c.Misc.Path.Group = user, group
	}}
	t["misc_timeout"] = chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
		n, ok := c.Uint(a, 0, (1<<32-1)/1000000)
		if !ok {
			c.Report(a.Pos, generalError, "Invalid misc_timeout value '%s'", a.Text)
			return
		}
		b.c.Misc.Timeout = time.Duration(n) * time.Second
	})
	t["misc_dynamic"] = chkKw(func(_ *ctx, b *lvsChkBuild, _ token, _ []token) { b.c.Misc.Dynamic = true })
	t["user"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "No user specified for misc checker script %s", b.c.Misc.Path.Quoted())
			return
		}
		ok := c.userExists(args[0].Text) && (len(args) < 2 || c.groupExists(args[1].Text))
		if !ok {
			c.Report(kw.Pos, generalError, "Failed to set uid/gid for misc checker script %s - removing", b.c.Misc.Path.Quoted())
			c.chkDrop(b)
			return
		}
		b.c.Misc.Path.User = args[0].Text
		if len(args) > 1 {
			b.c.Misc.Path.Group = args[1].Text
		}
		b.miscUser = true
	})
	return t
}

func chkMiscEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk = nil
	if b == nil {
		return
	}
	if len(b.c.Misc.Path.Argv) == 0 {
		c.Report(b.pos, generalError, "No script path has been specified for MISC_CHECKER - skipping")
		c.chkDrop(b)
		return
	}
	if !b.miscUser && !c.defaultScriptUserOK() {
		c.Report(b.pos, generalError, "Unable to set default user for misc script %s - removing", b.c.Misc.Path.Quoted())
		c.chkDrop(b)
		return
	}
}

// DNS_CHECK.

var chkDNSTypes = []string{"A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY"}

func chkDNSTable() table {
	t := chkCommonTable(true)
	t["type"] = chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
		for _, ty := range chkDNSTypes {
			if strings.EqualFold(a.Text, ty) {
				b.c.DNS.Type = ty
				return
			}
		}
		c.Report(a.Pos, generalError, "Unknown DNS check type %s - ignoring", a.Text)
	})
	nameSet := func(b *lvsChkBuild) bool { return b.c.DNS.Name != "" }
	t["name"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if nameSet(b) {
			c.Report(kw.Pos, generalError, "DNS_CHECK name already specified - ignoring")
			return
		}
		if !c.Require(kw, args, 1) {
			return
		}
		n := args[0].Text
		if (strings.HasPrefix(n, ".") && n != ".") || strings.Contains(n, "..") {
			c.Report(args[0].Pos, generalError, "DNS_CHECK name '%s' has empty label - ignoring", n)
			return
		}
		b.c.DNS.Name = n
	})
	return t
}

// UDP_CHECK.

func chkUDPTable() table {
	t := chkCommonTable(true)
	t["payload"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "UDP_CHECK payload requires a payload")
			return
		}
		data, _, ok := chkHexString(chkJoinWords(args), false)
		if !ok {
			c.Report(kw.Pos, generalError, "Invalid hex string for UDP_CHECK payload")
			return
		}
		b.c.UDP.Payload = data
	})
	t["require_reply"] = chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
		b.c.UDP.RequireReply = true
		if len(args) == 0 {
			return
		}
		data, mask, ok := chkHexString(chkJoinWords(args), true)
		if !ok {
			c.Report(kw.Pos, generalError, "Invalid hex string for UDP_CHECK reply")
			return
		}
		b.c.UDP.Reply, b.c.UDP.ReplyMask = data, mask
	})
	t["min_reply_length"] = chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
		n, ok := c.Uint(a, 0, 65535)
		if !ok {
			c.Report(a.Pos, generalError, "UDP_CHECK min length %s not valid - must be between 0 & 65535", a.Text)
			return
		}
		b.c.UDP.MinReplyLength = uint16(n)
	})
	t["max_reply_length"] = chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
		n, ok := c.Uint(a, 0, 65535)
		if !ok {
			c.Report(a.Pos, generalError, "UDP_CHECK max length %s not valid - must be between 0 & 65535", a.Text)
			return
		}
		b.c.UDP.MaxReplyLength = uint16(n)
	})
	return t
}

func chkUDPEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk = nil
	if b == nil {
		return
	}
	if !c.chkCheckConn(b, b.c.Conn) {
		c.chkDrop(b)
		return
	}
	if u := b.c.UDP; u.MinReplyLength > u.MaxReplyLength {
		c.Report(b.pos, generalError, "UDP_CHECK min_reply length %d > max_reply_length %d - will always fail", u.MinReplyLength, u.MaxReplyLength)
	}
}

func chkJoinWords(args []token) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = a.Text
	}
	return strings.Join(s, " ")
}

// chkHexString is read_hex_str: pairs of hex digits, blanks between bytes
// optional, a lone digit before a blank is one byte; with wildcards an
// 'x'/'X' nibble matches anything (its mask bits are set).
func chkHexString(s string, wildcard bool) (data, mask []byte, ok bool) {
	nib := func(ch byte) (v, m byte, ok bool) {
		switch {
		case isHex(ch):
			return hexVal(ch), 0, true
		case wildcard && (ch == 'x' || ch == 'X'):
			return 0, 0x0f, true
		}
		return 0, 0, false
	}
	useMask := false
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		v, m, ok := nib(s[i])
		i++
		if !ok {
			return nil, nil, false
		}
		if i < len(s) && s[i] != ' ' {
			v2, m2, ok := nib(s[i])
			i++
			if !ok {
				return nil, nil, false
			}
			v, m = v<<4|v2, m<<4|m2
		}
		if m != 0 {
			useMask = true
		}
		data = append(data, v)
		mask = append(mask, m)
	}
	if len(data) == 0 {
		return nil, nil, false
	}
	if !useMask {
		mask = nil
	}
	return data, mask, true
}

// FILE_CHECK: its track_file must be defined earlier in the file.

func chkFileTable() table {
	return table{
		"track_file": chkKwArg(func(c *ctx, b *lvsChkBuild, a token, _ []token) {
			if c.lvs.findTrackFile(a.Text) == nil {
				c.Report(a.Pos, generalError, "track_file %s not found", a.Text)
				return
			}
			b.c.File.TrackFile = a.Text
		}),
		"weight": chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			if len(args) < 1 {
				c.Report(kw.Pos, generalError, "track file weight missing")
				return
			}
			n, ok := c.Int(args[0], -lvsWeightLimit, lvsWeightLimit)
			if !ok {
				c.Report(args[0].Pos, generalError, "weight for track file must be in [%d..%d] inclusive. Ignoring...", -lvsWeightLimit, lvsWeightLimit)
				return
			}
			rev := false
			if len(args) >= 2 {
				switch args[1].Text {
				case "reverse":
					rev = true
				case "noreverse":
				default:
					c.Report(args[1].Pos, generalError, "unknown track file weight option %s - ignoring", args[1].Text)
					return
				}
			}
			b.c.File.Weight, b.c.File.Reverse = int32(n), rev
			b.weightSet = true
		}),
	}
}

func chkFileEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk = nil
	if b == nil {
		return
	}
	if b.c.File.TrackFile == "" {
		c.Report(b.pos, generalError, "FILE_CHECK has no track_file specified - ignoring")
		c.chkDrop(b)
		return
	}
	if f := c.lvs.findTrackFile(b.c.File.TrackFile); f != nil && !b.weightSet {
		b.c.File.Weight, b.c.File.Reverse = int32(f.Weight), f.WeightReverse
	}
}

// BFD_CHECK: its bfd_instance must be defined earlier in the file.

func chkBFDTable() table {
	return table{
		"name": chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			rs := lvsFmtAddrPort(b.rs.r.Addr, config.ProtoNone)
			var name string
			if len(args) >= 1 {
				name = args[0].Text
			}
			found := false
			for _, f := range c.lvs.bfds {
				if f.Name == name {
					found = true
				}
			}
			bad := true
			switch {
			case len(args) != 1:
				c.Report(kw.Pos, generalError, "(%s) BFD_CHECK - No or too many names specified - skipping checker", rs)
			case !found:
				c.Report(args[0].Pos, generalError, "(%s) BFD_CHECK - BFD %s not configured", rs, name)
			case b.c.BFD.Name != "":
				c.Report(args[0].Pos, generalError, "(%s) BFD_CHECK - BFD %s already specified as %s", rs, name, b.c.BFD.Name)
			case len(name) >= 32: // BFD_INAME_MAX
				c.Report(args[0].Pos, generalError, "(%s) BFD_CHECK - BFD name %s too long", rs, name)
			default:
				bad = false
				for _, o := range b.rs.checkers {
					if o != b && o.c.BFD != nil && o.c.BFD.Name == name {
						c.Report(args[0].Pos, generalError, "(%s) BFD_CHECK - RS already monitoring %s", rs, name)
						bad = true
					}
				}
			}
			if bad {
				c.chkDrop(b)
				return
			}
			b.c.BFD.Name = name
		}),
		"alpha": chkKw(func(c *ctx, b *lvsChkBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid alpha parameter"); ok {
				b.alpha = &v
			}
		}),
	}
}

func chkBFDEnd(c *ctx) {
	b := c.chkCur()
	c.lvs.chk = nil
	if b == nil {
		return
	}
	if b.c.BFD.Name == "" {
		c.Report(b.pos, generalError, "(%s) No name has been specified for BFD_CHECKER - skipping", lvsFmtAddrPort(b.rs.r.Addr, config.ProtoNone))
		c.chkDrop(b)
	}
}
