package statefile

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/vrrp"
)

// Iface is one interface of the namespace, as the data file's Interfaces
// section shows it.
type Iface struct {
	Index     int
	Name      string
	Flags     uint32 // IFF_* bits
	MTU       int
	MAC       net.HardwareAddr
	Broadcast net.HardwareAddr
	HWType    int // ARPHRD_*
	IPv4      []netip.Addr
	IPv6      netip.Addr // the link-local address keepalived sends from
}

// IFF_* and ARPHRD_* values the section prints.
const (
	iffUp          = 0x1
	iffBroadcast   = 0x2
	iffLoopback    = 0x8
	iffPointToPt   = 0x10
	iffRunning     = 0x40
	iffNoARP       = 0x80
	iffMulticast   = 0x1000
	arphrdEther    = 1
	arphrdLoopback = 772
)

// HostInterfaces lists the interfaces of the current network namespace in
// index order, as keepalived's interface queue holds them.
func HostInterfaces() []Iface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]Iface, 0, len(ifs))
	for _, ni := range ifs {
		f := Iface{Index: ni.Index, Name: ni.Name, MTU: ni.MTU, MAC: ni.HardwareAddr, Flags: goFlags(ni.Flags)}
		// sysfs has what net.Interface lacks (NOARP, the link type and
		// broadcast address); it is the namespace's own after ip netns
		// exec, which is how keepalived-go enters one.
		sys := "/sys/class/net/" + ni.Name + "/"
		if v, ok := sysNum(sys+"flags", 16); ok {
			// sysfs holds the configured flags; RUNNING (carrier) is
			// only in the netlink view.
			f.Flags = uint32(v) | f.Flags&iffRunning
		}
		f.HWType = arphrdEther
		if ni.Flags&net.FlagLoopback != 0 {
			f.HWType = arphrdLoopback
		}
		if v, ok := sysNum(sys+"type", 10); ok {
			f.HWType = int(v)
		}
		if len(f.MAC) > 0 {
			f.Broadcast = f.MAC
			if bc, err := os.ReadFile(sys + "broadcast"); err == nil {
				if hw, err := net.ParseMAC(strings.TrimSpace(string(bc))); err == nil {
					f.Broadcast = hw
				}
			}
		}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := pfx.Addr()
			switch {
			case ip.Is4():
				f.IPv4 = append(f.IPv4, ip)
			case ip.IsLinkLocalUnicast() && !f.IPv6.IsValid():
				f.IPv6 = ip
			}
		}
		out = append(out, f)
	}
	return out
}

func goFlags(fl net.Flags) uint32 {
	var f uint32
	for _, m := range []struct {
		g net.Flags
		k uint32
	}{{net.FlagUp, iffUp}, {net.FlagBroadcast, iffBroadcast}, {net.FlagLoopback, iffLoopback},
		{net.FlagPointToPoint, iffPointToPt}, {net.FlagRunning, iffRunning}, {net.FlagMulticast, iffMulticast}} {
		if fl&m.g != 0 {
			f |= m.k
		}
	}
	return f
}

func sysNum(path string, base int) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"), base, 32)
	return v, err == nil
}

// dumpInterfaces is keepalived's dump_interface_queue. Addresses
// keepalived added itself (the VIPs) are not the interface's own, so they
// are left out of its address lines as keepalived leaves them out.
func dumpInterfaces(p func(string, ...any), ifs []Iface, cfg vrrp.Config) {
	if len(ifs) == 0 {
		return
	}
	vips := map[netip.Addr]bool{}
	for _, ic := range cfg.Instances {
		for _, l := range [][]vrrp.Address{ic.VIPs, ic.ExcludedVIPs} {
			for _, v := range l {
				vips[v.Prefix.Addr()] = true
			}
		}
	}
	p("------< Interfaces >------")
	for _, f := range ifs {
		p(" Name = %s", f.Name)
		p("   index = %d", f.Index)
		var own []netip.Addr
		for _, a := range f.IPv4 {
			if !vips[a] {
				own = append(own, a)
			}
		}
		p("   IPv4 address = %s", addrOrNone(own))
		if len(own) > 1 {
			p("   Additional IPv4 addresses :")
			for _, a := range own[1:] {
				p("     %s", a)
			}
		}
		if f.IPv6.IsValid() {
			p("   IPv6 address = %s", f.IPv6)
		} else {
			p("   IPv6 address = (none)")
		}
		if len(f.MAC) > 0 {
			p("   MAC = %s", f.MAC)
			p("   MAC broadcast = %s", f.Broadcast)
		}
		p("   State = %s", ifState(f.Flags))
		p("   Seen up = %d", b2i(f.Flags&iffUp != 0 && f.Flags&iffRunning != 0))
		p("   Delayed state change running = false")
		p("   Up debounce timer = 0us")
		p("   Down debounce timer = 0us")
		p("   MTU = %d", f.MTU)
		switch f.HWType {
		case arphrdLoopback:
			p("   HW Type = LOOPBACK")
		case arphrdEther:
			p("   HW Type = ETHERNET")
		default:
			p("   HW Type = UNKNOWN (%d)", f.HWType)
		}
		p("   NIC netlink status update")
		p("   Reset ARP config counter 0")
		p("   Original arp_ignore 0")
		p("   Original arp_filter 0")
		p("   Original promote_secondaries 0")
		p("   Reset promote_secondaries counter %d", promoteCount(f.Name, cfg))
		dumpTracking(p, f.Name, cfg)
	}
}

// promoteCount is keepalived's reset_promote_secondaries: how many
// instances on the interface asked for promote_secondaries.
func promoteCount(ifname string, cfg vrrp.Config) int {
	n := 0
	for _, in := range cfg.Instances {
		if in.PromoteSecondaries && in.Interface == ifname {
			n++
		}
	}
	return n
}

// dumpTracking lists the instances using or tracking the interface: each
// instance on it (weight 0, 255 with dont_track_primary), then track_interface entries.
func dumpTracking(p func(string, ...any), name string, cfg vrrp.Config) {
	var lines []string
	for _, ic := range cfg.Instances {
		if ic.Interface == name {
			// keepalived's VRRP_NOT_TRACK_IF (255) for dont_track_primary.
			w := 0
			if ic.DontTrackPrimary {
				w = 255
			}
			lines = append(lines, fmt.Sprintf("     %s, weight %d", ic.Name, w))
		}
		for _, t := range ic.TrackInterfaces {
			if t.Name == name && ic.Interface != name {
				lines = append(lines, fmt.Sprintf("     %s, weight %d%s", ic.Name, t.Weight, reverse(t.Reverse)))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	p("   Tracking VRRP instances :")
	for _, l := range lines {
		p("%s", l)
	}
}

func addrOrNone(a []netip.Addr) string {
	if len(a) == 0 {
		return "(none)"
	}
	return a[0].String()
}

func ifState(fl uint32) string {
	not := func(b bool) string {
		if b {
			return ""
		}
		return "not "
	}
	s := not(fl&iffUp != 0) + "UP, " + not(fl&iffRunning != 0) + "RUNNING"
	for _, c := range []struct {
		on   bool
		word string
	}{
		{fl&iffBroadcast == 0, ", no broadcast"},
		{fl&iffLoopback != 0, ", loopback"},
		{fl&iffPointToPt != 0, ", point to point"},
		{fl&iffNoARP != 0, ", no arp"},
		{fl&iffMulticast == 0, ", no multicast"},
	} {
		if c.on {
			s += c.word
		}
	}
	return s
}

// sockKey is what keepalived's socket pool shares a socket by.
type sockKey struct {
	iface   string
	ipv6    bool
	ah      bool
	unicast netip.Addr
}

// dumpSockpool is keepalived's dump_sock_pool: one entry per socket pair,
// in the order the instances open them. keepalived-go's descriptors are
// not keepalived's, so the fd lines print -1 (see docs/compat.md).
func dumpSockpool(p func(string, ...any), cfg vrrp.Config) {
	var keys []sockKey
	members := map[sockKey][]string{}
	for _, ic := range cfg.Instances {
		k := sockKey{iface: ic.Interface, ipv6: ic.IPv6, ah: ic.AuthType == 2}
		if len(ic.UnicastPeers) > 0 {
			k.unicast = ic.SrcIP
		}
		if _, ok := members[k]; !ok {
			keys = append(keys, k)
		}
		members[k] = append(members[k], fmt.Sprintf("     %s vrid %d", ic.Name, ic.VRID))
	}
	if len(keys) == 0 {
		return
	}
	p("------< VRRP Sockpool >------")
	for _, k := range keys {
		p(" fd_in -1 fd_out = -1")
		p("   Interface = %s", k.iface)
		p("   Family = %s", map[bool]string{false: "IPv4", true: "IPv6"}[k.ipv6])
		p("   Protocol = %s", map[bool]string{false: "VRRP", true: "AH"}[k.ah])
		if k.unicast.IsValid() {
			p("   Type = Unicast")
			p("   Address = %s", k.unicast)
		} else {
			p("   Type = Multicast")
		}
		p("   Rx buf size = 0")
		p("   VRRP instances")
		for _, l := range members[k] {
			p("%s", l)
		}
	}
}
