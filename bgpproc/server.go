package bgpproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync"
)

// Backend is a running speaker as the helper drives it (bgpspeaker's
// Speaker with this package's types).
type Backend interface {
	Announce(p netip.Prefix) error
	Withdraw(p netip.Prefix) error
	Neighbors() []NeighborState
	SetEnabled(addr netip.Addr, up bool) error
	Stop()
}

// StartFunc starts the real speaker; log carries its records back to the
// daemon.
type StartFunc func(log *slog.Logger, cfg Config) (Backend, error)

// Serve is the helper's main loop: it reads requests from in, answers on
// out and stops the speaker when in closes or a stop request comes. It
// handles one request at a time, as the in-process speaker's lock did.
func Serve(in io.Reader, out io.Writer, start StartFunc) error {
	w := &lineWriter{enc: json.NewEncoder(out)}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var b Backend
	defer func() {
		if b != nil {
			b.Stop()
		}
	}()
	for sc.Scan() {
		req, err := decodeRequest(sc.Bytes())
		if err != nil {
			// A daemon that speaks another protocol: nothing is safe to do.
			return err
		}
		rep := reply{ID: req.ID}
		switch req.Op {
		case opStart:
			if b != nil {
				rep.Error = "bgp: speaker already started"
				break
			}
			log := slog.New(&handler{w: w, level: slog.Level(req.LogLevel)})
			b, err = start(log, *req.Config)
		case opStop:
			if b != nil {
				b.Stop()
				b = nil
			}
			return w.write(rep)
		case opNeighbors:
			if b != nil {
				rep.Neighbors = b.Neighbors()
			}
		default:
			err = apply(b, req)
		}
		if err != nil {
			rep.Error = err.Error()
		}
		if err := w.write(rep); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bgp helper: reading requests: %w", err)
	}
	return nil
}

// apply runs announce, withdraw and set_enabled on the started speaker.
func apply(b Backend, req request) error {
	if b == nil {
		return errors.New("bgp: speaker not started")
	}
	switch req.Op {
	case opAnnounce:
		return b.Announce(req.Prefix)
	case opWithdraw:
		return b.Withdraw(req.Prefix)
	case opSetEnabled:
		return b.SetEnabled(req.Addr, req.Up)
	}
	return fmt.Errorf("bgp helper: unknown op %q", req.Op)
}

// lineWriter serialises the replies and the log records of gobgp's
// goroutines onto one stream.
type lineWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (w *lineWriter) write(r reply) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.enc.Encode(r); err != nil {
		return fmt.Errorf("bgp helper: writing: %w", err)
	}
	return nil
}

// handler is the helper's slog handler: each record becomes a log line of
// the protocol.
type handler struct {
	w      *lineWriter
	level  slog.Level
	prefix string   // open groups, "a.b."
	attrs  []string // from WithAttrs
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	rec := &logRecord{Level: int(r.Level), Msg: r.Message, Attrs: append([]string(nil), h.attrs...)}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs = flatten(rec.Attrs, h.prefix, a)
		return true
	})
	// A daemon gone away is noticed by the request loop; a lost log line
	// is no reason to fail gobgp's call.
	_ = h.w.write(reply{Log: rec})
	return nil
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append([]string(nil), h.attrs...)
	for _, a := range as {
		n.attrs = flatten(n.attrs, h.prefix, a)
	}
	return &n
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.prefix = h.prefix + name + "."
	return &n
}

// flatten appends a as key/value text pairs, groups opened into dotted keys.
func flatten(kv []string, prefix string, a slog.Attr) []string {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			kv = flatten(kv, p, g)
		}
		return kv
	}
	if a.Key == "" {
		return kv
	}
	return append(kv, prefix+a.Key, v.String())
}
