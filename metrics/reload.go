package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/status"
)

// reloadCollector reports configuration reloads, named after Prometheus'
// own prometheus_config_last_reload_* series.
type reloadCollector struct {
	total, failures, lastOK, lastOKAt typedDesc
	reloads                           *status.Reloads
}

func newReloadCollector(r *status.Reloads) *reloadCollector {
	return &reloadCollector{
		reloads:  r,
		total:    newDesc("keepalived_config_reloads_total", "Configuration reloads attempted (SIGHUP)", prometheus.CounterValue),
		failures: newDesc("keepalived_config_reload_failures_total", "Reloads rejected; the previous configuration kept running", prometheus.CounterValue),
		lastOK:   newDesc("keepalived_config_last_reload_successful", "Whether the last reload was applied (1 before any reload)", prometheus.GaugeValue),
		lastOKAt: newDesc("keepalived_config_last_reload_success_timestamp_seconds", "Unix time the running configuration was loaded (start or last applied reload)", prometheus.GaugeValue),
	}
}

func (c *reloadCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []typedDesc{c.total, c.failures, c.lastOK, c.lastOKAt} {
		ch <- d.desc
	}
}

func (c *reloadCollector) Collect(ch chan<- prometheus.Metric) {
	if c.reloads == nil {
		return
	}
	s := c.reloads.Stats()
	c.total.emit(ch, float64(s.Total))
	c.failures.emit(ch, float64(s.Failures))
	c.lastOK.emit(ch, boolf(s.LastOK))
	at := 0.0
	if !s.LastSuccessAt.IsZero() {
		at = float64(s.LastSuccessAt.UnixNano()) / 1e9
	}
	c.lastOKAt.emit(ch, at)
}
