// Package netnstest makes throwaway network namespaces for tests, so that
// nothing a test does can reach the machine's own links.
package netnstest

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// New returns an open fd of a fresh, anonymous network namespace; it is
// gone once the fd is closed at the end of the test. Tests skip when the
// process may not create namespaces.
func New(t testing.TB) int {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result)
	go func() {
		// The thread is never unlocked: it dies with the goroutine, so its
		// changed namespace never serves other goroutines.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{-1, fmt.Errorf("unshare: %w", err)}
			return
		}
		fd, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		ch <- result{fd, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Skipf("cannot create a network namespace: %v", r.err)
	}
	t.Cleanup(func() { unix.Close(r.fd) })
	return r.fd
}

// Dial opens rtnetlink in the namespace.
func Dial(t testing.TB, fd int) *rtnetlink.Conn {
	t.Helper()
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Veth creates the pair name/peer; peerNS, when not 0, is where peer goes.
func Veth(t testing.TB, c *rtnetlink.Conn, name, peer string, peerNS int) {
	t.Helper()
	pm := &rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Attributes: &rtnetlink.LinkAttributes{Name: peer}}
	if peerNS != 0 {
		pm.Attributes.NetNS = rtnetlink.NetNSForFD(uint32(peerNS))
	}
	err := c.Link.New(&rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC,
		Attributes: &rtnetlink.LinkAttributes{Name: name, Info: &rtnetlink.LinkInfo{
			Kind: "veth", Data: &driver.Veth{PeerInfo: pm}}},
	})
	if err != nil {
		t.Fatalf("create veth %s/%s: %v", name, peer, err)
	}
}
