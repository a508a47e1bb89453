package debtest

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unitContract plays systemd for the installed keepalived.service: it reads
// the unit and its EnvironmentFile as systemd does (no shell, no expansion
// inside the file; an unbraced $VAR splits into words), runs ExecStart with
// NOTIFY_SOCKET, and checks the Type=notify conversation: READY=1, then
// ExecReload gives RELOADING=1 and READY=1, then SIGTERM gives STOPPING=1
// and a clean exit.
func unitContract(t *testing.T, s *sandbox) {
	unit := s.sh("cat /lib/systemd/system/keepalived.service")
	keys := map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			keys[k] = v
		}
	}
	if keys["Type"] != "notify" {
		t.Fatalf("Type=%s", keys["Type"])
	}
	envFile := strings.TrimPrefix(keys["EnvironmentFile"], "-")
	s.write(envFile, "# comment\nDAEMON_ARGS=\"-D --log-detail\"\n", 0o644)
	env := map[string]string{}
	for _, line := range strings.Split(s.sh("cat "+envFile), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = strings.Trim(v, `"`)
		}
	}
	expand := func(cmdline string, extra map[string]string) []string {
		var argv []string
		for _, w := range strings.Fields(cmdline) {
			if name, ok := strings.CutPrefix(w, "$"); ok {
				v, ok := extra[name]
				if !ok {
					v = env[name]
				}
				argv = append(argv, strings.Fields(v)...)
				continue
			}
			argv = append(argv, w)
		}
		return argv
	}

	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	messages := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(messages)
				return
			}
			messages <- string(buf[:n])
		}
	}()
	// expect waits (generously: not a timing assertion) for a message
	// carrying all of fields and returns it.
	expect := func(fields ...string) map[string]string {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			select {
			case m, ok := <-messages:
				if !ok {
					t.Fatalf("notify socket closed waiting for %v", fields)
				}
				t.Logf("sd_notify: %q", m)
				got := map[string]string{}
				sc := bufio.NewScanner(strings.NewReader(m))
				for sc.Scan() {
					if k, v, ok := strings.Cut(sc.Text(), "="); ok {
						got[k] = v
					}
				}
				all := true
				for _, f := range fields {
					k, v, _ := strings.Cut(f, "=")
					if got[k] != v {
						all = false
					}
				}
				if all {
					return got
				}
			case <-deadline:
				t.Fatalf("no sd_notify %v", fields)
			}
		}
	}

	argv := expand(keys["ExecStart"], nil)
	if want := []string{"/usr/sbin/keepalived", "--dont-fork", "-D", "--log-detail"}; strings.Join(argv, " ") != strings.Join(want, " ") {
		t.Fatalf("ExecStart expands to %q, want %q", argv, want)
	}
	args := append([]string{"--target", strconv.Itoa(s.pid1), "--mount", "--net", "--pid", "--", "env", "NOTIFY_SOCKET=" + sock}, argv...)
	daemon := exec.Command("nsenter", args...)
	var out strings.Builder
	daemon.Stdout, daemon.Stderr = &out, &out
	daemon.WaitDelay = 5 * time.Second
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = daemon.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			// nsenter's child is the daemon: stop it inside the sandbox.
			_, _ = s.run("", "pkill", "-KILL", "-x", "keepalived")
			_ = daemon.Process.Kill()
			<-exited
			t.Logf("ExecStart output:\n%s", out.String())
		}
	}()

	mainPID := expect("READY=1")["MAINPID"]
	if _, err := strconv.Atoi(mainPID); err != nil {
		t.Fatalf("READY=1 without a usable MAINPID (%q)", mainPID)
	}
	s.sh(strings.Join(expand(keys["ExecReload"], map[string]string{"MAINPID": mainPID}), " "))
	expect("RELOADING=1")
	if got := expect("READY=1"); got["STATUS"] != "" {
		t.Errorf("reload of an unchanged file says %q", got["STATUS"])
	}
	s.sh("kill -TERM " + mainPID)
	expect("STOPPING=1")
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("ExecStart process: %v\n%s", waitErr, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Errorf("ExecStart process did not exit on SIGTERM\n%s", out.String())
	}
	s.write(envFile, "DAEMON_ARGS=\"\"\n", 0o644)
}
