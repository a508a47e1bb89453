package status

import (
	"fmt"
	"net/netip"

	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/lvs"
)

// IPVSReader reads the kernel's IPVS counters; *ipvs.Conn is one.
type IPVSReader interface {
	Counters() ([]ipvs.ServiceCounters, error)
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
//		vs, err := status.FromLVSKernel(mgr.Status(), conn) // conn from ipvs.Dial()
//		if err != nil { log.Debug("ipvs stats", "err", err) }
//		return vs
//	})
func FromLVSKernel(vss []lvs.VirtualServerStatus, k IPVSReader) ([]VirtualServer, error) {
	out := FromLVS(vss)
	ksvcs, err := k.Counters()
	if err != nil {
		return out, fmt.Errorf("ipvs counters: %w", err)
	}
	byKey := make(map[ipvs.ServiceKey]*ipvs.ServiceCounters, len(ksvcs))
	for i := range ksvcs {
		byKey[ksvcs[i].ServiceKey.Normalize()] = &ksvcs[i]
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
			ks := byKey[s.ServiceKey.Normalize()]
			if ks == nil {
				continue
			}
			found++
			addStats(&merged.Stats, ks.Counters)
			for _, d := range ks.Destinations {
				ap := netip.AddrPortFrom(d.Addr, d.Port)
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
				md.ActiveConnections += d.ActiveConns
				md.InactiveConnections += d.InactiveConns
				md.PersistentConnections += d.PersistentConns
				addStats(&md.Stats, d.Counters)
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

func addStats(dst *IPVSStats, s ipvs.Counters) {
	dst.Connections += s.Connections
	dst.InPackets += s.InPackets
	dst.OutPackets += s.OutPackets
	dst.InBytes += s.InBytes
	dst.OutBytes += s.OutBytes
	dst.CPS += s.CPS
	dst.InPPS += s.InPPS
	dst.OutPPS += s.OutPPS
	dst.InBPS += s.InBPS
	dst.OutBPS += s.OutBPS
}
