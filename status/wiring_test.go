package status_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/metrics"
	"github.com/dsas/keepalived-go/statefile"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// TestWiringWithRealEngine wires a real *vrrp.Router (on the vrrptest LAN
// and clock) exactly as the daemon is told to, and reads it through all
// three observers while it goes BACKUP -> MASTER -> FAULT.
func TestWiringWithRealEngine(t *testing.T) {
	clk := vrrptest.NewClock()
	lan := vrrptest.NewLAN(clk)
	mk := func(addr string, prio int) vrrp.Config {
		return vrrp.Config{
			Instances: []vrrp.InstanceConfig{{
				Name: "VI_1", Interface: "eth0", VRID: 51, Priority: prio, AdvertInt: time.Second,
				SrcIP:        netip.MustParseAddr(addr),
				VIPs:         []vrrp.Address{{Prefix: netip.MustParsePrefix("10.77.0.100/24"), PreferredLft: -1}},
				TrackScripts: []vrrp.TrackRef{{Name: "chk", Weight: 20}},
				GARP:         vrrp.DefaultGARP,
			}},
			Scripts: []vrrp.ScriptConfig{{Name: "chk", Rise: 1, Fall: 1}},
		}
	}
	h1 := lan.AddHost("h1", "10.77.0.11", "fe80::11")
	h2 := lan.AddHost("h2", "10.77.0.12", "fe80::12")
	cfg1 := mk("10.77.0.11", 100)

	// The daemon's wiring, step by step.
	trans := &status.Transitions{}
	r1, err := vrrp.New(vrrpconf.Complete(cfg1), vrrp.Options{Listen: h1.Listen, Network: h1.Net, Clock: clk,
		Notifier: status.Tee{&vrrptest.Recorder{}, trans}})
	if err != nil {
		t.Fatal(err)
	}
	h1.Router = r1
	scripts := status.NewScriptRecorder(r1, cfg1.Scripts, nil)
	reloads := &status.Reloads{}
	src := status.Sources{
		VRRP:        status.VRRPFuncs{StatusFunc: r1.Status, ConfigFunc: func() vrrp.Config { return cfg1 }},
		Scripts:     scripts,
		Reloads:     reloads,
		Transitions: trans,
		RouterID:    func() string { return "h1" },
	}
	reg := metrics.NewRegistry(src)
	files := statefile.New(src, statefile.WithDir(t.TempDir()))
	ctl, err := control.NewServer(filepath.Join(t.TempDir(), "ka.sock"), src)
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()

	cfg2 := mk("10.77.0.12", 110)
	cfg2.Instances[0].TrackScripts, cfg2.Scripts = nil, nil
	r2, err := vrrp.New(vrrpconf.Complete(cfg2), vrrp.Options{Listen: h2.Listen, Network: h2.Net, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	h2.Router = r2
	for _, r := range []*vrrp.Router{r1, r2} {
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
	}
	lan.Flush()
	clk.Advance(5 * time.Second)
	// h2 (110) is master until h1's script succeeds: 100+20 beats 110.
	scripts.ScriptRan("chk", vrrp.ScriptRun{OK: true})
	clk.Advance(10 * time.Second)

	scrape := func() string {
		rec := httptest.NewRecorder()
		metrics.Handler(reg, nil).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	want := func(text string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(text, l) {
				t.Errorf("missing %q in:\n%s", l, text)
			}
		}
	}
	want(scrape(),
		`keepalived_vrrp_state{iname="VI_1",intf="eth0",ip_address="10.77.0.100/24",vrid="51"} 2`,
		`keepalived_vrrp_transitions_total{from="BACKUP",iname="VI_1",intf="eth0",to="MASTER",vrid="51"} 1`,
		`keepalived_vrrp_effective_priority{iname="VI_1",intf="eth0",vrid="51"} 120`,
		`keepalived_script_status{name="chk"} 1`,
	)
	path, err := files.WriteData()
	if err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	statefile.FormatData(&data, src, time.UTC)
	want(data.String(), " VRRP Instance = VI_1", "   State = MASTER", "     10.77.0.100/24 dev eth0 scope global set", "   Status = GOOD")
	if !strings.HasSuffix(path, "keepalived.data") {
		t.Errorf("path %s", path)
	}
	st, err := control.NewClient(ctl.Path()).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if in := st.Instances[0]; in.State != "MASTER" || !in.MasterIsSelf || in.EffectivePriority != 120 {
		t.Errorf("control %+v", in)
	}

	// Link loss: FAULT, and the transition is counted.
	h1.SetLink("eth0", false)
	clk.Advance(time.Second)
	reloads.Record(clk.Now(), nil)
	want(scrape(),
		`keepalived_vrrp_state{iname="VI_1",intf="eth0",ip_address="10.77.0.100/24",vrid="51"} 3`,
		`keepalived_vrrp_transitions_total{from="MASTER",iname="VI_1",intf="eth0",to="FAULT",vrid="51"} 1`,
		`keepalived_config_reloads_total 1`,
	)
}
