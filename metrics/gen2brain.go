package metrics

import (
	"net/netip"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// gen2brainCollector emits gen2brain/keepalived_exporter's series
// (go-anchors §3.2) for sites whose dashboards were built on it: VRRP
// counters without the _total suffix, labelled name/intf/vrid and the
// state as a string; IPVS counters labelled addr ("ip:port") and proto
// (the IP protocol number). Unlike that exporter, keepalived_vrrp_ip_ttl_err
// carries the TTL error count (it exports the advert interval errors), and
// fwmark and group services, which have no single address, are left out.
type gen2brainCollector struct {
	vrrp  status.VRRPSource
	lvs   status.LVSSource
	vrrpC []statCounter
	vipC  []ipvsCounter
	rsC   []ipvsCounter
}

func newGen2brainCollector(v status.VRRPSource, l status.LVSSource) *gen2brainCollector {
	labels := []string{"name", "intf", "vrid", "state"}
	c := func(name, help string, get func(*vrrp.Stats) uint64) statCounter {
		return statCounter{newDesc(name, help, prometheus.CounterValue, labels...), get}
	}
	ipvsC := func(prefix, what string, labels ...string) []ipvsCounter {
		c := func(name, help string, get func(*status.IPVSStats) uint64) ipvsCounter {
			return ipvsCounter{newDesc(prefix+name, what+" "+help, prometheus.CounterValue, labels...), get}
		}
		return []ipvsCounter{
			c("in_packets", "in packets", func(s *status.IPVSStats) uint64 { return s.InPackets }),
			c("out_packets", "out packets", func(s *status.IPVSStats) uint64 { return s.OutPackets }),
			c("in_bytes", "in bytes", func(s *status.IPVSStats) uint64 { return s.InBytes }),
			c("out_bytes", "out bytes", func(s *status.IPVSStats) uint64 { return s.OutBytes }),
			c("conn", "connections", func(s *status.IPVSStats) uint64 { return s.Connections }),
		}
	}
	return &gen2brainCollector{
		vrrp: v,
		lvs:  l,
		vrrpC: []statCounter{
			c("keepalived_vrrp_advert_rcvd", "Advertisements received", func(s *vrrp.Stats) uint64 { return s.AdvertRcvd }),
			c("keepalived_vrrp_advert_sent", "Advertisements sent", func(s *vrrp.Stats) uint64 { return s.AdvertSent }),
			c("keepalived_vrrp_become_master", "Became master", func(s *vrrp.Stats) uint64 { return s.BecomeMaster }),
			c("keepalived_vrrp_release_master", "Released master", func(s *vrrp.Stats) uint64 { return s.ReleaseMaster }),
			c("keepalived_vrrp_packet_len_err", "Packet length errors", func(s *vrrp.Stats) uint64 { return s.PacketLenErr }),
			c("keepalived_vrrp_advert_interval_err", "Advertisement interval errors", func(s *vrrp.Stats) uint64 { return s.AdvertIntervalErr }),
			c("keepalived_vrrp_ip_ttl_err", "TTL errors", func(s *vrrp.Stats) uint64 { return s.IPTTLErr }),
			c("keepalived_vrrp_invalid_type_rcvd", "Invalid type errors", func(s *vrrp.Stats) uint64 { return s.InvalidTypeRcvd }),
			c("keepalived_vrrp_addr_list_err", "Address list errors", func(s *vrrp.Stats) uint64 { return s.AddrListErr }),
			c("keepalived_vrrp_invalid_authtype", "Authentication invalid", func(s *vrrp.Stats) uint64 { return s.InvalidAuthType }),
			c("keepalived_vrrp_authtype_mismatch", "Authentication mismatch", func(s *vrrp.Stats) uint64 { return s.AuthTypeMismatch }),
			c("keepalived_vrrp_auth_failure", "Authentication failure", func(s *vrrp.Stats) uint64 { return s.AuthFailure }),
			c("keepalived_vrrp_pri_zero_rcvd", "Priority zero received", func(s *vrrp.Stats) uint64 { return s.PriZeroRcvd }),
			c("keepalived_vrrp_pri_zero_sent", "Priority zero sent", func(s *vrrp.Stats) uint64 { return s.PriZeroSent }),
		},
		vipC: ipvsC("keepalived_lvs_vip_", "VIP", "addr", "proto"),
		rsC:  ipvsC("keepalived_lvs_rs_", "RS", "vip", "addr", "proto"),
	}
}

func (c *gen2brainCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.vrrpC {
		ch <- s.d.desc
	}
	for _, s := range append(append([]ipvsCounter(nil), c.vipC...), c.rsC...) {
		ch <- s.d.desc
	}
}

// protoNumbers are the IP protocol numbers gen2brain prints.
var protoNumbers = map[string]string{"tcp": "6", "udp": "17", "sctp": "132"}

// gen2brainAddr renders an address as gen2brain does: ip:port, IPv6
// without brackets.
func gen2brainAddr(ap netip.AddrPort) string {
	return ap.Addr().String() + ":" + strconv.Itoa(int(ap.Port()))
}

func (c *gen2brainCollector) Collect(ch chan<- prometheus.Metric) {
	for _, in := range status.Instances(c.vrrp) {
		vrid := strconv.Itoa(int(in.VRID))
		for _, s := range c.vrrpC {
			s.d.emit(ch, float64(s.get(&in.Stats)), in.Name, in.Interface, vrid, status.StateName(in.State))
		}
	}
	if c.lvs == nil {
		return
	}
	for _, vs := range c.lvs.VirtualServers() {
		ap, proto, ok := status.ParseID(vs.Health.ID)
		if !ok || vs.IPVS == nil || !vs.IPVS.StatsKnown {
			continue
		}
		vip, pnum := gen2brainAddr(ap), protoNumbers[proto]
		for _, s := range c.vipC {
			s.d.emit(ch, float64(s.get(&vs.IPVS.Stats)), vip, pnum)
		}
		for _, d := range vs.IPVS.Dests {
			rap, _, ok := status.ParseID(d.ID)
			if !ok {
				continue
			}
			for _, s := range c.rsC {
				s.d.emit(ch, float64(s.get(&d.Stats)), vip, gen2brainAddr(rap), pnum)
			}
		}
	}
}
