package vrrp

import (
	"fmt"
	"time"
)

// State is a VRRP state. The numbering is keepalived's (and the exporters'):
// 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
type State int

// States.
const (
	StateInit State = iota
	StateBackup
	StateMaster
	StateFault
	// StateStop is never an instance's state; it names the notify_stop event.
	StateStop
	// StateDeleted is never an instance's state either; it names the
	// notify_deleted event of an instance a reload removed.
	StateDeleted
)

func (s State) String() string {
	switch s {
	case StateInit:
		return "INIT"
	case StateBackup:
		return "BACKUP"
	case StateMaster:
		return "MASTER"
	case StateFault:
		return "FAULT"
	case StateStop:
		return "STOP"
	case StateDeleted:
		return "DELETED"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// EventKind separates state changes from the one-off master events.
type EventKind int

// Event kinds.
const (
	EventState            EventKind = iota // State holds the new state (or STOP)
	EventMasterRxLowerPri                  // notify_master_rx_lower_pri / MASTER_RX_LOWER_PRI
	// EventPriorityChange is notify_priority_changes: the effective
	// priority moved; State is the instance's (MASTER_PRIORITY or
	// BACKUP_PRIORITY on the FIFO, no script runs).
	EventPriorityChange
	// EventStateOnReload repeats an unchanged state after a reload on the
	// FIFOs only (fifo_write_vrrp_states_on_reload).
	EventStateOnReload
)

// FIFOOnly reports an event keepalived writes to the notify FIFOs and
// nowhere else: no script runs, no signal or trap is sent.
func (e Event) FIFOOnly() bool {
	return e.Kind == EventPriorityChange || e.Kind == EventStateOnReload
}

// Event is one notification, in the order the engine produced it.
type Event struct {
	Kind     EventKind
	Group    bool // GROUP (sync group) rather than INSTANCE
	Name     string
	State    State
	Priority int // effective priority; 0 for groups
	Time     time.Time
	// Reason says why an instance changed state (as in its History);
	// empty for groups.
	Reason string
}

// FIFOLine is the event as keepalived writes it to notify_fifo, newline
// included: `INSTANCE "VI_1" MASTER 100`.
func (e Event) FIFOLine() string {
	what := "INSTANCE"
	if e.Group {
		what = "GROUP"
	}
	st := e.State.String()
	switch {
	case e.Kind == EventMasterRxLowerPri:
		st = "MASTER_RX_LOWER_PRI"
	case e.Kind == EventPriorityChange && e.State == StateMaster:
		st = "MASTER_PRIORITY"
	case e.Kind == EventPriorityChange:
		st = "BACKUP_PRIORITY"
	}
	return fmt.Sprintf("%s %q %s %d\n", what, e.Name, st, e.Priority)
}

// Transition is one entry of an instance's state history.
type Transition struct {
	At     time.Time
	From   State
	To     State
	Reason string
}

// Stats are the per-instance counters, named after keepalived's.
type Stats struct {
	AdvertRcvd        uint64
	AdvertSent        uint64
	BecomeMaster      uint64
	ReleaseMaster     uint64
	PacketLenErr      uint64
	AdvertIntervalErr uint64
	IPTTLErr          uint64
	InvalidTypeRcvd   uint64
	AddrListErr       uint64
	InvalidAuthType   uint64
	AuthTypeMismatch  uint64
	AuthFailure       uint64
	PriZeroRcvd       uint64
	PriZeroSent       uint64
	// Not in keepalived's stats file, which only logs these.
	ChecksumErr uint64
	VersionErr  uint64
	OtherErr    uint64 // unicast source, strict checks, ...
	GARPSent    uint64
	SendErr     uint64
}

// InstanceStatus is a read-only snapshot of one instance.
type InstanceStatus struct {
	Name              string
	Interface         string
	VRID              uint8
	IPv6              bool
	State             State
	BasePriority      int
	EffectivePriority int
	MasterAddr        string // last master heard, empty when none
	MasterPriority    int    // its advert's priority (with MasterAddr)
	// SaddrMaster and SaddrPriority are keepalived's master_saddr and
	// master_priority, what its dump prints as "Master router" and
	// "Master priority": never cleared, the address not taken from a
	// higher master that sends a MASTER back (only its priority), the
	// address (not the priority) of a lower advert a BACKUP discards.
	// SaddrMaster is empty until set.
	SaddrMaster   string
	SaddrPriority int
	// TotalPriority is the base priority plus the trackers' weights,
	// unclamped (keepalived's total_priority, in the data file);
	// TotalPrioritySet says the engine set it (it may be 0).
	TotalPriority    int
	TotalPrioritySet bool
	MasterAdvertInt  time.Duration
	Stats            Stats
	History          []Transition
	SyncGroup        string
	// Trackers are the instance's tracked interfaces, scripts, files and
	// processes with their current verdicts.
	Trackers []TrackerStatus
	// FaultReasons say why a FAULT instance is in FAULT; nil otherwise.
	FaultReasons []string
	// FaultCount is how many of FaultReasons keepalived counts as
	// "interface and track script faults" (num_script_if_fault).
	FaultCount int
	// NextExtraGARP is when the next garp_extra_if round is due (zero
	// when none is).
	NextExtraGARP time.Time
	// NoPreempt is the instance's nopreempt as it runs (an SNMP SET may
	// change it).
	NoPreempt bool
	// ProtoErr is the reason of the last advert refused for a protocol
	// error (vrrpv3StatisticsProtoErrReason); 0 when none.
	ProtoErr ProtoError
}

// TrackerStatus is one tracked object of an instance.
type TrackerStatus struct {
	Kind    string // interface, script, file, process
	Name    string
	Weight  int
	Reverse bool
	// Known is false until the first result (script, process, file).
	Known bool
	// OK is the object's own verdict before reverse: interface up, script
	// good, process quorum met; for a file, whether it leaves the
	// instance out of FAULT on its own.
	OK bool
	// Value is a track_file's current number.
	Value int
}
