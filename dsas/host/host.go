// Package host turns the variables of a dsas.conf into the host it
// describes: name, bonds, VLANs, addresses, routes, swap and mounts. It
// validates everything, so that nothing is applied from a bad file.
package host

import (
	"net/netip"
	"strconv"

	"github.com/dsas/keepalived-go/dsas/conf"
)

// Bond modes, numbered as the kernel numbers them.
const (
	ModeBalanceRR    uint8 = 0
	ModeActiveBackup uint8 = 1
)

var modeNames = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

// ModeName returns the bonding driver's name for a mode.
func ModeName(m uint8) string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return strconv.Itoa(int(m))
}

// Bond is a bonding master and its options.
type Bond struct {
	Name    string
	Mode    uint8
	Primary string // empty: none
	Miimon  uint32
	// ArpInterval > 0 selects ARP monitoring instead of MII polling.
	ArpInterval uint32
	ArpTargets  []netip.Addr
	UpDelay     uint32
	DownDelay   uint32
	Slaves      []string
}

// Vlan is an 802.1Q link NAME on PARENT with tag ID.
type Vlan struct {
	Name   string
	Parent string
	ID     uint16
}

// Addr is an address with its prefix length, on Dev.
type Addr struct {
	Dev    string
	Prefix netip.Prefix
}

// Route is a unicast route in the main table.
type Route struct {
	Dst    netip.Prefix
	Gw     netip.Addr
	Dev    string // empty: the kernel picks it from Gw
	Metric uint32
}

// Mount is a block device to swap on or mount.
type Mount struct {
	Key    string // the dsas.conf key that named it
	Device string
	Dir    string // empty for swap
	Swap   bool
}

// Module is a kernel module to load and its parameters ("name=value").
type Module struct {
	Name   string
	Params []string
}

// Config is the desired state of the host.
type Config struct {
	Hostname string
	HWType   string
	Bonds    []Bond
	Vlans    []Vlan
	Addrs    []Addr
	Routes   []Route
	Mounts   []Mount
	// Modules are the MODULES entries that are not bonds: kernel modules
	// to load, with their parameters.
	Modules  []Module
	Warnings []conf.Diag
}

// Links returns the names of every link the configuration manages.
func (c *Config) Links() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, b := range c.Bonds {
		add(b.Name)
		for _, s := range b.Slaves {
			add(s)
		}
	}
	for _, v := range c.Vlans {
		add(v.Name)
	}
	for _, a := range c.Addrs {
		add(a.Dev)
	}
	return out
}

// NICs returns the links the configuration expects to find rather than
// create: bond slaves and the plain interfaces that carry addresses or
// VLANs. At boot they may still be appearing (drivers, udev renames).
func (c *Config) NICs() []string {
	made := map[string]bool{}
	for _, b := range c.Bonds {
		made[b.Name] = true
	}
	for _, v := range c.Vlans {
		made[v.Name] = true
	}
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !made[n] && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, b := range c.Bonds {
		for _, s := range b.Slaves {
			add(s)
		}
	}
	for _, v := range c.Vlans {
		add(v.Parent)
	}
	for _, a := range c.Addrs {
		add(a.Dev)
	}
	return out
}
