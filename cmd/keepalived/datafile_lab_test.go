//go:build !vmtest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// dataConf exercises every section of the data file: a script with a
// weight, a multicast and a unicast instance (two pool sockets), a sync
// group.
func dataConf() string {
	return fmt.Sprintf(`global_defs {
  router_id data-lab
  enable_script_security
  script_user root
}
vrrp_script chk {
  script "/usr/bin/true"
  interval 1
  weight 10
}
vrrp_instance VI_1 {
  state BACKUP
  interface %[1]s
  virtual_router_id 61
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.213.5.100/24
  }
  track_script {
    chk
  }
}
vrrp_instance VI_2 {
  interface %[1]s
  virtual_router_id 62
  priority 90
  advert_int 1
  unicast_peer {
    10.213.5.2
  }
  virtual_ipaddress {
    10.213.5.101/24
  }
}
`, lab.Link)
}

// dumpData runs one daemon in h with its own TMPDIR (keepalived's
// set_tmp_dir honours it, so do we), waits for both instances to be
// MASTER, sends SIGUSR1 and returns the data file.
func dumpData(t *testing.T, h *lab.Host, conf string, daemon ...string) []byte {
	t.Helper()
	return dumpDataNamed(t, h, conf, "keepalived.data", daemon...)
}

// dumpDataNamed is dumpData for a data file named name in TMPDIR; it fails
// the test if a keepalived.data appears there as well.
func dumpDataNamed(t *testing.T, h *lab.Host, conf, name string, daemon ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	argv := append([]string{"env", "TMPDIR=" + dir}, daemon...)
	argv = append(argv, "-n", "-l", "-D", "-f", conf, "-p", filepath.Join(dir, "k.pid"),
		"-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	p := h.Start(t, argv...)
	r := &router{t: t, h: h, proc: p}
	r.waitFor("both MASTER", func() bool {
		return strings.Contains(p.Output(), "(VI_1) Entering MASTER STATE") && strings.Contains(p.Output(), "(VI_2) Entering MASTER STATE")
	})
	time.Sleep(1500 * time.Millisecond) // a few script runs and adverts
	data := []byte(r.dataDump(filepath.Join(dir, name)))
	if _, err := os.Stat(filepath.Join(dir, "keepalived.data")); name != "keepalived.data" && err == nil {
		t.Errorf("%s wrote keepalived.data besides %s", daemon[len(daemon)-1], name)
	}
	p.Signal(syscall.SIGTERM)
	if exited, _ := p.Wait(10 * time.Second); !exited {
		t.Fatalf("%s did not stop", daemon[len(daemon)-1])
	}
	return data
}

// normaliseData blanks what differs between two runs of one configuration
// even for keepalived itself: times, descriptors, a script's idle/running
// at the signal, and the promote_secondaries/arp sysctls' saved values.
func normaliseData(b []byte) []string {
	times := regexp.MustCompile(`= \d+\.\d{6} \(.*\)$`)
	fds := regexp.MustCompile(`fd_in -?\d+(,?) fd_out (= )?-?\d+`)
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		l = times.ReplaceAllString(l, "= TIME")
		l = fds.ReplaceAllString(l, "fd_in N${1} fd_out ${2}N")
		if l == "   State = running" {
			l = "   State = idle"
		}
		out = append(out, l)
	}
	return out
}

// TestDataFileMatchesKeepalived is issue 11 item 10 against keepalived
// 2.2.7 itself: the same file in the same namespace, each daemon in turn;
// the SIGUSR1 data files are the same line for line once normalised.
func TestDataFileMatchesKeepalived(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("keepalived 2.2.7 not installed")
	}
	l := lab.New(t, 1)
	h := l.Host(1)
	h.NS.MustRun(t, "ip", "addr", "add", "10.213.5.1/24", "dev", lab.Link)
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte(dataConf()), 0o644); err != nil {
		t.Fatal(err)
	}
	theirs := normaliseData(dumpData(t, h, conf, "/usr/sbin/keepalived"))
	ours := normaliseData(dumpData(t, h, conf, asMainEnv+"=1", os.Args[0]))
	compareData(t, ours, theirs)
}

// TestDataUseInstance: with data_use_instance and an instance name, both
// daemons write the SIGUSR1 dump as keepalived.NAME.data (and no
// keepalived.data), with the same lines, `Use instance name in data dumps`
// among them.
func TestDataUseInstance(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("keepalived 2.2.7 not installed")
	}
	l := lab.New(t, 1)
	h := l.Host(1)
	h.NS.MustRun(t, "ip", "addr", "add", "10.213.5.1/24", "dev", lab.Link)
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	text := "instance lab1\n" + strings.Replace(dataConf(), "global_defs {\n", "global_defs {\n  data_use_instance\n", 1)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	theirs := normaliseData(dumpDataNamed(t, h, conf, "keepalived.lab1.data", "/usr/sbin/keepalived"))
	ours := normaliseData(dumpDataNamed(t, h, conf, "keepalived.lab1.data", asMainEnv+"=1", os.Args[0]))
	compareData(t, ours, theirs)
	if !strings.Contains(strings.Join(ours, "\n"), "\n Use instance name in data dumps\n") {
		t.Error("no `Use instance name in data dumps` line")
	}
}

// compareData reports the lines where two normalised data files differ.
func compareData(t *testing.T, ours, theirs []string) {
	t.Helper()
	if len(theirs) < 150 {
		t.Fatalf("keepalived's file has only %d lines", len(theirs))
	}
	for i := 0; i < len(ours) || i < len(theirs); i++ {
		var o, k string
		if i < len(ours) {
			o = ours[i]
		}
		if i < len(theirs) {
			k = theirs[i]
		}
		if o != k {
			t.Errorf("line %d: ours %q, keepalived %q", i+1, o, k)
			if i+1 < len(ours) && i+1 < len(theirs) && ours[i+1] != theirs[i+1] {
				t.Logf("ours:\n%s\nkeepalived:\n%s", strings.Join(ours, "\n"), strings.Join(theirs, "\n"))
				return
			}
		}
	}
}
