//go:build !vmtest

package main

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestMetricsBusyPort: a metrics port another process holds is logged and
// the daemon runs on without metrics, as metrics/metrics.go documents; the
// VRRP side must not depend on an observer.
func TestMetricsBusyPort(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	var busy net.Listener
	h.NS.MustDo(t, func() error {
		var err error
		busy, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	})
	defer busy.Close()
	dir := t.TempDir()
	r := &router{t: t, h: h, dir: dir, conf: filepath.Join(dir, "keepalived.conf")}
	r.write(conf(150, vip1))
	r.proc = h.Start(t, append(r.argv(), "--metrics-listen", busy.Addr().String(), "--control-socket", "-")...)
	r.waitFor("MASTER with the VIP despite the busy metrics port", func() bool { return r.state() == "MASTER" && r.hasAddr(vip1) })
	if !r.logged("metrics listen " + busy.Addr().String()) {
		t.Errorf("the busy port was not logged:\n%s", r.proc.Output())
	}
}
