package vrrp

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestNetlinkError(t *testing.T) {
	err := fmt.Errorf("ifaddr: add route: %w", os.NewSyscallError("netlink receive", syscall.ENETUNREACH))
	if got, want := netlinkError(rtmNewRoute, err), "Netlink: error: Network is unreachable(101), type=RTM_NEWROUTE(24)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := netlinkError(rtmNewAddr, errors.New("no such link")); got != "Netlink: error: no such link, type=RTM_NEWADDR(20)" {
		t.Errorf("got %q", got)
	}
}
