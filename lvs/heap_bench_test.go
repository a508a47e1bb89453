package lvs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
)

// checkerConf is tools/benchchecker's configuration: nvs virtual servers of
// per real servers, each checked by HTTP_GET at delay_loop 1.
func checkerConf(nvs, per int) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, "global_defs {\n  router_id bench\n}")
	for i := range nvs {
		fmt.Fprintf(&b, "virtual_server 10.100.%d.%d 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  delay_loop 1\n", byte(i>>8), byte(i))
		for j := range per {
			fmt.Fprintf(&b, "  real_server 127.0.0.1 %d {\n    weight 1\n", 20000+i*per+j)
			fmt.Fprint(&b, "    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n"+
				"      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n")
		}
		fmt.Fprintln(&b, "}")
	}
	return b.Bytes()
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkCheckerLiveHeap reports the live heap, per real server, of the
// parsed configuration and of a running Manager with 1 000 HTTP_GET
// checkers (the VM benchmark's largest case): what the checker keeps
// resident besides the runtime. CHECK_HEAP_PROFILE=FILE writes a heap
// profile of the running Manager (every allocation sampled).
func BenchmarkCheckerLiveHeap(b *testing.B) {
	const nvs, per = 10, 100
	n := float64(nvs * per)
	if os.Getenv("CHECK_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	data := checkerConf(nvs, per)
	h0 := liveHeap()
	cfg, _, err := parser.ParseBytes("bench.conf", data, parser.Options{NoConfigID: true})
	if err != nil {
		b.Fatal(err)
	}
	h1 := liveHeap()
	m, err := New(cfg, Options{Kernel: &nopKernel{}, Resync: -1, KeepOnExit: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	time.Sleep(2500 * time.Millisecond) // past the first checks (1 s + warmup)
	h2 := liveHeap()
	if f := os.Getenv("CHECK_HEAP_PROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.Lookup("heap").WriteTo(w, 0)
		w.Close()
	}
	runtime.KeepAlive(cfg)
	cancel()
	<-done
	b.ReportMetric(float64(h1-h0)/n, "cfg-B/rs")
	b.ReportMetric(float64(h2-h1)/n, "manager-B/rs")
	b.ReportMetric(float64(h2-h0)/n, "total-B/rs")
}
