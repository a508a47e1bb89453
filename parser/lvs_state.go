package parser

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// lvsState is the parser's cursor into the LVS side: the virtual server,
// real server and checker currently being filled. keepalived keeps
// "unset" sentinels (-1, UINT_MAX) until validate_check_config; we keep
// them here, next to the config objects, so the model itself only ever
// holds resolved values.
type lvsState struct {
	groups []*config.VirtualServerGroup
	vsg    *lvsVSGBuild
	vss    []*lvsVSBuild
	vs     *lvsVSBuild // nil while a skipped block is being read
	rs     *lvsRSBuild
	chk    *lvsChkBuild
	url    *config.URL
	urlPos Pos
	urlRx  *lvsURLRegexBuild
	// urlRxBuf is what urlRx points at: one url block is open at a time,
	// and its end copies what it keeps (a fresh one per url was 5 % of
	// the bytes a file of HTTP checkers allocated).
	urlRxBuf lvsURLRegexBuild
	// smtpHost is the connection options of an open SMTP_CHECK host block.
	smtpHost *config.ConnOpts

	// track_file and bfd_instance as the checker process reads them
	// (lvsCheckerTrackers).
	trackFile  *config.TrackFile
	trackFiles []*config.TrackFile
	bfd        *config.BFDInstance
	bfdEvents  bool
	bfds       []*config.BFDInstance

	// globals that need a default when never written
	snmpVSSet, snmpRSSet bool
}

type lvsVSGBuild struct {
	g              *config.VirtualServerGroup
	pos            Pos
	have4, have6   bool
	fwmarkNoFamily bool
}

type lvsVSBuild struct {
	v   *config.VirtualServer
	pos Pos

	fwdSet    bool
	smtpAlert *bool
	sorryFwd  bool // sorry server has its own lvs_method
	rss       []*lvsRSBuild
}

type lvsRSBuild struct {
	r   *config.RealServer
	pos Pos
	// written is the address as on the real_server line, before the
	// port fix-ups: checkers connect there by default.
	written netip.AddrPort

	fwdSet         bool
	weight         *uint32
	alpha, inhibit *bool
	smtpAlert      *bool
	connectTimeout *time.Duration
	delayLoop      *time.Duration
	checkers       []*lvsChkBuild
}

type lvsChkBuild struct {
	c   *config.Checker
	rs  *lvsRSBuild
	pos Pos

	retry            *uint32
	delayBeforeRetry *time.Duration
	warmup           *time.Duration
	delayLoop        *time.Duration
	alpha            *bool
	timeoutSet       bool
	// keepalived's per-type defaults: retry 1 (MISC 0, DNS 3), delay
	// before retry 1s (HTTP 3s; DNS 0 = delay_loop).
	defRetry uint32
	defDBR   time.Duration

	dropped bool
	// SMTP: the host blocks, each becoming one more checker.
	hosts []*config.ConnOpts
	// SMTP: whether any connection keyword was written outside host blocks.
	connWritten bool
	smtpPortSet bool
	// MISC: user given with the "user" keyword.
	miscUser bool
	// FILE: weight written (else the track_file's own weight).
	weightSet bool
}

type lvsURLRegexBuild struct {
	rx                config.URLRegex
	hasPattern        bool
	pos               Pos // the regex keyword, where a refusal is reported
	minSet, maxSet    bool
	stackSet, options bool
}

const lvsMaxTimer = time.Duration(1<<63 - 1)

// lvsBool is check_true_false with keepalived's per-keyword message: no
// argument means true.
func (c *ctx) lvsBool(kw token, args []token, msg string) (bool, bool) {
	v, ok := trueFalse(args)
	if !ok {
		c.Report(args[0].Pos, generalError, "%s %s", msg, args[0].Text)
	}
	return v, ok
}

// lvsTimer reads a µs-resolution timer; hi 0 means no upper bound.
func (c *ctx) lvsTimer(t token, lo, hi time.Duration) (time.Duration, bool) {
	if hi == 0 {
		hi = lvsMaxTimer
	}
	return c.Timer(t, 6, lo, hi)
}

// lvsCountArg reads a count in [lo, 2^32-1] (retry), reporting a bad
// value with bad (taking the value).
func (c *ctx) lvsCountArg(t token, lo uint64, bad string) (*uint32, bool) {
	n, ok := c.Uint(t, lo, 1<<32-1)
	if !ok {
		c.Report(t.Pos, generalError, bad, t.Text)
		return nil, false
	}
	r := uint32(n)
	return &r, true
}

// lvsTimerArg is lvsTimer that also reports a bad value with bad (taking
// the value).
func (c *ctx) lvsTimerArg(t token, lo, hi time.Duration, bad string) (time.Duration, bool) {
	d, ok := c.lvsTimer(t, lo, hi)
	if !ok {
		c.Report(t.Pos, generalError, bad, t.Text)
	}
	return d, ok
}

// lvsSockAddr is inet_stosockaddr: the family is chosen by the presence of a
// ':', anything from the first '-' or '/' is dropped, the address must be
// numeric, and a port (when given) must be 1..65535. Callers turn a port
// of all zeros into "no port" first, as keepalived does.
func lvsSockAddr(ip, port string) (netip.AddrPort, bool) {
	var p uint64
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return netip.AddrPort{}, false
		}
		p = n
	}
	s := ip
	if i := strings.IndexByte(s, '-'); i >= 0 {
		s = s[:i]
	} else if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.AddrPort{}, false
	}
	if strings.Contains(ip, ":") != a.Is6() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, uint16(p)), true
}

// lvsZeroPort is keepalived's "a port of all zeros means no port".
func lvsZeroPort(p string) string {
	if strings.Trim(p, "0") == "" {
		return ""
	}
	return p
}

// lvsFmtVS is keepalived's FMT_VS, for messages.
func lvsFmtVS(vs *config.VirtualServer) string {
	switch vs.Kind {
	case config.VSGroup:
		return "[" + vs.GroupName + "]:" + strconv.Itoa(int(vs.GroupSeq))
	case config.VSFwmark:
		return "FWM " + strconv.FormatUint(uint64(vs.Fwmark), 10)
	}
	return lvsFmtAddrPort(vs.Addr, vs.Protocol)
}

func lvsFmtAddrPort(ap netip.AddrPort, p config.Protocol) string {
	return "[" + ap.Addr().String() + "]:" + p.String() + ":" + strconv.Itoa(int(ap.Port()))
}
