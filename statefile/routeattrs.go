package statefile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// routeAttrs is the tail of keepalived's format_iproute after "onlink":
// realms, expires, congctl and the RTAX metrics in its order and units,
// pref, fastopen_no_cookie and ttl-propagate.
func routeAttrs(b *strings.Builder, v vrrp.Route) {
	if f := v.Realms; f != 0 {
		if f>>16 != 0 {
			fmt.Fprintf(b, " realms %d/%d", f>>16, f&0xffff)
		} else {
			fmt.Fprintf(b, " realm %d", f&0xffff)
		}
	}
	if v.HasExpires {
		fmt.Fprintf(b, " expires %dsec", v.Expires)
	}
	m := v.Metrics
	if m.CongCtl != "" {
		// keepalived 2.2.7 prints the lock after the name, unspaced.
		b.WriteString(" congctl " + m.CongCtl + lockWord(m, vrrp.MetricCCAlgo, "lock "))
	}
	times := []struct {
		n    int
		name string
		perS float64 // units per second
	}{{vrrp.MetricRTT, "rtt", 8000}, {vrrp.MetricRTTVar, "rttvar", 4000}, {vrrp.MetricRTOMin, "rto_min", 1000}}
	for _, t := range times {
		if m.Set&(1<<t.n) != 0 {
			b.WriteString(" " + t.name + lockWord(m, t.n, " lock") + " " + rttString(float64(m.Values[t.n]), t.perS))
		}
	}
	if m.Values[vrrp.MetricFeatures]&1 != 0 {
		b.WriteString(" features ecn")
	}
	for _, x := range []struct {
		n    int
		name string
	}{{vrrp.MetricMTU, "mtu"}, {vrrp.MetricWindow, "window"}, {vrrp.MetricSSThresh, "ssthresh"}, {vrrp.MetricCwnd, "cwnd"},
		{vrrp.MetricAdvMSS, "advmss"}, {vrrp.MetricReordering, "reordering"}, {vrrp.MetricHopLimit, "hoplimit"},
		{vrrp.MetricInitCwnd, "initcwnd"}, {vrrp.MetricInitRwnd, "initrwnd"}, {vrrp.MetricQuickAck, "quickack"}} {
		if m.Set&(1<<x.n) != 0 {
			b.WriteString(" " + x.name + " " + lockWord(m, x.n, "lock ") + strconv.FormatUint(uint64(m.Values[x.n]), 10))
		}
	}
	if v.HasPref {
		name, ok := map[uint8]string{3: "low", 0: "medium", 1: "high"}[v.Pref]
		if !ok {
			name = "unknown"
		}
		b.WriteString(" pref " + name)
	}
	if m.Set&(1<<vrrp.MetricFastopenNoCookie) != 0 {
		fmt.Fprintf(b, " fastopen_no_cookie %d", m.Values[vrrp.MetricFastopenNoCookie])
	}
	if v.HasTTLPropagate {
		b.WriteString(" ttl-propagate " + map[bool]string{true: "enabled", false: "disabled"}[v.TTLPropagate != 0])
	}
}

// lockWord is w when metric n is locked. Only the metrics keepalived
// prints a lock for are asked.
func lockWord(m vrrp.RouteMetrics, n int, w string) string {
	switch n {
	case vrrp.MetricWindow, vrrp.MetricHopLimit, vrrp.MetricInitCwnd, vrrp.MetricInitRwnd, vrrp.MetricQuickAck:
		return ""
	}
	if m.Lock&(1<<n) != 0 {
		return w
	}
	return ""
}

// rttString is keepalived's "%gs" from a second up, "%gms" below (C's %g:
// six significant digits; rto_min's "%ums" is the same for its whole
// numbers).
func rttString(v, perS float64) string {
	if v >= perS {
		return strconv.FormatFloat(v/perS, 'g', 6, 64) + "s"
	}
	return strconv.FormatFloat(v/(perS/1000), 'g', 6, 64) + "ms"
}

// ruleSelectors is format_iprule's ipproto, sport and dport, as installed
// (vrrpconf.KernelRule: numbers, and only valid port ranges).
func ruleSelectors(r config.Rule) string {
	v, ok := vrrpconf.KernelRule(r)
	if !ok {
		return ""
	}
	var b strings.Builder
	if v.HasIPProto {
		fmt.Fprintf(&b, " ipproto %d", v.IPProto)
	}
	if v.HasSPort {
		fmt.Fprintf(&b, " sport %d-%d", v.SPort[0], v.SPort[1])
	}
	if v.HasDPort {
		fmt.Fprintf(&b, " dport %d-%d", v.DPort[0], v.DPort[1])
	}
	return b.String()
}
