package ifaddr

import (
	"fmt"
	"net"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Link is the state of an interface, as track_interface sees it.
type Link struct {
	Index int
	Name  string
	MAC   net.HardwareAddr
	// Up is IFF_UP: the interface is administratively up.
	Up bool
	// Running is IFF_RUNNING: the interface is operationally up (it has
	// carrier and its lower layers are up).
	Running bool
	// Deleted is set on the event that reports the interface's removal.
	Deleted bool
	// Flags are the kernel's ifi_flags (IFF_*), for keepalived's log
	// lines that print them.
	Flags uint32
	// MTU is IFLA_MTU (0 when the report has none).
	MTU int
}

// Usable reports what keepalived calls an interface being up: both
// administratively up and running.
func (l Link) Usable() bool { return l.Up && l.Running && !l.Deleted }

func linkOf(m *rtnetlink.LinkMessage) Link {
	l := Link{
		Index:   int(m.Index),
		Up:      m.Flags&unix.IFF_UP != 0,
		Running: m.Flags&unix.IFF_RUNNING != 0,
		Flags:   m.Flags,
	}
	if a := m.Attributes; a != nil {
		l.Name = a.Name
		l.MAC = a.Address
		l.MTU = int(a.MTU)
	}
	return l
}

// Link returns the current state of the interface named name.
func (c *Conn) Link(name string) (Link, error) {
	m, err := c.linkByName(name)
	if err != nil {
		return Link{}, err
	}
	return linkOf(m), nil
}

// LinkUp reports whether the interface named name is up and running.
func (c *Conn) LinkUp(name string) (bool, error) {
	l, err := c.Link(name)
	if err != nil {
		return false, err
	}
	return l.Usable(), nil
}

// SetLinkUp sets the interface named name administratively up or down.
func (c *Conn) SetLinkUp(name string, up bool) error {
	idx, err := c.Index(name)
	if err != nil {
		return err
	}
	m := &rtnetlink.LinkMessage{Index: uint32(idx), Change: unix.IFF_UP}
	if up {
		m.Flags = unix.IFF_UP
	}
	if err := c.rt.Link.Set(m); err != nil {
		return fmt.Errorf("ifaddr: set %s up=%v: %w", name, up, err)
	}
	return nil
}

// LinkWatcher delivers interface changes (RTMGRP_LINK): up/down, carrier,
// MAC, renames, creation and removal.
type LinkWatcher struct {
	c       *rtnetlink.Conn
	pending []Link
}

// WatchLinks subscribes to link events. cfg may be nil; cfg.NetNS selects
// another namespace. Read the initial state with Conn.Link after
// subscribing, so that no change falls between the two.
func WatchLinks(cfg *netlink.Config) (*LinkWatcher, error) {
	var c netlink.Config
	if cfg != nil {
		c = *cfg
	}
	c.Groups |= unix.RTMGRP_LINK
	rt, err := rtnetlink.Dial(&c)
	if err != nil {
		return nil, fmt.Errorf("ifaddr: subscribe to link events: %w", err)
	}
	return &LinkWatcher{c: rt}, nil
}

// Next blocks until the next link event. The kernel may send several
// events for one change, and events for links that did not change (a
// bridge port, say); callers compare with what they knew. After an ENOBUFS
// error (the socket overflowed) the caller must re-read the links it
// tracks.
func (w *LinkWatcher) Next() (Link, error) {
	for len(w.pending) == 0 {
		msgs, nlmsgs, err := w.c.Receive()
		if err != nil {
			return Link{}, fmt.Errorf("ifaddr: receive link event: %w", err)
		}
		for i, m := range msgs {
			lm, ok := m.(*rtnetlink.LinkMessage)
			if !ok {
				continue
			}
			l := linkOf(lm)
			l.Deleted = nlmsgs[i].Header.Type == unix.RTM_DELLINK
			w.pending = append(w.pending, l)
		}
	}
	l := w.pending[0]
	w.pending = w.pending[1:]
	return l, nil
}

// Close stops the subscription; a blocked Next returns an error.
func (w *LinkWatcher) Close() error { return w.c.Close() }
