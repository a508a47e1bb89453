package config

import "time"

// Global is global_defs plus the top-level global keywords.
// Owned by the parser core; the VRRP defaults of global_defs live in VRRP
// (config/vrrp.go), the LVS ones in LVS (config/lvs.go).
type Global struct {
	// Top-level global keywords.
	NetNamespace        string // net_namespace
	NetNamespaceIPVS    string // net_namespace_ipvs (NetNamespaceIPVSSet with "" = default netns)
	NetNamespaceIPVSSet bool
	NamespaceWithIPSets bool          // namespace_with_ipsets
	UsePIDDir           bool          // use_pid_dir (also implied by net_namespace/instance)
	Instance            string        // instance
	ChildWaitTime       time.Duration // child_wait_time, default 5s
	LinkbeatUsePolling  bool          // linkbeat_use_polling

	// Identity and mail.
	RouterID              string   // router_id; default: host name
	NotificationEmail     []string // notification_email
	NotificationEmailFrom string   // notification_email_from
	SMTPServer            string   // smtp_server host or address
	SMTPPort              uint16   // default 25
	SMTPHeloName          string
	SMTPConnectTimeout    time.Duration // default 30s
	SMTPAlert             OptBool
	SMTPAlertVRRP         OptBool
	SMTPAlertChecker      OptBool
	NoEmailFaults         bool
	CheckerLogAllFailures bool
	NoCheckerEmails       bool
	RSInitNotifies        bool

	// Process and runtime.
	ProcessNames          bool
	ProcessName           string
	VRRPProcessName       string
	CheckerProcessName    string
	BFDProcessName        string
	StartupScript         *Command
	ShutdownScript        *Command
	StartupScriptTimeout  time.Duration // default 10s
	ShutdownScriptTimeout time.Duration // default 10s
	MaxAutoPriority       int           // -1 .. 99; 0 = off
	MinAutoPriorityDelay  time.Duration // default 1s
	VRRPProc              ProcessTuning // vrrp_priority, vrrp_no_swap, ...
	CheckerProc           ProcessTuning
	BFDProc               ProcessTuning
	Umask                 uint32
	UmaskSet              bool
	ScriptUser            string // script_user
	// DefaultScriptUserResolved and DefaultScriptUserFailed are how
	// reading the file resolved the default script user (keepalived's
	// get_default_script_user, cached at the first script without a user,
	// failing only if script security was already on then).
	DefaultScriptUserResolved, DefaultScriptUserFailed bool
	ScriptGroup                                        string
	EnableScriptSecurity                               bool
	RandomSeed                                         uint32
	RandomSeedSet                                      bool
	ReloadCheckConfig                                  string // "" unset; "/dev/null" when given without a file
	ReloadTimeFile                                     string
	ReloadRepeat                                       bool
	ReloadFile                                         string // default /run/keepalived.reload
	ConfigSaveDir                                      string
	TmpConfigDirectory                                 string
	DataUseInstance                                    bool
	DynamicInterfaces                                  bool
	AllowIfChanges                                     bool
	DefaultInterface                                   string // default eth0
	DisableLocalIGMP                                   bool

	// FIFOs, SNMP and DBus.
	NotifyFIFO        FIFO // notify_fifo
	VRRPNotifyFIFO    FIFO // vrrp_notify_fifo
	LVSNotifyFIFO     FIFO // lvs_notify_fifo
	SNMPSocket        string
	EnableTraps       bool
	EnableSNMPVRRP    bool
	EnableSNMPChecker bool
	EnableSNMPRFC     bool
	EnableSNMPRFCv2   bool
	EnableSNMPRFCv3   bool
	EnableDBus        bool
	DBusServiceName   string

	// VRRP is the VRRP part of global_defs (vrrp_version, vrrp_garp_*, ...).
	VRRP VRRPGlobal
	// LVS is the LVS part of global_defs (lvs_timeouts, lvs_sync_daemon, ...).
	LVS LVSGlobal
}

// OptBool is a boolean keepalived keeps as "unset / false / true".
type OptBool int8

// OptBool values.
const (
	Unset OptBool = iota
	False
	True
)

// FIFO is a notify FIFO and the optional script that reads it.
type FIFO struct {
	Name   string
	User   string
	Group  string
	Script *Command
	// DroppedByVRRP is the script the VRRP side's security check removed
	// (missing or insecure); keepalived's other processes never check a
	// VRRP FIFO script and still print it in their dumps.
	DroppedByVRRP *Command
	// DroppedByChecker is the lvs_notify_fifo script the checker's
	// security check removed; keepalived's VRRP process never checks it
	// and still prints it in keepalived.data.
	DroppedByChecker *Command
}

// ProcessTuning is the per-child scheduling set in global_defs
// (vrrp_priority, checker_no_swap, bfd_rt_priority, ...).
type ProcessTuning struct {
	Priority     int // nice -20..19
	NoSwap       bool
	RTPriority   int // 1..99; 0 unset
	CPUAffinity  []int
	RLimitRTTime uint64 // microseconds; default 10000
}

// DefaultGlobal is keepalived's alloc_global_data/init_global_data defaults
// for the keywords owned by the core (host-dependent ones stay empty; the
// parser fills them).
func DefaultGlobal() Global {
	return Global{
		ChildWaitTime:         5 * time.Second,
		SMTPPort:              25,
		StartupScriptTimeout:  10 * time.Second,
		ShutdownScriptTimeout: 10 * time.Second,
		MinAutoPriorityDelay:  time.Second,
		DefaultInterface:      "eth0",
		ReloadFile:            "/run/keepalived.reload",
		VRRPProc:              ProcessTuning{RLimitRTTime: 10000},
		CheckerProc:           ProcessTuning{RLimitRTTime: 10000},
		BFDProc:               ProcessTuning{RLimitRTTime: 10000},
		VRRP:                  DefaultVRRPGlobal(),
	}
}
