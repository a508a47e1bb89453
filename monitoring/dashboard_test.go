package monitoring

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

const dashboardFile = "keepalived-dashboard.json"

type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// query is one dashboard query with the panel it belongs to.
type query struct{ panel, expr string }

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var qs []query
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			qs = append(qs, query{p.Title, tg.Expr})
		}
	}
	return qs
}

// grafanaVars stands in for Grafana's variables: every job and instance,
// and a rate window that fits the test's short history.
var grafanaVars = strings.NewReplacer(`"$job"`, `".+"`, `"$instance"`, `".+"`, "$__rate_interval", "30s")

var familyRE = regexp.MustCompile(`(?m)^# TYPE (keepalived_\S+) `)

// TestDashboardCoversEverySeries: each family of a complete scrape
// (metrics/testdata/scrape.golden) is queried by some panel.
func TestDashboardCoversEverySeries(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "metrics", "testdata", "scrape.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, q := range dashboardQueries(t) {
		all.WriteString(q.expr + "\n")
	}
	for _, m := range familyRE.FindAllStringSubmatch(string(golden), -1) {
		if !regexp.MustCompile(`\b` + m[1] + `\b`).MatchString(all.String()) {
			t.Errorf("no dashboard panel queries %s", m[1])
		}
	}
}

// lvsSeries are the series that need virtual servers, which need IPVS:
// this host's kernel has none, so the lab daemons run without them.
var lvsSeries = regexp.MustCompile(`keepalived_(virtual_server|real_server|checker|lvs)_`)

// serveFixture serves metrics/testdata/scrape.golden (the collectors'
// complete output for the shared status fixture, virtual servers included)
// inside h's namespace and returns its address.
func serveFixture(t *testing.T, h *lab.Host) string {
	t.Helper()
	golden, err := os.ReadFile(filepath.Join("..", "metrics", "testdata", "scrape.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	h.NS.MustDo(t, func() error {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write(golden)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestDashboardQueriesReturnData runs Debian's Prometheus in the lab,
// scraping two keepalived-go daemons, and runs every dashboard query
// against it: each must return data from the daemons. The LVS queries
// cannot (no IPVS in this host's kernel, so no virtual servers): they run
// against a third target serving the collectors' golden scrape, and the
// log says so. cmd/keepalived's TestDaemonLVS (VM, real IPVS) checks the
// daemon emits those series.
func TestDashboardQueriesReturnData(t *testing.T) {
	p := startPair(t)
	// One reload, so the reload series have moved.
	p.d1.Proc.Signal(syscall.SIGHUP)
	p.d1.WaitFor("reload", func() bool { return p.d1.Logged("Reload complete") })
	prom := startPrometheus(t, p, true)
	h := p.lab.Host(1)
	var lvs []string
	for _, q := range dashboardQueries(t) {
		expr := grafanaVars.Replace(q.expr)
		isLVS := lvsSeries.MatchString(q.expr)
		if isLVS {
			lvs = append(lvs, q.panel)
		} else {
			// The daemons' own data, not the fixture's.
			expr = strings.ReplaceAll(expr, `instance=~".+"`, `instance=~".+",fixture=""`)
		}
		res, err := instantQuery(h, promAPI, expr)
		if err != nil {
			t.Errorf("panel %q: %s: %v", q.panel, expr, err)
			continue
		}
		if len(res) == 0 {
			t.Errorf("panel %q: %s returned no data", q.panel, expr)
		}
	}
	// The pair's BFD and iBGP sessions are up, so those panels show real
	// sessions, not just series.
	for _, q := range []string{`keepalived_bfd_session_up{fixture=""} == 1`, `keepalived_bgp_neighbor_up{fixture=""} == 1`} {
		p.d1.WaitFor(q, func() bool {
			res, err := instantQuery(h, promAPI, q)
			return err == nil && len(res) == 2
		})
	}
	// Set at start, not only by a reload: h2 was never reloaded.
	if res, err := instantQuery(h, promAPI, `keepalived_config_last_reload_success_timestamp_seconds{fixture=""} > 1e9`); err != nil || len(res) != 2 {
		t.Errorf("configuration load time of both daemons: %v %v", res, err)
	}
	sort.Strings(lvs)
	t.Logf("every query returned data; the LVS panels from the golden-scrape target, not a daemon (no IPVS on this kernel): %s",
		strings.Join(dedup(lvs), ", "))
	if t.Failed() {
		t.Logf("prometheus log:\n%s", prom.Output())
	}
}

// promAPI is the lab Prometheus' API, inside host 1's namespace.
const promAPI = "http://127.0.0.1:9090/api/v1/"

// startPrometheus runs Debian's Prometheus in host 1's namespace, scraping
// both daemons every second (and the golden scrape when fixture is set)
// under job="keepalived" and evaluating keepalived.rules.yml, and waits
// for a dozen scrapes: enough history for rate() over 30s.
func startPrometheus(t *testing.T, p *pair, fixture bool) *netns.Proc {
	t.Helper()
	bin := requireTool(t, "prometheus", "prometheus")
	h := p.lab.Host(1)
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	targets := fmt.Sprintf(`"%s:%d", "%s:%d"`, p.lab.Host(1).IPv4.Addr(), metricsPort, p.lab.Host(2).IPv4.Addr(), metricsPort)
	yml := `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["` + rules + `"]
scrape_configs:
  - job_name: keepalived
    static_configs:
      - targets: [` + targets + `]
`
	want := "2"
	if fixture {
		yml += `      - targets: ["` + serveFixture(t, h) + `"]
        labels: {fixture: "lvs"}
`
		want = "3"
	}
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := h.Start(t, bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:9090", "--log.level=warn")
	p.d1.WaitFor("Prometheus has 12 scrapes of every target", func() bool {
		n, err := instantQuery(h, promAPI, `count(count_over_time(keepalived_up{job="keepalived"}[1m]) >= 12)`)
		return err == nil && len(n) == 1 && n[0].Value[1] == want
	})
	return proc
}

// TestSplitBrainAlertInLab evaluates the alerting rules in the lab's
// Prometheus: silent while h1 is MASTER and h2 BACKUP, KeepalivedSplitBrain
// firing once h2 stops hearing h1's adverts (an nftables drop of VRRP in
// h2; TCP, hence the scrapes, still flow), resolved when they flow again.
func TestSplitBrainAlertInLab(t *testing.T) {
	p := startPair(t)
	startPrometheus(t, p, false)
	h1, h2 := p.lab.Host(1), p.lab.Host(2)
	firing := func() []sample {
		res, err := instantQuery(h1, promAPI, `ALERTS{alertname="KeepalivedSplitBrain",alertstate="firing"}`)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res, err := instantQuery(h1, promAPI, `ALERTS{job="keepalived"} or ALERTS{alertname=~"KeepalivedSplitBrain|KeepalivedAbsent"}`); err != nil || len(res) != 0 {
		t.Fatalf("alerts on a healthy pair: %v %v", res, err)
	}
	for _, cmd := range [][]string{
		{"nft", "add", "table", "ip", "kgtest"},
		{"nft", "add", "chain", "ip", "kgtest", "in", "{ type filter hook input priority 0 ; }"},
		{"nft", "add", "rule", "ip", "kgtest", "in", "ip", "protocol", "112", "drop"},
	} {
		h2.NS.MustRun(t, cmd...)
	}
	p.d2.WaitFor("h2 MASTER without h1's adverts", func() bool { return p.d2.Logged("(VI_1) Entering MASTER STATE") })
	t.Cleanup(func() {
		if t.Failed() {
			for _, q := range []string{`max by (instance, vrid, intf) (keepalived_vrrp_state)`, `ALERTS`} {
				res, err := instantQuery(h1, promAPI, q)
				t.Logf("%s: %v %v", q, res, err)
			}
		}
	})
	// Both instances of the sync group: VRIDs 77 and 78.
	p.d1.WaitFor("KeepalivedSplitBrain firing for both VRIDs", func() bool { return len(firing()) == 2 })
	for _, a := range firing() {
		if v := a.Metric["vrid"]; (v != "77" && v != "78") || a.Metric["intf"] != lab.Link || a.Metric["severity"] != "critical" {
			t.Errorf("alert labels %v", a.Metric)
		}
	}
	h2.NS.MustRun(t, "nft", "delete", "table", "ip", "kgtest")
	p.d1.WaitFor("KeepalivedSplitBrain resolved", func() bool { return len(firing()) == 0 })
}

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// instantQuery runs expr on the Prometheus listening in h's namespace.
func instantQuery(h *lab.Host, api, expr string) ([]sample, error) {
	body, err := get(h.NS, api+"query?query="+url.QueryEscape(expr))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, body)
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string   `json:"resultType"`
			Result     []sample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", body, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", r.Status, r.Error)
	}
	return r.Data.Result, nil
}

func dedup(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
