// Package bgpconf turns the bgp_speaker block into the bgp engine's
// sources: which prefixes each announce line stands for and under which
// health key the daemon reports the service.
package bgpconf

import (
	"fmt"
	"net/netip"

	"github.com/dsas/keepalived-go/bgp"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// VRRPKey is the health key of a vrrp_instance announced while it is not
// in FAULT (BACKUP or MASTER); VRRPMasterKey while it is MASTER.
func VRRPKey(name string) string       { return "vrrp " + name }
func VRRPMasterKey(name string) string { return "vrrp-master " + name }

// VirtualServerKey is the health key of a virtual server, by the checker's
// service ID (`[192.0.2.10]:tcp:80`), healthy while its quorum is up.
func VirtualServerKey(id string) string { return "vs " + id }

// ServiceID is the checker's ID of the virtual server ADDR PORT PROTO,
// as lvs names it.
func ServiceID(ap netip.AddrPort, proto string) string { return check.FormatService(ap, proto) }

// Health is the snapshot of every service an announce line can name: each
// VRRP instance (not FAULT; MASTER) and each virtual server's quorum.
func Health(instances []vrrp.InstanceStatus, services []check.ServiceStatus) bgp.Health {
	h := bgp.Health{}
	for _, in := range instances {
		h[VRRPKey(in.Name)] = in.State == vrrp.StateBackup || in.State == vrrp.StateMaster
		h[VRRPMasterKey(in.Name)] = in.State == vrrp.StateMaster
	}
	for _, vs := range services {
		h[VirtualServerKey(vs.ID)] = vs.QuorumUp
	}
	return h
}

// Sources returns one source per announce line of cfg.BGP; warnings name
// the lines that announce nothing (an unknown instance or virtual server),
// which are kept so that a later reload can fill them.
func Sources(cfg *config.Config) (src []bgp.Source, warnings []string) {
	if cfg == nil || cfg.BGP == nil {
		return nil, nil
	}
	for _, a := range cfg.BGP.Announce {
		switch a.Kind {
		case config.AnnounceVRRP:
			s, ok := vrrpSource(cfg, a)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("bgp_speaker: announce_vrrp_instance %s: no such vrrp_instance", a.Name))
			}
			src = append(src, s)
		case config.AnnounceVirtualServer:
			s, ok := vsSource(cfg, a)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("bgp_speaker: announce_virtual_server %s %s: no such virtual_server", a.Service, a.Protocol))
			}
			src = append(src, s)
		}
	}
	return src, warnings
}

func vrrpSource(cfg *config.Config, a config.BGPAnnounce) (bgp.Source, bool) {
	s := bgp.Source{Key: VRRPKey(a.Name)}
	if a.MasterOnly {
		s.Key = VRRPMasterKey(a.Name)
	}
	for _, in := range cfg.VRRP.Instances {
		if in.Name != a.Name {
			continue
		}
		for _, set := range [][]config.Address{in.VIPs, in.ExcludedVIPs} {
			for _, v := range set {
				s.Prefixes = append(s.Prefixes, host(v.Prefix.Addr()))
			}
		}
		return s, true
	}
	return s, false
}

func vsSource(cfg *config.Config, a config.BGPAnnounce) (bgp.Source, bool) {
	id := ServiceID(a.Service, a.Protocol)
	s := bgp.Source{Key: VirtualServerKey(id), Prefixes: []netip.Prefix{host(a.Service.Addr())}}
	for _, vs := range cfg.LVS.VirtualServers {
		if vs.Kind == config.VSAddress && vs.Addr == a.Service {
			return s, true
		}
	}
	return s, false
}

// host is the address as a host route (/32, /128): what is announced is
// the address itself, whatever prefix length it has on the interface.
func host(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen())
}
