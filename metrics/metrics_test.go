package metrics

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

var update = flag.Bool("update", false, "rewrite testdata/scrape.golden")

// scrape serves src on a real listener and fetches /metrics in the text
// format, as Prometheus would.
func scrape(t *testing.T, src status.Sources, opts ...Option) []byte {
	t.Helper()
	srv, err := Serve("127.0.0.1:0", NewRegistry(src, opts...), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://"+srv.Addr().String()+"/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScrapeGolden(t *testing.T) {
	got := scrape(t, statustest.Sources())
	path := filepath.Join("testdata", "scrape.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./metrics -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("scrape differs from %s at line %d:\n got: %q\nwant: %q\n(run go test ./metrics -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}

func parse(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func labelNames(m *dto.Metric) []string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName())
	}
	sort.Strings(out)
	return out
}

// TestExporterContract pins mehdy/keepalived-exporter's names, types and
// label sets (go-anchors §3.1) independently of the golden file, so a
// careless -update cannot break the Grafana dashboard.
func TestExporterContract(t *testing.T) {
	fams := parse(t, scrape(t, statustest.Sources()))
	common := []string{"iname", "intf", "vrid"}
	vip := []string{"iname", "intf", "ip_address", "vrid"}
	tests := []struct {
		name   string
		typ    dto.MetricType
		labels []string
	}{
		{"keepalived_up", dto.MetricType_GAUGE, nil},
		{"keepalived_vrrp_state", dto.MetricType_GAUGE, vip},
		{"keepalived_vrrp_excluded_state", dto.MetricType_GAUGE, vip},
		{"keepalived_gratuitous_arp_delay_total", dto.MetricType_COUNTER, common},
		{"keepalived_advertisements_received_total", dto.MetricType_COUNTER, common},
		{"keepalived_advertisements_sent_total", dto.MetricType_COUNTER, common},
		{"keepalived_become_master_total", dto.MetricType_COUNTER, common},
		{"keepalived_release_master_total", dto.MetricType_COUNTER, common},
		{"keepalived_packet_length_errors_total", dto.MetricType_COUNTER, common},
		{"keepalived_advertisements_interval_errors_total", dto.MetricType_COUNTER, common},
		{"keepalived_ip_ttl_errors_total", dto.MetricType_COUNTER, common},
		{"keepalived_invalid_type_received_total", dto.MetricType_COUNTER, common},
		{"keepalived_address_list_errors_total", dto.MetricType_COUNTER, common},
		{"keepalived_authentication_invalid_total", dto.MetricType_COUNTER, common},
		{"keepalived_authentication_mismatch_total", dto.MetricType_COUNTER, common},
		{"keepalived_authentication_failure_total", dto.MetricType_COUNTER, common},
		{"keepalived_priority_zero_received_total", dto.MetricType_COUNTER, common},
		{"keepalived_priority_zero_sent_total", dto.MetricType_COUNTER, common},
		{"keepalived_script_status", dto.MetricType_GAUGE, []string{"name"}},
		{"keepalived_script_state", dto.MetricType_GAUGE, []string{"name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := fams[tt.name]
			if !ok {
				t.Fatal("missing")
			}
			if f.GetType() != tt.typ {
				t.Errorf("type %v, want %v", f.GetType(), tt.typ)
			}
			for _, m := range f.GetMetric() {
				if got := labelNames(m); !slices.Equal(got, tt.labels) {
					t.Errorf("labels %v, want %v", got, tt.labels)
				}
			}
		})
	}
}

// TestVRRPStateSeries checks the values the dashboard reads: the state
// encoding, one series per VIP labelled with keepalived's address text, and
// the empty ip_address series of an instance without VIPs.
func TestVRRPStateSeries(t *testing.T) {
	fams := parse(t, scrape(t, statustest.Sources()))
	got := map[string]float64{}
	for _, m := range fams["keepalived_vrrp_state"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		got[l["iname"]+"|"+l["intf"]+"|"+l["vrid"]+"|"+l["ip_address"]] = m.GetGauge().GetValue()
	}
	want := map[string]float64{
		"VI_1|eth0|51|10.0.0.100/24": 2,
		"VI_1|eth0|51|10.0.0.101":    2,
		"VI_1|eth1|51|10.0.1.102/24": 2,
		"VI_6|eth1|52|fd00::100/64":  1,
		"VI_NOVIP|eth2|53|":          3,
	}
	if len(got) != len(want) {
		t.Errorf("got %d series %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// TestNilSources: a -P or -C process has one side only; scraping must
// still work and say keepalived_up 1.
func TestNilSources(t *testing.T) {
	fams := parse(t, scrape(t, status.Sources{}))
	if len(fams) != 1 || fams["keepalived_up"].GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Errorf("families %v", fams)
	}
}

// TestGen2brainGolden pins the optional gen2brain/keepalived_exporter
// series: its names, its labels, the state as a label string and the
// addr/proto forms of its IPVS series.
func TestGen2brainGolden(t *testing.T) {
	fams := parse(t, scrape(t, statustest.Sources(), WithGen2brain()))
	var b strings.Builder
	names := make([]string, 0, len(fams))
	for n := range fams {
		if strings.HasPrefix(n, "keepalived_vrrp_") && !strings.HasSuffix(n, "_total") && n != "keepalived_vrrp_state" &&
			n != "keepalived_vrrp_excluded_state" && !strings.Contains(n, "priority") ||
			strings.HasPrefix(n, "keepalived_lvs_vip_") || strings.HasPrefix(n, "keepalived_lvs_rs_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		f := fams[n]
		if f.GetType() != dto.MetricType_COUNTER {
			t.Errorf("%s is %v, want counter", n, f.GetType())
		}
		for _, m := range f.GetMetric() {
			b.WriteString(n + "{")
			for i, l := range m.GetLabel() {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(l.GetName() + "=" + strconv.Quote(l.GetValue()))
			}
			b.WriteString("} " + strconv.FormatFloat(m.GetCounter().GetValue(), 'g', -1, 64) + "\n")
		}
	}
	path := filepath.Join("testdata", "gen2brain.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("gen2brain series differ from %s:\n%s", path, b.String())
	}
	if len(names) != 14+10 {
		t.Errorf("%d gen2brain families: %v", len(names), names)
	}
}

func TestServe(t *testing.T) {
	srv, err := Serve("127.0.0.1:0", NewRegistry(status.Sources{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A second server on the same address fails at once, not in the
	// background.
	if _, err := Serve(srv.Addr().String(), NewRegistry(status.Sources{}), nil); err == nil {
		t.Error("second Serve on a busy port succeeded")
	}
	for path, want := range map[string]int{"/": 200, "/metrics": 200, "/nope": 404} {
		resp, err := http.Get("http://" + srv.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + srv.Addr().String() + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}
}
