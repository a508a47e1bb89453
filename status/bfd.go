package status

import "time"

// BFDSource is the BFD side: its sessions. Nil, or Running false, when
// no bfd_instance runs.
type BFDSource interface {
	BFD() BFD
}

// BFDFunc adapts a closure to BFDSource.
type BFDFunc func() BFD

// BFD implements BFDSource.
func (f BFDFunc) BFD() BFD { return f() }

// BFD is a snapshot of the BFD side.
type BFD struct {
	Running  bool
	Sessions []BFDSession // in configuration order
}

// BFDSession is one bfd_instance's session.
type BFDSession struct {
	Name     string
	Neighbor string
	Source   string // "" when the kernel chooses
	// State and RemoteState are RFC 5880's (AdminDown, Down, Init, Up).
	State, RemoteState    string
	LocalDiag, RemoteDiag string
	// MinRx, MinTx, IdleTx and Multiplier are the configured values.
	MinRx, MinTx, IdleTx time.Duration
	Multiplier           int
	// TxInterval is what we send at now, DetectTime how long we wait for
	// the peer; the Remote* values are from its last packet.
	TxInterval, DetectTime   time.Duration
	RemoteMinRx, RemoteMinTx time.Duration
	RemoteMultiplier         int
	LastSeen                 time.Time // zero: never
}
