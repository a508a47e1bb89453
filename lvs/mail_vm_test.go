//go:build vmtest

package lvs

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
)

// collect gathers the mails arriving until none came for quiet (and at
// least min has passed), sorted: each is sent on its own connection.
func (mb *mailbox) collect(min, quiet time.Duration) []string {
	var got []string
	start, last := time.Now(), time.Now()
	for time.Since(start) < min || time.Since(last) < quiet {
		select {
		case m := <-mb.msgs:
			got = append(got, m)
			last = time.Now()
		case <-time.After(100 * time.Millisecond):
		}
	}
	slices.Sort(got)
	return got
}

const mailConf = `global_defs {
  router_id lb-mail
  notification_email {
    ops@example.com
  }
  notification_email_from ka@example.com
  smtp_server 127.0.0.1 SMTP_PORT
  smtp_connect_timeout 5
  smtp_alert_checker
}
virtual_server 10.10.8.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 1
  omega
  real_server 127.0.0.1 RS_PORT {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 127.0.0.2 RS_PORT {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
    MISC_CHECK {
      misc_path "MISC_SCRIPT"
      retry 0
    }
  }
}
`

// TestVMCheckerMailDifferential runs keepalived 2.2.7's checker process,
// then a Manager, on the same configuration, each mailing a fake SMTP
// server in the VM: two real servers behind one TCP listener (on
// 127.0.0.1 and 127.0.0.2), the second also with a MISC_CHECK. The
// listener dies, the MISC_CHECK fails (its server already down), the
// listener comes back (the second server still down), the MISC_CHECK
// recovers, a reload drops the second server, then the stop: the mails (subjects and bodies) of each phase
// must be the same.
func TestVMCheckerMailDifferential(t *testing.T) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Skip("no keepalived in the VM image")
	}
	vmKernel(t)
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rsAddr := probe.Addr().String()
	probe.Close()
	_, rsPort, _ := net.SplitHostPort(rsAddr)
	dir := t.TempDir()
	status := filepath.Join(dir, "misc-status")
	setMisc := func(code string) {
		if err := os.WriteFile(status, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	misc := filepath.Join(dir, "misc.sh")
	if err := os.WriteFile(misc, []byte("#!/bin/sh\nexit $(cat "+status+")\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	listen := func() net.Listener {
		t.Helper()
		ln, err := net.Listen("tcp", ":"+rsPort)
		if err != nil {
			t.Fatal(err)
		}
		go acceptAll(ln)
		return ln
	}
	type running struct{ stop, reload func() }
	run := func(name string, start func(conf string, log *bytes.Buffer) running) [][]string {
		mb := newMailbox(t)
		conf := filepath.Join(dir, name+".conf")
		text := strings.NewReplacer("SMTP_PORT", strconv.Itoa(mb.port()), "RS_PORT", rsPort, "MISC_SCRIPT", misc).Replace(mailConf)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		setMisc("0")
		ln := listen()
		var log bytes.Buffer
		r := start(conf, &log)
		phase := func() []string { return mb.collect(6*time.Second, 4*time.Second) }
		phases := [][]string{phase()}
		ln.Close()
		phases = append(phases, phase())
		setMisc("1")
		phases = append(phases, phase())
		ln = listen()
		phases = append(phases, phase())
		setMisc("0")
		phases = append(phases, phase())
		// A reload drops the second real server, which is up.
		i := strings.Index(text, "  real_server 127.0.0.2")
		if err := os.WriteFile(conf, []byte(text[:i]+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r.reload()
		phases = append(phases, phase())
		r.stop()
		ln.Close()
		phases = append(phases, mb.collect(3*time.Second, 3*time.Second))
		vmRun(t, "ipvsadm", "-C")
		t.Logf("%s log:\n%s", name, log.String())
		return phases
	}
	theirs := run("keepalived", func(conf string, log *bytes.Buffer) running {
		cmd := exec.Command("keepalived", "-n", "-l", "-C", "-D", "-f", conf,
			"-p", filepath.Join(dir, "keepalived.pid"), "-c", filepath.Join(dir, "checkers.pid"))
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return running{
			stop:   func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() },
			reload: func() { cmd.Process.Signal(syscall.SIGHUP) },
		}
	})
	ours := run("ours", func(conf string, log *bytes.Buffer) running {
		m, stop := startManager(t, conf, log)
		return running{
			stop: func() { stop() },
			reload: func() {
				cfg, _, err := parser.Parse(conf, parser.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Reload(cfg); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
	for i, name := range []string{"start", "listener down", "MISC_CHECK fails", "listener up", "MISC_CHECK recovers", "reload drops a live real server", "stop"} {
		a, b := strings.Join(theirs[i], "\n--\n"), strings.Join(ours[i], "\n--\n")
		if a != b {
			t.Errorf("%s: mails differ\n--- keepalived 2.2.7\n%s\n--- keepalived-go\n%s", name, a, b)
		} else {
			t.Logf("%s: identical\n%s", name, a)
		}
	}
}

func acceptAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}
