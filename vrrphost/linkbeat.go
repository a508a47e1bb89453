package vrrphost

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LinkbeatInterval is keepalived's POLLING_DELAY.
const LinkbeatInterval = time.Second

// sysNet is where the kernel shows each interface's flags and carrier; a
// variable so tests can point it elsewhere.
var sysNet = "/sys/class/net/"

// LinkbeatUp reads an interface's state as keepalived's linkbeat polling
// does (ETHTOOL_GLINK, else SIOCGIFFLAGS): administratively up and with
// carrier. A missing interface is down.
func LinkbeatUp(ifname string) bool {
	b, err := os.ReadFile(sysNet + ifname + "/flags")
	if err != nil {
		return false
	}
	flags, err := strconv.ParseUint(strings.TrimSpace(string(b)), 0, 32)
	if err != nil || flags&0x1 == 0 { // IFF_UP
		return false
	}
	c, err := os.ReadFile(sysNet + ifname + "/carrier")
	return err == nil && strings.TrimSpace(string(c)) == "1"
}

// Linkbeat polls interfaces for link state (keepalived's
// linkbeat_interfaces and linkbeat_use_polling), for NICs whose drivers do
// not report carrier changes over netlink.
type Linkbeat struct {
	stop chan struct{}
	done sync.WaitGroup
}

// StartLinkbeat polls names every interval and calls changed with each
// change of state (not with the first reading: the engine reads the
// start state itself).
func StartLinkbeat(names []string, interval time.Duration, changed func(ifname string, up bool)) *Linkbeat {
	lb := &Linkbeat{stop: make(chan struct{})}
	state := make(map[string]bool, len(names))
	for _, n := range names {
		state[n] = LinkbeatUp(n)
	}
	lb.done.Add(1)
	go func() {
		defer lb.done.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-lb.stop:
				return
			case <-t.C:
			}
			for _, n := range names {
				if up := LinkbeatUp(n); up != state[n] {
					state[n] = up
					changed(n, up)
				}
			}
		}
	}()
	return lb
}

// Stop ends the polling and waits for it.
func (lb *Linkbeat) Stop() {
	if lb == nil {
		return
	}
	close(lb.stop)
	lb.done.Wait()
}
