package probe

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls of the stepped checks, made without telling the runtime
// (RawSyscall): on a non-blocking socket they never block, and the
// runtime's bookkeeping for a call that might (entersyscall) wakes its
// monitor thread whenever the process was idle, which then polls every
// 20 us for a while: about one extra sleep and wake-up per check.

func rawErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func rawWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), rawErr(e)
}

func rawRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), rawErr(e)
}

func rawClose(fd int) {
	_, _, _ = unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// rawSocketError is getsockopt(SO_ERROR).
func rawSocketError(fd int) (int, error) {
	var v int32
	l := uint32(4)
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)), 0)
	return int(v), rawErr(e)
}

// rawConnect connects to an IPv4 or IPv6 address (other kinds go through
// unix.Connect).
func rawConnect(fd int, sa unix.Sockaddr) error {
	var p unsafe.Pointer
	var n uintptr
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		r := &unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.Addr}
		pp := (*[2]byte)(unsafe.Pointer(&r.Port))
		pp[0], pp[1] = byte(a.Port>>8), byte(a.Port)
		p, n = unsafe.Pointer(r), unsafe.Sizeof(*r)
	case *unix.SockaddrInet6:
		r := &unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.Addr, Scope_id: a.ZoneId}
		pp := (*[2]byte)(unsafe.Pointer(&r.Port))
		pp[0], pp[1] = byte(a.Port>>8), byte(a.Port)
		p, n = unsafe.Pointer(r), unsafe.Sizeof(*r)
	default:
		return unix.Connect(fd, sa)
	}
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(p), n)
	return rawErr(e)
}

// EpollWaitNow returns the ready events of ep without waiting.
func EpollWaitNow(ep int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	return int(n), rawErr(e)
}

// ReadNow reads from a non-blocking descriptor without telling the runtime.
func ReadNow(fd int, p []byte) (int, error) { return rawRead(fd, p) }
