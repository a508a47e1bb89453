package status

import (
	"fmt"
	"net/netip"

	cipvs "github.com/cloudflare/ipvs"

	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/lvs"
)

// IPVSReader is the read side of a github.com/cloudflare/ipvs Client (what
// cipvs.New returns): the kernel's services and destinations with their
// counters.
type IPVSReader interface {
	Services() ([]cipvs.ServiceExtended, error)
	Destinations(cipvs.Service) ([]cipvs.DestinationExtended, error)
}

// FromLVSKernel is FromLVS with the kernel's view: weights as the kernel
// holds them, connection counts and 64-bit counters (StatsKnown). A
// virtual_server_group's services are summed. A service the kernel does not
// have leaves that virtual server's IPVS nil. On a read error it returns
// FromLVS's result with the error, so callers can log and still answer.
//
// Wire it as
//
//	status.LVSFunc(func() []status.VirtualServer {
//		vs, err := status.FromLVSKernel(mgr.Status(), client) // client from cipvs.New()
//		if err != nil { log.Debug("ipvs stats", "err", err) }
//		return vs
//	})
func FromLVSKernel(vss []lvs.VirtualServerStatus, k IPVSReader) ([]VirtualServer, error) {
	out := FromLVS(vss)
	ksvcs, err := k.Services()
	if err != nil {
		return out, fmt.Errorf("ipvs services: %w", err)
	}
	for i, v := range vss {
		if len(v.Services) == 0 {
			continue
		}
		merged := &IPVSService{StatsKnown: true}
		byAddr := map[netip.AddrPort]int{}
		ids := map[netip.AddrPort]string{}
		// FromLVS named the first service's destinations in order.
		for j, d := range v.Services[0].Destinations {
			ids[netip.AddrPortFrom(d.Addr, d.Port)] = out[i].IPVS.Dests[j].ID
		}
		found := 0
		for _, s := range v.Services {
			ks, ok := findService(ksvcs, s.ServiceKey)
			if !ok {
				continue
			}
			found++
			addStats(&merged.Stats, pick(ks.Stats64, ks.Stats))
			dests, err := k.Destinations(ks.Service)
			if err != nil {
				return out, fmt.Errorf("ipvs destinations of %s: %w", v.ID, err)
			}
			for _, d := range dests {
				ap := netip.AddrPortFrom(d.Address, d.Port)
				j, seen := byAddr[ap]
				if !seen {
					id, ok := ids[ap]
					if !ok {
						id = destID(ap)
					}
					merged.Dests = append(merged.Dests, IPVSDest{ID: id, Weight: int64(d.Weight)})
					j = len(merged.Dests) - 1
					byAddr[ap] = j
				}
				md := &merged.Dests[j]
				md.ActiveConnections += uint64(d.ActiveConnections)
				md.InactiveConnections += uint64(d.InactiveConnections)
				md.PersistentConnections += uint64(d.PersistentConnections)
				addStats(&md.Stats, pick(d.Stats64, d.Stats))
			}
		}
		if found == 0 {
			out[i].IPVS = nil
			continue
		}
		out[i].IPVS = merged
	}
	return out, nil
}

func findService(ks []cipvs.ServiceExtended, key ipvs.ServiceKey) (cipvs.ServiceExtended, bool) {
	for _, s := range ks {
		if key.FWMark != 0 {
			fam := key.Family
			if fam == 0 {
				fam = ipvs.IPv4
			}
			if s.FWMark == key.FWMark && uint16(s.Family) == uint16(fam) {
				return s, true
			}
			continue
		}
		if s.FWMark == 0 && uint16(s.Protocol) == uint16(key.Protocol) && s.Address == key.Addr && s.Port == key.Port {
			return s, true
		}
	}
	return cipvs.ServiceExtended{}, false
}

// pick prefers the kernel's 64-bit counters, present since Linux 4.1.
func pick(s64, s cipvs.Stats) cipvs.Stats {
	if s64 != (cipvs.Stats{}) {
		return s64
	}
	return s
}

func addStats(dst *IPVSStats, s cipvs.Stats) {
	dst.Connections += s.Connections
	dst.InPackets += s.IncomingPackets
	dst.OutPackets += s.OutgoingPackets
	dst.InBytes += s.IncomingBytes
	dst.OutBytes += s.OutgoingBytes
}
