package probe

import (
	"context"
	"fmt"
	"net/textproto"
)

// DefaultHELO is keepalived's helo_name default.
const DefaultHELO = "smtpchecker.keepalived.org"

// SMTP is SMTP_CHECK: a 2xx banner, HELO answered with 250, then QUIT.
type SMTP struct {
	Conn Conn
	HELO string // empty: DefaultHELO
}

// Check implements Prober.
func (s *SMTP) Check(ctx context.Context) Result {
	c, stop, err := s.Conn.dial(ctx, "tcp")
	if err != nil {
		return fail(err)
	}
	defer stop()
	defer c.Close()
	tp := textproto.NewConn(c)
	// ReadResponse folds multi-line (250-...) replies and checks the class.
	if _, _, err := tp.ReadResponse(2); err != nil {
		return fail(fmt.Errorf("smtp %s banner: %w", s.Conn.Addr, err))
	}
	helo := s.HELO
	if helo == "" {
		helo = DefaultHELO
	}
	if err := tp.PrintfLine("HELO %s", helo); err != nil {
		return fail(fmt.Errorf("smtp %s HELO: %w", s.Conn.Addr, err))
	}
	if _, _, err := tp.ReadResponse(250); err != nil {
		return fail(fmt.Errorf("smtp %s HELO reply: %w", s.Conn.Addr, err))
	}
	// The verdict is already in; QUIT is a courtesy whose answer we don't need.
	_ = tp.PrintfLine("QUIT")
	return Result{}
}
