package control

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText renders st as the human-readable tables `keepalivectl status`
// prints. now is used for "ago" columns.
func WriteText(w io.Writer, st *Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	if len(st.Instances) > 0 {
		p("VRRP INSTANCE\tSTATE\tPRIO\tEFFECTIVE\tINTERFACE\tVRID\tMASTER\tLAST CHANGE\tVIPS")
		for _, in := range st.Instances {
			master := in.Master
			if in.MasterIsSelf {
				master = "this node"
				if in.Master != "" {
					master += " (" + in.Master + ")"
				}
			}
			if master == "" {
				master = "-"
			}
			var vips []string
			for _, v := range in.VIPs {
				vips = append(vips, v.Address)
			}
			for _, v := range in.ExcludedVIPs {
				vips = append(vips, v.Address+"(excluded)")
			}
			p("%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\t%s", in.Name, in.State, in.Priority, in.EffectivePriority,
				in.Interface, in.VRID, master, ago(in.LastTransition, now), orDash(strings.Join(vips, ",")))
		}
	}
	if len(st.VirtualServers) > 0 {
		if len(st.Instances) > 0 {
			p("")
		}
		p("VIRTUAL SERVER\tREAL SERVER\tHEALTH\tWEIGHT\tIPVS WEIGHT\tACTIVE CONN\tCHECKERS")
		for _, vs := range st.VirtualServers {
			health := fmt.Sprintf("quorum up (%d/%d)", vs.AliveWeight, vs.Quorum)
			if !vs.QuorumUp {
				health = fmt.Sprintf("QUORUM DOWN (%d/%d)", vs.AliveWeight, vs.Quorum)
			}
			if vs.SorryActive {
				health += ", sorry server"
			}
			var info []string
			if vs.Scheduler != "" {
				info = append(info, "scheduler "+vs.Scheduler)
			}
			switch {
			case vs.Connections != nil:
				info = append(info, strconv.FormatUint(*vs.Connections, 10)+" connections")
			case vs.InKernel:
			default:
				info = append(info, "not in kernel")
			}
			p("%s\t-\t%s\t-\t-\t-\t%s", vs.Name, health, strings.Join(info, ", "))
			for _, rs := range vs.RealServers {
				kw := "-"
				if rs.KernelWeight != nil {
					kw = strconv.FormatInt(*rs.KernelWeight, 10)
				}
				var checks []string
				for _, c := range rs.Checkers {
					s := c.Kind + " "
					if c.Up {
						s += "up"
					} else {
						s += "down"
					}
					s += fmt.Sprintf(" %.1fms", c.LastDurationMS)
					if c.LastError != "" {
						s += " (" + c.LastError + ")"
					}
					checks = append(checks, s)
				}
				conns := "-"
				if rs.ActiveConnections != nil {
					conns = strconv.FormatUint(*rs.ActiveConnections, 10)
				}
				p("\t%s\t%s\t%d\t%s\t%s\t%s", rs.Name, rs.Health, rs.Weight, kw, conns, orDash(strings.Join(checks, "; ")))
			}
		}
	}
	if len(st.Instances) == 0 && len(st.VirtualServers) == 0 {
		p("no VRRP instances and no virtual servers")
	}
	if r := st.Reloads; r != nil && r.Total > 0 {
		p("")
		res := "ok"
		if !r.LastOK {
			res = "FAILED: " + r.LastError
		}
		p("reloads: %d (%d failed), last %s: %s", r.Total, r.Failures, ago(r.LastAt, now), res)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ago renders a past time coarsely: "3s ago", "5m ago", "2h ago", "4d ago".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format(time.RFC3339)
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}
