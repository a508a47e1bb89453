package vrrplab

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/dsas/keepalived-go/internal/lab"
)

// Config is a keepalived.conf for one lab router, rendered by Render. The
// same text is fed to keepalived-go and to keepalived, so that both daemons
// are compared on exactly one configuration.
type Config struct {
	RouterID string
	Version  int      // vrrp_version in global_defs; 0 leaves keepalived's default (2)
	Globals  []string // extra lines inside global_defs
	// Preamble is raw text placed before the instances: vrrp_script and
	// vrrp_sync_group blocks.
	Preamble  string
	Instances []Instance
	// NoNotifyScript leaves out the per-instance notify script (the
	// notify FIFO stays), for large configurations where forking a script
	// per transition would dominate what is measured.
	NoNotifyScript bool
}

// Instance is one vrrp_instance on the lab link.
type Instance struct {
	Name      string // VI_<VRID> when empty
	VRID      int
	Interface string // lab.Link when empty
	Priority  int
	State     string // MASTER or BACKUP (BACKUP when empty)
	AdvertInt string // "1", "0.1"; "1" when empty
	VIPs      []netip.Prefix
	// UnicastSrc and Peers switch the instance to unicast adverts.
	UnicastSrc netip.Addr
	Peers      []netip.Addr
	Nopreempt  bool
	Extra      []string // raw lines inside the vrrp_instance block
}

// InstanceName returns the instance's name.
func (in Instance) InstanceName() string {
	if in.Name != "" {
		return in.Name
	}
	return fmt.Sprintf("VI_%d", in.VRID)
}

// Render writes the configuration. Every instance reports its transitions
// through notify to notifyCmd (a command line; keepalived appends
// "INSTANCE name state prio"). In Preamble and Extra, @NOTIFY@ stands for
// notifyCmd and @DIR@ for dir, the router's scratch directory.
func (c Config) Render(notifyCmd, dir string) string {
	r := strings.NewReplacer("@NOTIFY@", notifyCmd, "@DIR@", dir)
	var b strings.Builder
	b.WriteString("global_defs {\n")
	if c.RouterID != "" {
		fmt.Fprintf(&b, "  router_id %s\n", c.RouterID)
	}
	// The lab runs every script as root from a root-owned directory.
	b.WriteString("  script_user root\n  enable_script_security\n")
	if c.Version != 0 {
		fmt.Fprintf(&b, "  vrrp_version %d\n", c.Version)
	}
	for _, l := range c.Globals {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("}\n\n")
	if c.Preamble != "" {
		b.WriteString(r.Replace(c.Preamble))
		b.WriteString("\n")
	}
	for _, in := range c.Instances {
		state, adv := in.State, in.AdvertInt
		if state == "" {
			state = "BACKUP"
		}
		if adv == "" {
			adv = "1"
		}
		ifname := in.Interface
		if ifname == "" {
			ifname = lab.Link
		}
		fmt.Fprintf(&b, "vrrp_instance %s {\n", in.InstanceName())
		fmt.Fprintf(&b, "  state %s\n  interface %s\n  virtual_router_id %d\n  priority %d\n  advert_int %s\n",
			state, ifname, in.VRID, in.Priority, adv)
		if in.Nopreempt {
			b.WriteString("  nopreempt\n")
		}
		if in.UnicastSrc.IsValid() {
			fmt.Fprintf(&b, "  unicast_src_ip %s\n  unicast_peer {\n", in.UnicastSrc)
			for _, p := range in.Peers {
				fmt.Fprintf(&b, "    %s\n", p)
			}
			b.WriteString("  }\n")
		}
		b.WriteString("  virtual_ipaddress {\n")
		for _, v := range in.VIPs {
			fmt.Fprintf(&b, "    %s\n", v)
		}
		b.WriteString("  }\n")
		for _, l := range in.Extra {
			fmt.Fprintf(&b, "  %s\n", r.Replace(l))
		}
		if notifyCmd != "" {
			fmt.Fprintf(&b, "  notify %q\n", notifyCmd)
		}
		b.WriteString("}\n\n")
	}
	return b.String()
}
