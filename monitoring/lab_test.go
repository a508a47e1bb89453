package monitoring

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/labdaemon"
	"github.com/dsas/keepalived-go/internal/netns"
)

// metricsPort is the daemons' --metrics-listen port, on their lab address.
const metricsPort = 9650

// pair is two keepalived-go daemons in a two-host lab: h1 MASTER, h2
// BACKUP of two instances in a sync group, with a vrrp_script, a
// track_file and an excluded VIP, so every VRRP-side series exists; a BFD
// session and an iBGP session (bgp_speaker) between the two, so the BFD
// and BGP series exist too.
type pair struct {
	lab    *lab.Lab
	d1, d2 *labdaemon.Daemon
	maint  string // h1's track_file
}

// pairConf is host prio's file; self and peer are the two hosts' lab
// addresses. The backup's BGP side is passive: without it neither side
// listens (docs/bgp.md).
func pairConf(prio int, maint string, self, peer netip.Addr) string {
	passive := ""
	if prio < 150 {
		passive = " passive"
	}
	return vrrpConf(prio, maint) + fmt.Sprintf(`bfd_instance PEER {
  neighbor_ip %[1]s
  min_rx 100
  min_tx 100
}
bgp_speaker {
  local_as 65010
  router_id %[2]s
  neighbor %[1]s remote_as 65010 hold_time 3%[3]s
  announce_vrrp_instance VI_1 master
}
`, peer, self, passive)
}

func vrrpConf(prio int, maint string) string {
	return fmt.Sprintf(`global_defs {
  router_id lb%[3]d
  vrrp_version 3
  enable_script_security
  script_user root
}
vrrp_script chk_ok {
  script "/bin/true"
  interval 1
}
track_file maint {
  file %[2]s
}
vrrp_instance VI_1 {
  interface %[1]s
  virtual_router_id 77
  priority %[3]d
  advert_int 0.5
  auth_type PASS
  auth_pass s3cr3tpw
  track_script {
    chk_ok weight 0
  }
  track_file {
    maint weight 0
  }
  virtual_ipaddress {
    10.213.0.100/24
  }
  virtual_ipaddress_excluded {
    10.213.0.150/24
  }
}
vrrp_instance VI_2 {
  interface %[1]s
  virtual_router_id 78
  priority %[3]d
  advert_int 0.5
  virtual_ipaddress {
    10.213.0.101/24
  }
}
vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
}
`, lab.Link, maint, prio)
}

func startPair(t *testing.T) *pair {
	t.Helper()
	netns.SkipUnlessRoot(t)
	bin := labdaemon.Build(t)
	p := &pair{lab: lab.New(t, 2)}
	start := func(i, prio int) *labdaemon.Daemon {
		maint := filepath.Join(t.TempDir(), "maint")
		if err := os.WriteFile(maint, []byte("0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			p.maint = maint
		}
		h := p.lab.Host(i)
		peer := p.lab.Host(3 - i).IPv4.Addr()
		return labdaemon.Start(t, bin, h, pairConf(prio, maint, h.IPv4.Addr(), peer),
			"--metrics-listen", fmt.Sprintf("%s:%d", h.IPv4.Addr(), metricsPort),
			"-b", filepath.Join(t.TempDir(), "bfd.pid"))
	}
	p.d1, p.d2 = start(1, 150), start(2, 100)
	p.d1.WaitFor("h1 MASTER", func() bool { return p.d1.Logged("(VI_1) Entering MASTER STATE") })
	p.d2.WaitFor("h2 BACKUP", func() bool { return p.d2.Logged("(VI_1) Entering BACKUP STATE") })
	return p
}

// metricsURL is host i's metrics listener.
func (p *pair) metricsURL(i int, path string) string {
	return fmt.Sprintf("http://%s:%d%s", p.lab.Host(i).IPv4.Addr(), metricsPort, path)
}

// nsClient is an HTTP client whose connections are opened inside ns, for
// servers that only listen there.
func nsClient(ns *netns.NS) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var c net.Conn
			err := ns.Do(func() error {
				var d net.Dialer
				var err error
				c, err = d.DialContext(ctx, network, addr)
				return err
			})
			return c, err
		},
		DisableKeepAlives: true,
	}
	return &http.Client{Transport: tr}
}

// get fetches url from inside ns and returns the body.
func get(ns *netns.NS, url string) (string, error) {
	resp, err := nsClient(ns).Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}
