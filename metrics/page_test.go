package metrics

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

// TestStatusPage serves the page for the shared fixture on a real listener
// and checks what operators must see, that no secret leaks and that it
// needs nothing from elsewhere.
func TestStatusPage(t *testing.T) {
	src := statustest.Sources()
	srv, err := Serve("127.0.0.1:0", NewRegistry(src), nil, WithStatusPage(src))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get("http://" + srv.Addr().String() + StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	for _, want := range []string{
		`data-instance="VI_1" data-state="MASTER"`, "this node (10.0.0.1)", "fe80::1", "10.0.0.200 <small>excluded",
		"interface eth2 down; track_file maint is 1", "BACKUP &rarr; MASTER", "master down timer expired",
		`data-group="G_WEB"`, `data-tracker="haproxy"`, `data-script="chk_down"`,
		`data-real-server="[192.168.1.11]:tcp:8080"`, "connect: connection refused", "i/o timeout",
		"/etc/keepalived/keepalived.conf", "reloads: 3 (1 failed)", "setInterval",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// auth_pass of VI_1 and vrrp_script command lines stay out.
	for _, secret := range []string{"secret", "check_nginx"} {
		if strings.Contains(page, secret) {
			t.Errorf("page shows %q", secret)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=|https?://|@import|url\(`).FindString(page); m != "" {
		t.Errorf("page refers to an external resource: %q", m)
	}
}

// TestStatusPageOffByDefault: Serve without the option has no page.
func TestStatusPageOffByDefault(t *testing.T) {
	srv, err := Serve("127.0.0.1:0", NewRegistry(status.Sources{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get("http://" + srv.Addr().String() + StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s without WithStatusPage: %s", StatusPath, resp.Status)
	}
}
