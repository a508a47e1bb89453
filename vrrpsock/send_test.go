package vrrpsock

import (
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The send socket carries the options of the receiving socket that shape
// a sent packet, so moving sends to it changes nothing on the wire.
func TestSendSocketOptions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raw sockets need root")
	}
	for _, c := range []struct {
		network string
		opts    [][2]int // level, option
	}{
		{"ip4", [][2]int{
			{unix.IPPROTO_IP, unix.IP_TTL}, {unix.IPPROTO_IP, unix.IP_MULTICAST_TTL},
			{unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP}, {unix.IPPROTO_IP, unix.IP_TOS},
			{unix.IPPROTO_IP, unix.IP_MTU_DISCOVER}, {unix.IPPROTO_IP, unix.IP_MULTICAST_ALL},
		}},
		{"ip6", [][2]int{
			{unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS}, {unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS},
			{unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP}, {unix.IPPROTO_IPV6, unix.IPV6_TCLASS},
			{unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM}, {unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF},
			{unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL},
		}},
	} {
		t.Run(c.network, func(t *testing.T) {
			conn, err := Listen(c.network, "lo", &Config{NoJoin: true, UnicastTTL: 64})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			rc, err := conn.c.(syscall.Conn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range c.opts {
				var want int
				var werr error
				if err := rc.Control(func(fd uintptr) { want, werr = unix.GetsockoptInt(int(fd), o[0], o[1]) }); err != nil {
					t.Fatal(err)
				}
				got, gerr := unix.GetsockoptInt(conn.tx.fd, o[0], o[1])
				if werr != nil || gerr != nil || got != want {
					t.Errorf("option %d/%d: send socket %d (%v), receiving socket %d (%v)", o[0], o[1], got, gerr, want, werr)
				}
			}
			dev, err := unix.GetsockoptString(conn.tx.fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE)
			if err != nil || dev != "lo" {
				t.Errorf("send socket bound to %q (%v), want lo", dev, err)
			}
		})
	}
}

// TestRcvBuf: Config.RcvBuf sets the receiving socket's SO_RCVBUF
// (keepalived's kernel_rx_buf_size; the kernel doubles what it is given).
func TestRcvBuf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raw sockets need root")
	}
	conn, err := Listen("ip4", "lo", &Config{NoJoin: true, RcvBuf: 100000})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rc, err := conn.c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	if err := rc.Control(func(fd uintptr) { got, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF) }); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	if got != 200000 {
		t.Errorf("SO_RCVBUF %d, want 200000", got)
	}
}
