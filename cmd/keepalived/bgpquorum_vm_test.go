//go:build vmtest

package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestBGPQuorumWithdrawVM: issue 18's "failing its real servers (quorum
// down) withdraws its path", end to end with a real IPVS service in the
// VM. The director (its own namespace) announces its virtual server with
// announce_virtual_server; the upstream router is a gobgp server in the
// test (the VM image has no FRR), listening in the VM's own namespace, so
// the test reads the router's RIB. The only real server stops answering:
// its TCP_CHECK fails, the quorum is lost and the path leaves the router's
// RIB; the real server back, the path is announced again. Times are
// logged, not asserted.
func TestBGPQuorumWithdrawVM(t *testing.T) {
	netns.SkipUnlessRoot(t)
	useBGPHelper(t)
	const (
		routerAddr = "10.90.0.1"
		dirAddr    = "10.90.0.2"
		dirInside  = "10.90.1.1"
		realAddr   = "10.90.1.2"
		vip        = "10.90.9.1"
	)
	dir, reals := netns.New(t, "bqd"), netns.New(t, "bqr")
	vmLink(t, dir, routerAddr, dirAddr)
	netns.Veth(t, dir, "in0", reals, "in1")
	dir.MustRun(t, "ip", "addr", "add", dirInside+"/24", "dev", "in0")
	dir.MustRun(t, "ip", "link", "set", "in0", "up")
	dir.MustRun(t, "ip", "addr", "add", vip+"/32", "dev", "lo")
	dir.MustRun(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	reals.MustRun(t, "ip", "addr", "add", realAddr+"/24", "dev", "in1")
	reals.MustRun(t, "ip", "link", "set", "in1", "up")

	router := startTestRouter(t, routerAddr, dirAddr)
	rs := &toggledListener{ns: reals, addr: realAddr + ":8080"}
	rs.up(t)
	t.Cleanup(rs.down)

	tmp := t.TempDir()
	conf := filepath.Join(tmp, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`virtual_server `+vip+` 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 1
  real_server `+realAddr+` 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
bgp_speaker {
  local_as 65010
  router_id `+dirAddr+`
  neighbor `+routerAddr+` remote_as 65000 hold_time 3
  announce_virtual_server `+vip+` 80 TCP
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := dir.Start(t, "env", asMainEnv+"=1", os.Args[0], "-n", "-l", "-D", "-f", conf,
		"-p", filepath.Join(tmp, "k.pid"), "-r", filepath.Join(tmp, "v.pid"), "-c", filepath.Join(tmp, "c.pid"),
		"-b", filepath.Join(tmp, "b.pid"), "--control-socket", "-")
	wait := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 90*time.Second {
				t.Fatalf("%s never happened; router RIB %v\ndirector:\n%s", what, router.prefixes(t), d.Output())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	announced := func(want bool) func() bool {
		return func() bool {
			got := strings.Join(router.prefixes(t), " ")
			return strings.Contains(got, vip+"/32") == want
		}
	}
	wait("the virtual server announced to the router", announced(true))
	rs.down()
	dt := wait("the path withdrawn after the quorum is lost", announced(false))
	if !strings.Contains(d.Output(), "Lost quorum") {
		t.Errorf("no quorum loss in the director's log:\n%s", d.Output())
	}
	t.Logf("real server down: path withdrawn %v later (TCP_CHECK connect_timeout 2, delay_loop 1)", dt.Round(time.Millisecond))
	rs.up(t)
	dt = wait("the path announced again", announced(true))
	t.Logf("real server back: path announced %v later", dt.Round(time.Millisecond))
}

// testRouter is an embedded gobgp server standing in for the upstream
// router.
type testRouter struct{ srv *server.BgpServer }

func startTestRouter(t *testing.T, addr, neighbor string) *testRouter {
	t.Helper()
	srv := server.NewBgpServer(server.LoggerOption(slog.New(slog.DiscardHandler), nil))
	go srv.Serve()
	ctx := context.Background()
	if err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{Asn: 65000, RouterId: addr, ListenPort: 179,
		ListenAddresses: []string{addr}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: neighbor, PeerAsn: 65010},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 3, KeepaliveInterval: 1, ConnectRetry: 1}},
		Transport: &api.Transport{PassiveMode: true},
	}}); err != nil {
		t.Fatal(err)
	}
	return &testRouter{srv: srv}
}

// prefixes lists the IPv4 unicast prefixes in the router's RIB.
func (r *testRouter) prefixes(t *testing.T) []string {
	var out []string
	err := r.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: bgp.RF_IPv4_UC},
		func(p bgp.NLRI, _ []*apiutil.Path) { out = append(out, p.String()) })
	if err != nil {
		t.Logf("router: list paths: %v", err)
	}
	return out
}

// toggledListener is a real server whose TCP port can be closed and
// opened again.
type toggledListener struct {
	ns   *netns.NS
	addr string
	mu   sync.Mutex
	ln   net.Listener
}

func (l *toggledListener) up(t *testing.T) {
	t.Helper()
	var ln net.Listener
	l.ns.MustDo(t, func() error {
		var err error
		ln, err = net.Listen("tcp", l.addr)
		return err
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
}

func (l *toggledListener) down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
}
