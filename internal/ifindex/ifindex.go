// Package ifindex looks an interface up by name with one SIOCGIFINDEX
// ioctl. net.InterfaceByName dumps every link of the namespace for each
// call, which made start-up quadratic with many VMACs (2 000 VMAC
// instances going MASTER cost 2 000 dumps of 2 000 links, 70 s of CPU;
// corpus 072). It imports nothing of this repository, so the socket
// adapters (vrrpsock, announce) can share it.
package ifindex

import (
	"net"

	"golang.org/x/sys/unix"
)

// ByName is net.InterfaceByName for what a socket needs: the index and
// the name. A failed ioctl falls back to the standard library for its
// error.
func ByName(name string) (*net.Interface, error) {
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

// MTU is the interface's MTU, by one SIOCGIFMTU ioctl rather than
// net.InterfaceByName's dump of every link.
func MTU(name string) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFMTU, ifr); err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}
