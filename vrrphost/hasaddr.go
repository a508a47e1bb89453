package vrrphost

import (
	"net"
	"net/netip"
)

// HostAddresses returns a test for the host's interface addresses, read
// once; when they cannot be read every address counts as present (FAULT
// is not to be entered on a guess).
func HostAddresses() func(netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return func(netip.Addr) bool { return true }
	}
	have := make(map[netip.Addr]bool, len(addrs))
	for _, x := range addrs {
		if n, ok := x.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok {
				have[b.Unmap()] = true
			}
		}
	}
	return func(a netip.Addr) bool { return have[a] }
}
