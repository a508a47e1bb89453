package vrrpconf

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// metricParse reads a metric's value as keepalived's alloc_route does:
// the number sent, a note to log (a clamped rtt), or ok false when
// keepalived drops the route.
type metricParse func(s string) (v uint32, note string, ok bool)

// routeMetricNums are the RTAX_* numbers of the metrics the parser keeps
// as route options, with how each value is read.
var routeMetricNums = map[string]struct {
	n     int
	parse metricParse
}{
	"mtu":                {vrrp.MetricMTU, upTo(math.MaxUint32)},
	"window":             {vrrp.MetricWindow, upTo(math.MaxUint32)},
	"rtt":                {vrrp.MetricRTT, rttValue(8)},    // 1/8 ms
	"rttvar":             {vrrp.MetricRTTVar, rttValue(4)}, // 1/4 ms
	"ssthresh":           {vrrp.MetricSSThresh, upTo(math.MaxUint32)},
	"cwnd":               {vrrp.MetricCwnd, upTo(math.MaxUint32)},
	"advmss":             {vrrp.MetricAdvMSS, upTo(math.MaxUint32)},
	"reordering":         {vrrp.MetricReordering, upTo(math.MaxUint32)},
	"hoplimit":           {vrrp.MetricHopLimit, upTo(255)},
	"initcwnd":           {vrrp.MetricInitCwnd, upTo(math.MaxUint32)},
	"rto_min":            {vrrp.MetricRTOMin, rttValue(1)}, // ms
	"initrwnd":           {vrrp.MetricInitRwnd, upTo(math.MaxUint32)},
	"quickack":           {vrrp.MetricQuickAck, upTo(1)},
	"fastopen_no_cookie": {vrrp.MetricFastopenNoCookie, upTo(1)},
}

// upTo reads a decimal number no greater than max.
func upTo(max uint64) metricParse {
	return func(s string) (uint32, string, bool) {
		n, err := strconv.ParseUint(s, 10, 32)
		return uint32(n), "", err == nil && n <= max
	}
}

// The kernel's TCP_RTO_MIN and TCP_RTO_MAX, which keepalived clamps rtt,
// rttvar and rto_min to.
const (
	rttMinMS = 200
	rttMaxMS = 120000
)

// rttValue is keepalived's get_time_rtt for a metric counted in 1/mult
// ms: "Ns" or "Nms" (up to 3 or no decimals) are converted, a bare number
// is taken in the kernel's unit; the result is clamped to 200 ms..120 s.
func rttValue(mult uint32) metricParse {
	return func(s string) (uint32, string, bool) {
		num, shift, raw := s, 0, true
		if i := strings.IndexAny(s, "sS"); i >= 0 {
			switch strings.ToLower(s[i:]) {
			case "s", "sec", "secs":
			default:
				return 0, "", false
			}
			raw, shift = false, 3
			if i > 0 && (s[i-1] == 'm' || s[i-1] == 'M') {
				i, shift = i-1, 0
			}
			num = s[:i]
		}
		if num == "" || strings.ContainsAny(num, "eE") {
			return 0, "", false
		}
		v, ok := decimal(num, shift)
		if !ok || v > rttMaxMS*uint64(mult) {
			return 0, "", false
		}
		if !raw {
			v *= uint64(mult)
		}
		switch {
		case v > rttMaxMS*uint64(mult):
			return rttMaxMS * mult, fmt.Sprintf("rtt value %s exceeds maximum %ds, resetting", s, rttMaxMS/1000), true
		case v < rttMinMS*uint64(mult):
			return rttMinMS * mult, fmt.Sprintf("rtt value %s below minimum %dms, resetting", s, rttMinMS), true
		}
		return uint32(v), "", true
	}
}

// decimal reads "N[.D]" times 10^shift, rounding extra decimals as
// keepalived's read_decimal_unsigned does.
func decimal(s string, shift int) (uint64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	up := false
	if len(frac) > shift {
		up = frac[shift] >= '5'
		frac = frac[:shift]
	}
	digits := whole + frac + strings.Repeat("0", shift-len(frac))
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	if up {
		v++
	}
	return v, true
}

// icmpv6Pref are pref's names, the router preference values of RFC 4191.
var icmpv6Pref = map[string]uint8{"low": 3, "medium": 0, "high": 1}

// setOption puts route option o into v. It returns a line to log (in
// keepalived's words where it logs one), and ok false when keepalived
// would drop the route for o's value.
func setOption(v *vrrp.Route, o config.RouteOption) (string, bool) {
	m := &v.Metrics
	if spec, found := routeMetricNums[o.Name]; found {
		n, note, ok := spec.parse(o.Value)
		if !ok {
			return fmt.Sprintf("Invalid %s %s specified for route", o.Name, o.Value), false
		}
		*m = m.With(spec.n, n)
		if o.Lock {
			m.Lock |= 1 << spec.n
		}
		return note, true
	}
	switch o.Name {
	case "protocol", "add", "prepend", "append":
		// Read into Route.Protocol by the parser; the position is
		// keepalived's NLM_F_* choice, ours is always add.
		return "", true
	case "features":
		if o.Value != "ecn" {
			return fmt.Sprintf("feature %s not supported", o.Value), true
		}
		*m = m.With(vrrp.MetricFeatures, m.Values[vrrp.MetricFeatures]|1) // RTAX_FEATURE_ECN
	case "congctl":
		m.CongCtl = o.Value
		if o.Lock {
			m.Lock |= 1 << vrrp.MetricCCAlgo
		}
	case "ttl-propagate":
		// keepalived sends "disabled" for a value it does not know.
		v.HasTTLPropagate, v.TTLPropagate = true, 0
		if o.Value == "enabled" {
			v.TTLPropagate = 1
		} else if o.Value != "disabled" {
			return fmt.Sprintf("ttl-propagate value %s not recognised", o.Value), true
		}
	case "pref":
		return setPref(v, o.Value)
	case "expires":
		n, err := strconv.ParseUint(o.Value, 10, 32)
		if err != nil {
			return fmt.Sprintf("Invalid expires time %s specified for route", o.Value), false
		}
		v.Expires, v.HasExpires = uint32(n), true
	default:
		return fmt.Sprintf("route %s: %s is not supported by keepalived-go, not installed", v.Dst, o.Name), true
	}
	return "", true
}

func setPref(v *vrrp.Route, s string) (string, bool) {
	p, ok := icmpv6Pref[s]
	if !ok {
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			return fmt.Sprintf("Invalid pref value %s specified for route", s), false
		}
		p = uint8(n)
	}
	v.Pref, v.HasPref = p, true
	return "", true
}
