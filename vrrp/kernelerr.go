package vrrp

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/dsas/keepalived-go/internal/strerror"
)

// Netlink request types, in keepalived's log words.
const (
	rtmNewAddr  = "RTM_NEWADDR(20)"
	rtmNewRoute = "RTM_NEWROUTE(24)"
	rtmNewRule  = "RTM_NEWRULE(32)"
)

// netlinkError words a refused change as keepalived's netlink layer logs
// it ("Netlink: error: Network is unreachable(101), type=RTM_NEWROUTE(24)"),
// the line operators' log filters know; the details follow as attributes.
func netlinkError(kind string, err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return fmt.Sprintf("Netlink: error: %v, type=%s", err, kind)
	}
	return fmt.Sprintf("Netlink: error: %s(%d), type=%s", strerror.Text(err), int(en), kind)
}
