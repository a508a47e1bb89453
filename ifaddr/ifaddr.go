// Package ifaddr configures what a VRRP master owns on its interfaces —
// addresses, routes and policy rules — and reports link state, over
// rtnetlink.
//
// Every change is idempotent as keepalived's are: adding what already
// exists and deleting what is already gone are not errors, so the engine
// can replay its desired state after a restart or a link flap.
package ifaddr

import (
	"errors"
	"fmt"
	"net"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Conn is a route netlink connection. Its methods are safe for concurrent
// use (netlink requests are serialised by the underlying connections).
type Conn struct {
	rt *rtnetlink.Conn
	// nl carries the messages rtnetlink cannot encode (addresses with
	// IFA_CACHEINFO for preferred_lft).
	nl *netlink.Conn
	// ioctl is a datagram socket (+1; 0: none) in the connection's
	// namespace for SIOCGIFINDEX: a VIP's interface index is asked for
	// at each address change, and an RTM_GETLINK round trip answers with
	// the whole link and its statistics (a third of a 1 000-instance
	// takeover's CPU). Only when the connection is in the calling
	// thread's namespace (no cfg.NetNS).
	ioctl int
}

// Dial opens a connection. cfg may be nil; cfg.NetNS selects another
// network namespace (a file descriptor of /run/netns/NAME), otherwise the
// calling thread's namespace is used.
func Dial(cfg *netlink.Config) (*Conn, error) {
	rt, err := rtnetlink.Dial(cfg)
	if err != nil {
		return nil, fmt.Errorf("ifaddr: dial rtnetlink: %w", err)
	}
	nl, err := netlink.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("ifaddr: dial rtnetlink: %w", err)
	}
	// Extended acks give the kernel's reason ("Nexthop has invalid
	// gateway") in errors; not every kernel has them, hence no check.
	_ = nl.SetOption(netlink.ExtendedAcknowledge, true)
	_ = rt.SetOption(netlink.ExtendedAcknowledge, true)
	c := &Conn{rt: rt, nl: nl}
	if cfg == nil || cfg.NetNS == 0 {
		if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err == nil {
			c.ioctl = fd + 1
		}
	}
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error {
	var err error
	if c.ioctl > 0 {
		err = unix.Close(c.ioctl - 1)
		c.ioctl = 0
	}
	return errors.Join(c.rt.Close(), c.nl.Close(), err)
}

// Index resolves an interface name to its index in the connection's
// namespace.
func (c *Conn) Index(name string) (int, error) {
	if c.ioctl > 0 && name != "" {
		if ifr, err := unix.NewIfreq(name); err == nil {
			err = unix.IoctlIfreq(c.ioctl-1, unix.SIOCGIFINDEX, ifr)
			if err == nil {
				return int(ifr.Uint32()), nil
			}
			if errors.Is(err, unix.ENODEV) {
				return 0, fmt.Errorf("ifaddr: interface %s: %w", name, errNoSuchInterface)
			}
		}
	}
	l, err := c.linkByName(name)
	if err != nil {
		return 0, err
	}
	return int(l.Index), nil
}

func (c *Conn) linkByName(name string) (*rtnetlink.LinkMessage, error) {
	if name == "" {
		return nil, fmt.Errorf("ifaddr: empty interface name")
	}
	msgs, err := c.rt.Execute(&rtnetlink.LinkMessage{
		Attributes: &rtnetlink.LinkAttributes{Name: name},
	}, unix.RTM_GETLINK, netlink.Request)
	if err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil, fmt.Errorf("ifaddr: interface %s: %w", name, errNoSuchInterface)
		}
		return nil, fmt.Errorf("ifaddr: interface %s: %w", name, err)
	}
	for _, m := range msgs {
		if l, ok := m.(*rtnetlink.LinkMessage); ok {
			return l, nil
		}
	}
	return nil, fmt.Errorf("ifaddr: interface %s: %w", name, errNoSuchInterface)
}

// errNoSuchInterface matches net's error text, and errors.Is(err,
// unix.ENODEV) holds for it.
var errNoSuchInterface = fmt.Errorf("%w (%w)", errors.New("no such network interface"), unix.ENODEV)

// ignore reports whether err only says that the change is already in
// effect.
func ignore(err error, codes ...unix.Errno) bool {
	for _, c := range codes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// Scope is a route or address scope (rtm_scope / ifa_scope).
type Scope uint8

// Scopes, with their iproute2 names.
const (
	ScopeUniverse Scope = unix.RT_SCOPE_UNIVERSE // "global"
	ScopeSite     Scope = unix.RT_SCOPE_SITE     // "site"
	ScopeLink     Scope = unix.RT_SCOPE_LINK     // "link"
	ScopeHost     Scope = unix.RT_SCOPE_HOST     // "host"
	ScopeNowhere  Scope = unix.RT_SCOPE_NOWHERE  // "nowhere"
)

func ipOf(ip interface{ AsSlice() []byte }) net.IP { return net.IP(ip.AsSlice()) }
