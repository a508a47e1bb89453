package vrrphost

import (
	"fmt"
	"os"
	"strings"
)

// confPath is an IPv4 per-interface sysctl; a variable so tests can point
// it elsewhere.
var confPath = func(ifname, key string) string { return "/proc/sys/net/ipv4/conf/" + ifname + "/" + key }

// PromoteSecondaries turns net.ipv4.conf.IF.promote_secondaries on, as
// keepalived's promote_secondaries keyword does, so that deleting the
// primary address of a subnet does not take the VIPs of that subnet with
// it. It reports whether it changed the value, that is whether
// ResetPromoteSecondaries must turn it off again when the daemon stops
// (keepalived leaves a value it found set alone).
func PromoteSecondaries(ifname string) (changed bool, err error) {
	p := confPath(ifname, "promote_secondaries")
	b, err := os.ReadFile(p)
	if err != nil {
		return false, fmt.Errorf("promote_secondaries %s: %w", ifname, err)
	}
	if strings.TrimSpace(string(b)) == "1" {
		return false, nil
	}
	if err := os.WriteFile(p, []byte("1"), 0); err != nil {
		return false, fmt.Errorf("promote_secondaries %s: %w", ifname, err)
	}
	return true, nil
}

// ResetPromoteSecondaries turns the sysctl off again.
func ResetPromoteSecondaries(ifname string) error {
	if err := os.WriteFile(confPath(ifname, "promote_secondaries"), []byte("0"), 0); err != nil {
		return fmt.Errorf("promote_secondaries %s: %w", ifname, err)
	}
	return nil
}

// igmpReportsPath is net.ipv4.igmp_link_local_mcast_reports; a variable
// so tests can point it elsewhere.
var igmpReportsPath = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"

// DisableLocalIGMP turns net.ipv4.igmp_link_local_mcast_reports off, as
// keepalived's disable_local_igmp does at start, so the host sends no IGMP
// reports for 224.0.0.X groups (the VRRP group among them). It reports
// whether it changed the value, that is whether RestoreLocalIGMP must turn
// it on again at stop.
func DisableLocalIGMP() (changed bool, err error) {
	b, err := os.ReadFile(igmpReportsPath)
	if err != nil {
		return false, fmt.Errorf("disable_local_igmp: %w", err)
	}
	if strings.TrimSpace(string(b)) != "1" {
		return false, nil
	}
	if err := os.WriteFile(igmpReportsPath, []byte("0"), 0); err != nil {
		return false, fmt.Errorf("disable_local_igmp: %w", err)
	}
	return true, nil
}

// RestoreLocalIGMP turns the sysctl on again.
func RestoreLocalIGMP() error {
	if err := os.WriteFile(igmpReportsPath, []byte("1"), 0); err != nil {
		return fmt.Errorf("disable_local_igmp: %w", err)
	}
	return nil
}
