// Package control is keepalived-go's local control socket: a unix socket
// (default /run/keepalived-go.sock) speaking HTTP/1.1 with JSON bodies, so
// `keepalivectl`, scripts and `curl --unix-socket` can read the daemon's
// state without signals and /tmp files. Today it serves GET /v1/status
// (instances with state, priorities, master and VIPs; virtual and real
// servers with health and weights; reloads); it is read-only.
//
// The socket is created mode 0600 (root only) unless WithMode says
// otherwise: the status names addresses and peers operators may not want to
// share with every local user. A stale socket left by a crashed daemon is
// replaced; a live one (another daemon answering) is an error, so two
// daemons never steal each other's socket.
//
// How to wire: with the daemon's status.Sources,
//
//	srv, err := control.NewServer(control.DefaultSocket, src) // or the --control-socket flag
//	if err != nil { return fmt.Errorf("control: %w", err) }
//	defer srv.Close()
//
// NewServer binds before returning and serves in the background; Close
// stops it and removes the socket. Reloads need no re-wiring: every
// request reads the sources afresh.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/status"
)

// DefaultSocket is where the daemon listens and keepalivectl connects.
const DefaultSocket = "/run/keepalived-go.sock"

// StatusPath is the URL path of the status document.
const StatusPath = "/v1/status"

// Server is a running control socket.
type Server struct {
	path string
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
	src  status.Sources
	now  func() time.Time
	mode fs.FileMode
	log  *slog.Logger
}

// Option tunes a Server.
type Option func(*Server)

// WithMode sets the socket's permission bits (default 0600).
func WithMode(m fs.FileMode) Option { return func(s *Server) { s.mode = m } }

// WithLogger logs serving errors.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// NewServer binds path and serves src until Close.
func NewServer(path string, src status.Sources, opts ...Option) (*Server, error) {
	s := &Server{path: path, src: src, now: time.Now, mode: 0o600, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	ln, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, s.mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StatusPath, s.serveStatus)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && s.log != nil {
			s.log.Error("control socket stopped", "path", path, "err", err)
		}
	}()
	return s, nil
}

// listen binds a unix socket, replacing a stale socket file but never a
// live one.
func listen(path string) (net.Listener, error) {
	// /run/keepalived/ may not exist yet when only the socket lives there.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	fi, serr := os.Lstat(path)
	if serr != nil || fi.Mode().Type() != fs.ModeSocket {
		return nil, err // not ours to remove
	}
	c, derr := net.DialTimeout("unix", path, time.Second)
	if derr == nil {
		c.Close()
		return nil, fmt.Errorf("another process is serving it: %w", err)
	}
	if rerr := os.Remove(path); rerr != nil {
		return nil, rerr
	}
	return net.Listen("unix", path)
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops serving and removes the socket.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// The listener unlinks the path itself on close (net.UnixListener).
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	st := Snapshot(s.src, s.now(), os.Getpid())
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil && s.log != nil {
		s.log.Warn("control: writing status", "err", err)
	}
}
