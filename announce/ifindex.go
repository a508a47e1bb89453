package announce

import (
	"net"

	"golang.org/x/sys/unix"
)

// interfaceByName is net.InterfaceByName for what a packet socket needs
// (the index) without its cost: the standard library dumps every link of
// the namespace for each call, and a master opens its sockets on each of
// its interfaces, so 2 000 VMAC instances going MASTER cost 2 000 dumps of
// 2 000 links (70 s of CPU, corpus 072). A failed ioctl falls back to the
// standard library for its error. (vrrpsock has the same helper; adapters
// share no package.)
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
