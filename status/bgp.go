package status

import "time"

// BGPSource is the bgp_speaker extension (docs/bgp.md): its sessions and
// what it announces. Running is false when no block is configured.
type BGPSource interface {
	BGP() BGP
}

// BGPFunc adapts a closure to BGPSource.
type BGPFunc func() BGP

// BGP implements BGPSource.
func (f BGPFunc) BGP() BGP { return f() }

// BGP is a snapshot of the BGP side.
type BGP struct {
	Running    bool
	Neighbors  []BGPNeighbor
	Announced  []string // prefixes, sorted
	LastChange time.Time
	Draining   bool
}

// BGPNeighbor is one session.
type BGPNeighbor struct {
	Addr     string
	RemoteAS uint32
	// State is the RFC 4271 FSM state in lower case (established, ...).
	State string
}
