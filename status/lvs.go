package status

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/lvs"
)

// FromLVS adapts the LVS manager's snapshot (lvs.Manager.Status) to the
// observers' model. The manager reports the IPVS services as last
// programmed, without the kernel's counters, so StatsKnown is false; a
// virtual_server_group programs several services with the same
// destinations, and the first one stands for the group.
//
// Wire it as status.LVSFunc(func() []status.VirtualServer { return status.FromLVS(mgr.Status()) }).
func FromLVS(vss []lvs.VirtualServerStatus) []VirtualServer {
	out := make([]VirtualServer, 0, len(vss))
	for _, v := range vss {
		vs := VirtualServer{Health: v.ServiceStatus}
		if len(v.Services) > 0 {
			svc := v.Services[0]
			vs.Scheduler = svc.Scheduler
			ipvs := &IPVSService{}
			ids := map[netip.AddrPort]string{}
			for _, r := range v.Reals {
				if ap, ok := parseRSID(r.ID); ok {
					ids[ap] = r.ID
				}
			}
			if v.SorryActive {
				for _, m := range v.Members {
					if ap, ok := parseRSID(m.ID); ok && m.Sorry {
						ids[ap] = m.ID
					}
				}
			}
			for _, d := range svc.Destinations {
				ap := netip.AddrPortFrom(d.Addr, d.Port)
				id, ok := ids[ap]
				if !ok {
					id = destID(ap)
				}
				ipvs.Dests = append(ipvs.Dests, IPVSDest{ID: id, Weight: int64(d.Weight)})
			}
			vs.IPVS = ipvs
		}
		out = append(out, vs)
	}
	return out
}

// destID names a destination no real server claims (hand-added, or a
// sorry server while unused).
func destID(ap netip.AddrPort) string {
	return "[" + ap.Addr().String() + "]:" + strconv.Itoa(int(ap.Port()))
}

func parseRSID(id string) (netip.AddrPort, bool) {
	ap, _, ok := ParseID(id)
	return ap, ok
}

// ParseID reads check.FormatService's `[ADDR]:proto:PORT` back; fwmark
// (`FWM 7`) and group (`[NAME]:PORT`) identifiers do not parse.
func ParseID(id string) (ap netip.AddrPort, proto string, ok bool) {
	if !strings.HasPrefix(id, "[") {
		return ap, "", false
	}
	end := strings.Index(id, "]:")
	if end < 0 {
		return ap, "", false
	}
	addr, err := netip.ParseAddr(id[1:end])
	if err != nil {
		return ap, "", false
	}
	proto, portStr, found := strings.Cut(id[end+2:], ":")
	if !found {
		return ap, "", false
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return ap, "", false
	}
	return netip.AddrPortFrom(addr, uint16(port)), proto, true
}
