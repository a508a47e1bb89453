package vrrphost

import (
	"net"
	"net/netip"
)

// HasAddress reports whether a is an address of one of the host's
// interfaces (an error reading them counts as yes: FAULT is not to be
// entered on a guess).
func HasAddress(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	for _, x := range addrs {
		if n, ok := x.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}
