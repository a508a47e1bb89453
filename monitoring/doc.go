// Package monitoring holds what operators import into their monitoring:
// the Grafana dashboard (keepalived-dashboard.json) over every series the
// daemon exports and the Prometheus alerting rules (keepalived.rules.yml)
// with their promtool unit tests. The .deb installs them under
// /usr/share/keepalived-go/monitoring.
//
// The package has no Go code of its own; its tests check the files with
// the real tools: promtool on the rules, and a Prometheus scraping a
// keepalived-go in a network-namespace lab for the dashboard's queries.
package monitoring
