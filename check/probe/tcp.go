package probe

import "context"

// TCP is TCP_CHECK: the target is up when a connection can be established.
type TCP struct {
	Conn Conn

	cache stepCache // built once for stepped checks (step.go)
}

// Check implements Prober.
func (t *TCP) Check(ctx context.Context) Result {
	c, stop, err := t.Conn.dial(ctx, "tcp")
	if err != nil {
		return fail(err)
	}
	stop()
	_ = c.Close()
	return Result{}
}
