package status

import (
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/vrrp"
)

// AddrString is keepalived's ipaddresstos: the address, with "/len" only
// when the prefix is not a host prefix. Exporters use it as the
// ip_address label, so it must not drift.
func AddrString(a vrrp.Address) string {
	ip := a.Prefix.Addr()
	if !ip.IsValid() {
		return "None"
	}
	s := ip.String()
	if a.Prefix.Bits() >= 0 && a.Prefix.Bits() != ip.BitLen() {
		s += "/" + strconv.Itoa(a.Prefix.Bits())
	}
	return s
}

// AddrDev is the interface an address lives on: its dev, or the instance's.
func AddrDev(a vrrp.Address, instanceIf string) string {
	if a.Dev != "" {
		return a.Dev
	}
	return instanceIf
}

// FormatAddress is keepalived's format_ipaddress, the line the data file
// and the JSON file print for every VIP:
// `10.0.0.1/24 brd 10.0.0.255 dev eth0 scope global label eth0:1 set`.
// set says whether the address is currently installed.
func FormatAddress(a vrrp.Address, instanceIf string, set bool) string {
	if !a.Prefix.Addr().IsValid() {
		return "None"
	}
	var b strings.Builder
	b.WriteString(AddrString(a))
	ip := a.Prefix.Addr()
	if ip.Is4() && a.Broadcast.IsValid() && !a.Broadcast.IsUnspecified() {
		b.WriteString(" brd " + a.Broadcast.String())
	}
	b.WriteString(" dev " + AddrDev(a, instanceIf))
	if a.UseVMAC {
		b.WriteString(" use_vmac")
	}
	b.WriteString(" scope " + vrrp.ScopeName(a.Scope))
	if a.Label != "" {
		b.WriteString(" label " + a.Label)
	}
	if a.Peer.IsValid() {
		b.WriteString(" peer " + a.Peer.Addr().String() + "/" + strconv.Itoa(a.Prefix.Bits()))
	}
	if a.Home {
		b.WriteString(" home")
	}
	if a.KeepDAD {
		b.WriteString(" -nodad")
	}
	if a.MngTmpAddr {
		b.WriteString(" mngtmpaddr")
	}
	if a.NoPrefixRoute {
		b.WriteString(" noprefixroute")
	}
	if a.AutoJoin {
		b.WriteString(" autojoin")
	}
	if a.NoTrack {
		b.WriteString(" no_track")
	}
	if ip.Is6() && !ip.Is4In6() {
		switch {
		case a.PreferredLft == 0:
			b.WriteString(" deprecated")
		case a.PreferredLft < 0:
			b.WriteString(" preferred_lft forever")
		default:
			b.WriteString(" preferred_lft " + strconv.Itoa(a.PreferredLft))
		}
	}
	if set {
		b.WriteString(" set")
		if a.NoAccept {
			// In the no_accept filter's set while installed.
			b.WriteString(" nftable_set")
		}
	}
	return b.String()
}

// StateName is keepalived's get_state_str.
func StateName(s vrrp.State) string {
	switch s {
	case vrrp.StateInit:
		return "INIT"
	case vrrp.StateBackup:
		return "BACKUP"
	case vrrp.StateMaster:
		return "MASTER"
	case vrrp.StateFault:
		return "FAULT"
	}
	return "unknown"
}
