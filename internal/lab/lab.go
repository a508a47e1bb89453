// Package lab builds a small VRRP test network out of network namespaces:
// one switch namespace holding a bridge, and N host namespaces each plugged
// into the bridge with one veth. It follows the layout of the shared
// netlab (kl-br0) but with names unique to the test process, so labs of
// concurrent tests never meet.
//
// The hosts only have connected routes for the lab prefixes, so nothing a
// test sends can leave the lab.
package lab

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// Link is the name of the lab interface inside every host namespace.
const Link = "lab0"

// Addressing of host i (1-based): 10.213.0.(10+i)/24, fd0b:213::(10+i)/64,
// MAC 02:6b:67:00:00:i. The prefixes are inside the lab namespaces only;
// they are picked to be unlikely to collide with anything a reader of a
// capture might confuse them with (the shared netlab uses 10.77.0.0/24).
var (
	PrefixIPv4 = netip.MustParsePrefix("10.213.0.0/24")
	PrefixIPv6 = netip.MustParsePrefix("fd0b:213::/64")
)

// Lab is a switch and its hosts.
type Lab struct {
	Switch *netns.NS
	Bridge string
	Hosts  []*Host
}

// Host is one lab machine.
type Host struct {
	N         int // 1-based
	NS        *netns.NS
	Link      string // interface name inside NS
	Port      string // its bridge port in the switch namespace
	MAC       net.HardwareAddr
	IPv4      netip.Prefix
	IPv6      netip.Prefix
	LinkLocal netip.Addr
	sw        *netns.NS
}

// New builds a lab with n hosts (1..200) and registers its teardown with
// t.Cleanup. It skips t when not root. IPv6 DAD is turned off on the lab
// links so that addresses, including the link-local one, are usable at
// once.
func New(t testing.TB, n int) *Lab {
	t.Helper()
	if n < 1 || n > 200 {
		t.Fatalf("lab: %d hosts; want 1..200", n)
	}
	sw := netns.New(t, "klg")
	l := &Lab{Switch: sw, Bridge: "br0"}
	// The switch must stay silent: no IPv6 on the bridge, no STP, no
	// forwarding delay, and no multicast snooping (which would need an
	// IGMP/MLD querier before 224.0.0.18 / ff02::12 are flooded).
	sw.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	sw.MustRun(t, "ip", "link", "add", l.Bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")
	sw.MustRun(t, "ip", "link", "set", l.Bridge, "up")
	for i := 1; i <= n; i++ {
		h := &Host{
			N:    i,
			NS:   netns.New(t, "klg"),
			Link: Link,
			Port: fmt.Sprintf("p%d", i),
			MAC:  net.HardwareAddr{0x02, 0x6b, 0x67, 0, byte(i >> 8), byte(i)},
			IPv4: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 213, 0, byte(10 + i)}), 24),
			sw:   sw,
		}
		v6 := PrefixIPv6.Addr().As16()
		v6[15] = byte(10 + i)
		h.IPv6 = netip.PrefixFrom(netip.AddrFrom16(v6), 64)
		h.LinkLocal = LinkLocal(h.MAC)
		l.plug(t, h)
		l.Hosts = append(l.Hosts, h)
	}
	return l
}

// plug makes the host's link and its bridge port and configures them.
func (l *Lab) plug(t testing.TB, h *Host) {
	t.Helper()
	netns.Veth(t, l.Switch, h.Port, h.NS, h.Link)
	l.Switch.MustRun(t, "ip", "link", "set", h.Port, "master", l.Bridge, "up")
	h.NS.MustRun(t, "sysctl", "-qw", "net.ipv6.conf."+h.Link+".accept_dad=0")
	h.NS.MustRun(t, "ip", "link", "set", h.Link, "address", h.MAC.String())
	h.NS.MustRun(t, "ip", "addr", "add", h.IPv4.String(), "dev", h.Link)
	h.NS.MustRun(t, "ip", "-6", "addr", "add", h.IPv6.String(), "dev", h.Link, "nodad")
	h.NS.MustRun(t, "ip", "link", "set", h.Link, "up")
}

// Replug deletes the host's link and creates it again under the same name,
// as a driver reload or a rebuilt VLAN does: a new interface index, the
// same MAC and addresses.
func (l *Lab) Replug(t testing.TB, h *Host) {
	t.Helper()
	h.NS.MustRun(t, "ip", "link", "del", h.Link)
	l.plug(t, h)
}

// Host returns host i (1-based), as in the shared netlab's kl-hN.
func (l *Lab) Host(i int) *Host { return l.Hosts[i-1] }

// LinkLocal returns the EUI-64 link-local address the kernel derives from
// mac.
func LinkLocal(mac net.HardwareAddr) netip.Addr {
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	a[8], a[9], a[10] = mac[0]^0x02, mac[1], mac[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(a)
}

// Do runs f inside the host's namespace (see netns.NS.Do).
func (h *Host) Do(f func() error) error { return h.NS.Do(f) }

// Run runs a command inside the host's namespace.
func (h *Host) Run(argv ...string) (string, error) {
	out, err := h.NS.Run(argv...)
	return string(out), err
}

// Start starts a process inside the host's namespace; t's cleanup kills it.
// Stop it earlier with Proc.Signal (syscall.SIGKILL for a crash,
// syscall.SIGTERM for a graceful stop).
func (h *Host) Start(t testing.TB, argv ...string) *netns.Proc {
	t.Helper()
	return h.NS.Start(t, argv...)
}

// Cut takes the host's bridge port down, like pulling its cable: the host
// sees NO-CARRIER on its link.
func (h *Host) Cut() error {
	_, err := h.sw.Run("ip", "link", "set", h.Port, "down")
	return err
}

// Heal undoes Cut.
func (h *Host) Heal() error {
	_, err := h.sw.Run("ip", "link", "set", h.Port, "up")
	return err
}

// Ping sends one echo request to addr and waits up to timeout for the
// reply.
func (h *Host) Ping(addr netip.Addr, timeout time.Duration) error {
	w := int(timeout / time.Second)
	if w < 1 {
		w = 1
	}
	_, err := h.Run("ping", "-n", "-q", "-c", "1", "-W", fmt.Sprint(w), addr.String())
	return err
}

// Neighbour returns the link-layer address the host's neighbour table has
// for addr (as learnt from ARP/ND, a gratuitous ARP or an unsolicited NA),
// or nil if there is no usable entry.
func (h *Host) Neighbour(addr netip.Addr) (net.HardwareAddr, error) {
	out, err := h.Run("ip", "-j", "neigh", "show", "to", addr.String(), "dev", h.Link)
	if err != nil {
		return nil, err
	}
	var ns []struct {
		LLAddr string   `json:"lladdr"`
		State  []string `json:"state"`
	}
	if err := json.Unmarshal([]byte(out), &ns); err != nil {
		return nil, fmt.Errorf("lab: ip -j neigh: %w", err)
	}
	for _, n := range ns {
		if n.LLAddr == "" || strings.Contains(strings.Join(n.State, ","), "FAILED") {
			continue
		}
		return net.ParseMAC(n.LLAddr)
	}
	return nil, nil
}

// Arping sends one ARP request for addr from the host and returns the MAC
// that answered. It runs the arping installed (iputils or Habets').
func (h *Host) Arping(addr netip.Addr) (net.HardwareAddr, error) {
	out, err := h.Run("arping", "-c", "1", "-w", "1", "-I", h.Link, addr.String())
	if err != nil {
		return nil, err
	}
	// The first MAC in the output is the answer's: "Unicast reply from
	// 10.213.0.100 [02:6B:67:00:00:01]" or "42 bytes from 02:6b:67:00:00:01
	// (10.213.0.100)".
	if m := macRE.FindString(out); m != "" {
		return net.ParseMAC(m)
	}
	return nil, fmt.Errorf("lab: arping %s: no reply in %q", addr, out)
}

var macRE = regexp.MustCompile(`([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}`)
