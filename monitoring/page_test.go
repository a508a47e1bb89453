package monitoring

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
)

// chromiumFlags keep headless Chromium off the network and away from any
// profile but a fresh one.
func chromiumFlags(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile}
}

// chromium runs Debian's Chromium inside h's namespace, where the page is
// served, with a fresh profile, and returns its standard output.
func chromium(t *testing.T, bin string, h *lab.Host, args ...string) string {
	t.Helper()
	argv := append(append([]string{bin}, chromiumFlags(t.TempDir())...), args...)
	cmd := h.NS.Command(argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %q: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// screenshotDir is where the screenshot goes: $KEEPALIVED_GO_SCREENSHOTS
// when set (CI keeps it as an artifact), else the test's temporary
// directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("KEEPALIVED_GO_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestStatusPageInChromium loads the status page of a lab daemon in
// headless Chromium: the rendered DOM shows the instances, sync group,
// trackers and configuration, then a FAULT with its reason, never the
// auth_pass; a screenshot is written and its path logged.
func TestStatusPageInChromium(t *testing.T) {
	bin := requireTool(t, "chromium", "chromium")
	p := startPair(t)
	h := p.lab.Host(1)
	url := p.metricsURL(1, "/status")

	dom := chromium(t, bin, h, "--dump-dom", url)
	for _, want := range []string{
		`data-instance="VI_1" data-state="MASTER"`, `data-instance="VI_2" data-state="MASTER"`,
		"this node (10.213.0.11)", "10.213.0.150/24 <small>excluded</small>", "→ BACKUP", "BACKUP → MASTER",
		`data-group="G1"`, `data-tracker="chk_ok"`, `data-tracker="maint"`, `data-script="chk_ok"`,
		p.d1.Conf, "no virtual servers", "keepalived-go on lb150",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, "s3cr3tpw") {
		t.Error("the page shows auth_pass")
	}

	// The backup's page names the master by its address.
	if dom2 := chromium(t, bin, h, "--dump-dom", p.metricsURL(2, "/status")); !strings.Contains(dom2, `data-state="BACKUP"`) ||
		!strings.Contains(dom2, `<td class="master-addr">10.213.0.11</td>`) {
		t.Errorf("backup's page lacks its state or master:\n%s", dom2)
	}

	// A start that waits for a track_script logs "Entering FAULT STATE
	// (init)" already: wait for the next one.
	faults := func() int { return strings.Count(p.d1.Proc.Output(), "(VI_1) Entering FAULT STATE\n") }
	before := faults()
	if err := os.WriteFile(p.maint, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.d1.WaitFor("h1 FAULT", func() bool { return faults() > before })
	dom = chromium(t, bin, h, "--dump-dom", url)
	for _, want := range []string{`data-instance="VI_1" data-state="FAULT"`, "track_file maint is 1",
		"sync group G1 has a member in FAULT", "FAILED"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM in FAULT lacks %q", want)
		}
	}

	shot := filepath.Join(screenshotDir(t), "status-page.png")
	chromium(t, bin, h, "--screenshot="+shot, "--window-size=1280,1100", "--hide-scrollbars", url)
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10000 {
		t.Fatalf("screenshot %s: %v, %d bytes", shot, err, len(png))
	}
	t.Logf("screenshot of the status page (VI_1 in FAULT): %s", shot)
}
