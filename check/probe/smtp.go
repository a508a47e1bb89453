package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// DefaultHELO is keepalived's helo_name default.
const DefaultHELO = "smtpchecker.keepalived.org"

// SMTP is SMTP_CHECK, keepalived's dialogue: the first line of the banner
// must be "220", of the HELO answer "250", then QUIT and one more line of
// any kind. keepalived reads one line per step and parses it strictly (a
// multi-line "220-" banner fails, as there).
type SMTP struct {
	Conn Conn
	HELO string // empty: DefaultHELO
	// RS is the real server's address: keepalived names it when connect(2)
	// itself fails.
	RS netip.AddrPort
}

// SMTPError is a failed SMTP_CHECK; its text is keepalived's (smtp_final's
// reasons, which it logs after "SMTP_CHECK " and mails).
type SMTPError struct {
	Reason string // e.g. "Read timeout from server [10.0.0.1]:25"
	Err    error
}

func (e *SMTPError) Error() string { return e.Reason }
func (e *SMTPError) Unwrap() error { return e.Err }

// Check implements Prober.
func (s *SMTP) Check(ctx context.Context) Result {
	pair := fmt.Sprintf("[%s]:%d", s.Conn.Addr.Addr().WithZone(""), s.Conn.Addr.Port())
	failed := func(what string, err error) Result {
		return fail(&SMTPError{Reason: what + " " + pair, Err: err})
	}
	c, stop, err := s.Conn.dial(ctx, "tcp")
	if err != nil {
		var now *immediateError
		var se *SetupError
		switch {
		case errors.As(err, &se):
			return fail(err) // no verdict: the engine reschedules it
		case errors.As(err, &now):
			return fail(&SMTPError{Reason: fmt.Sprintf("Network unreachable for server %s - real server [%s]:%d",
				s.Conn.Addr.Addr().WithZone(""), s.RS.Addr().WithZone(""), s.RS.Port()), Err: err})
		case isTimeout(err):
			return failed("Connection timeout to server", err)
		}
		return failed("Could not connect to server", err)
	}
	defer stop()
	defer c.Close()
	br := bufio.NewReader(c)
	helo := s.HELO
	if helo == "" {
		helo = DefaultHELO
	}
	steps := []struct {
		send string // written first, if any
		want int    // the line's status; 0: any line
		bad  string // the failure when the status differs
	}{
		{"", 220, "Bad greeting banner from server"},
		{"HELO " + helo + "\r\n", 250, "Bad HELO response from server"},
		{"QUIT\r\n", 0, ""},
	}
	for _, st := range steps {
		if st.send != "" {
			if _, err := io.WriteString(c, st.send); err != nil {
				if isTimeout(err) {
					return failed("Write timeout to server", err)
				}
				return failed("Write failure to server", err)
			}
		}
		line, err := readLine(br)
		if err != nil {
			if isTimeout(err) {
				return failed("Read timeout from server", err)
			}
			return failed("Read failure from server", err)
		}
		if st.want != 0 && smtpStatus(line) != st.want {
			return failed(st.bad, fmt.Errorf("%q", line))
		}
	}
	return Result{}
}

// readLine reads up to a newline and drops whatever else came with it:
// keepalived clears its buffer before each step.
func readLine(br *bufio.Reader) (string, error) {
	l, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	_, _ = br.Discard(br.Buffered())
	return l[:len(l)-1], nil
}

// smtpStatus is keepalived's smtp_get_status: exactly three digits, then
// the end of the line or a space ("220\r" and "250-x" are -1).
func smtpStatus(l string) int {
	if len(l) < 3 || (len(l) > 3 && l[3] != ' ') {
		return -1
	}
	n := 0
	for _, ch := range l[:3] {
		if ch < '0' || ch > '9' {
			return -1
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// isTimeout: the step's deadline passed (or the kernel gave up connecting).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ETIMEDOUT) || (errors.As(err, &ne) && ne.Timeout())
}
