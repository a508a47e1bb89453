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
	writeFaults(p, st)
	writeGroups(p, st)
	writeTrackers(p, st)
	if len(st.VirtualServers) > 0 {
		if len(st.Instances) > 0 {
			p("")
		}
		writeServers(p, st)
	}
	if len(st.Instances) == 0 && len(st.VirtualServers) == 0 && len(st.BFD) == 0 {
		p("no VRRP instances and no virtual servers")
	}
	if len(st.BFD) > 0 {
		p("")
		writeBFD(p, st, now)
	}
	writeBGP(p, st, now)
	writeLinks(p, st)
	if r := st.Reloads; r != nil && r.Total > 0 {
		p("")
		res := "ok"
		if !r.LastOK {
			res = "FAILED: " + r.LastError
		}
		p("reloads: %d (%d failed), last %s: %s", r.Total, r.Failures, ago(r.LastAt, now), res)
	}
	if st.ConfigFile != "" {
		loaded := "-"
		if st.Reloads != nil {
			loaded = ago(st.Reloads.LoadedAt, now)
		}
		p("configuration: %s, loaded %s", st.ConfigFile, loaded)
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

type printer func(format string, a ...any)

// writeFaults says why every FAULT instance is there.
func writeFaults(p printer, st *Status) {
	for _, in := range st.Instances {
		if len(in.FaultReasons) > 0 {
			p("%s FAULT: %s", in.Name, strings.Join(in.FaultReasons, "; "))
		}
	}
}

func writeGroups(p printer, st *Status) {
	if len(st.SyncGroups) == 0 {
		return
	}
	p("")
	p("SYNC GROUP\tSTATE\tMEMBERS")
	for _, g := range st.SyncGroups {
		p("%s\t%s\t%s", g.Name, g.State, strings.Join(g.Members, ","))
	}
}

func writeTrackers(p printer, st *Status) {
	if len(st.Trackers) == 0 {
		return
	}
	p("")
	p("TRACKER\tKIND\tINSTANCE\tWEIGHT\tSTATE")
	for _, t := range st.Trackers {
		state := t.State
		if t.Value != nil {
			state += " (" + strconv.Itoa(*t.Value) + ")"
		}
		w := strconv.Itoa(t.Weight)
		if t.Reverse {
			w += " reverse"
		}
		p("%s\t%s\t%s\t%s\t%s", t.Name, t.Kind, t.Instance, w, state)
	}
}

func writeServers(p printer, st *Status) {
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

// WriteLVS renders the virtual servers as `keepalivectl lvs` prints them:
// services with the kernel's counters, real servers with both weights and
// connection counts, and every checker with its last failure, which stays
// after the checker recovers. now is used for "ago" columns.
func WriteLVS(w io.Writer, st *Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	if len(st.VirtualServers) == 0 {
		p("no virtual servers")
		return tw.Flush()
	}
	p("VIRTUAL SERVER\tSCHEDULER\tQUORUM\tSORRY SERVER\tCONNECTIONS\tIN PACKETS\tOUT PACKETS\tIN BYTES\tOUT BYTES")
	for _, vs := range st.VirtualServers {
		quorum := fmt.Sprintf("up (%d/%d)", vs.AliveWeight, vs.Quorum)
		if !vs.QuorumUp {
			quorum = fmt.Sprintf("DOWN (%d/%d)", vs.AliveWeight, vs.Quorum)
		}
		sorry := "-"
		if vs.SorryActive {
			sorry = "active"
		}
		p("%s\t%s\t%s\t%s\t%s", vs.Name, orDash(vs.Scheduler), quorum, sorry, statsCols(vs.Stats, vs.InKernel))
	}
	p("")
	p("REAL SERVER\tVIRTUAL SERVER\tHEALTH\tWEIGHT\tIPVS WEIGHT\tACTIVE\tINACTIVE\tCONNECTIONS\tIN PACKETS\tOUT PACKETS\tIN BYTES\tOUT BYTES")
	for _, vs := range st.VirtualServers {
		for _, rs := range vs.RealServers {
			p("%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s", rs.Name, vs.Name, rs.Health, rs.Weight, optInt(rs.KernelWeight),
				optUint(rs.ActiveConnections), optUint(rs.InactiveConnections), statsCols(rs.Stats, rs.KernelWeight != nil))
		}
	}
	p("")
	p("REAL SERVER\tCHECKER\tSTATE\tLAST CHECK\tFAILED IN A ROW\tLAST FAILURE")
	for _, vs := range st.VirtualServers {
		for _, rs := range vs.RealServers {
			for _, c := range rs.Checkers {
				state := "up"
				if !c.Up {
					state = "DOWN"
				}
				fail := "-"
				if c.LastFailure != "" {
					fail = c.LastFailure + " (" + ago(c.LastFailureAt, now) + ")"
				}
				p("%s\t%s\t%s\t%s\t%d\t%s", rs.Name, c.Kind, state, ago(c.LastRun, now), c.ConsecutiveFailures, fail)
			}
		}
	}
	return tw.Flush()
}

// statsCols renders the five IPVS counters, or says why they are missing.
func statsCols(s *IPVSStats, inKernel bool) string {
	if s == nil {
		why := "counters not read"
		if !inKernel {
			why = "not in kernel"
		}
		return why + "\t-\t-\t-\t-"
	}
	return fmt.Sprintf("%d\t%d\t%d\t%d\t%d", s.Connections, s.InPackets, s.OutPackets, s.InBytes, s.OutBytes)
}

func optInt(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10)
}

func optUint(v *uint64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatUint(*v, 10)
}

// writeBGP is the bgp_speaker section: one line per session, then what is
// announced.
func writeBGP(p printer, st *Status, now time.Time) {
	b := st.BGP
	if b == nil {
		return
	}
	p("")
	p("BGP NEIGHBOR\tREMOTE AS\tSTATE")
	for _, n := range b.Neighbors {
		p("%s\t%d\t%s", n.Address, n.RemoteAS, n.State)
	}
	announced := orDash(strings.Join(b.Announced, ","))
	if b.Draining {
		announced += " (draining)"
	}
	p("announced: %s, last change %s", announced, ago(b.LastChange, now))
}

// WriteBFD is `keepalivectl bfd`: the BFD sessions alone.
func WriteBFD(w io.Writer, st *Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	if len(st.BFD) == 0 {
		p("no BFD sessions")
		return tw.Flush()
	}
	writeBFD(p, st, now)
	return tw.Flush()
}

// writeBFD is one line per session: state, remote, the intervals in force
// (ours / the peer's, in ms) and the detection time.
func writeBFD(p printer, st *Status, now time.Time) {
	p("BFD INSTANCE\tNEIGHBOR\tSTATE\tREMOTE\tTX ms\tPEER RX/TX ms\tMULT\tDETECT ms\tDIAG\tLAST SEEN")
	for _, s := range st.BFD {
		diag := s.LocalDiag
		if s.State == "Up" {
			diag = "-"
		}
		last := "never"
		if !s.LastSeen.IsZero() {
			last = ago(s.LastSeen, now)
		}
		p("%s\t%s\t%s\t%s\t%s\t%s/%s\t%d/%d\t%s\t%s\t%s", s.Name, s.Neighbor, s.State, s.RemoteState,
			ms(s.TxIntervalUS), ms(s.RemoteMinRxUS), ms(s.RemoteMinTxUS), s.Multiplier, s.RemoteMultiplier,
			ms(s.DetectTimeUS), diag, last)
	}
}

// ms renders microseconds as milliseconds, with decimals only when needed.
func ms(us int64) string {
	return strconv.FormatFloat(float64(us)/1000, 'f', -1, 64)
}

// writeLinks is one line per monitoring connection: `snmp agentx
// unix:/var/agentx/master: connected`.
func writeLinks(p printer, st *Status) {
	if len(st.Links) == 0 {
		return
	}
	p("")
	for _, l := range st.Links {
		state := "connected"
		if !l.Connected {
			state = "not connected"
		}
		what := l.Name
		if l.Name == "snmp" {
			what = "snmp agentx"
		}
		p("%s %s: %s", what, l.Target, state)
	}
}
