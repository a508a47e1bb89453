package vrrpsock

import (
	"net"

	"golang.org/x/sys/unix"
)

// interfaceByName is net.InterfaceByName for what the sockets need (index
// and name) without its cost: the standard library dumps every link of
// the namespace for each call, which made starting 512 instances over a
// few hundred VMACs quadratic (seconds of start-up). A failed ioctl falls
// back to the standard library for its error.
func interfaceByName(name string) (*net.Interface, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return net.InterfaceByName(name)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return net.InterfaceByName(name)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return net.InterfaceByName(name)
	}
	return &net.Interface{Index: int(ifr.Uint32()), Name: name}, nil
}
