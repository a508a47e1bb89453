package ipvs

import (
	cf "github.com/cloudflare/ipvs"
)

// Counters are the kernel's traffic counters of a service or a
// destination: the 64-bit ones where the kernel has them (Linux 4.1 and
// later), else the 32-bit ones.
type Counters struct {
	Connections uint64
	InPackets   uint64
	OutPackets  uint64
	InBytes     uint64
	OutBytes    uint64
	// The kernel's rate estimates: connections, packets and bytes per
	// second.
	CPS, InPPS, OutPPS, InBPS, OutBPS uint64
}

// ServiceCounters is one kernel service with its counters and its
// destinations'.
type ServiceCounters struct {
	ServiceKey
	Counters
	Destinations []DestCounters
}

// DestCounters is one destination as the kernel holds it: its weight,
// connection counts and counters.
type DestCounters struct {
	DestKey
	Weight          uint32
	ActiveConns     uint64
	InactiveConns   uint64
	PersistentConns uint64
	Counters
}

// Counters reads every service's and destination's counters, for status
// and metrics (reconciliation never needs them, so Kernel does not carry
// this). Keys come back normalized.
func (c *Conn) Counters() ([]ServiceCounters, error) {
	svcs, err := c.cfServices()
	if err != nil {
		return nil, err
	}
	out := make([]ServiceCounters, 0, len(svcs))
	for _, x := range svcs {
		sc := ServiceCounters{ServiceKey: fromCF(x.Service).ServiceKey, Counters: counters(x.Stats64, x.Stats)}
		dests, err := c.cfDestinations(x.Service)
		if err != nil {
			return nil, err
		}
		for _, d := range dests {
			sc.Destinations = append(sc.Destinations, DestCounters{
				DestKey:         fromCFDest(d.Destination).Key(),
				Weight:          d.Weight,
				ActiveConns:     uint64(d.ActiveConnections),
				InactiveConns:   uint64(d.InactiveConnections),
				PersistentConns: uint64(d.PersistentConnections),
				Counters:        counters(d.Stats64, d.Stats),
			})
		}
		out = append(out, sc)
	}
	return out, nil
}

// counters prefers the 64-bit set; a kernel without it reports zeros there.
func counters(s64, s cf.Stats) Counters {
	if s64 == (cf.Stats{}) {
		s64 = s
	}
	return Counters{
		Connections: s64.Connections,
		InPackets:   s64.IncomingPackets,
		OutPackets:  s64.OutgoingPackets,
		InBytes:     s64.IncomingBytes,
		OutBytes:    s64.OutgoingBytes,
		CPS:         s64.ConnectionRate,
		InPPS:       s64.IncomingPacketRate,
		OutPPS:      s64.OutgoingPacketRate,
		InBPS:       s64.IncomingByteRate,
		OutBPS:      s64.OutgoingByteRate,
	}
}
