package config

import (
	"net/netip"
	"time"
)

// LVS is the checker/IPVS side of a configuration. Everything here has
// been through keepalived's validate_check_config: virtual servers that
// keepalived would drop are absent, defaults and inheritance are applied,
// and each Checker carries the timing it will really use.
type LVS struct {
	// SSL is the SSL block; nil when absent (keepalived then builds a
	// default client context if any SSL_GET needs one).
	SSL *SSL
	// Groups are the virtual_server_groups that survived parsing.
	Groups []*VirtualServerGroup
	// HaveCheckerConfig: a virtual_server block was read, even if none
	// survived validation; keepalived then still runs its checker process
	// (have_checker_config), which logs, dumps its globals and idles.
	HaveCheckerConfig bool
	// CheckerBFDs are the bfd_instances whose events the checker side
	// takes, in file order, those the BFD side disables included
	// (keepalived's check_data->track_bfds).
	CheckerBFDs []string
	// Refused: keepalived's checker child gives up reading the file (a
	// keyword missing its parameter) and exits with CONFIG at start; the
	// daemon terminates with exit 2.
	Refused bool
	// VirtualServers in configuration order.
	VirtualServers []*VirtualServer
}

// Group returns the virtual_server_group called name, or nil.
func (l *LVS) Group(name string) *VirtualServerGroup {
	for _, g := range l.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// SSL is the client TLS context of SSL_GET checkers.
type SSL struct {
	Password    string
	CAFile      string
	Certificate string
	Key         string
}

// LVSGlobal is the LVS part of global_defs.
type LVSGlobal struct {
	// Timeouts are IPVS connection timeouts in seconds; 0 leaves the
	// kernel's value alone.
	Timeouts LVSTimeouts
	// Flush empties the IPVS table at startup (lvs_flush).
	Flush bool
	// FlushOnStop says what to remove at shutdown instead of deleting our
	// own services one by one (lvs_flush_on_stop).
	FlushOnStop LVSFlushMode
	// SyncDaemon is lvs_sync_daemon; nil when not configured.
	SyncDaemon *SyncDaemon
	// NFTables is nftables_ipvs; nil when not configured.
	NFTables *IPVSNFTables

	NetlinkCmdRcvBufs          uint32 // 0: system default
	NetlinkCmdRcvBufsForce     bool
	NetlinkMonitorRcvBufs      uint32
	NetlinkMonitorRcvBufsForce bool

	// SNMP statistics refresh intervals (2.3): 5s and 0 by default.
	SNMPVSStatsInterval time.Duration
	SNMPRSStatsInterval time.Duration
}

// LVSTimeouts is lvs_timeouts (seconds).
type LVSTimeouts struct {
	TCP    uint32
	TCPFin uint32
	UDP    uint32
}

// LVSFlushMode is the lvs_flush_on_stop setting.
type LVSFlushMode uint8

const (
	FlushNone LVSFlushMode = iota
	FlushFull              // whole IPVS table
	FlushVS                // virtual servers only (lvs_flush_on_stop VS)
)

// SyncDaemon is lvs_sync_daemon: the IPVS connection sync daemon, run as
// master/backup following a VRRP instance.
type SyncDaemon struct {
	Interface string
	// Instance is the VRRP instance whose state drives the daemon; the
	// VRRP side resolves it (order-free).
	Instance string
	// SyncID is the sync id; when SyncIDSet is false keepalived uses the
	// instance's virtual_router_id.
	SyncID    uint8
	SyncIDSet bool
	MaxLen    uint16     // 0: kernel default
	Port      uint16     // 0: kernel default (8848)
	TTL       uint8      // 0: kernel default
	Group     netip.Addr // invalid: kernel default group
	// ByInstance: set by the deprecated lvs_sync_daemon_interface of a
	// vrrp_instance, which only keepalived's VRRP process reads (its
	// checker and BFD processes' dumps do not show it).
	ByInstance bool
}

// IPVSNFTables is nftables_ipvs: a virtual_server_group of addresses is
// marked by nftables (one fwmark per group and protocol, counted from
// StartFwmark) and balanced by one IPVS fwmark service. nftables_counters
// (VRRPFirewall.NFTablesCounters) applies to this table too.
type IPVSNFTables struct {
	Table string // default "keepalived_ipvs"
	// Priority is the chain priority; -1 means keepalived's default.
	Priority    int32
	StartFwmark uint32 // default 1000
}

// Protocol is a virtual server's IP protocol.
type Protocol uint8

const (
	ProtoNone Protocol = 0 // fwmark services
	ProtoTCP  Protocol = 6
	ProtoUDP  Protocol = 17
	ProtoSCTP Protocol = 132
)

func (p Protocol) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoSCTP:
		return "sctp"
	}
	return "none"
}

// FwdMethod is an IPVS forwarding method.
type FwdMethod uint8

const (
	FwdNAT FwdMethod = iota
	FwdDR
	FwdTUN
)

func (m FwdMethod) String() string {
	return [...]string{"NAT", "DR", "TUN"}[m]
}

// TunnelType is the encapsulation of TUN forwarding.
type TunnelType uint8

const (
	TunnelIPIP TunnelType = iota
	TunnelGUE
	TunnelGRE
)

// TunnelCsum is the checksum option of GUE/GRE tunnels.
type TunnelCsum uint8

const (
	TunnelNoCsum TunnelCsum = iota
	TunnelCsumOn
	TunnelRemCsum
)

// Forwarding is lvs_method with its tunnel options.
type Forwarding struct {
	Method     FwdMethod
	TunnelType TunnelType // TUN only
	TunnelPort uint16     // GUE only
	TunnelCsum TunnelCsum
}

// Service flags as the kernel numbers them (IP_VS_SVC_F_*): sh-fallback
// and mh-fallback are Sched1, sh-port and mh-port are Sched2.
const (
	SvcOnePacket uint32 = 0x0004
	SvcSched1    uint32 = 0x0008
	SvcSched2    uint32 = 0x0010
	SvcSched3    uint32 = 0x0020
)

// VirtualServerGroup is a virtual_server_group: address ranges and
// firewall marks that share one set of real servers.
type VirtualServerGroup struct {
	Name    string
	Ranges  []AddrRange
	Fwmarks []GroupFwmark
}

// AddrRange is one address entry of a group: First..Last inclusive (equal
// for a single address), all with Port (0 = persistent, any port).
type AddrRange struct {
	First, Last netip.Addr
	Port        uint16
}

// GroupFwmark is a "fwmark N [inet|inet6]" group entry.
type GroupFwmark struct {
	Mark   uint32
	Family Family // FamilyUnspec when not written
}

// VSKind says how a virtual server is identified.
type VSKind uint8

const (
	VSAddress VSKind = iota // virtual_server IP [PORT]
	VSFwmark                // virtual_server fwmark N
	VSGroup                 // virtual_server group NAME
)

// VirtualServer is one virtual_server block, after keepalived's fix-ups.
type VirtualServer struct {
	Kind VSKind
	// Addr is the service address and port (VSAddress); port 0 means a
	// persistent all-ports service.
	Addr   netip.AddrPort
	Fwmark uint32 // VSFwmark
	// GroupName and Group are set for VSGroup; Group is resolved after
	// parsing (groups may be defined after the virtual server).
	GroupName string
	Group     *VirtualServerGroup
	// GroupSeq is keepalived's number of the virtual server among those
	// of its group (link_vsg_to_vs, before validation drops any), the
	// port of its name: [GROUP]:SEQ.
	GroupSeq uint16
	// Family is resolved from the address, group, ip_family or real
	// servers, as keepalived does.
	Family Family

	// Protocol is TCP, UDP or SCTP for address services (UDP when unset,
	// as keepalived and the kernel do) and ProtoNone for fwmark services.
	Protocol  Protocol
	Scheduler string // default "wlc"
	Flags     uint32 // Svc* flags
	// Forwarding is the default for real and sorry servers (NAT when unset).
	Forwarding Forwarding

	// PersistenceTimeout in seconds; 0 means not persistent.
	PersistenceTimeout uint32
	// PersistenceGranularity is the kernel's netmask field: an IPv4
	// netmask in host byte order, or an IPv6 prefix length; 0xffffffff
	// when not set.
	PersistenceGranularity uint32
	PersistenceEngine      string

	HASuspend   bool
	VirtualHost string
	SNMPName    string
	// Alpha: real servers start down. Omega: run quorum_down and
	// notify_down scripts at shutdown.
	Alpha, Omega bool
	// Quorum is clamped to the total real server weight; Hysteresis is
	// below Quorum.
	Quorum     uint32
	Hysteresis uint32
	QuorumUp   *Command
	QuorumDown *Command

	// Weight is the default weight of real servers.
	Weight uint32
	// Timing defaults of real servers and checkers. Retry,
	// DelayBeforeRetry and Warmup are nil when not written here.
	DelayLoop        time.Duration
	ConnectTimeout   time.Duration
	Retry            *uint32
	DelayBeforeRetry *time.Duration
	Warmup           *time.Duration

	InhibitOnFailure bool
	SMTPAlert        bool

	Sorry *SorryServer
	// SorryIsRealServer: the sorry server is also one of the real servers.
	SorryIsRealServer bool

	RealServers []*RealServer
}

// SorryServer is sorry_server with its options.
type SorryServer struct {
	Addr       netip.AddrPort
	Forwarding Forwarding
	Inhibit    bool
}

// RealServer is a real_server after inheritance from its virtual server.
type RealServer struct {
	// Addr has the port resolved: NAT real servers without a port use
	// the service port, DR/TUN ones always the service port, fwmark
	// services none.
	Addr       netip.AddrPort
	Weight     uint32
	Forwarding Forwarding
	UThreshold uint32
	LThreshold uint32

	InhibitOnFailure bool
	Alpha            bool
	// Inherited timing; Retry, DelayBeforeRetry and Warmup stay nil when
	// neither the real nor the virtual server sets them (each checker then
	// uses its own default).
	DelayLoop        time.Duration
	ConnectTimeout   time.Duration
	Retry            *uint32
	DelayBeforeRetry *time.Duration
	Warmup           *time.Duration

	NotifyUp   *Command
	NotifyDown *Command
	SMTPAlert  bool
	// VirtualHost is this server's HTTP Host default (before the VS's).
	VirtualHost string
	SNMPName    string

	// Checkers must all be up for the server to be up; none means always up.
	Checkers []*Checker
}

// CheckerType names a checker block.
type CheckerType uint8

const (
	CheckHTTP CheckerType = iota
	CheckSSL
	CheckTCP
	CheckSMTP
	CheckMisc
	CheckDNS
	CheckUDP
	CheckPing
	CheckFile
	CheckBFD
)

func (t CheckerType) String() string {
	return [...]string{"HTTP_GET", "SSL_GET", "TCP_CHECK", "SMTP_CHECK", "MISC_CHECK",
		"DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK"}[t]
}

// Checker is one health check of a real server with its final timing.
// FILE_CHECK and BFD_CHECK are event driven: only Alpha applies to them.
type Checker struct {
	Type CheckerType

	DelayLoop        time.Duration
	Warmup           time.Duration
	Retry            uint32
	DelayBeforeRetry time.Duration
	Alpha            bool
	LogAllFailures   bool

	// Conn is set for checkers that connect (all but MISC, FILE, BFD).
	Conn *ConnOpts

	HTTP *HTTPCheck // HTTP_GET and SSL_GET
	SMTP *SMTPCheck
	Misc *MiscCheck
	DNS  *DNSCheck
	UDP  *UDPCheck
	File *FileCheck
	BFD  *BFDCheck
}

// ConnOpts are a checker's connection keywords, resolved.
type ConnOpts struct {
	// Dst is connect_ip/connect_port, defaulting to the real server's
	// address and its port as written on the real_server line.
	Dst      netip.AddrPort
	BindAddr netip.Addr // bindto; invalid when unset
	BindPort uint16
	BindIf   string
	Timeout  time.Duration
	Fwmark   uint32 // SO_MARK
}

// HTTPProtocol is http_protocol.
type HTTPProtocol uint8

const (
	HTTP10      HTTPProtocol = iota
	HTTP11                   // adds Connection: close
	HTTP10Close              // 1.0C
)

// HTTPCheck is HTTP_GET / SSL_GET.
type HTTPCheck struct {
	// VirtualHost is the checker's Host header default; the effective one
	// for a URL is URL.VirtualHost, then this, then the real server's,
	// then the virtual server's.
	VirtualHost  string
	Protocol     HTTPProtocol
	EnableSNI    bool
	FastRecovery bool
	TLSCompliant bool // 2.3
	URLs         []*URL
}

// URL is one url block.
type URL struct {
	Path string
	// Digest is the MD5 of the body; nil when not checked.
	Digest []byte
	// StatusCodes are the accepted codes (default 200-299).
	StatusCodes  []StatusRange
	VirtualHost  string
	TLSCompliant bool // 2.3
	Regex        *URLRegex
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Min, Max uint16 }

// Accepts reports whether code is one of the accepted status codes.
func (u *URL) Accepts(code int) bool {
	for _, r := range u.StatusCodes {
		if code >= int(r.Min) && code <= int(r.Max) {
			return true
		}
	}
	return false
}

// URLRegex is the PCRE2 body match of a url.
type URLRegex struct {
	Pattern   string
	Options   []string // regex_options words keepalived knows
	NoMatch   bool
	MinOffset uint64
	// MaxOffset is one past the last acceptable start; 0 means no limit.
	MaxOffset  uint64
	StackStart uint64
	StackMax   uint64
}

// SMTPCheck is SMTP_CHECK. Each deprecated host block becomes one more
// Checker with its own ConnOpts, as keepalived does.
type SMTPCheck struct {
	HeloName string // default "smtpchecker.keepalived.org"
}

// MiscCheck is MISC_CHECK.
type MiscCheck struct {
	Path Command
	// Timeout kills the script; 0 in the config means the virtual
	// server's delay_loop, which is what is stored here.
	Timeout time.Duration
	Dynamic bool
}

// DNSCheck is DNS_CHECK.
type DNSCheck struct {
	Type string // A NS CNAME SOA MX TXT AAAA RRSIG DNSKEY; default SOA
	Name string // default "" (the root)
}

// UDPCheck is UDP_CHECK.
type UDPCheck struct {
	Payload      []byte
	RequireReply bool
	// Reply and ReplyMask: a reply byte b matches when
	// b&^ReplyMask[i] == Reply[i]; ReplyMask is nil without wildcards.
	Reply          []byte
	ReplyMask      []byte
	MinReplyLength uint16 // default 0
	MaxReplyLength uint16 // default 255
}

// FileCheck is FILE_CHECK: the real server's weight follows a track file.
type FileCheck struct {
	TrackFile string
	Weight    int32 // from the track_file when not written
	Reverse   bool
}

// BFDCheck is BFD_CHECK.
type BFDCheck struct {
	Name string
}
