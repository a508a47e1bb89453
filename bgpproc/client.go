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
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// HelperName is the helper's file name, looked up next to the daemon's
// executable first, then in PATH.
const HelperName = "keepalived-bgp"

// callTimeout bounds one request: a helper that stops answering is taken
// for dead rather than blocking the daemon's BGP loop and status requests.
const callTimeout = 10 * time.Second

// exitTimeout is how long Stop waits for the helper to close its sessions
// and exit before it kills it.
const exitTimeout = 5 * time.Second

// ErrExited is returned by calls on a speaker whose helper is gone.
var ErrExited = errors.New("bgp: speaker helper exited")

// Speaker is a running helper process holding the BGP sessions. Its
// methods are those of bgpspeaker.Speaker.
type Speaker struct {
	log *slog.Logger
	cmd *exec.Cmd
	in  io.WriteCloser

	wmu sync.Mutex // one request line at a time
	mu  sync.Mutex
	id  uint64
	// pending are the requests waiting for their reply, by id.
	pending  map[uint64]chan reply
	stopping bool

	done chan struct{} // closed once the helper has exited
	err  error         // its exit status, set before done closes
}

// Helper finds keepalived-bgp: next to the running executable (how the
// package installs it), else in PATH.
func Helper() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), HelperName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(HelperName)
	if err != nil {
		return "", fmt.Errorf("bgp: speaker helper %s not found next to the keepalived executable nor in PATH", HelperName)
	}
	return p, nil
}

// Start runs the helper and starts its speaker with cfg; sessions come up
// in the background. The helper's log records go to log.
func Start(log *slog.Logger, cfg Config) (*Speaker, error) {
	path, err := Helper()
	if err != nil {
		return nil, err
	}
	return StartCommand(log, cfg, exec.Command(path))
}

// StartCommand is Start with the helper's command given (tests).
func StartCommand(log *slog.Logger, cfg Config, cmd *exec.Cmd) (*Speaker, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bgp: speaker helper: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bgp: speaker helper: %w", err)
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr // a panic's trace
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bgp: speaker helper: %w", err)
	}
	s := &Speaker{log: log, cmd: cmd, in: in, pending: map[uint64]chan reply{}, done: make(chan struct{})}
	go s.read(out)
	if _, err := s.call(request{Op: opStart, Config: &cfg, LogLevel: int(lowestLevel(log))}); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// lowestLevel is the lowest level log shows, so the helper sends no record
// that would be dropped here.
func lowestLevel(log *slog.Logger) slog.Level {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn} {
		if log.Enabled(context.Background(), l) {
			return l
		}
	}
	return slog.LevelError
}

// read dispatches the helper's lines until it exits, then reports an exit
// nobody asked for.
func (s *Speaker) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		r, err := decodeReply(sc.Bytes())
		if err != nil {
			s.log.Error(err.Error())
			continue
		}
		if r.Log != nil {
			s.relog(r.Log)
			continue
		}
		s.mu.Lock()
		ch := s.pending[r.ID]
		delete(s.pending, r.ID)
		s.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	_, _ = io.Copy(io.Discard, out) // a line over maxLine: let Wait return
	err := s.cmd.Wait()
	s.mu.Lock()
	s.err = err
	expected := s.stopping
	s.mu.Unlock()
	if !expected {
		if err == nil {
			err = errors.New("exit status 0")
		}
		s.log.Error(fmt.Sprintf("bgp: speaker helper %s exited: %v", s.cmd.Path, err))
	}
	close(s.done)
}

// relog emits a helper's record through the daemon's logger.
func (s *Speaker) relog(r *logRecord) {
	args := make([]any, 0, len(r.Attrs))
	for i := 0; i+1 < len(r.Attrs); i += 2 {
		args = append(args, slog.String(r.Attrs[i], r.Attrs[i+1]))
	}
	s.log.Log(context.Background(), slog.Level(r.Level), r.Msg, args...)
}

// call sends req and waits for its reply, the helper's exit or callTimeout.
func (s *Speaker) call(req request) (reply, error) {
	ch := make(chan reply, 1)
	s.mu.Lock()
	s.id++
	req.ID = s.id
	s.pending[req.ID] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, req.ID)
		s.mu.Unlock()
	}()
	line, err := json.Marshal(req)
	if err != nil {
		return reply{}, fmt.Errorf("bgp: speaker helper: %w", err)
	}
	s.wmu.Lock()
	_, err = s.in.Write(append(line, '\n'))
	s.wmu.Unlock()
	if err != nil {
		return reply{}, ErrExited
	}
	t := time.NewTimer(callTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.Error != "" {
			return r, errors.New(r.Error)
		}
		return r, nil
	case <-s.done:
		return reply{}, ErrExited
	case <-t.C:
		return reply{}, fmt.Errorf("bgp: speaker helper: no answer to %s in %v", req.Op, callTimeout)
	}
}

// Announce originates p towards every neighbour of its family.
func (s *Speaker) Announce(p netip.Prefix) error {
	_, err := s.call(request{Op: opAnnounce, Prefix: p})
	return err
}

// Withdraw stops originating p.
func (s *Speaker) Withdraw(p netip.Prefix) error {
	_, err := s.call(request{Op: opWithdraw, Prefix: p})
	return err
}

// Neighbors returns the sessions sorted by address; nil once the helper
// is gone.
func (s *Speaker) Neighbors() []NeighborState {
	r, err := s.call(request{Op: opNeighbors})
	if err != nil {
		return nil
	}
	return r.Neighbors
}

// SetEnabled shuts the session with addr down (a Cease, administrative
// shutdown) or lets it come up again.
func (s *Speaker) SetEnabled(addr netip.Addr, up bool) error {
	_, err := s.call(request{Op: opSetEnabled, Addr: addr, Up: up})
	return err
}

// Done is closed when the helper has exited, asked to or not.
func (s *Speaker) Done() <-chan struct{} { return s.done }

// Stop closes the sessions (a Cease to each neighbour) and waits for the
// helper to exit, killing it after exitTimeout.
func (s *Speaker) Stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	_, _ = s.call(request{Op: opStop})
	_ = s.in.Close() // a helper that missed the stop exits at EOF
	select {
	case <-s.done:
	case <-time.After(exitTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
