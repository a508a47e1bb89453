package ah

// Seq is an instance's AH sequence number, keepalived's ipsecah_counter:
// one counter serves both directions. A sender increments it before each
// advert (the first advert carries 1); a receiver raises it to every
// accepted number and refuses numbers not above it (anti-replay). A
// backup that takes over therefore continues from the old master's last
// number, and the old master's backups accept it.
//
// The zero value is a fresh counter. keepalived keeps it across a reload
// and starts from zero on a restart.
type Seq struct {
	N uint32
	// Cycle is set once N has passed SeqLimit: the counter stops
	// incrementing, and is reset on the next transition to MASTER.
	Cycle bool
}

// Next returns the number for the next advert.
func (s *Seq) Next() uint32 {
	if s.N > SeqLimit {
		s.Cycle = true
	} else {
		s.N++
	}
	return s.N
}

// Accept is the anti-replay rule: a number above the counter is taken,
// anything else refused ("already processed").
func (s *Seq) Accept(got uint32) bool {
	if got > s.N {
		s.N = got
		return true
	}
	return false
}

// SyncLower is what a master does on an advert from a lower priority
// master: it jumps past that router's number so its own next adverts are
// accepted there ("Syncing seq_num").
func (s *Seq) SyncLower(got uint32) {
	s.N = got + 1
	s.Cycle = false
}

// EnterMaster resets a cycled counter on becoming MASTER.
func (s *Seq) EnterMaster() {
	if s.Cycle {
		s.Cycle = false
		s.N = 0
	}
}
