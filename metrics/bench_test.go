package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestConcurrentScrapes: scrapes while the engines report events; run
// with -race to check the sources' locking.
func TestConcurrentScrapes(t *testing.T) {
	src := statustest.Sources()
	h := Handler(NewRegistry(src), nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		states := []vrrp.State{vrrp.StateBackup, vrrp.StateMaster}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			src.Transitions.Notify(vrrp.Event{Kind: vrrp.EventState, Name: "VI_1", State: states[i%2]})
			src.Reloads.Record(time.Now(), nil)
		}
	}()
	var scrapes sync.WaitGroup
	for range 8 {
		scrapes.Add(1)
		go func() {
			defer scrapes.Done()
			for range 10 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				if rec.Code != 200 {
					t.Errorf("status %d", rec.Code)
				}
			}
		}()
	}
	scrapes.Wait()
	close(stop)
	wg.Wait()
}

// bigSources is a large site: 256 instances with 4 VIPs each, 100 virtual
// servers of 10 real servers with 2 checkers each.
func bigSources() status.Sources {
	cfg := vrrp.Config{}
	var st []vrrp.InstanceStatus
	for i := range 256 {
		name := fmt.Sprintf("VI_%d", i)
		ic := vrrp.InstanceConfig{Name: name, Interface: fmt.Sprintf("vlan%d", i), VRID: uint8(i), GARP: vrrp.DefaultGARP}
		for j := range 4 {
			ic.VIPs = append(ic.VIPs, vrrp.Address{Prefix: netipPrefix(fmt.Sprintf("10.%d.%d.%d/24", i/256, i%256, j+1))})
		}
		cfg.Instances = append(cfg.Instances, ic)
		st = append(st, vrrp.InstanceStatus{Name: name, Interface: ic.Interface, VRID: ic.VRID, State: vrrp.StateBackup})
	}
	var lvs statustest.LVS
	for v := range 100 {
		vs := status.VirtualServer{Health: check.ServiceStatus{ID: fmt.Sprintf("[10.1.%d.1]:tcp:80", v)}, IPVS: &status.IPVSService{StatsKnown: true}}
		for r := range 10 {
			id := fmt.Sprintf("[192.168.%d.%d]:tcp:8080", v, r)
			vs.Health.Reals = append(vs.Health.Reals, check.RealStatus{ID: id, Alive: true, Weight: 1,
				Checkers: []check.CheckerStatus{{Kind: "HTTP_GET", Up: true}, {Kind: "TCP_CHECK", Up: true}}})
			vs.IPVS.Dests = append(vs.IPVS.Dests, status.IPVSDest{ID: id, Weight: 1})
		}
		lvs = append(lvs, vs)
	}
	return status.Sources{VRRP: &statustest.VRRP{Cfg: cfg, St: st}, LVS: lvs, Reloads: &status.Reloads{}, Transitions: &status.Transitions{}}
}

func BenchmarkScrape(b *testing.B) {
	h := Handler(NewRegistry(bigSources()), nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		io.Copy(io.Discard, rec.Body)
	}
}

func netipPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
