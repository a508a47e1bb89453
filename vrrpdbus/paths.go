// Package vrrpdbus exports keepalived 2.2.7's D-Bus API (enable_dbus): the
// service org.keepalived.Vrrp1 (or dbus_service_name) with the object
// /org/keepalived/Vrrp1/Vrrp and one object per VRRP instance,
// /org/keepalived/Vrrp1/Instance/<interface>/<vrid>/<family>, with the same
// introspection, property values, methods and signals, so that automation
// written against keepalived keeps working.
//
// It is a read-only view of the daemon like status and metrics: the
// instances come from a function, the methods call functions the command
// gives it, and VRRP events arrive through the vrrp.Notifier interface.
package vrrpdbus

import (
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/vrrp"
)

// Names keepalived uses.
const (
	DefaultService = "org.keepalived.Vrrp1"
	ifaceVrrp      = "org.keepalived.Vrrp1.Vrrp"
	ifaceInstance  = "org.keepalived.Vrrp1.Instance"
	root           = "/org/keepalived/Vrrp1"
)

// prefix is root with keepalived's optional namespace and instance name
// components (net_namespace, instance), which keep several keepalived
// processes on one bus apart.
func prefix(namespace, instance string) string {
	p := root
	for _, s := range []string{namespace, instance} {
		if s != "" {
			p += "/" + s
		}
	}
	return p
}

// validPath replaces what an object path may not contain, as keepalived
// does: every byte that is not a letter or digit becomes '_'.
func validPath(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// instancePath is the object of one instance; an instance without an
// interface (unicast only) is under "none", as in keepalived.
func instancePath(pfx string, st vrrp.InstanceStatus) string {
	ifname := st.Interface
	if ifname == "" {
		ifname = "none"
	}
	family := "IPv4"
	if st.IPv6 {
		family = "IPv6"
	}
	return pfx + "/Instance/" + validPath(ifname) + "/" + strconv.Itoa(int(st.VRID)) + "/" + family
}

// stateCode is the number keepalived sends in VrrpStatusChange and State:
// its VRRP_STATE_* values, where STOP and DELETED are 98 and 97.
func stateCode(s vrrp.State) uint32 {
	switch s {
	case vrrp.StateStop:
		return 98
	case vrrp.StateDeleted:
		return 97
	}
	return uint32(s)
}

// stateName is keepalived's state_str, the string half of State.
func stateName(s vrrp.State) string {
	switch s {
	case vrrp.StateInit:
		return "Init"
	case vrrp.StateBackup:
		return "Backup"
	case vrrp.StateMaster:
		return "Master"
	case vrrp.StateFault:
		return "Fault"
	case vrrp.StateStop:
		return "Stop"
	case vrrp.StateDeleted:
		return "Deleted"
	}
	return "Unknown"
}

// parents lists the intermediate paths from "/" down to p's parent.
func parents(p string) []string {
	out := []string{"/"}
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

// childName is the last component of p.
func childName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
