// Package smtpalert sends keepalived's e-mail alerts (smtp_alert): one
// SMTP conversation per alert, with keepalived 2.2.7's commands, headers
// and log lines, so that a mail filter or a log alert written for
// keepalived keeps working.
package smtpalert

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/config"
)

// Config is global_defs' e-mail settings.
type Config struct {
	Server   netip.AddrPort // smtp_server (and port)
	Helo     string         // smtp_helo_name; "" sends "localhost"
	From     string         // notification_email_from
	To       []string       // notification_email
	Timeout  time.Duration  // smtp_connect_timeout: connecting and each reply
	RouterID string         // router_id, the subject's prefix
}

// FromGlobal reads global_defs' e-mail settings with keepalived's
// defaults: router_id and the sender's domain from the host name, the
// smtp_server name resolved now.
func FromGlobal(g *config.Global) Config {
	sc := Config{Helo: g.SMTPHeloName, From: g.NotificationEmailFrom, To: g.NotificationEmail, Timeout: g.SMTPConnectTimeout, RouterID: g.RouterID}
	host, _ := os.Hostname()
	if sc.RouterID == "" {
		sc.RouterID = host
	}
	if sc.From == "" {
		sc.From = "keepalived@" + host // keepalived's default sender
	}
	if g.SMTPServer != "" {
		if a, err := netip.ParseAddr(g.SMTPServer); err == nil {
			sc.Server = netip.AddrPortFrom(a, g.SMTPPort)
		} else if addrs, err := net.LookupHost(g.SMTPServer); err == nil && len(addrs) > 0 {
			if a, err := netip.ParseAddr(addrs[0]); err == nil {
				sc.Server = netip.AddrPortFrom(a, g.SMTPPort)
			}
		}
	}
	return sc
}

// Sender sends alerts in the background, each on its own connection as
// keepalived does. The zero Config sends nothing (no server or no
// recipient: keepalived's smtp_alert returns at once then).
type Sender struct {
	cfg Config
	log *slog.Logger
	now func() time.Time
	wg  sync.WaitGroup
}

// New returns a Sender for cfg; log gets keepalived's lines.
func New(cfg Config, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg, log: log, now: time.Now}
}

// Enabled reports whether alerts go anywhere.
func (s *Sender) Enabled() bool {
	return s != nil && s.cfg.Server.IsValid() && len(s.cfg.To) > 0
}

// Send starts sending one alert; kind and name make keepalived's subject
// ("[router_id] VRRP Instance VI_1 - Entering MASTER state").
func (s *Sender) Send(kind, name, subject, body string) {
	s.Alert(kind+" "+name+" - "+subject, body)
}

// Alert starts sending one alert whose subject is keepalived's
// "[router_id] " and subject (the checkers' "Realserver ... - UP").
func (s *Sender) Alert(subject, body string) {
	if !s.Enabled() {
		return
	}
	subj := fmt.Sprintf("[%s] %s", s.cfg.RouterID, subject)
	msg := Message(s.cfg, s.now(), subj, body)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliver(msg)
	}()
}

// Wait waits for the alerts under way (each bounded by the timeouts).
func (s *Sender) Wait() {
	if s != nil {
		s.wg.Wait()
	}
}

// Message is the DATA part keepalived sends: its headers, the body and
// the terminating dot.
func Message(cfg Config, now time.Time, subject, body string) string {
	return fmt.Sprintf("Date: %s\r\nFrom: %s\r\nSubject: %s\r\nX-Mailer: Keepalived\r\nTo: %s\r\n\r\n%s\r\n\r\n.\r\n",
		now.Format("Mon, 02 Jan 2006 15:04:05 -0700"), cfg.From, subject, strings.Join(cfg.To, ", "), body)
}

// host is keepalived's FMT_SMTP_HOST: "[addr]:port".
func (s *Sender) host() string {
	return fmt.Sprintf("[%s]:%d", s.cfg.Server.Addr(), s.cfg.Server.Port())
}

// deliver runs one conversation, logging as keepalived does.
func (s *Sender) deliver(msg string) {
	conn, fail := s.dial()
	if conn == nil {
		if fail != "" {
			s.log.Info(fail)
		}
		return
	}
	defer conn.Close()
	if s.converse(conn, msg) {
		s.log.Debug("SMTP alert successfully sent.")
	}
}

// dial connects without blocking as keepalived does, so a refused
// connection reports keepalived's "smtp fd N returned write error".
// On failure it returns keepalived's log line.
func (s *Sender) dial() (net.Conn, string) {
	a := s.cfg.Server.Addr().Unmap()
	fam := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(s.cfg.Server.Port()), Addr: a.As16()}
	if a.Is4() {
		fam = unix.AF_INET
		sa = &unix.SockaddrInet4{Port: int(s.cfg.Server.Port()), Addr: a.As4()}
	}
	fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Sprintf("SMTP connect fail to create socket: %v", err)
	}
	if err := unix.Connect(fd, sa); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		// keepalived's smtp_connect drops an alert whose connect fails
		// at once (no route, say) without a word.
		unix.Close(fd)
		return nil, ""
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := pollRetry(pfd, s.cfg.Timeout)
	if err != nil || n == 0 {
		unix.Close(fd)
		return nil, fmt.Sprintf("Timeout opening connection to remote SMTP server %s.", s.host())
	}
	if soErr, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); soErr != 0 || pfd[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
		unix.Close(fd)
		return nil, fmt.Sprintf("smtp fd %d returned write error", fd)
	}
	f := os.NewFile(uintptr(fd), "smtp")
	defer f.Close() // FileConn holds its own copy
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Sprintf("SMTP connection ERROR to %s.", s.host())
	}
	s.log.Debug(fmt.Sprintf("Remote SMTP server %s connected.", s.host()))
	return c, ""
}

func pollRetry(pfd []unix.PollFd, d time.Duration) (int, error) {
	end := time.Now().Add(d)
	for {
		ms := int(time.Until(end) / time.Millisecond)
		if ms < 0 {
			return 0, nil
		}
		n, err := unix.Poll(pfd, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n, err
	}
}

// step is one command and the reply keepalived expects for it.
type step struct {
	name string // as keepalived logs it
	send string
	want int
}

// converse runs keepalived's state machine: greeting, HELO, MAIL, one
// RCPT per recipient, DATA, the message, QUIT. An unexpected code is
// logged and ends with QUIT, as in keepalived.
func (s *Sender) converse(c net.Conn, msg string) bool {
	helo := s.cfg.Helo
	if helo == "" {
		helo = "localhost"
	}
	steps := []step{{name: "(E)SMTP", want: 220}, {"HELO", "HELO " + helo + "\r\n", 250}, {"MAIL", "MAIL FROM:<" + s.cfg.From + ">\r\n", 250}}
	for _, to := range s.cfg.To {
		steps = append(steps, step{"RCPT", "RCPT TO:<" + to + ">\r\n", 250})
	}
	steps = append(steps, step{"DATA", "DATA\r\n", 354}, step{"BODY", msg, 250})
	r := bufio.NewReader(c)
	for _, st := range steps {
		if st.send != "" && !s.write(c, st.send) {
			return false
		}
		code, fail := s.reply(c, r)
		if fail != "" {
			s.log.Info(fail)
			return false
		}
		if code != st.want {
			s.log.Info(fmt.Sprintf("Error processing %s cmd on SMTP server %s. SMTP status code = %d", st.name, s.host(), code))
			s.quit(c, r)
			return false
		}
	}
	s.quit(c, r)
	return true
}

func (s *Sender) write(c net.Conn, b string) bool {
	_ = c.SetWriteDeadline(time.Now().Add(s.cfg.Timeout))
	if _, err := c.Write([]byte(b)); err != nil {
		s.log.Info(fmt.Sprintf("Cannot send data to remote SMTP server %s.", s.host()))
		return false
	}
	return true
}

func (s *Sender) quit(c net.Conn, r *bufio.Reader) bool {
	if !s.write(c, "QUIT\r\n") {
		return false
	}
	code, fail := s.reply(c, r)
	return fail == "" && code == 221
}

// reply reads one reply, skipping the lines of a multi-line one; on
// failure it returns keepalived's log line.
func (s *Sender) reply(c net.Conn, r *bufio.Reader) (int, string) {
	_ = c.SetReadDeadline(time.Now().Add(s.cfg.Timeout))
	code, err := readReply(r)
	switch {
	case err == nil:
		return code, ""
	case errors.Is(err, errBadCode):
		return 0, fmt.Sprintf("Error reading data from remote SMTP server %s.", s.host())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return 0, fmt.Sprintf("Timeout reading data to remote SMTP server %s.", s.host())
	}
	return 0, fmt.Sprintf("Remote SMTP server %s has closed the connection.", s.host())
}

var errBadCode = errors.New("smtpalert: reply without a numeric code")

// readReply decodes one SMTP reply: lines "NNN-text" continue it, the
// line "NNN text" (or a bare "NNN") ends it with code NNN.
func readReply(r *bufio.Reader) (int, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			continue
		}
		if len(line) > 3 && line[3] == '-' {
			continue
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil || code < 0 {
			return 0, errBadCode
		}
		return code, nil
	}
}
