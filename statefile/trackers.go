package statefile

import (
	"fmt"
	"net"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// trackerOf is the first instance's view of the named tracker of kind
// ("file", "process"), with ok false when no instance tracks it.
func trackerOf(instances []status.Instance, kind, name string) (vrrp.TrackerStatus, bool) {
	for _, in := range instances {
		for _, t := range in.Trackers {
			if t.Kind == kind && t.Name == name {
				return t, true
			}
		}
	}
	return vrrp.TrackerStatus{}, false
}

// trackingLines are the "NAME, weight W" lines of the instances that
// track the object as the engine runs them (keepalived drops a weighted
// track_file of a sync group member, and then the file if nobody tracks
// it).
func trackingLines(cfg vrrp.Config, kind, name string) []string {
	var out []string
	for _, in := range cfg.Instances {
		refs := in.TrackFiles
		switch kind {
		case "process":
			refs = in.TrackProcesses
		case "bfd":
			refs = in.TrackBFDs
		}
		for _, t := range refs {
			if t.Name == name {
				out = append(out, fmt.Sprintf("     %s, weight %d%s", in.Name, t.Weight, reverse(t.Reverse)))
			}
		}
	}
	return out
}

// dumpTrackFiles is keepalived's "VRRP Track files" section.
func dumpTrackFiles(p func(string, ...any), c *config.Config, cfg vrrp.Config, instances []status.Instance) {
	header := false
	for _, f := range c.VRRP.Files {
		tracking := trackingLines(cfg, "file", f.Name)
		if len(tracking) == 0 {
			continue // keepalived frees a file nobody tracks
		}
		if !header {
			p("------< VRRP Track files >------")
			header = true
		}
		st, _ := trackerOf(instances, "file", f.Name)
		p(" Track file = %s", f.Name)
		p("   File = %s", f.Path)
		p("   Status = %d", st.Value)
		p("   Weight = %d%s", f.Weight, reverse(f.WeightReverse))
		p("   Tracking instances :")
		for _, s := range tracking {
			p("%s", s)
		}
	}
}

// dumpTrackProcesses is keepalived's "VRRP Track processes" section.
// keepalived-go keeps a process's quorum verdict, not its count: a process
// with quorum prints its minimum as the current count.
func dumpTrackProcesses(p func(string, ...any), c *config.Config, cfg vrrp.Config, instances []status.Instance) {
	if len(c.VRRP.Processes) == 0 {
		return
	}
	p("------< VRRP Track processes >------")
	for _, pr := range c.VRRP.Processes {
		st, _ := trackerOf(instances, "process", pr.Name)
		p(" VRRP Track process = %s", pr.Name)
		p("   Process = %s", pr.Process)
		if len(pr.Params) > 0 {
			p("   Parameters = %s", joinSpace(pr.Params))
		}
		switch pr.ParamMatch {
		case config.MatchExact:
			p("   Param match")
		case config.MatchPartial:
			p("   Param match = partial")
		case config.MatchInitial:
			p("   Param match = initial")
		}
		quorum := cmpOr(pr.Quorum, 1)
		p("   Min processes = %d", quorum)
		if pr.QuorumMax >= 0 && pr.QuorumMax != 0 {
			p("   Max processes = %d", pr.QuorumMax)
		}
		cur := 0
		if st.OK {
			cur = quorum
		}
		p("   Current processes = %d", cur)
		p("   Have quorum = %t", st.OK)
		p("   Weight = %d%s", pr.Weight, reverse(pr.WeightReverse))
		p("   Terminate delay = %fs", pr.TerminateDelay.Seconds())
		p("   Fork delay = %fs", pr.ForkDelay.Seconds())
		p("   Fork delay timer not running")
		p("   Terminate delay timer not running")
		p("   Full command = %t", pr.FullCommand)
		if l := trackingLines(cfg, "process", pr.Name); len(l) > 0 {
			p("   Tracking instances :")
			for _, s := range l {
				p("%s", s)
			}
		}
	}
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// ifIndex is the interface's index in this namespace (0 when gone), the
// scope id keepalived prints with an IPv6 multicast group.
func ifIndex(name string) int {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0
	}
	return ifi.Index
}

// dumpTrackBFDs is keepalived's "VRRP Track BFDs" section: every
// bfd_instance whose events reach the VRRP side, with the weight its
// block gives and the state the VRRP side last heard.
func dumpTrackBFDs(p func(string, ...any), c *config.Config, cfg vrrp.Config, instances []status.Instance) {
	header := false
	for _, b := range c.VRRP.BFDs {
		if !b.ToVRRP {
			continue
		}
		if !header {
			p("------< VRRP Track BFDs >------")
			header = true
		}
		st, _ := trackerOf(instances, "bfd", b.Name)
		p(" VRRP Track BFD = %s", b.Name)
		p("   Weight = %d%s", b.Weight, reverse(b.WeightReverse))
		p("   Bfd is %s", map[bool]string{true: "up", false: "down"}[st.OK])
		p("   Tracking VRRP instances :")
		if l := trackingLines(cfg, "bfd", b.Name); len(l) > 0 {
			p("   Tracking instances :")
			for _, s := range l {
				p("%s", s)
			}
		}
	}
}
