package netns

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

// The unnamed namespaces below (once dsas/internal/netnstest) are for
// tests that drive rtnetlink themselves: nothing is mounted under
// /run/netns, and the namespace is gone with its fd.

// Anonymous returns an open fd of a fresh, unnamed network namespace; it is
// gone once the fd is closed at the end of the test. Tests skip when the
// process may not create namespaces.
func Anonymous(t testing.TB) int {
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

// DialFD opens rtnetlink in the namespace of fd (from Anonymous).
func DialFD(t testing.TB, fd int) *rtnetlink.Conn {
	t.Helper()
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// VethFD creates the pair name/peer over c; peerNS, when not 0, is the
// fd of the namespace peer goes to.
func VethFD(t testing.TB, c *rtnetlink.Conn, name, peer string, peerNS int) {
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
