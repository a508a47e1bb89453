package apply

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Prober asks the kernel whether it can create a link kind, without
// creating one. It speaks raw netlink so that unit tests can fake the
// kernel's answer with nltest.
type Prober struct {
	c *netlink.Conn
	// ProcNet is where a loaded driver shows itself (bonding, vlan);
	// when that exists no probe is sent. Empty: always probe.
	ProcNet string
}

// NewProber wraps a NETLINK_ROUTE connection.
func NewProber(c *netlink.Conn) *Prober { return &Prober{c: c} }

var procEntry = map[string]string{"bond": "bonding", "vlan": "vlan"}

// Supported reports whether links of kind ("bond" or "vlan") can be made.
// The request is deliberately invalid: a bond with mode 255, a VLAN without
// an id. A kernel that has the driver rejects it with EINVAL before creating
// anything; one without it answers EOPNOTSUPP once module autoloading fails.
//
// A loaded driver creates its /proc/net entry in every namespace, so the
// probe, which leaves a line in the kernel log, only runs when the driver
// is not loaded yet and may still be autoloaded.
func (p *Prober) Supported(kind string) (bool, error) {
	if p.ProcNet != "" {
		if _, err := os.Stat(filepath.Join(p.ProcNet, procEntry[kind])); err == nil {
			return true, nil
		}
	}
	name := fmt.Sprintf("dsasprobe%d", os.Getpid()%100000)
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, name)
	ae.Nested(unix.IFLA_LINKINFO, func(nae *netlink.AttributeEncoder) error {
		nae.String(unix.IFLA_INFO_KIND, kind)
		if kind == "bond" {
			nae.Nested(unix.IFLA_INFO_DATA, func(dae *netlink.AttributeEncoder) error {
				dae.Uint8(unix.IFLA_BOND_MODE, 0xff)
				return nil
			})
		}
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return false, err
	}
	ifinfo := make([]byte, unix.SizeofIfInfomsg) // AF_UNSPEC, all zero
	_, err = p.c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_NEWLINK, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
		Data:   append(ifinfo, attrs...),
	})
	switch {
	case errors.Is(err, unix.EOPNOTSUPP):
		return false, nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ERANGE):
		return true, nil
	case err == nil:
		// A kernel that accepted the bogus request made a link: remove it.
		p.deleteByName(name)
		return true, nil
	}
	return false, fmt.Errorf("probe %s support: %w", kind, err)
}

func (p *Prober) deleteByName(name string) {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, name)
	attrs, _ := ae.Encode()
	_, _ = p.c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_DELLINK, Flags: netlink.Request | netlink.Acknowledge},
		Data:   append(make([]byte, unix.SizeofIfInfomsg), attrs...),
	})
}
