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
	prom := requireTool(t, "prometheus", "prometheus")
	p := startPair(t)
	h := p.lab.Host(1)
	// One reload, so the reload series have moved.
	p.d1.Proc.Signal(syscall.SIGHUP)
	p.d1.WaitFor("reload", func() bool { return p.d1.Logged("Reload complete") })

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	targets := fmt.Sprintf(`"%s:%d", "%s:%d"`, p.lab.Host(1).IPv4.Addr(), metricsPort, p.lab.Host(2).IPv4.Addr(), metricsPort)
	if err := os.WriteFile(cfg, []byte(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: keepalived
    static_configs:
      - targets: [`+targets+`]
      - targets: ["`+serveFixture(t, h)+`"]
        labels: {fixture: "lvs"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	const api = "http://127.0.0.1:9090/api/v1/"
	proc := h.Start(t, prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:9090", "--log.level=warn")
	// Enough history for rate() over 30s: a dozen scrapes of both.
	p.d1.WaitFor("Prometheus has 12 scrapes of both daemons and the fixture", func() bool {
		n, err := instantQuery(h, api, `count(count_over_time(keepalived_up{job="keepalived"}[1m]) >= 12)`)
		return err == nil && len(n) == 1 && n[0].Value[1] == "3"
	})
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
		res, err := instantQuery(h, api, expr)
		if err != nil {
			t.Errorf("panel %q: %s: %v", q.panel, expr, err)
			continue
		}
		if len(res) == 0 {
			t.Errorf("panel %q: %s returned no data", q.panel, expr)
		}
	}
	sort.Strings(lvs)
	t.Logf("every query returned data; the LVS panels from the golden-scrape target, not a daemon (no IPVS on this kernel): %s",
		strings.Join(dedup(lvs), ", "))
	if t.Failed() {
		t.Logf("prometheus log:\n%s", proc.Output())
	}
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
