package lvs

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/parser"
)

// nopKernel accepts every change and holds nothing: it measures what the
// Manager itself costs.
type nopKernel struct{ calls int }

func (k *nopKernel) Services() ([]ipvs.Service, error)                         { return nil, nil }
func (k *nopKernel) CreateService(ipvs.Service) error                          { k.calls++; return nil }
func (k *nopKernel) UpdateService(ipvs.Service) error                          { k.calls++; return nil }
func (k *nopKernel) DeleteService(ipvs.ServiceKey) error                       { k.calls++; return nil }
func (k *nopKernel) CreateDestination(ipvs.ServiceKey, ipvs.Destination) error { k.calls++; return nil }
func (k *nopKernel) UpdateDestination(ipvs.ServiceKey, ipvs.Destination) error { k.calls++; return nil }
func (k *nopKernel) DeleteDestination(ipvs.ServiceKey, ipvs.DestKey) error     { k.calls++; return nil }

func benchConf(services, dests, w int) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, "global_defs {\n  router_id bench\n}")
	for i := range services {
		fmt.Fprintf(&b, "virtual_server 10.100.%d.%d 80 {\n  lvs_sched wlc\n  lvs_method NAT\n  protocol TCP\n", byte(i>>8), byte(i))
		for j := range dests {
			fmt.Fprintf(&b, "  real_server 10.200.%d.1 8080 {\n    weight %d\n  }\n", j, w)
		}
		fmt.Fprintln(&b, "}")
	}
	return b.Bytes()
}

func BenchmarkManagerPhases(b *testing.B) {
	data := benchConf(10000, 10, 1)
	t0 := time.Now()
	cfg, _, err := parser.ParseBytes("bench.conf", data, parser.Options{NoConfigID: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("parse: %v", time.Since(t0))
	t0 = time.Now()
	k := &nopKernel{}
	m, err := New(cfg, Options{Kernel: k, Resync: -1, KeepOnExit: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("New: %v", time.Since(t0))
	t0 = time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.Run(ctx)
	b.Logf("Run (start, stop): %v, %d kernel calls", time.Since(t0), k.calls)
}
