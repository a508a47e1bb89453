// Package bgpspeaker is the BGP adapter: an embedded gobgp (v4) server
// that holds the sessions to the upstream routers and originates the
// prefixes it is told to announce. It imports nothing of this repository;
// the bgp engine drives it through Announce and Withdraw.
package bgpspeaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Config is the speaker's identity, its neighbours and the attributes every
// announced path carries.
type Config struct {
	LocalAS  uint32
	RouterID netip.Addr
	// ListenPort is the TCP port to accept sessions on; 0 does not listen
	// (the speaker connects out, which is enough unless a neighbour is
	// passive on both sides).
	ListenPort int
	// NextHop is the announced next hop; invalid: the session's own
	// address (gobgp's rewrite of the unspecified address).
	NextHop     netip.Addr
	MED         *uint32
	LocalPref   *uint32 // sent to iBGP neighbours only (RFC 4271)
	Communities []uint32
	Neighbors   []Neighbor
}

// Neighbor is one BGP session.
type Neighbor struct {
	Addr     netip.Addr
	RemoteAS uint32
	HoldTime time.Duration // 0: 90 s
	Port     int           // 0: 179
	Passive  bool
}

// NeighborState is a session as the speaker sees it.
type NeighborState struct {
	Addr     netip.Addr
	RemoteAS uint32
	// State is the RFC 4271 FSM state in lower case: idle, connect,
	// active, opensent, openconfirm, established (unknown before the first
	// attempt).
	State string
}

// Speaker is one running gobgp server.
type Speaker struct {
	cfg Config
	srv *server.BgpServer

	mu    sync.Mutex
	paths map[netip.Prefix]uuid.UUID
}

// connectRetry is how soon a lost session is tried again: gobgp's default
// (120 s) would keep a director's paths away long after a router restart.
const connectRetry = 3

// Start runs the server and adds the neighbours; sessions come up in the
// background.
func Start(log *slog.Logger, cfg Config) (*Speaker, error) {
	if !cfg.RouterID.Is4() {
		return nil, errors.New("bgp: router id must be an IPv4 address")
	}
	srv := server.NewBgpServer(server.LoggerOption(log, nil))
	go srv.Serve()
	port := int32(cfg.ListenPort)
	if port == 0 {
		port = -1 // gobgp: do not listen
	}
	ctx := context.Background()
	if err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: cfg.LocalAS, RouterId: cfg.RouterID.String(), ListenPort: port,
	}}); err != nil {
		srv.Stop()
		return nil, fmt.Errorf("bgp: start: %w", err)
	}
	s := &Speaker{cfg: cfg, srv: srv, paths: map[netip.Prefix]uuid.UUID{}}
	for _, n := range cfg.Neighbors {
		if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peer(n)}); err != nil {
			srv.Stop()
			return nil, fmt.Errorf("bgp: neighbor %s: %w", n.Addr, err)
		}
	}
	return s, nil
}

func peer(n Neighbor) *api.Peer {
	hold := uint64(n.HoldTime / time.Second)
	if n.HoldTime == 0 {
		hold = 90
	}
	p := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: n.Addr.String(), PeerAsn: n.RemoteAS},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime: hold, KeepaliveInterval: max(hold/3, 1), ConnectRetry: connectRetry,
			IdleHoldTimeAfterReset: 1,
		}},
		Transport: &api.Transport{PassiveMode: n.Passive, RemotePort: uint32(n.Port)},
	}
	return p
}

// Announce originates p towards every neighbour of its family.
func (s *Speaker) Announce(p netip.Prefix) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.paths[p]; ok {
		return nil
	}
	path, err := s.path(p)
	if err != nil {
		return err
	}
	resp, err := s.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{path}})
	if err != nil {
		return fmt.Errorf("bgp: announce %s: %w", p, err)
	}
	s.paths[p] = resp[0].UUID
	return nil
}

// Withdraw stops originating p.
func (s *Speaker) Withdraw(p netip.Prefix) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.paths[p]
	if !ok {
		return nil
	}
	if err := s.srv.DeletePath(apiutil.DeletePathRequest{UUIDs: []uuid.UUID{id}}); err != nil {
		return fmt.Errorf("bgp: withdraw %s: %w", p, err)
	}
	delete(s.paths, p)
	return nil
}

// path builds p with the configured attributes; IPv6 goes in MP_REACH
// (RFC 4760), IPv4 in the classic NLRI with NEXT_HOP.
func (s *Speaker) path(p netip.Prefix) (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(p)
	if err != nil {
		return nil, fmt.Errorf("bgp: %s: %w", p, err)
	}
	nh := s.cfg.NextHop
	family := bgp.RF_IPv4_UC
	if p.Addr().Is6() {
		family = bgp.RF_IPv6_UC
	}
	if !nh.IsValid() || nh.Is6() != p.Addr().Is6() {
		// The unspecified address: gobgp puts the session's own address.
		nh = netip.IPv4Unspecified()
		if p.Addr().Is6() {
			nh = netip.IPv6Unspecified()
		}
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	if family == bgp.RF_IPv4_UC {
		a, err := bgp.NewPathAttributeNextHop(nh)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	} else {
		a, err := bgp.NewPathAttributeMpReachNLRI(family, []bgp.PathNLRI{{NLRI: nlri}}, nh)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	if s.cfg.MED != nil {
		attrs = append(attrs, bgp.NewPathAttributeMultiExitDisc(*s.cfg.MED))
	}
	if s.cfg.LocalPref != nil {
		attrs = append(attrs, bgp.NewPathAttributeLocalPref(*s.cfg.LocalPref))
	}
	if len(s.cfg.Communities) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(s.cfg.Communities))
	}
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs}, nil
}

// Neighbors returns the sessions sorted by address.
func (s *Speaker) Neighbors() []NeighborState {
	var out []NeighborState
	err := s.srv.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		st := NeighborState{State: "unknown"}
		if p.Conf != nil {
			st.Addr, _ = netip.ParseAddr(p.Conf.NeighborAddress)
			st.RemoteAS = p.Conf.PeerAsn
		}
		if p.State != nil {
			st.State = sessionState(p.State.SessionState)
		}
		out = append(out, st)
	})
	if err != nil {
		return nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr.Less(out[j].Addr) })
	return out
}

func sessionState(s api.PeerState_SessionState) string {
	switch s {
	case api.PeerState_SESSION_STATE_IDLE:
		return "idle"
	case api.PeerState_SESSION_STATE_CONNECT:
		return "connect"
	case api.PeerState_SESSION_STATE_ACTIVE:
		return "active"
	case api.PeerState_SESSION_STATE_OPENSENT:
		return "opensent"
	case api.PeerState_SESSION_STATE_OPENCONFIRM:
		return "openconfirm"
	case api.PeerState_SESSION_STATE_ESTABLISHED:
		return "established"
	}
	return "unknown"
}

// SetEnabled shuts the session with addr down (a NOTIFICATION Cease,
// administrative shutdown: the router drops our paths at once) or lets it
// come up again.
func (s *Speaker) SetEnabled(addr netip.Addr, up bool) error {
	ctx := context.Background()
	if up {
		return s.srv.EnablePeer(ctx, &api.EnablePeerRequest{Address: addr.String()})
	}
	return s.srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: addr.String(), Communication: "BFD down"})
}

// Stop closes the sessions (a NOTIFICATION Cease to each neighbour, so the
// routers drop the paths at once rather than at hold-time expiry) and the
// server.
func (s *Speaker) Stop() {
	_ = s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
	s.srv.Stop()
}
