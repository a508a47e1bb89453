package parser

import (
	"fmt"
	"net"

	"github.com/dsas/keepalived-go/config"
)

// vrrpState is the parser's cursor into the VRRP side: the instance,
// sync group, script ... currently being filled, plus what keepalived
// decides only once the whole file is read.
type vrrpState struct {
	// ifs are the host's interfaces by name, read on first use (hostIf).
	ifs map[string]*net.Interface

	inst  *instDraft
	insts []*instDraft

	sg  *syncDraft
	sgs []*syncDraft

	script       *config.Script
	scriptPos    Pos
	scriptPosOf  map[string]Pos
	scriptRemove bool

	proc    *config.TrackProcess
	procPos Pos

	file    *config.TrackFile
	filePos Pos

	bfd       *config.BFDInstance
	bfdPos    Pos
	bfdEvents bool // vrrp or checker was written in this bfd_instance

	tg    *config.TrackGroup
	tgPos Pos
	tgSet bool

	garp    *config.GARPGroup
	garpPos Pos
	garpIfs map[string]bool // interfaces already in a garp_group

	// missing are interface references to interfaces that do not exist;
	// whether they are errors depends on dynamic_interfaces, which
	// keepalived knows before it reads any VRRP block (global_defs is
	// parsed by the parent first), so they are judged at the end.
	missing []missingIf

	// staticPos is the address token of each static address, for the
	// end-of-parse default_interface check.
	staticPos []token

	// rulePrio is the next automatic rule preference per family.
	rulePrio4, rulePrio6 uint32
}

// missingIf is a reference to a non-existent interface.
type missingIf struct {
	pos   Pos
	name  string
	msg   string
	class Class
	// flags: counts towards keepalived's "Non-existent interface specified"
	// (IF_CREATE_IF_DYNAMIC lookups); linkbeat/up-down delays do not.
	flags bool
}

// tri is a keepalived PARAMETER_UNSET-style optional value.
type tri[T any] struct {
	v   T
	set bool
}

func (t *tri[T]) put(v T) { t.v, t.set = v, true }

func (t tri[T]) or(def T) T {
	if t.set {
		return t.v
	}
	return def
}

// instDraft is a vrrp_instance while it is being read: keepalived keeps
// many settings "unset" until vrrp_complete_instance decides them.
type instDraft struct {
	in  config.Instance
	pos Pos

	wantState config.State // 0: not written
	priority  int          // 0: not written
	version   int          // 0: not written
	ttl       int          // -1: not written

	accept, strict, lowerPrioNoAdvert, higherPrioSendAdvert tri[bool]
	ownerIgnore, smtpAlert, notifyPrio                      tri[bool]
	garpLowerPrioDelay                                      tri[int64]
	garpLowerPrioRepeat                                     tri[int]
	garpExtraIf                                             tri[int64]
	skipCheckAdvAddr                                        tri[bool]
	v3ChecksumAsV2                                          tri[bool]
	downTimerAdverts                                        tri[int]
	garpMasterDelay, garpMasterRefresh                      tri[int64]
	garpMasterRepeat, garpMasterRefreshRepeat               tri[int]

	saddrFromConfig bool
	hasIf           bool // interface resolved (exists, not loopback)
	ifMissing       bool
	auth            config.AuthType
	authPass        string
	advertSet       bool
}

// syncDraft is a vrrp_sync_group while it is being read.
type syncDraft struct {
	g         config.SyncGroup
	pos       Pos
	members   []token
	hasGroup  bool
	smtp      tri[bool]
	notifyPri tri[bool]
}

// vg is the VRRP part of global_defs (defaults set by config.DefaultGlobal).
func (c *ctx) vg() *config.VRRPGlobal { return &c.Cfg.Global.VRRP }

// ifExists reports whether interface name exists (Options.InterfaceExists,
// else this host).
func (c *ctx) ifExists(name string) bool {
	if c.Opts != nil && c.Opts.InterfaceExists != nil {
		return c.Opts.InterfaceExists(name)
	}
	return c.hostIf(name) != nil
}

// ifLoopback reports whether an existing interface is a loopback. With a
// faked host only "lo" is.
func (c *ctx) ifLoopback(name string) bool {
	if c.Opts != nil && c.Opts.InterfaceExists != nil {
		return name == "lo"
	}
	ifi := c.hostIf(name)
	return ifi != nil && ifi.Flags&net.FlagLoopback != 0
}

// ifMulticast reports whether an existing interface has IFF_MULTICAST.
// A faked host (Options.InterfaceExists) has only multicast interfaces.
func (c *ctx) ifMulticast(name string) bool {
	if c.Opts != nil && c.Opts.InterfaceExists != nil {
		return true
	}
	ifi := c.hostIf(name)
	return ifi == nil || ifi.Flags&net.FlagMulticast != 0
}

// hostIf returns the host's interface called name, nil when there is
// none. The host's interfaces are read once per parse, as keepalived
// reads them once at start: each net.InterfaceByName is a netlink dump of
// every link, and asking three times per vrrp_instance made most of the
// parse of 512 instances (100 ms unloaded, more on a loaded host).
func (c *ctx) hostIf(name string) *net.Interface {
	if c.vrrp.ifs == nil {
		ifs, err := net.Interfaces()
		if err != nil {
			// Ask for this one alone, as before the cache.
			ifi, _ := net.InterfaceByName(name)
			return ifi
		}
		c.vrrp.ifs = make(map[string]*net.Interface, len(ifs))
		for i := range ifs {
			c.vrrp.ifs[ifs[i].Name] = &ifs[i]
		}
	}
	return c.vrrp.ifs[name]
}

// lookupIf is keepalived's if_get_by_ifname(IF_CREATE_IF_DYNAMIC): a
// missing interface is remembered with the message keepalived would print
// and judged at the end. It returns whether the interface exists.
func (c *ctx) lookupIf(pos Pos, name, format string, args ...any) bool {
	if c.ifExists(name) {
		return true
	}
	c.vrrp.missing = append(c.vrrp.missing, missingIf{pos: pos, name: name, msg: fmt.Sprintf(format, args...), class: generalError, flags: true})
	return false
}
