// Package metrics is keepalived-go's built-in Prometheus endpoint
// (--metrics-listen ADDR). It emits mehdy/keepalived-exporter's series with
// exactly its names, labels and state encoding (0 INIT, 1 BACKUP, 2 MASTER,
// 3 FAULT), so that exporter's Grafana dashboard works unchanged, plus new
// series for what no exporter can see: vrrp transitions by from/to state,
// checker state and latency per real server, IPVS weights and counters per
// virtual and real server, and configuration reloads.
//
// Like node_exporter, there is one collector per concern (VRRP, vrrp_script,
// LVS, reloads), each building const metrics from a status snapshot at scrape
// time; nothing is kept between scrapes and nothing touches the engines'
// locks longer than their Status calls.
//
// How to wire: after building the status.Sources the daemon shares with its
// observers, and only when --metrics-listen is set, call
//
//	reg := metrics.NewRegistry(src) // add metrics.WithGen2brain() for that exporter's series
//	metrics.RegisterRuntime(reg)    // go_* and process_* series
//	srv, err := metrics.Serve(addr, reg, logger)
//	if err != nil { return fmt.Errorf("metrics: %w", err) }
//	defer srv.Close()
//
// Serve binds before returning and reports a busy port as its error; the
// daemon (cmd/keepalived) logs that error and runs on without metrics, since
// observability must not take VRRP down. Reloads need no re-wiring:
// collectors read the sources on every scrape.
//
// Divergences from the exporter, on purpose: its intf label of
// keepalived_vrrp_state comes from the third word of keepalived's VIP line,
// which is the broadcast address when a VIP has `brd`; here it is always the
// VIP's device. keepalived_up is always 1 (the process answering is the
// process being measured) and keepalived_exporter_check_script_status is not
// emitted (it needs the exporter's external -cs script).
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dsas/keepalived-go/status"
)

// DefaultListen is the suggested --metrics-listen address, on loopback. It
// is not mehdy/keepalived-exporter's 9165: operators migrating run that
// exporter next to keepalived-go for a while, and both must bind.
const DefaultListen = "127.0.0.1:9650"

// Option tunes NewRegistry.
type Option func(*options)

type options struct{ gen2brain bool }

// WithGen2brain also emits gen2brain/keepalived_exporter's series
// (keepalived_vrrp_advert_rcvd{name,intf,vrid,state}, keepalived_lvs_vip_*,
// keepalived_lvs_rs_*), for dashboards built on that exporter.
func WithGen2brain() Option { return func(o *options) { o.gen2brain = true } }

// NewRegistry returns a registry holding one collector per concern over
// src. Sides whose source is nil produce no series.
func NewRegistry(src status.Sources, opts ...Option) *prometheus.Registry {
	var o options
	for _, f := range opts {
		f(&o)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		upCollector{},
		newVRRPCollector(src.VRRP, src.Transitions),
		newScriptCollector(src.Scripts),
		newLVSCollector(src.LVS),
		newReloadCollector(src.Reloads),
	)
	if o.gen2brain {
		reg.MustRegister(newGen2brainCollector(src.VRRP, src.LVS))
	}
	return reg
}

// RegisterRuntime adds the standard Go runtime and process collectors.
func RegisterRuntime(reg prometheus.Registerer) {
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
}

// Handler serves g in the Prometheus exposition formats.
func Handler(g prometheus.Gatherer, log *slog.Logger) http.Handler {
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}
	if log != nil {
		opts.ErrorLog = slogPrinter{log}
	}
	return promhttp.HandlerFor(g, opts)
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("metrics: " + fmt.Sprint(v...)) }

// Server is a running metrics endpoint.
type Server struct {
	ln  net.Listener
	lim *connLimiter
	srv *http.Server
	// done is closed when Serve's goroutine returns.
	done chan struct{}
}

// Serve binds addr and serves /metrics (and a tiny index at /, and what
// opts add) in the background until Close. It holds at most MaxConns
// connections (closing the oldest idle one to admit a new one) and applies
// the timeouts above, so idle or slow clients cannot pin descriptors and
// memory.
func Serve(addr string, g prometheus.Gatherer, log *slog.Logger, opts ...ServeOption) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(g, log))
	for _, o := range opts {
		o(mux, log)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintln(w, `<html><head><title>keepalived-go</title></head><body><a href="/metrics">Metrics</a> <a href="/status">Status</a></body></html>`)
	})
	lim := newConnLimiter(ln, MaxConns)
	s := &Server{
		ln:  lim,
		lim: lim,
		srv: &http.Server{
			Handler:           lim.guard(mux),
			ConnContext:       connContext,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			ConnState:         lim.connState,
			MaxHeaderBytes:    64 << 10,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(lim); err != nil && !errors.Is(err, http.ErrServerClosed) && log != nil {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return s, nil
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, letting in-flight scrapes finish for a moment.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// typedDesc pairs a Desc with its value type, node_exporter style.
type typedDesc struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

func newDesc(name, help string, typ prometheus.ValueType, labels ...string) typedDesc {
	return typedDesc{prometheus.NewDesc(name, help, labels, nil), typ}
}

func (d typedDesc) emit(ch chan<- prometheus.Metric, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d.desc, d.typ, v, labels...)
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type upCollector struct{}

var upDesc = newDesc("keepalived_up", "Status", prometheus.GaugeValue)

func (upCollector) Describe(ch chan<- *prometheus.Desc) { ch <- upDesc.desc }
func (upCollector) Collect(ch chan<- prometheus.Metric) { upDesc.emit(ch, 1) }
