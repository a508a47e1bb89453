package statefile

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/config"
)

// BFDName is the BFD side's SIGUSR1 file, as keepalived's BFD process
// names it.
const BFDName = "keepalived_bfd.data"

// BFDDump is what the BFD side shows the file: its input socket and its
// sessions in configuration order.
type BFDDump struct {
	FDIn     int
	Sessions []bfd.EntryDump
}

// WithBFD adds the BFD side's file, keepalived_bfd.data: the running
// configuration and the sessions, or a nil configuration when the BFD
// side is not running (then no file, as keepalived has no BFD process).
func WithBFD(f func() (*config.Config, BFDDump)) Option { return func(w *Writer) { w.bfd = f } }

// WriteBFDData writes keepalived_bfd.data and returns its path; "" when
// there is no BFD side.
func (w *Writer) WriteBFDData() (string, error) {
	if w.bfd == nil {
		return "", nil
	}
	cfg, d := w.bfd()
	if cfg == nil {
		return "", nil
	}
	var b bytes.Buffer
	FormatBFDData(&b, cfg, d, w.loc)
	return w.write(BFDName, b.Bytes())
}

// FormatBFDData writes keepalived's BFD-process SIGUSR1 file
// (dump_bfd_data): the global definitions as that process sees them
// (those of the checker process), then the BFD data and topology. The
// thread pointers of keepalived's scheduler are shown as scheduled
// (a made-up address) or not ("0x(nil)") from the session's timers.
func FormatBFDData(w io.Writer, cfg *config.Config, d BFDDump, loc *time.Location) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	writeChildGlobals(w, cfg)
	if len(d.Sessions) == 0 {
		return
	}
	p("------< BFD Data >------")
	p(" fd_in = %d", d.FDIn)
	p(" thread_in = 0x%s", fakePtr(true, 0))
	p("------< BFD Topology >------")
	route := map[string]config.BFDInstance{}
	for _, b := range cfg.VRRP.BFDs {
		route[b.Name] = b
	}
	for i, s := range d.Sessions {
		dumpBFDSession(p, s, route[s.Spec.Name], uint64(i+1), loc)
	}
}

func dumpBFDSession(p func(string, ...any), s bfd.EntryDump, c config.BFDInstance, n uint64, loc *time.Location) {
	sp := s.Spec
	p(" BFD Instance = %s", sp.Name)
	p("   Neighbor IP = %s", sp.Neighbor)
	if sp.Source.IsValid() {
		p("   Source IP = %s", sp.Source)
	}
	p("   Required min RX interval = %d us", sp.MinRx.Microseconds())
	p("   Desired min TX interval = %d us", sp.MinTx.Microseconds())
	p("   Desired idle TX interval = %d us", sp.IdleTx.Microseconds())
	p("   Detection multiplier = %d", sp.Multiplier)
	ttl := "TTL"
	if sp.Neighbor.Is6() && !sp.Neighbor.Is4In6() {
		ttl = "hoplimit"
	}
	p("   %s = %d", ttl, sp.TTL)
	p("   max_hops = %d", uint8(c.MaxHops))
	p("   passive = %t", sp.Passive)
	p("   send event to VRRP process = %s", capYesNo(c.ToVRRP))
	p("   send event to checker process = %s", capYesNo(c.ToChecker))
	p("   fd_out %d", s.FD)
	p("   thread_open_fd_out 0x%s", fakePtr(s.OpenRetry, 4*n))
	p("   thread_out 0x%s", fakePtr(s.Sending, 4*n+1))
	// keepalived sets sands_* only while a reload suspends the threads.
	p("   sands_out = [disabled]")
	p("   thread_exp 0x%s", fakePtr(s.Expiring, 4*n+2))
	p("   sands_exp = [disabled]")
	p("   thread_rst 0x%s", fakePtr(s.Resetting, 4*n+3))
	p("   sands_rst = [disabled]")
	p("   send error = %t", s.SendError)
	p("   local state = %s", s.State)
	p("   remote state = %s", s.RemoteState)
	p("   local discriminator = 0x%x", s.LocalDiscr)
	p("   remote discriminator = 0x%x", s.RemoteDiscr)
	p("   local diag = %s", s.LocalDiag)
	p("   remote diag = %s", s.RemoteDiag)
	p("   remote min tx intv = %d us", s.RemoteMinTx.Microseconds())
	p("   remote min rx intv = %d us", s.RemoteMinRx.Microseconds())
	p("   local demand = 0")
	p("   remote demand = %d", b2i(s.RemoteDemand))
	p("   remote detect multiplier = %d", s.RemoteMult)
	p("   %spoll, %sfinal", bang(s.Poll), bang(s.Final))
	p("   local tx intv = %d us", s.LocalTx.Microseconds())
	p("   remote tx intv = %d us", s.RemoteTx.Microseconds())
	p("   local detection time = %d us", s.LocalDetect.Microseconds())
	p("   remote detection time = %d us", s.RemoteDetect.Microseconds())
	if s.LastSeen.IsZero() {
		p("   last_seen = [never]")
	} else {
		// keepalived's "%.24s" of ctime: no microseconds inside.
		t := s.LastSeen.In(loc)
		us := fmt.Sprintf("%06d", t.Nanosecond()/1000)
		p("   last seen = %s.%s (%s.%s)", strconv.FormatInt(t.Unix(), 10), us, t.Format("Mon Jan _2 15:04:05 2006"), us)
	}
}

// fakePtr is keepalived's "%p" of a thread: "(nil)" when not scheduled,
// else an address (ours are not C pointers; n keeps them distinct).
func fakePtr(set bool, n uint64) string {
	if !set {
		return "(nil)"
	}
	return fmt.Sprintf("0x%x", 0x55d0c0de0000+n*0x40)
}

func capYesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func bang(b bool) string {
	if b {
		return ""
	}
	return "!"
}

// writeChildGlobals writes the global definitions as keepalived's checker
// and BFD processes print them: no default interface (only the VRRP
// process has it), and the lower-priority GARP values unset.
func writeChildGlobals(w io.Writer, cfg *config.Config) {
	g := cfg.Global
	// The child processes never compute the VRRP-side defaults: an unset
	// lower-priority GARP reads as keepalived's PARAMETER_UNSET.
	if f := &g.VRRPNotifyFIFO; f.Script == nil {
		f.Script = f.DroppedByVRRP // only the VRRP process checks it
	}
	if sd := g.LVS.SyncDaemon; sd != nil && sd.ByInstance {
		g.LVS.SyncDaemon = nil // only the VRRP process reads it
	}
	v := &g.VRRP
	if v.Firewall.NFTablesByVRRP {
		v.Firewall.NFTables = false
	}
	if v.GARPLowerPrioDelay == v.GARPMasterDelay && v.GARPLowerPrioRepeat == v.GARPMasterRepeat {
		v.GARPLowerPrioDelay, v.GARPLowerPrioRepeat = 4294967295*time.Second, -1
	}
	var b strings.Builder
	dumpGlobal(func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }, &g, nil, g.RouterID)
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		switch {
		case strings.HasPrefix(l, " Default interface = "):
			continue // only the VRRP process prints it
		case l == " Gratuitous ARP lower priority repeat = -1\n":
			l = " Gratuitous ARP lower priority repeat = 4294967295\n"
		}
		io.WriteString(w, l)
	}
}
