// Package bgpproc runs the BGP speaker (bgpspeaker, gobgp) in a helper
// process of its own, keepalived-bgp, so that only configurations with a
// bgp_speaker block pay for gobgp: its package init alone allocates about
// 0.7 MB that stays live, and every keepalived-go daemon would carry it.
//
// The daemon talks to the helper over the helper's stdin and stdout, one
// JSON object per line. The daemon sends requests ({"id","op",...}); the
// helper answers each with a reply of the same id and, in between, sends
// its log records ({"log":{...}}), which the daemon re-emits through its
// own logger, so the lines read as they did with the speaker in-process.
// The helper stops its speaker and exits when its stdin closes: a daemon
// that dies, even by SIGKILL, leaves no orphan.
//
// bgpproc is an adapter: it imports nothing of this repository. The
// helper's side is Serve, given a function that starts the real speaker.
package bgpproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Config is the speaker's identity, its neighbours and the attributes every
// announced path carries (bgpspeaker.Config, as the helper receives it).
type Config struct {
	LocalAS     uint32     `json:"local_as"`
	RouterID    netip.Addr `json:"router_id"`
	ListenPort  int        `json:"listen_port,omitempty"` // 0: do not listen
	NextHop     netip.Addr `json:"next_hop"`              // invalid: the session's own address
	MED         *uint32    `json:"med,omitempty"`
	LocalPref   *uint32    `json:"local_pref,omitempty"`
	Communities []uint32   `json:"communities,omitempty"`
	Neighbors   []Neighbor `json:"neighbors,omitempty"`
}

// Neighbor is one BGP session.
type Neighbor struct {
	Addr     netip.Addr    `json:"addr"`
	RemoteAS uint32        `json:"remote_as"`
	HoldTime time.Duration `json:"hold_time,omitempty"` // 0: 90 s
	Port     int           `json:"port,omitempty"`      // 0: 179
	Passive  bool          `json:"passive,omitempty"`
}

// NeighborState is a session as the speaker sees it; State is the RFC 4271
// FSM state in lower case ("unknown" before the first attempt).
type NeighborState struct {
	Addr     netip.Addr `json:"addr"`
	RemoteAS uint32     `json:"remote_as"`
	State    string     `json:"state"`
}

// The operations of a request.
const (
	opStart      = "start"
	opAnnounce   = "announce"
	opWithdraw   = "withdraw"
	opNeighbors  = "neighbors"
	opSetEnabled = "set_enabled"
	opStop       = "stop"
)

// request is one line from the daemon to the helper.
type request struct {
	ID     uint64  `json:"id"`
	Op     string  `json:"op"`
	Config *Config `json:"config,omitempty"` // start
	// LogLevel is the lowest slog level the daemon's logger shows (start):
	// the helper sends nothing below it.
	LogLevel int          `json:"log_level,omitempty"`
	Prefix   netip.Prefix `json:"prefix"` // announce, withdraw
	Addr     netip.Addr   `json:"addr"`   // set_enabled
	Up       bool         `json:"up,omitempty"`
}

// reply is one line from the helper: the answer to request ID, or a log
// record (ID 0).
type reply struct {
	ID        uint64          `json:"id,omitempty"`
	Error     string          `json:"error,omitempty"`
	Neighbors []NeighborState `json:"neighbors,omitempty"`
	Log       *logRecord      `json:"log,omitempty"`
}

// logRecord is a slog record with its attributes flattened to text, group
// names joined with dots as slog's text handler does.
type logRecord struct {
	Level int      `json:"level"`
	Msg   string   `json:"msg"`
	Attrs []string `json:"attrs,omitempty"` // key, value, key, value...
}

// maxLine bounds one protocol line; a neighbours reply of a few hundred
// sessions is far below it.
const maxLine = 1 << 20

func decodeRequest(line []byte) (request, error) {
	var r request
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("bgp helper: bad request: %w", err)
	}
	if r.ID == 0 {
		return r, errors.New("bgp helper: request without id")
	}
	switch r.Op {
	case opStart:
		if r.Config == nil {
			return r, errors.New("bgp helper: start without config")
		}
	case opAnnounce, opWithdraw:
		if !r.Prefix.IsValid() {
			return r, fmt.Errorf("bgp helper: %s without prefix", r.Op)
		}
	case opSetEnabled:
		if !r.Addr.IsValid() {
			return r, errors.New("bgp helper: set_enabled without addr")
		}
	case opNeighbors, opStop:
	default:
		return r, fmt.Errorf("bgp helper: unknown op %q", r.Op)
	}
	return r, nil
}

func decodeReply(line []byte) (reply, error) {
	var r reply
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("bgp helper: bad reply: %w", err)
	}
	if r.ID == 0 && r.Log == nil {
		return r, errors.New("bgp helper: reply without id")
	}
	return r, nil
}
