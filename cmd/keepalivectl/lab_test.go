package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/labdaemon"
	"github.com/dsas/keepalived-go/internal/netns"
)

// labConf is a daemon with what status must show: a vrrp_script, a
// track_file that can push VI_1 into FAULT, and a sync group.
func labConf(maint, extra string) string {
	return fmt.Sprintf(`global_defs {
  router_id ctl-lab
  vrrp_version 3
  enable_script_security
  script_user root
}
vrrp_script chk_ok {
  script "/bin/true"
  interval 1
}
track_file maint {
  file %s
}
vrrp_instance VI_1 {
  interface %[2]s
  virtual_router_id 77
  priority 150
  advert_int 0.5
  track_script {
    chk_ok weight 0
  }
  track_file {
    maint weight 0
  }
  virtual_ipaddress {
    10.213.0.100/24
  }%[3]s
}
vrrp_instance VI_2 {
  interface %[2]s
  virtual_router_id 78
  priority 100
  advert_int 0.5
  virtual_ipaddress {
    10.213.0.101/24
  }
}
vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
}
`, maint, lab.Link, extra)
}

// ctl runs keepalivectl in-process inside h's namespace (reload forks the
// daemon's -t there, where the lab interface exists).
func ctl(t *testing.T, h *lab.Host, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	h.NS.MustDo(t, func() error {
		code = run(args, &out, &errb)
		return nil
	})
	return code, out.String(), errb.String()
}

func statusOf(t *testing.T, h *lab.Host, sock string) control.Status {
	t.Helper()
	code, out, errs := ctl(t, h, "status", "--json", "--socket", sock)
	var st control.Status
	if code != 0 {
		t.Fatalf("status --json: exit %d: %s", code, errs)
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

func instanceOf(st control.Status, name string) control.Instance {
	for _, in := range st.Instances {
		if in.Name == name {
			return in
		}
	}
	return control.Instance{}
}

// TestCommandsAgainstDaemon runs every keepalivectl command against a
// keepalived-go in a one-host lab: status and its JSON with trackers, sync
// group and a FAULT reason; lvs, version; reload with a refused and an
// accepted file; and the message once the daemon is gone.
func TestCommandsAgainstDaemon(t *testing.T) {
	netns.SkipUnlessRoot(t)
	bin := labdaemon.Build(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	maint := filepath.Join(t.TempDir(), "maint")
	writeFile(t, maint, "0\n")
	d := labdaemon.Start(t, bin, h, labConf(maint, ""))
	sock := d.Socket
	d.WaitFor("VI_1 MASTER over the control socket", func() bool {
		code, out, _ := ctl(t, h, "status", "--json", "--socket", sock)
		return code == 0 && strings.Contains(out, `"state": "MASTER"`) && strings.Contains(out, `"name": "VI_2"`) &&
			instanceOf(decode(out), "VI_1").State == "MASTER" && instanceOf(decode(out), "VI_2").State == "MASTER"
	})

	st := statusOf(t, h, sock)
	vi1 := instanceOf(st, "VI_1")
	if !vi1.MasterIsSelf || vi1.EffectivePriority != 150 || vi1.SyncGroup != "G1" || len(vi1.Transitions) == 0 {
		t.Errorf("VI_1 %+v", vi1)
	}
	if len(st.SyncGroups) != 1 || st.SyncGroups[0].State != "MASTER" || len(st.Scripts) != 1 || st.Scripts[0].Status != "GOOD" {
		t.Errorf("groups %+v scripts %+v", st.SyncGroups, st.Scripts)
	}
	if st.ConfigFile != d.Conf || st.Reloads == nil || st.Reloads.LoadedAt.IsZero() || st.Version == "" {
		t.Errorf("config %q reloads %+v version %q", st.ConfigFile, st.Reloads, st.Version)
	}
	code, out, _ := ctl(t, h, "status", "--socket", sock)
	for _, want := range []string{"VI_1", "this node", "SYNC GROUP", "G1", "chk_ok", "script", "maint", "file", "configuration: " + d.Conf} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("status: exit %d, lacks %q:\n%s", code, want, out)
		}
	}

	// A track_file with weight 0 and a non-zero value: FAULT, and status
	// says why; the sync group follows.
	writeFile(t, maint, "1\n")
	d.WaitFor("VI_1 FAULT", func() bool { return instanceOf(statusOf(t, h, sock), "VI_1").State == "FAULT" })
	code, out, _ = ctl(t, h, "status", "--socket", sock)
	if code != 0 || !strings.Contains(out, "VI_1 FAULT: track_file maint is 1") || !strings.Contains(out, "FAILED (1)") {
		t.Errorf("status in FAULT: exit %d\n%s", code, out)
	}
	if g := statusOf(t, h, sock).SyncGroups; len(g) != 1 || g[0].State != "FAULT" {
		t.Errorf("sync group %+v", g)
	}
	writeFile(t, maint, "0\n")
	d.WaitFor("VI_1 MASTER again", func() bool { return instanceOf(statusOf(t, h, sock), "VI_1").State == "MASTER" })

	code, out, _ = ctl(t, h, "lvs", "--socket", sock)
	if code != 0 || !strings.Contains(out, "no virtual servers") {
		t.Errorf("lvs: exit %d\n%s", code, out)
	}
	code, out, _ = ctl(t, h, "lvs", "--json", "--socket", sock)
	if code != 0 || !strings.Contains(out, `"virtual_servers": []`) {
		t.Errorf("lvs --json: exit %d\n%s", code, out)
	}
	code, out, _ = ctl(t, h, "version", "--socket", sock)
	if code != 0 || !strings.Contains(out, "keepalivectl: keepalived-go") || !strings.Contains(out, "daemon (pid ") {
		t.Errorf("version: exit %d\n%s", code, out)
	}
	testReload(t, h, d, maint)

	// The daemon gone: one line, exit 3.
	d.Proc.Signal(syscall.SIGTERM)
	d.Proc.Wait(20 * time.Second)
	code, out, errs := ctl(t, h, "status", "--socket", sock)
	if code != exitNoDaemon || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "no keepalived-go daemon is running") {
		t.Errorf("status without daemon: exit %d stdout %q stderr %q", code, out, errs)
	}
}

// testReload: a file -t refuses is never signalled; a good one is applied.
func testReload(t *testing.T, h *lab.Host, d *labdaemon.Daemon, maint string) {
	t.Helper()
	before := statusOf(t, h, d.Socket).Reloads.Total
	d.Write("vrrp_instance VI_1 {\n  interface " + lab.Link + "\n  virtual_router_id 300\n}\n")
	code, out, errs := ctl(t, h, "reload", "--socket", d.Socket)
	if code != exitFailed || !strings.Contains(out, "REFUSED") || !strings.Contains(out, "not reloaded") {
		t.Errorf("reload of a broken file: exit %d\n%s%s", code, out, errs)
	}
	if n := statusOf(t, h, d.Socket).Reloads.Total; n != before {
		t.Errorf("broken file was signalled: %d reloads, had %d", n, before)
	}
	d.Write(labConf(maint, "\n  virtual_ipaddress_excluded {\n    10.213.0.150/24\n  }"))
	code, out, errs = ctl(t, h, "reload", "--json", "--socket", d.Socket)
	var res reloadResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.CheckOK || !res.Signalled ||
		res.Applied == nil || !*res.Applied {
		t.Errorf("reload of a good file: exit %d %v\n%s%s", code, err, out, errs)
	}
	code, out, _ = ctl(t, h, "status", "--socket", d.Socket)
	if code != 0 || !strings.Contains(out, "10.213.0.150/24(excluded)") {
		t.Errorf("status after reload lacks the new VIP:\n%s", out)
	}
}

func decode(s string) control.Status {
	var st control.Status
	json.Unmarshal([]byte(s), &st)
	return st
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTwoDaemonsTwoNamespaces is issue 11 item 11: two daemons on one
// host, each started with -s NS and no socket or pid-file options, get
// their own control sockets (/run/keepalived/keepalived-go_NS.sock, next
// to keepalived's /run/keepalived/keepalived_NS.pid), and keepalivectl
// reaches each with --namespace, or with no flag from inside the
// namespace.
func TestTwoDaemonsTwoNamespaces(t *testing.T) {
	netns.SkipUnlessRoot(t)
	bin := labdaemon.Build(t)
	l := lab.New(t, 2)
	for i, h := range l.Hosts {
		conf := filepath.Join(t.TempDir(), "keepalived.conf")
		writeFile(t, conf, fmt.Sprintf(`global_defs {
  router_id ns-%[1]d
}
vrrp_instance VI_%[1]d {
  interface %[2]s
  virtual_router_id %[3]d
  priority 100
  advert_int 0.5
  virtual_ipaddress {
    10.213.1.%[3]d/24
  }
}
`, i+1, lab.Link, 90+i))
		p := h.Start(t, bin, "-n", "-l", "-D", "-f", conf, "-s", h.NS.Name)
		t.Cleanup(func() { p.Signal(syscall.SIGTERM); p.Wait(5 * time.Second) })
	}
	for i, h := range l.Hosts {
		want := fmt.Sprintf("VI_%d", i+1)
		sock := "/run/keepalived/keepalived-go_" + h.NS.Name + ".sock"
		deadline := time.Now().Add(30 * time.Second)
		for {
			// From the root namespace, by name.
			var out, errb bytes.Buffer
			code := run([]string{"status", "--json", "--namespace", h.NS.Name}, &out, &errb)
			if code == 0 && decode(out.String()).Instances != nil && instanceOf(decode(out.String()), want).Name == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: keepalivectl --namespace %s: exit %d %s%s", want, h.NS.Name, code, errb.String(), out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := os.Stat(sock); err != nil {
			t.Errorf("socket: %v", err)
		}
		// From inside the namespace, with no flag at all.
		code, out, errs := ctl(t, h, "status", "--json")
		if st := decode(out); code != 0 || len(st.Instances) != 1 || st.Instances[0].Name != want {
			t.Errorf("%s from inside: exit %d %s %+v", want, code, errs, st.Instances)
		}
	}
	if _, err := os.Stat(control.DefaultSocket); err == nil {
		t.Logf("note: %s exists (another daemon on this host)", control.DefaultSocket)
	}
}
