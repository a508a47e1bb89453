package debtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stubDaemon stands in for keepalived while cmd/keepalived cannot run as a
// daemon yet: it parses what the init script relies on (-t, -n, -p, -f),
// forks unless -n, writes its pid file, counts SIGHUPs and removes the pid
// file on SIGTERM, as keepalived does.
const stubDaemon = `#!/bin/sh
pidfile=/run/keepalived.pid conf=/etc/keepalived/keepalived.conf fg= test= child=
while [ $# -gt 0 ]; do
	case $1 in
	-t | --config-test) test=1 ;;
	-n | -n[A-Za-z]* | --dont-fork) fg=1 ;;
	-p | --pid) pidfile=$2; shift ;;
	-f | --use-file) conf=$2; shift ;;
	--stub-child) child=1 ;;
	--no-such-option) echo "unrecognized option '$1'" >&2; exit 1 ;;
	esac
	shift
done
if [ -n "$test" ]; then
	if grep -q INVALID "$conf"; then
		echo "$conf:1:1: error: the stub finds this invalid" >&2
		exit 1
	fi
	exit 0
fi
if [ -z "$fg$child" ]; then
	"$0" --stub-child -p "$pidfile" -f "$conf" </dev/null >/dev/null 2>&1 &
	exit 0
fi
trap 'echo hup >>/run/stub-hups' HUP
trap 'rm -f "$pidfile"; exit 0' TERM
echo $$ >"$pidfile"
while :; do
	sleep 1 &
	wait $!
done
`

// vrrpConf is one VRRP instance on the sandbox's veth0; invalid marks a
// configuration both the stub and keepalived -t reject.
const (
	vrrpConf = `vrrp_instance VI_1 {
    state MASTER
    interface veth0
    virtual_router_id 51
    priority 200
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`
	invalidConf = "INVALID {\n"
)

// daemonWorks says whether the packaged keepalived runs as a daemon or only
// checks configurations (before the daemon was wired in).
func daemonWorks(t *testing.T, b built) bool {
	if os.Getenv("KG_DEBTEST_STUB") != "" {
		return false
	}
	exe, err := os.ReadFile(filepath.Join(b.bin, "keepalived"))
	if err != nil {
		t.Fatal(err)
	}
	return !bytes.Contains(exe, []byte("daemon mode not yet implemented"))
}

func checkInstall(t *testing.T, b built) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not found")
	}
	real := daemonWorks(t, b)
	t.Logf("daemon under test: real keepalived-go = %v", real)
	s := newSandbox(t)

	hostKeepalived, _ := s.run("", "dpkg-query", "-W", "-f=${Status}", "keepalived")
	// Let invoke-rc.d act as on a real host (containers often forbid it).
	// man-db's trigger only rebuilds an index no one reads here, slowly.
	s.sh("rm -f /usr/sbin/policy-rc.d /var/lib/man-db/auto-update")
	out, code := s.run("", "dpkg", "--force-confnew", "-i", b.deb)
	if code != 0 {
		t.Fatalf("dpkg -i: exit %d\n%s", code, out)
	}
	t.Logf("dpkg -i:\n%s", out)
	if !strings.Contains(out, "Not starting keepalived: /etc/keepalived/keepalived.conf not found") {
		t.Errorf("postinst did not run the init script's start")
	}
	if st := s.sh("dpkg-query -W -f='${Status}' keepalived-go"); st != "install ok installed" {
		t.Fatalf("keepalived-go status %q", st)
	}
	registered := func(when string) {
		t.Helper()
		out, code := s.run("", "/bin/sh", "-c", `test -x /etc/init.d/keepalived &&
			grep -q keepalived-go /etc/init.d/keepalived &&
			set -- /etc/rc2.d/S*keepalived /etc/rc0.d/K*keepalived && test -L "$1" && test -L "$2" &&
			{ ! test -d /etc/systemd/system || test -L /etc/systemd/system/multi-user.target.wants/keepalived.service; }`)
		if code != 0 {
			diag, _ := s.run("", "/bin/sh", "-c", "ls -l /etc/init.d/keepalived /etc/rc2.d /etc/systemd/system/multi-user.target.wants 2>&1")
			t.Errorf("%s: sysv script or unit not registered (%s):\n%s", when, out, diag)
		}
	}
	registered("after install")
	if hostKeepalived == "install ok installed" {
		st, _ := s.run("", "dpkg-query", "-W", "-f=${Status}", "keepalived")
		if !strings.HasSuffix(st, " config-files") {
			t.Errorf("replaced keepalived is %q, want config-files", st)
		}
		// Its postrm purge would unregister our service; our trigger
		// registers it again.
		if out, code := s.run("", "dpkg", "--purge", "keepalived"); code != 0 {
			t.Errorf("dpkg --purge keepalived: exit %d\n%s", code, out)
		}
		registered("after purging the replaced keepalived")
	}
	if v := s.sh("/usr/sbin/keepalived -v 2>&1"); !strings.Contains(v, "keepalived-go") {
		t.Errorf("/usr/sbin/keepalived is not ours: %s", v)
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		if out, code := s.run("", "systemd-analyze", "verify", "/lib/systemd/system/keepalived.service"); code != 0 || strings.TrimSpace(out) != "" {
			t.Errorf("systemd-analyze verify: exit %d\n%s", code, out)
		}
	}

	if !real {
		s.write("/usr/sbin/keepalived", stubDaemon, 0o755)
	}
	s.write("/etc/keepalived/keepalived.conf", vrrpConf, 0o644)
	lifecycle(t, s, "sh", real)
	if _, err := exec.LookPath("busybox"); err == nil {
		lifecycle(t, s, "busybox", real)
	}

	if real {
		t.Run("metrics-and-status", func(t *testing.T) {
			outer := s.t
			s.t = t
			defer func() { s.t = outer }()
			observe(t, s, b)
		})
		t.Run("systemd-unit", func(t *testing.T) {
			outer := s.t
			s.t = t
			defer func() { s.t = outer }()
			unitContract(t, s)
		})
	}

	// An upgrade (here a reinstall) restarts a running daemon.
	initd(t, s, "sh", "start", 0)
	old := strings.TrimSpace(s.sh("cat /run/keepalived.pid"))
	if out, code := s.run("", "dpkg", "-i", b.deb); code != 0 {
		t.Fatalf("dpkg -i (reinstall): exit %d\n%s", code, out)
	}
	pid := strings.TrimSpace(s.sh("cat /run/keepalived.pid"))
	if pid == old {
		t.Errorf("reinstall did not restart the daemon (pid %s)", pid)
	}
	s.sh("test \"$(cat /proc/" + pid + "/comm)\" = keepalived")

	// Removal stops the daemon and leaves the conffile inert; purge drops
	// the rc links.
	if out, code := s.run("", "dpkg", "-r", "keepalived-go"); code != 0 {
		t.Fatalf("dpkg -r: exit %d\n%s", code, out)
	}
	s.waitFor("the daemon to exit on removal", "! kill -0 "+pid+" 2>/dev/null || grep -q '^State:.*zombie' /proc/"+pid+"/status")
	s.sh("test -e /etc/init.d/keepalived && ! test -x /etc/init.d/keepalived && ! test -e /usr/sbin/keepalived")
	if out, code := s.run("", "dpkg", "--purge", "keepalived-go"); code != 0 {
		t.Fatalf("dpkg --purge: exit %d\n%s", code, out)
	}
	s.sh("! ls /etc/rc*.d/*keepalived 2>/dev/null && ! test -e /etc/init.d/keepalived && ! test -e /etc/default/keepalived")
}

// initd runs /etc/init.d/keepalived ACTION under shell and checks its exit code.
func initd(t *testing.T, s *sandbox, shell, action string, want int) string {
	t.Helper()
	argv := []string{"/bin/sh", "/etc/init.d/keepalived", action}
	if shell == "busybox" {
		argv = []string{"busybox", "sh", "/etc/init.d/keepalived", action}
	}
	out, code := s.run("", argv...)
	if code != want {
		t.Errorf("%s /etc/init.d/keepalived %s: exit %d, want %d\n%s", shell, action, code, want, out)
	}
	return out
}

// lifecycle drives the init script through every action and checks the pid
// file, the process and LSB exit codes.
func lifecycle(t *testing.T, s *sandbox, shell string, real bool) {
	t.Run(shell, func(t *testing.T) {
		outer := s.t
		s.t = t
		defer func() { s.t = outer }()
		if shell == "busybox" {
			// A minimal host: busybox's rm, sleep and setsid first in
			// the script's PATH, and no LSB helper functions.
			s.sh(`for a in rm sleep setsid; do ln -s /usr/bin/busybox /usr/sbin/$a; done
				if [ -e /usr/lib/lsb/init-functions ]; then
					mv /usr/lib/lsb/init-functions /usr/lib/lsb/init-functions.off
				fi`)
			defer s.sh(`rm /usr/sbin/rm /usr/sbin/sleep /usr/sbin/setsid
				if [ -e /usr/lib/lsb/init-functions.off ]; then
					mv /usr/lib/lsb/init-functions.off /usr/lib/lsb/init-functions
				fi`)
			if out := initd(t, s, shell, "status", 3); !strings.Contains(out, "keepalived is not running") {
				t.Errorf("status without LSB helpers says %q", out)
			}
		}
		s.sh("rm -f /run/stub-hups; printf 'DAEMON_ARGS=\"\"\\n' > /etc/default/keepalived")
		running := func() string {
			t.Helper()
			pid := strings.TrimSpace(s.sh("cat /run/keepalived.pid"))
			s.sh("test \"$(cat /proc/" + pid + "/comm)\" = keepalived")
			return pid
		}
		stopped := func(pid string) {
			t.Helper()
			s.waitFor("pid "+pid+" to exit", "! test -e /proc/"+pid+" || grep -q '^State:.*zombie' /proc/"+pid+"/status")
		}

		initd(t, s, shell, "status", 3)
		initd(t, s, shell, "reload", 7)
		initd(t, s, shell, "start", 0)
		pid := running()
		if real {
			s.waitFor("the VIP on veth0", "ip -o addr show dev veth0 | grep -q 192.0.2.100/24")
		}
		initd(t, s, shell, "start", 0)
		if again := running(); again != pid {
			t.Errorf("second start replaced pid %s by %s", pid, again)
		}
		if out := initd(t, s, shell, "status", 0); !strings.Contains(out, "running") {
			t.Errorf("status says %q", out)
		}

		initd(t, s, shell, "reload", 0)
		if !real {
			s.waitFor("the daemon to see SIGHUP", "test \"$(wc -l < /run/stub-hups)\" = 1")
		}
		if again := running(); again != pid {
			t.Errorf("reload replaced pid %s by %s", pid, again)
		}
		// CHECK_CONFIG=yes: a broken file is refused before any signal.
		s.sh("printf 'DAEMON_ARGS=\"\"\\nCHECK_CONFIG=yes\\n' > /etc/default/keepalived")
		s.write("/etc/keepalived/keepalived.conf", invalidConf, 0o644)
		initd(t, s, shell, "reload", 1)
		initd(t, s, shell, "configtest", 1)
		s.write("/etc/keepalived/keepalived.conf", vrrpConf, 0o644)
		initd(t, s, shell, "configtest", 0)
		initd(t, s, shell, "force-reload", 0)
		if !real {
			s.waitFor("the daemon to see the second SIGHUP", "test \"$(wc -l < /run/stub-hups)\" = 2")
		}
		if again := running(); again != pid {
			t.Errorf("force-reload replaced pid %s by %s", pid, again)
		}

		initd(t, s, shell, "restart", 0)
		newPid := running()
		if newPid == pid {
			t.Errorf("restart kept pid %s", pid)
		}
		stopped(pid)

		initd(t, s, shell, "stop", 0)
		stopped(newPid)
		s.sh("! test -e /run/keepalived.pid")
		if real {
			s.waitFor("the VIP to go", "! ip -o addr show dev veth0 | grep -q 192.0.2.100/24")
		}
		initd(t, s, shell, "stop", 0)
		initd(t, s, shell, "status", 3)

		// A pid file left by a crash: status 1, and start recovers.
		s.sh("echo 4242 > /run/keepalived.pid")
		initd(t, s, shell, "status", 1)
		initd(t, s, shell, "start", 0)
		pid = running()
		initd(t, s, shell, "stop", 0)
		stopped(pid)

		// DAEMON_ARGS reach the daemon: a foreground daemon (-n) is
		// detached by the script, and -p moves the pid file.
		s.sh("printf 'DAEMON_ARGS=\"-nD --pid /run/kg-alt.pid\"\\n' > /etc/default/keepalived")
		initd(t, s, shell, "start", 0)
		alt := strings.TrimSpace(s.sh("cat /run/kg-alt.pid"))
		s.sh("test \"$(cat /proc/" + alt + "/comm)\" = keepalived && ! test -e /run/keepalived.pid")
		initd(t, s, shell, "status", 0)
		initd(t, s, shell, "stop", 0)
		s.waitFor("pid "+alt+" to exit", "! test -e /proc/"+alt+" || grep -q '^State:.*zombie' /proc/"+alt+"/status")
		s.sh("! test -e /run/kg-alt.pid")
		// A daemon that cannot start makes start fail.
		s.sh("printf 'DAEMON_ARGS=\"--no-such-option\"\\nSTART_WAIT=1\\n' > /etc/default/keepalived")
		initd(t, s, shell, "start", 1)
		initd(t, s, shell, "status", 3)
		s.sh("printf 'DAEMON_ARGS=\"\"\\n' > /etc/default/keepalived")

		// No configuration: start is a no-op that succeeds (so package
		// installation without one does not fail), status says stopped.
		s.sh("mv /etc/keepalived/keepalived.conf /etc/keepalived/keepalived.conf.off")
		initd(t, s, shell, "start", 0)
		initd(t, s, shell, "status", 3)
		s.sh("mv /etc/keepalived/keepalived.conf.off /etc/keepalived/keepalived.conf")

		initd(t, s, shell, "frobnicate", 2)
	})
}

// observe starts the daemon with the metrics example of the shipped
// /etc/default/keepalived uncommented, then reads /metrics and asks
// keepalivectl for the status.
func observe(t *testing.T, s *sandbox, b built) {
	def := extract(t, b.deb, "./etc/default/keepalived")
	example := ""
	for _, line := range strings.Split(def, "\n") {
		if strings.HasPrefix(line, "#DAEMON_ARGS=") && strings.Contains(line, "--metrics-listen") {
			example = strings.TrimPrefix(line, "#")
		}
	}
	if example == "" {
		t.Fatalf("no metrics example in /etc/default/keepalived:\n%s", def)
	}
	s.write("/etc/default/keepalived", strings.Replace(def, "#"+example, example, 1), 0o644)
	defer s.write("/etc/default/keepalived", "DAEMON_ARGS=\"\"\n", 0o644)
	initd(t, s, "sh", "start", 0)
	defer initd(t, s, "sh", "stop", 0)

	var get string
	switch {
	case lookPath("curl"):
		get = "curl -fsS http://127.0.0.1:9650/metrics"
	case lookPath("wget"):
		get = "wget -qO- http://127.0.0.1:9650/metrics"
	default:
		t.Log("neither curl nor wget: /metrics not read")
	}
	if get != "" {
		s.waitFor("VI_1 in /metrics", get+" | grep -q 'keepalived_.*iname=\"VI_1\"\\|keepalived_.*name=\"VI_1\"'")
		page := strings.Replace(get, "/metrics", "/status", 1)
		s.waitFor("VI_1 on the status page", page+" | grep -q 'data-instance=\"VI_1\"'")
	}
	if s.sh("test -x /usr/bin/keepalivectl && echo yes || true") == "yes\n" {
		s.waitFor("keepalivectl to show VI_1 as MASTER", "keepalivectl status | grep -q 'VI_1 *MASTER'")
		if out := s.sh("keepalivectl status --json"); !strings.Contains(out, "VI_1") {
			t.Errorf("keepalivectl status --json lacks VI_1:\n%s", out)
		}
		if out := s.sh("keepalivectl version"); !strings.Contains(out, "daemon (pid ") {
			t.Errorf("keepalivectl version:\n%s", out)
		}
		if out := s.sh("test -f /usr/share/bash-completion/completions/keepalivectl && echo yes || true"); out != "yes\n" {
			t.Error("keepalivectl's bash completion is not installed")
		}
	}
}

func lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
