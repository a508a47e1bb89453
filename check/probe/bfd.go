package probe

import (
	"context"
	"fmt"
)

// BFD is BFD_CHECK: the real server is healthy while bfd_instance Name is
// Up. keepalived's BFD process pushes each change; here each event wakes
// the checker (check.Checker.Wake) and Up answers with the last event.
type BFD struct {
	Name string
	// Up reports the session's state; nil (no BFD side running) is Down,
	// as keepalived's checker sees a session it never heard of.
	Up func(name string) bool
}

// Check implements Prober.
func (b *BFD) Check(context.Context) Result {
	if b.Up != nil && b.Up(b.Name) {
		return Result{}
	}
	return fail(fmt.Errorf("BFD instance %s is not Up", b.Name))
}
