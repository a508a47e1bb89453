package vrrpconf

import (
	"net/netip"
	"slices"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// Complete is the one place where an engine configuration gets keepalived's
// instance defaults and derivations (grammar §5.1): priority from the
// state, state from the priority, version from the family, advert_int
// rounded to what the version can carry, the multicast group, the GARP
// defaults, and what vrrp_strict, an owner or AH authentication imply.
// The engine (vrrp.New, Router.Reload) only checks the result. Translate
// applies it; tests that build a vrrp.Config by hand call it too. c's
// slices are not modified.
func Complete(c vrrp.Config) vrrp.Config {
	c.Instances = slices.Clone(c.Instances)
	for i := range c.Instances {
		completeInstance(&c.Instances[i])
	}
	c.Scripts = slices.Clone(c.Scripts)
	for i := range c.Scripts {
		s := &c.Scripts[i]
		s.Rise, s.Fall = max(s.Rise, 1), max(s.Fall, 1)
	}
	return c
}

var (
	defaultMcast4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	defaultMcast6 = netip.MustParseAddr("ff02::12")
)

func completeInstance(c *vrrp.InstanceConfig) {
	completeRole(c)
	completeAdvert(c)
	if c.AuthType == 2 && c.InitialState == vrrp.StateMaster && c.Priority != 255 {
		// keepalived: an AH backup must hear the master's sequence
		// number before taking over ("Initial state master is
		// incompatible with AH authentication - clearing").
		c.InitialState = vrrp.StateBackup
	}
	if len(c.AuthPass) > 8 {
		c.AuthPass = c.AuthPass[:8] // keepalived truncates
	}
	if !c.McastGroup.IsValid() {
		c.McastGroup = defaultMcast4
		if c.IPv6 {
			c.McastGroup = defaultMcast6
		}
	}
	if c.DownTimerAdverts == 0 {
		c.DownTimerAdverts = 3
	}
	if c.InitialState == vrrp.StateMaster || c.Priority == 255 {
		c.Nopreempt = false // keepalived clears it with a warning
	}
	if c.InitialState == vrrp.StateMaster || c.Strict || c.Nopreempt {
		c.PreemptDelay = 0
	}
	if c.Priority == 255 {
		c.NoAccept = false // an owner always accepts
	}
	if c.GARP == (vrrp.GARPConfig{}) {
		c.GARP = vrrp.DefaultGARP
	}
	// After the GARP defaults, or a hand-built strict instance would get
	// its lower-priority GARPs back.
	if c.Strict {
		c.LowerPrioNoAdvert = true
		c.GARP.LowerPrioRepeat = 0
	}
	if c.GARP.MasterRefreshRepeat == 0 {
		c.GARP.MasterRefreshRepeat = 1
	}
	c.VIPs = slices.Clone(c.VIPs)
	c.ExcludedVIPs = slices.Clone(c.ExcludedVIPs)
	for _, set := range [][]vrrp.Address{c.VIPs, c.ExcludedVIPs} {
		for i := range set {
			if set[i].Dev == "" {
				set[i].Dev = c.Interface
			}
			set[i].NoAccept = c.NoAccept
		}
	}
}

// completeRole derives the priority from the state, the state from the
// priority, and the version from the family (keepalived forces VRRPv3 for
// IPv6).
func completeRole(c *vrrp.InstanceConfig) {
	if c.Priority == 0 {
		c.Priority = 100
		if c.InitialState == vrrp.StateMaster {
			c.Priority = 255
		}
	}
	if c.InitialState == vrrp.StateInit {
		c.InitialState = vrrp.StateBackup
		if c.Priority == 255 {
			c.InitialState = vrrp.StateMaster
		}
	}
	if c.Version == 0 || c.IPv6 && c.Version == 2 {
		c.Version = 2
		if c.IPv6 {
			c.Version = 3
		}
	}
}

// completeAdvert defaults advert_int to 1 s and rounds it to what the
// version carries: whole seconds 1..255 (v2), centiseconds up to 40.95 s
// (v3).
func completeAdvert(c *vrrp.InstanceConfig) {
	if c.AdvertInt <= 0 {
		c.AdvertInt = time.Second
	}
	unit, hi := 10*time.Millisecond, 40950*time.Millisecond
	if c.Version == 2 {
		unit, hi = time.Second, 255*time.Second
	}
	c.AdvertInt = min(max(c.AdvertInt.Round(unit), unit), hi)
}
