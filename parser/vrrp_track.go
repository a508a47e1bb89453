package parser

import (
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// Tracked objects (vrrp_script, vrrp_track_process, track_file,
// bfd_instance), the tracker items that reference them, and the small
// top-level blocks (track_group, garp_group, linkbeat_interfaces,
// interface_up_down_delays). References are single-pass: the object must
// be defined earlier in the file (keepalived's vrrp_track.c).

// trackWeight reads "weight N [reverse|noreverse]" after a tracked name;
// def/defRev are the object's defaults. ok=false drops the item.
func (c *ctx) trackWeight(owner, kind, name string, item []token, lo, hi int64, def int, defRev bool, rangeMsg string, allowNoreverse, dropOnBadRev bool) (int, bool, bool) {
	w, rev := def, defRev
	if len(item) < 2 {
		return w, rev, true
	}
	if item[1].Text != "weight" {
		c.Report(item[1].Pos, generalError, "(%s) unknown %s option %s - ignoring", owner, kind, item[1].Text)
		return 0, false, false
	}
	if len(item) == 2 {
		c.Report(item[1].Pos, generalError, "(%s) weight without value specified for %s %s - ignoring", owner, kind, name)
		return 0, false, false
	}
	if n, ok := c.quietInt(item[2], lo, hi); ok {
		w = int(n)
	} else {
		c.Report(item[2].Pos, generalError, rangeMsg, owner, item[2].Text, name)
	}
	if len(item) >= 4 {
		switch {
		case item[3].Text == "reverse":
			rev = true
		case item[3].Text == "noreverse" && allowNoreverse:
			rev = false
		default:
			c.Report(item[3].Pos, generalError, "(%s) unknown %s %s weight option %s - ignoring", owner, kind, name, item[3].Text)
			if dropOnBadRev {
				return 0, false, false
			}
		}
	}
	return w, rev, true
}

func hasTracker(l []config.Tracker, k config.TrackerKind, name string) bool {
	for _, t := range l {
		if t.Kind == k && t.Name == name {
			return true
		}
	}
	return false
}

// trackedKind is what differs between the tracker items of one kind:
// how the tracked object is found (its default weight and direction), and
// keepalived's wording and limits for it.
type trackedKind struct {
	kind     config.TrackerKind
	keyword  string // track_interface, track_script, ...
	what     string // the object in weight messages: "track script"
	find     func(c *ctx, owner string, name token) (weight int, reverse, ok bool)
	lo, hi   int64
	rangeMsg string
	// noreverse is accepted after the weight; badRevDrops drops the item on
	// an unknown word there; clamp254 turns +/-254 into +/-253.
	noreverse, badRevDrops, clamp254 bool
}

var (
	trackInterface = trackedKind{
		kind: config.TrackInterface, keyword: "track_interface", what: "track_interface",
		find: func(c *ctx, owner string, name token) (int, bool, bool) {
			c.lookupIf(name.Pos, name.Text, "(%s) tracked interface %s doesn't exist", owner, name.Text)
			return 0, false, true
		},
		lo: -254, hi: 254, clamp254: true,
		rangeMsg: "(%s) weight %s for %s must be between [-253..253] inclusive. Ignoring...",
	}
	trackScript = trackedKind{
		kind: config.TrackScript, keyword: "track_script", what: "track script",
		find: weightOf((*ctx).findScript, func(s *config.Script) (int, bool) { return s.Weight, s.WeightReverse }),
		lo:   -254, hi: 254, noreverse: true, clamp254: true,
		rangeMsg: "(%s) track script %[3]s: weight must be between [-253..253] inclusive, ignoring...%.0[2]s",
	}
	trackFile = trackedKind{
		kind: config.TrackFileKind, keyword: "track_file", what: "track file",
		find: weightOf((*ctx).findFile, func(f *config.TrackFile) (int, bool) { return f.Weight, f.WeightReverse }),
		lo:   -254, hi: 254, noreverse: true, badRevDrops: true,
		rangeMsg: "(%s) weight for track file %[3]s must be in [-254..254] inclusive. Ignoring...%.0[2]s",
	}
	trackProcess = trackedKind{
		kind: config.TrackProcessKind, keyword: "track_process", what: "track process",
		find: weightOf((*ctx).findProcess, func(p *config.TrackProcess) (int, bool) { return p.Weight, p.WeightReverse }),
		lo:   -254, hi: 254, noreverse: true,
		rangeMsg: "(%s) weight for track process %[3]s must be in [-254..254] inclusive. Ignoring...%.0[2]s",
	}
	trackBFD = trackedKind{
		kind: config.TrackBFD, keyword: "track_bfd", what: "track bfd",
		find: weightOf((*ctx).findBFD, func(b *config.BFDInstance) (int, bool) { return b.Weight, b.WeightReverse }),
		lo:   -253, hi: 253, noreverse: true, badRevDrops: true,
		rangeMsg: "(%s) weight for track bfd %[3]s must be in [-253..253] inclusive. Ignoring...%.0[2]s",
	}
)

// trackKeywords are the track_* blocks an instance and a sync group share;
// open returns the owner's name and tracker list, or false outside one.
func trackKeywords(open func(c *ctx) (owner string, l *[]config.Tracker, ok bool)) table {
	t := table{}
	for name, k := range map[string]*trackedKind{
		"track_interface": &trackInterface,
		"track_script":    &trackScript,
		"track_file":      &trackFile,
		"track_process":   &trackProcess,
		"track_bfd":       &trackBFD,
	} {
		t[name] = &keyword{Kind: kwItemBlock, Item: func(c *ctx, item []token) {
			if owner, l, ok := open(c); ok && len(item) > 0 {
				c.trackItem(k, owner, l, item)
			}
		}}
	}
	return t
}

// weightOf makes a trackedKind's find from a lookup and the object's
// default weight and direction.
func weightOf[T any](find func(c *ctx, name string) *T, weight func(x *T) (int, bool)) func(c *ctx, owner string, name token) (int, bool, bool) {
	return func(c *ctx, _ string, name token) (int, bool, bool) {
		if x := find(c, name.Text); x != nil {
			w, rev := weight(x)
			return w, rev, true
		}
		return 0, false, false
	}
}

// named is the element of l called name, or nil.
func named[T any](l []T, name string, nameOf func(x *T) string) *T {
	for i := range l {
		if nameOf(&l[i]) == name {
			return &l[i]
		}
	}
	return nil
}

// trackItem is one line of a track_* block of an instance or sync group
// (owner): "NAME [weight N [reverse|noreverse]]", appended to l unless
// the object is unknown, already tracked, or its options are bad.
func (c *ctx) trackItem(k *trackedKind, owner string, l *[]config.Tracker, item []token) {
	name := item[0]
	defW, defRev, found := k.find(c, owner, name)
	if !found {
		c.Report(name.Pos, generalError, "(%s) %s %s not found, ignoring...", owner, k.what, name.Text)
		return
	}
	if hasTracker(*l, k.kind, name.Text) {
		c.Report(name.Pos, generalError, "(%s) duplicate %s %s - ignoring", owner, k.keyword, name.Text)
		return
	}
	w, rev, ok := c.trackWeight(owner, k.what, name.Text, item, k.lo, k.hi, defW, defRev, k.rangeMsg, k.noreverse, k.badRevDrops)
	if !ok {
		return
	}
	// Only a written weight can be +/-254: the objects' own are checked
	// where they are defined.
	if k.clamp254 && len(item) >= 3 && (w == 254 || w == -254) {
		c.Report(item[2].Pos, generalError, "(%s) weight for %s cannot be +/-254. Setting to +/-253", owner, name.Text)
		w = w / 254 * 253
	}
	*l = append(*l, config.Tracker{Kind: k.kind, Name: name.Text, Weight: w, Reverse: rev})
}

func (c *ctx) findScript(name string) *config.Script {
	return named(c.Cfg.VRRP.Scripts, name, func(x *config.Script) string { return x.Name })
}

func (c *ctx) findFile(name string) *config.TrackFile {
	return named(c.Cfg.VRRP.Files, name, func(x *config.TrackFile) string { return x.Name })
}

func (c *ctx) findProcess(name string) *config.TrackProcess {
	return named(c.Cfg.VRRP.Processes, name, func(x *config.TrackProcess) string { return x.Name })
}

// findBFD is a bfd_instance the VRRP side knows: keepalived's VRRP process
// does not know one that sends its events to the checker only, so a
// track_bfd naming it is "not found" (a -t error, status 5).
func (c *ctx) findBFD(name string) *config.BFDInstance {
	b := named(c.Cfg.VRRP.BFDs, name, func(x *config.BFDInstance) string { return x.Name })
	if b != nil && b.ToChecker && !b.ToVRRP {
		return nil
	}
	return b
}

// ---- vrrp_script ----

func scriptKeywords() table {
	return table{
		"script": {Script: true, Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if cmd, ok := c.Command(kw, args, false); ok {
				s.Command = cmd
			}
		})},
		"interval": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 3, 0, 4294*time.Second)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script interval '%s' must be between 0.001 and %d - ignoring", s.Name, args[0].Text, 4294)
				return
			}
			if v == 0 {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script interval must be greater than 0, setting to 1", s.Name)
				v = time.Second
			}
			s.Interval = v
		})},
		"timeout": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 3, 0, 4294*time.Second)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script timeout '%s' invalid - ignoring", s.Name, args[0].Text)
				return
			}
			if v == 0 {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script timeout must be greater than 0, setting to 1", s.Name)
				v = time.Second
			}
			s.Timeout = v
		})},
		"weight": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			// keepalived stores the value even when out of range.
			n, ok := c.quietInt(args[0], -253, 253)
			if !ok {
				c.Report(args[0].Pos, generalError, "vrrp_script %s weight %s must be in [-253, 253]", s.Name, args[0].Text)
			}
			s.Weight = int(n)
			if len(args) >= 2 {
				if args[1].Text == "reverse" {
					s.WeightReverse = true
				} else {
					c.Report(args[1].Pos, generalError, "vrrp_script %s unknown weight option %s", s.Name, args[1].Text)
				}
			}
		})},
		"rise": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 1, 1<<31-1)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script rise value '%s' invalid, defaulting to 1", s.Name, args[0].Text)
				n = 1
			}
			s.Rise = int(n)
		})},
		"fall": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 1, 1<<31-1)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): vrrp script fall value '%s' invalid, defaulting to 1", s.Name, args[0].Text)
				n = 1
			}
			s.Fall = int(n)
		})},
		"user": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			grp := ""
			if len(args) >= 2 {
				grp = args[1].Text
			}
			if _, _, ok := c.lookupUser(args[0].Text, grp); !ok {
				c.reportUserMissing(args[0].Text, grp)
				c.Report(args[0].Pos, generalError, "Unable to set uid/gid for script %s", s.Command.Quoted())
				c.vrrp.scriptRemove = true
				return
			}
			c.vrrp.scriptRemove = false
			s.Command.User = args[0].Text
			if len(args) >= 2 {
				s.Command.Group = args[1].Text
			}
		})},
		"init_fail": {Handle: inScript(func(c *ctx, s *config.Script, kw token, args []token) { s.InitFail = true })},
	}
}

// inOpen runs h on the object of the block being read (open), if it is
// kept: a dropped block swallows its keywords.
func inOpen[T any](open func(c *ctx) *T, h func(c *ctx, x *T, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return func(c *ctx, kw token, args []token) {
		if x := open(c); x != nil {
			h(c, x, kw, args)
		}
	}
}

// inScript runs h only inside a vrrp_script block that is being kept.
func inScript(h func(c *ctx, s *config.Script, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return inOpen(func(c *ctx) *config.Script { return c.vrrp.script }, h)
}

func vrrpScriptStart(c *ctx, kw token, args []token) {
	c.vrrp.script = nil
	if !c.Require(kw, args, 1) {
		return
	}
	c.vrrp.script = &config.Script{Name: args[0].Text, Interval: time.Second, Rise: 1, Fall: 1}
	c.vrrp.scriptPos, c.vrrp.scriptRemove = kw.Pos, false
}

func vrrpScriptEnd(c *ctx) {
	s := c.vrrp.script
	c.vrrp.script = nil
	if s == nil {
		return
	}
	if len(s.Command.Argv) == 0 {
		c.Report(c.core.posNow(), generalError, "No script set for vrrp_script %s - removing", s.Name)
		return
	}
	if c.vrrp.scriptRemove {
		return
	}
	if s.Command.User == "" && !c.defaultScriptUserOK() {
		c.Report(c.core.posNow(), generalError, "Unable to set default user for vrrp script %s - removing", s.Name)
		return
	}
	if c.vrrp.scriptPosOf == nil {
		c.vrrp.scriptPosOf = map[string]Pos{}
	}
	c.vrrp.scriptPosOf[s.Name] = c.vrrp.scriptPos
	c.Cfg.VRRP.Scripts = append(c.Cfg.VRRP.Scripts, *s)
}

// ---- vrrp_track_process ----

func processKeywords() table {
	return table{
		"process": {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			if p.Process != "" {
				c.Report(args[0].Pos, generalError, "Process already set for track process %s - ignoring %s", p.Name, args[0].Text)
				return
			}
			p.Process = args[0].Text
			if len(args) > 1 {
				for _, a := range args[1:] {
					p.Params = append(p.Params, a.Text)
				}
				if p.ParamMatch == config.MatchNone {
					p.ParamMatch = config.MatchExact
				}
				p.FullCommand = true
			}
		})},
		"param_match": {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
			if len(args) == 0 {
				p.ParamMatch, p.FullCommand = config.MatchExact, true
				return
			}
			switch args[0].Text {
			case "initial":
				p.ParamMatch, p.FullCommand = config.MatchInitial, true
			case "partial":
				p.ParamMatch, p.FullCommand = config.MatchPartial, true
			default:
				c.Report(args[0].Pos, generalError, "Invalid param_match type %s - ignoring", args[0].Text)
			}
		})},
		"weight": {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "No weight specified for track process %s - ignoring", p.Name)
				return
			}
			if p.Weight != 0 {
				c.Report(args[0].Pos, generalError, "Weight already set for track process %s - ignoring %s", p.Name, args[0].Text)
				return
			}
			n, ok := c.quietInt(args[0], -254, 254)
			if !ok {
				c.Report(args[0].Pos, generalError, "Weight (%s) for vrrp_track_process %s must be between [-254..254] inclusive. Ignoring...", args[0].Text, p.Name)
				return
			}
			if len(args) >= 2 {
				if args[1].Text == "reverse" {
					p.WeightReverse = true
				} else {
					c.Report(args[1].Pos, generalError, "vrrp_track_process %s unknown weight option %s", p.Name, args[1].Text)
				}
			}
			p.Weight = int(n)
		})},
		"quorum": {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 1, 65535)
			if !ok {
				c.Report(args[0].Pos, generalError, "Quorum (%s) for vrrp_track_process %s must be between [1..65535] inclusive. Ignoring...", args[0].Text, p.Name)
				return
			}
			if p.QuorumMax >= 0 && int(n) > p.QuorumMax {
				c.Report(args[0].Pos, generalError, "Quorum is greater than quorum_max - ignoring")
				return
			}
			p.Quorum = int(n)
		})},
		"quorum_max": {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 0, 65535)
			if !ok {
				c.Report(args[0].Pos, generalError, "quorum_max (%s) for vrrp_track_process %s must be between [0..65535] inclusive. Ignoring...", args[0].Text, p.Name)
				return
			}
			if (n != 0 || p.Quorum > 1) && int(n) < p.Quorum {
				c.Report(args[0].Pos, generalError, "quorum_max is less than quorum - ignoring")
				return
			}
			p.QuorumMax = int(n)
			if n == 0 {
				p.Quorum = 0
			} else if p.Quorum == 0 {
				p.Quorum = 1
			}
		})},
		"delay":           {Handle: processDelay("")},
		"terminate_delay": {Handle: processDelay("terminate_")},
		"fork_delay":      {Handle: processDelay("fork_")},
		"full_command":    {Handle: inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) { p.FullCommand = true })},
	}
}

// inProcess runs h only inside a vrrp_track_process block that is being kept.
func inProcess(h func(c *ctx, p *config.TrackProcess, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return inOpen(func(c *ctx) *config.TrackProcess { return c.vrrp.proc }, h)
}

// processDelay reads terminate_delay, fork_delay or (both) delay.
func processDelay(which string) func(c *ctx, kw token, args []token) {
	return inProcess(func(c *ctx, p *config.TrackProcess, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		v, ok := c.quietTimer(args[0], 6, time.Microsecond, 3600*time.Second)
		if !ok {
			c.Report(args[0].Pos, generalError, "%sdelay (%s) for vrrp_track_process %s must be between [0.000001..3600] inclusive. Ignoring...", which, args[0].Text, p.Name)
			return
		}
		if which != "fork_" {
			p.TerminateDelay = v
		}
		if which != "terminate_" {
			p.ForkDelay = v
		}
	})
}

func trackProcessStart(c *ctx, kw token, args []token) {
	c.vrrp.proc = nil
	if !c.Require(kw, args, 1) {
		return
	}
	c.vrrp.proc = &config.TrackProcess{Name: args[0].Text, Quorum: 1, QuorumMax: -1}
	c.vrrp.procPos = kw.Pos
}

func trackProcessEnd(c *ctx) {
	p := c.vrrp.proc
	c.vrrp.proc = nil
	if p == nil {
		return
	}
	if p.Process == "" {
		c.Report(c.vrrp.procPos, generalError, "track process '%s' process name not specified", p.Name)
		return
	}
	c.Cfg.VRRP.Processes = append(c.Cfg.VRRP.Processes, *p)
}

// ---- track_file ----

func fileKeywords() table {
	in := func(h func(c *ctx, f *config.TrackFile, kw token, args []token)) func(c *ctx, kw token, args []token) {
		return func(c *ctx, kw token, args []token) {
			if c.vrrp.file != nil {
				h(c, c.vrrp.file, kw, args)
			}
		}
	}
	return table{
		"file": {Handle: in(func(c *ctx, f *config.TrackFile, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "track file file name missing")
				return
			}
			if f.Path != "" {
				c.Report(args[0].Pos, generalError, "File already set for track file %s - ignoring %s", f.Name, args[0].Text)
				return
			}
			f.Path = args[0].Text
		})},
		"weight": {Handle: in(func(c *ctx, f *config.TrackFile, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "No weight specified for track file %s - ignoring", f.Name)
				return
			}
			// keepalived detects "already set" by the weight differing from 1.
			if f.Weight != 1 {
				c.Report(args[0].Pos, generalError, "Weight already set for track file %s - ignoring %s", f.Name, args[0].Text)
				return
			}
			n, ok := c.quietInt(args[0], -254, 254)
			if !ok {
				c.Report(args[0].Pos, generalError, "Weight (%s) for track_file %s must be between [-254..254] inclusive. Ignoring...", args[0].Text, f.Name)
				n = 1
			}
			f.Weight = int(n)
			if len(args) >= 2 {
				if args[1].Text == "reverse" {
					f.WeightReverse = true
				} else {
					c.Report(args[1].Pos, generalError, "track_file %s unknown weight option %s", f.Name, args[1].Text)
				}
			}
		})},
		"init_file": {Handle: in(func(c *ctx, f *config.TrackFile, kw token, args []token) {
			f.Init, f.InitValue = true, 0
			for _, a := range args {
				w := strings.TrimLeft(a.Text, " \t")
				switch {
				case w != "" && (w[0] == '-' || (w[0] >= '0' && w[0] <= '9')):
					n, err := strconv.ParseInt(w, 10, 32)
					if err != nil {
						c.Report(a.Pos, generalError, "Track file %s init value %s is invalid", f.Name, w)
						n = 0
					} else if n < -254 || n > 254 {
						c.Report(a.Pos, generalError, "Track file %s init value %d is outside sensible range [%d, %d]", f.Name, n, -254, 254)
					}
					f.InitValue = int(n)
				case w == "overwrite":
					f.InitOverwrite = true
				default:
					c.Report(a.Pos, generalError, "Unknown track file init option %s", w)
				}
			}
		})},
	}
}

func trackFileStart(c *ctx, kw token, args []token) {
	c.vrrp.file = nil
	if kw.Text == "vrrp_track_file" {
		c.Report(kw.Pos, info, "\"vrrp_track_file\" is deprecated, please use \"track_file\"")
		c.afterRead() // a plain log line in keepalived (track_file.c)
	}
	if !c.Require(kw, args, 1) {
		return
	}
	c.vrrp.file = &config.TrackFile{Name: args[0].Text, Weight: 1}
	c.vrrp.filePos = kw.Pos
}

func trackFileEnd(c *ctx) {
	f := c.vrrp.file
	c.vrrp.file = nil
	if f == nil {
		return
	}
	if f.Path == "" {
		c.Report(c.vrrp.filePos, generalError, "No file set for track_file %s - ignoring", f.Name)
		return
	}
	dir := "."
	if i := strings.LastIndexByte(f.Path, '/'); i >= 0 {
		dir = f.Path[:i]
		if dir == "" {
			dir = "/"
		}
	}
	if !dirExists(dir) {
		// 2.3 removes the tracker here (a generalError); 2.2.7's -t
		// keeps it silently and -t must exit as 2.2.7 does. Its daemon
		// removes it at start (init_track_files; vrrpconf's
		// goneTrackFiles).
		c.Report(c.vrrp.filePos, info, "track file directory for %s does not exist", f.Name)
	}
	c.Cfg.VRRP.Files = append(c.Cfg.VRRP.Files, *f)
}

// ---- bfd_instance ----

func bfdKeywords() table {
	return table{
		"source_ip": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			a, ok := stoAddr(args[0].Text)
			if !ok {
				c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s has malformed source address %s, ignoring", b.Name, args[0].Text)
				return
			}
			b.Source = a
		})},
		"neighbor_ip":  {Handle: inBFD(bfdNeighbor)},
		"neighbour_ip": {Handle: inBFD(bfdNeighbor)},
		"min_rx":       {Handle: bfdMillis("min_rx", 1, 4294967, func(b *config.BFDInstance, d time.Duration) { b.MinRx = d })},
		"min_tx":       {Handle: bfdMillis("min_tx", 1, 4294967, func(b *config.BFDInstance, d time.Duration) { b.MinTx = d })},
		"idle_tx":      {Handle: bfdMillis("idle_tx", 1000, 4294967, func(b *config.BFDInstance, d time.Duration) { b.IdleTx = d })},
		"multiplier": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 1, 255)
			if !ok {
				c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s multiplier value %s not valid (must be in range [%d-%d]), ignoring", b.Name, args[0].Text, 1, 255)
				return
			}
			b.Multiplier = int(n)
		})},
		"passive":  {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) { b.Passive = true })},
		"ttl":      {Handle: inBFD(bfdTTL)},
		"hoplimit": {Handle: inBFD(bfdTTL)},
		"max_hops": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietInt(args[0], -1, 255)
			if !ok {
				c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s max_hops value %s not valid (must be in range [-1-%d]), ignoring", b.Name, args[0].Text, 255)
				return
			}
			b.MaxHops = int(n)
		})},
		"weight": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietInt(args[0], -253, 253)
			if !ok {
				c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s weight value %s not valid (must be in range [%d-%d]), ignoring", b.Name, args[0].Text, -253, 253)
			} else {
				b.Weight = int(n)
			}
			if len(args) >= 2 {
				if args[1].Text == "reverse" {
					b.WeightReverse = true
				} else {
					c.Report(args[1].Pos, generalError, "Configuration error: BFD instance %s unknown weight option %s", b.Name, args[1].Text)
				}
			}
		})},
		"vrrp": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			b.ToVRRP, c.vrrp.bfdEvents = true, true
		})},
		"checker": {Handle: inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
			b.ToChecker, c.vrrp.bfdEvents = true, true
		})},
	}
}

// inBFD runs h only inside a bfd_instance block that is being kept.
func inBFD(h func(c *ctx, b *config.BFDInstance, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return inOpen(func(c *ctx) *config.BFDInstance { return c.vrrp.bfd }, h)
}

// bfdMillis reads a millisecond interval into set.
func bfdMillis(name string, lo, hi int64, set func(b *config.BFDInstance, d time.Duration)) func(c *ctx, kw token, args []token) {
	return inBFD(func(c *ctx, b *config.BFDInstance, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		v, ok := c.quietTimer(args[0], 3, time.Duration(lo)*time.Second, time.Duration(hi)*time.Second)
		if !ok {
			c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s %s value %s is not valid (must be in range [%d-%d]), ignoring", b.Name, name, args[0].Text, lo, hi)
			return
		}
		// The value is milliseconds with 3 decimals, read as if seconds.
		set(b, v/1000)
	})
}

// bfdNeighbor is neighbor_ip / neighbour_ip: a bad address drops the instance.
func bfdNeighbor(c *ctx, b *config.BFDInstance, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	a, ok := stoAddr(args[0].Text)
	if !ok {
		word := "neighbor"
		if kw.Text == "neighbour_ip" {
			word = "neighbour"
		}
		c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s has malformed %s address %s, ignoring instance", b.Name, word, args[0].Text)
		c.vrrp.bfd = nil
		return
	}
	b.Neighbor = a
}

func bfdTTL(c *ctx, b *config.BFDInstance, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	n, ok := c.quietUint(args[0], 1, 255)
	if !ok {
		c.Report(args[0].Pos, generalError, "Configuration error: BFD instance %s ttl/hoplimit value %s not valid (must be in range [1-%d]), ignoring", b.Name, args[0].Text, 255)
		return
	}
	b.TTL = int(n)
}

func bfdStart(c *ctx, kw token, args []token) {
	c.vrrp.bfd = nil
	c.Cfg.VRRP.BFDConfigured = true
	if !c.Require(kw, args, 1) {
		return
	}
	// What the block reports is the BFD child's: the VRRP and checker
	// children read it with handlers that check nothing.
	c.core.proc = ProcBFD
	defer func() {
		if c.vrrp.bfd == nil {
			c.core.proc = ProcVRRP
		}
	}()
	name := args[0].Text
	if len(name) >= 32 {
		c.Report(args[0].Pos, generalError, "BFD name %s too long", name)
		c.SkipBlock()
		return
	}
	if c.findBFD(name) != nil {
		c.Report(args[0].Pos, generalError, "BFD %s already specified", name)
		c.SkipBlock()
		return
	}
	c.vrrp.bfd = &config.BFDInstance{Name: name, MinRx: 10 * time.Millisecond, MinTx: 10 * time.Millisecond,
		IdleTx: time.Second, Multiplier: 5}
	c.vrrp.bfdPos, c.vrrp.bfdEvents = kw.Pos, false
}

// bfdEnd is the BFD process's bfd_end_handler (its checks reach -t).
func bfdEnd(c *ctx) {
	b := c.vrrp.bfd
	c.vrrp.bfd = nil
	defer func() { c.core.proc = ProcVRRP }()
	if b == nil {
		return
	}
	if !c.vrrp.bfdEvents {
		b.ToVRRP, b.ToChecker = true, true
	}
	// What the BFD child disables the VRRP child still tracks.
	disable := func() {
		b.Disabled = true
		c.Cfg.VRRP.BFDs = append(c.Cfg.VRRP.BFDs, *b)
	}
	if !b.Neighbor.IsValid() {
		c.Report(c.vrrp.bfdPos, generalError, "Configuration error: BFD instance %s has no neighbor address set, disabling instance", b.Name)
		disable()
		return
	}
	if b.Source.IsValid() && b.Source.Is4() != b.Neighbor.Is4() {
		c.Report(c.vrrp.bfdPos, generalError, "Configuration error: BFD instance %s source address %s and neighbor address %s are not of the same family, disabling instance", b.Name, b.Source, b.Neighbor)
		disable()
		return
	}
	for _, o := range c.Cfg.VRRP.BFDs {
		if !o.Disabled && o.Neighbor == b.Neighbor && o.Source == b.Source {
			c.Report(c.vrrp.bfdPos, generalError, "Configuration error: BFD instance %s has duplicate neighbor address %s, ignoring instance", b.Name, b.Neighbor)
			disable()
			return
		}
	}
	if b.TTL == 0 {
		b.TTL = 255
		if b.Neighbor.Is6() {
			b.TTL = 64
		}
	}
	if b.MaxHops > b.TTL {
		c.Report(c.vrrp.bfdPos, generalError, "BFD instance %s: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit", b.Name)
		b.MaxHops = b.TTL
	}
	c.Cfg.VRRP.BFDs = append(c.Cfg.VRRP.BFDs, *b)
}

// ---- track_group ----

func trackGroupStart(c *ctx, kw token, args []token) {
	c.vrrp.tg = nil
	if len(args) != 1 {
		c.Report(kw.Pos, generalError, "track_group must have a name - skipping")
		c.SkipBlock()
		return
	}
	if c.findTrackGroup(args[0].Text) {
		c.Report(args[0].Pos, generalError, "track_group %s already defined", args[0].Text)
		c.SkipBlock()
		return
	}
	c.vrrp.tg = &config.TrackGroup{Name: args[0].Text}
	c.vrrp.tgPos, c.vrrp.tgSet = kw.Pos, false
}

func trackGroupGroup(c *ctx, words []token) {
	g := c.vrrp.tg
	if g == nil {
		return
	}
	if c.vrrp.tgSet {
		c.Report(c.vrrp.tgPos, generalError, "Group list already specified for sync group %s", g.Name)
		return
	}
	c.vrrp.tgSet = true
	for _, w := range words {
		g.Instances = append(g.Instances, w.Text)
	}
	if len(words) == 0 {
		c.Report(c.vrrp.tgPos, generalError, "Warning - track group %s has empty group block", g.Name)
	}
}

func trackGroupEnd(c *ctx) {
	g := c.vrrp.tg
	c.vrrp.tg = nil
	if g == nil {
		return
	}
	if len(g.Instances) == 0 {
		// keepalived drops it after the read (static_track_group_set)
		// with a plain log line: no prefix, and no -t error.
		c.Report(c.vrrp.tgPos, info, "Static track group %s has no virtual router(s)", g.Name)
		c.afterRead()
		return
	}
	c.Cfg.VRRP.TrackGroups = append(c.Cfg.VRRP.TrackGroups, *g)
}

// ---- garp_group ----

func garpGroupKeywords() table {
	in := func(h func(c *ctx, g *config.GARPGroup, kw token, args []token)) func(c *ctx, kw token, args []token) {
		return func(c *ctx, kw token, args []token) {
			if c.vrrp.garp != nil {
				h(c, c.vrrp.garp, kw, args)
			}
		}
	}
	interval := func(name string, set func(g *config.GARPGroup, d time.Duration)) func(c *ctx, kw token, args []token) {
		return in(func(c *ctx, g *config.GARPGroup, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 6, 0, 4294*time.Second)
			if !ok {
				c.Report(args[0].Pos, generalError, "garp_group %s '%s' invalid", name, args[0].Text)
				return
			}
			set(g, v)
			if v >= time.Second {
				c.Report(args[0].Pos, info, "The %s is very large - %s seconds", name, args[0].Text)
			}
		})
	}
	addIf := func(c *ctx, g *config.GARPGroup, t token) {
		if !c.ifExists(t.Text) {
			if c.vg().DynamicInterfaces {
				c.Report(t.Pos, info, "WARNING - interface %s specified for garp_group doesn't exist", t.Text)
			} else {
				c.lookupIf(t.Pos, t.Text, "WARNING - interface %s specified for garp_group doesn't exist", t.Text)
			}
			return
		}
		if c.vrrp.garpIfs == nil {
			c.vrrp.garpIfs = map[string]bool{}
		}
		if c.vrrp.garpIfs[t.Text] {
			c.Report(t.Pos, generalError, "garp_group already specified for %s - ignoring", t.Text)
			return
		}
		c.vrrp.garpIfs[t.Text] = true
		g.Interfaces = append(g.Interfaces, t.Text)
	}
	return table{
		"garp_interval": {Handle: interval("garp_interval", func(g *config.GARPGroup, d time.Duration) { g.GARPInterval = d })},
		"gna_interval":  {Handle: interval("gna_interval", func(g *config.GARPGroup, d time.Duration) { g.GNAInterval = d })},
		"interface": {Handle: in(func(c *ctx, g *config.GARPGroup, kw token, args []token) {
			if c.Require(kw, args, 1) {
				addIf(c, g, args[0])
			}
		})},
		"interfaces": {Kind: kwWordBlock, Words: func(c *ctx, words []token) {
			g := c.vrrp.garp
			if g == nil {
				return
			}
			if len(words) == 0 {
				c.Report(c.vrrp.garpPos, generalError, "Warning - empty garp_group interfaces block")
				return
			}
			g.AggregationGroup = 1
			for _, o := range c.Cfg.VRRP.GARPGroups {
				if o.AggregationGroup != 0 {
					g.AggregationGroup++
				}
			}
			for _, w := range words {
				addIf(c, g, w)
			}
		}},
	}
}

func garpGroupStart(c *ctx, kw token, args []token) {
	c.vrrp.garp = &config.GARPGroup{}
	c.vrrp.garpPos = kw.Pos
}

func garpGroupEnd(c *ctx) {
	g := c.vrrp.garp
	c.vrrp.garp = nil
	if g == nil {
		return
	}
	if g.GARPInterval == 0 && g.GNAInterval == 0 {
		c.Report(c.vrrp.garpPos, generalError, "garp group %d does not have any delay set - removing", g.AggregationGroup)
		for _, n := range g.Interfaces {
			delete(c.vrrp.garpIfs, n)
		}
		return
	}
	c.Cfg.VRRP.GARPGroups = append(c.Cfg.VRRP.GARPGroups, *g)
}

// ---- linkbeat_interfaces / interface_up_down_delays ----

// missingFatal records an unknown interface in linkbeat_interfaces or
// interface_up_down_delays: CONFIG_FATAL unless dynamic_interfaces.
func (c *ctx) missingFatal(t token, format string) bool {
	if c.ifExists(t.Text) {
		return true
	}
	c.vrrp.missing = append(c.vrrp.missing, missingIf{pos: t.Pos, name: t.Text, msg: sprintfName(format, t.Text), class: fatal})
	return false
}

func sprintfName(format, name string) string { return strings.Replace(format, "%s", name, 1) }

func linkbeatItem(c *ctx, item []token) {
	c.missingFatal(item[0], "unknown interface %s specified for linkbeat interface")
	lb := config.LinkbeatInterface{Name: item[0].Text}
	if len(item) > 1 {
		switch item[1].Text {
		case "MII", "ETHTOOL", "IOCTL":
			lb.Type = item[1].Text
		}
		if lb.Type == "" || len(item) > 2 {
			c.Report(item[1].Pos, generalError, "extra characters %s in linkbeat interface", item[1].Text)
		}
	}
	c.Cfg.VRRP.Linkbeat = append(c.Cfg.VRRP.Linkbeat, lb)
}

func upDownDelayItem(c *ctx, item []token) {
	c.missingFatal(item[0], "unknown interface %s specified for up/down delay")
	name := item[0].Text
	if len(item) < 2 {
		c.Report(item[0].Pos, info, "No timeouts specified for %s up/down delays", name)
		c.afterRead() // log_message in keepalived: no "(Line N)"
		return
	}
	if len(item) > 3 {
		c.Report(item[3].Pos, info, "Too many parameters for %s up/down delays", name)
		c.afterRead() // log_message in keepalived: no "(Line N)"
	}
	down, ok := c.quietTimer(item[1], 6, 0, 255*time.Second)
	if !ok {
		c.Report(item[1].Pos, info, "Invalid down delay %s for %s", item[1].Text, name)
		c.afterRead() // log_message in keepalived: no "(Line N)"
		return
	}
	var up time.Duration
	if len(item) >= 3 {
		if up, ok = c.quietTimer(item[2], 6, 0, 255*time.Second); !ok {
			c.Report(item[2].Pos, info, "Invalid up delay %s for %s", item[2].Text, name)
			c.afterRead() // log_message in keepalived: no "(Line N)"
			return
		}
	}
	c.Cfg.VRRP.UpDownDelays = append(c.Cfg.VRRP.UpDownDelays, config.InterfaceDelay{Name: name, Down: down, Up: up})
}
