package parser

import (
	"slices"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// lvsParse parses a snippet as keepalived -t would and returns the model
// and the diagnostics.
func lvsParse(t *testing.T, src string) (*config.Config, Diagnostics) {
	t.Helper()
	opts := Options{
		TestMode:        true,
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	}
	cfg, diags, _ := ParseBytes("lvs.conf", []byte(src), opts)
	if cfg == nil {
		cfg = &config.Config{}
	}
	return cfg, diags
}

// lvsWant is one expected diagnostic: class, line and a message fragment.
type lvsWant struct {
	class Class
	line  int
	msg   string
}

func checkDiags(t *testing.T, got Diagnostics, want []lvsWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Class != w.class || g.Pos.Line != w.line || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("diag %d = %v (%v), want %v line %d containing %q", i, g, g.Class, w.class, w.line, w.msg)
		}
	}
}

// TestCheckerTrackers drives the checker-pass track_file / bfd_instance
// recorders directly: FILE_CHECK takes the track file's weight, and
// BFD_CHECK only sees instances whose events go to the checker.
func TestCheckerTrackers(t *testing.T) {
	c := &ctx{Cfg: &config.Config{}, Opts: &Options{TestMode: true}}
	tab := lvsCheckerTrackers()
	tok := func(s string) token { return token{Text: s, Pos: Pos{Line: 1, Col: 1}} }
	block := func(kw string, name string, lines ...[]string) {
		k := tab[kw]
		k.Handle(c, tok(kw), []token{tok(name)})
		for _, l := range lines {
			var args []token
			for _, w := range l[1:] {
				args = append(args, tok(w))
			}
			k.Sub[l[0]].Handle(c, tok(l[0]), args)
		}
		k.End(c)
	}
	block("track_file", "tf1", []string{"file", "/tmp/x"}, []string{"weight", "-5", "reverse"})
	block("vrrp_track_file", "tf2", []string{"file", "/tmp/y"})
	block("track_file", "tf3") // no file: freed, as keepalived does
	block("bfd_instance", "b1", []string{"neighbor_ip", "10.0.0.1"})
	block("bfd_instance", "b2", []string{"vrrp"})
	block("bfd_instance", "b3", []string{"vrrp"}, []string{"checker"})

	if f := c.lvs.findTrackFile("tf1"); f == nil || f.Weight != -5 || !f.WeightReverse {
		t.Errorf("tf1 = %+v", f)
	}
	if f := c.lvs.findTrackFile("tf2"); f == nil || f.Weight != 1 {
		t.Errorf("tf2 = %+v", f)
	}
	if f := c.lvs.findTrackFile("tf3"); f != nil {
		t.Errorf("tf3 without a file kept: %+v", f)
	}
	var names []string
	for _, b := range c.lvs.bfds {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "b1,b3" {
		t.Errorf("checker bfds = %v", names)
	}
}

// TestFileCheckSeesTopLevelTrackFile parses the whole file, not the recorder
// alone: the checker pass must read the top-level track_file block, or every
// FILE_CHECK is dropped with "track_file TF not found".
func TestFileCheckSeesTopLevelTrackFile(t *testing.T) {
	cfg, diags := lvsParse(t, `track_file TF {
  file /tmp/tf.val
  weight 7
}
virtual_server 10.9.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.9.0.2 80 {
    FILE_CHECK {
      track_file TF
    }
  }
}
`)
	checkDiags(t, diags, nil)
	rs := cfg.LVS.VirtualServers[0].RealServers[0]
	if len(rs.Checkers) != 1 || rs.Checkers[0].File == nil || rs.Checkers[0].File.TrackFile != "TF" {
		t.Fatalf("checkers = %+v, want one FILE_CHECK on TF", rs.Checkers)
	}
}

// TestFileCheckTrackFileWithoutFile: a track_file without `file` is freed
// (keepalived: "No file set for track_file X - ignoring"), so the checker
// side does not find it either and drops the FILE_CHECK naming it, as
// keepalived 2.2.7's -t and checker process do (corpus 062: keepalived-go
// exited at start with `track_file "TF_0" not configured`).
func TestFileCheckTrackFileWithoutFile(t *testing.T) {
	cfg, diags := lvsParse(t, `track_file TF_0 {
  weight 0
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.1 80 {
    FILE_CHECK {
      track_file TF_0
    }
  }
}
`)
	checkDiags(t, diags, []lvsWant{
		{generalError, 10, "track_file TF_0 not found"},
		{generalError, 9, "FILE_CHECK has no track_file specified - ignoring"},
		{generalError, 1, "No file set for track_file TF_0 - ignoring"},
	})
	if vs := cfg.LVS.VirtualServers; len(vs) != 1 || len(vs[0].RealServers) != 1 || len(vs[0].RealServers[0].Checkers) != 0 {
		t.Errorf("virtual servers %+v", vs)
	}
}

// TestMiscScriptUserMessage: keepalived names the removed MISC_CHECK's
// script as cmd_str quotes it (corpus 079 in the LVS differential).
func TestMiscScriptUserMessage(t *testing.T) {
	src := "global_defs {\n  script_user nosuchuser\n}\nvirtual_server 10.0.0.1 80 {\n  protocol TCP\n  lvs_sched rr\n  lvs_method NAT\n" +
		"  real_server 10.0.1.1 80 {\n    MISC_CHECK {\n      misc_path \"/bin/check a b\"\n    }\n  }\n}\n"
	_, diags, _ := ParseBytes("lvs.conf", []byte(src), Options{TestMode: true, NoConfigID: true,
		UserExists: func(string) bool { return false }, GroupExists: func(string) bool { return false }})
	want := "Unable to set default user for misc script '/bin/check' 'a' 'b' - removing"
	for _, d := range diags {
		if d.Msg == want {
			return
		}
	}
	t.Errorf("no %q in:\n%s", want, diags)
}

// TestGroupVirtualServerNumbers: keepalived numbers each group's virtual
// servers (link_vsg_to_vs) before validating them, so the messages name
// [GROUP]:N and a virtual server validation drops keeps its number (corpus
// 079: "Warning: Virtual server [test3]:1: protocol specified for fwmark").
func TestGroupVirtualServerNumbers(t *testing.T) {
	cfg, diags := lvsParse(t, `virtual_server_group G {
  fwmark 5
}
virtual_server group G {
  lvs_sched rr
  lvs_method NAT
}
virtual_server group G {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  real_server 10.0.1.1 80 {
  }
}
virtual_server group G {
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.2 80 {
  }
}
`)
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.Msg)
	}
	for _, want := range []string{
		"Virtual server [G]:0 has no real servers - ignoring",
		"Warning: Virtual server [G]:1: protocol specified for fwmark - protocol will be ignored",
	} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no %q in %q", want, msgs)
		}
	}
	if vs := cfg.LVS.VirtualServers; len(vs) != 2 || vs[0].GroupSeq != 1 || vs[1].GroupSeq != 2 {
		t.Errorf("virtual servers %+v", vs)
	}
}

// TestSMTPServerPlaceholder: keepalived resolves smtp_server as it reads
// it, so a placeholder such as "**" is an invalid smtp server and no
// server is set (corpus 080: keepalived_check.data had no Smtp lines).
func TestSMTPServerPlaceholder(t *testing.T) {
	for host, want := range map[string]string{"**": "", "a/b": "", "10.0.0.1": "10.0.0.1"} {
		cfg, diags := lvsParse(t, "global_defs {\n  smtp_server "+host+"\n}\n")
		if cfg.Global.SMTPServer != want {
			t.Errorf("%s: server %q, want %q (%s)", host, cfg.Global.SMTPServer, want, diags)
		}
		if bad := want == ""; bad != (len(diags) == 1 && diags[0].Msg == "Invalid smtp server "+host+" 25") {
			t.Errorf("%s: diagnostics %s", host, diags)
		}
	}
}

// TestHaveCheckerConfig: a virtual_server block that validation drops
// still makes keepalived run its checker process.
func TestHaveCheckerConfig(t *testing.T) {
	cfg, _ := lvsParse(t, "virtual_server @SERVER@ 80 {\n  protocol TCP\n}\n")
	if len(cfg.LVS.VirtualServers) != 0 || !cfg.LVS.HaveCheckerConfig {
		t.Errorf("virtual servers %d, have checker config %v", len(cfg.LVS.VirtualServers), cfg.LVS.HaveCheckerConfig)
	}
	if cfg, _ := lvsParse(t, "global_defs {\n}\n"); cfg.LVS.HaveCheckerConfig {
		t.Error("checker config without virtual_server")
	}
}

// TestLVSFIFOScriptChecked: the checker process checks lvs_notify_fifo's
// script and drops one it cannot run, as keepalived's
// check_check_script_security (corpus 041: keepalived_check.data had no
// LVS notify fifo script line).
func TestLVSFIFOScriptChecked(t *testing.T) {
	cfg, _ := lvsParse(t, "global_defs {\n  lvs_notify_fifo /tmp/lvsdiff-fifo\n  lvs_notify_fifo_script /nonexistent/fifo.sh\n}\n"+
		"virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lvs_sched rr\n  lvs_method NAT\n  real_server 10.0.1.1 80 {\n  }\n}\n")
	if s := cfg.Global.LVSNotifyFIFO.Script; s != nil {
		t.Errorf("missing lvs_notify_fifo_script kept: %+v", s)
	}
	// The VRRP process never checks it (corpus 041's keepalived.data
	// prints it): the dump finds it here.
	if s := cfg.Global.LVSNotifyFIFO.DroppedByChecker; s == nil {
		t.Error("dropped lvs_notify_fifo_script not kept for the VRRP dump")
	}
}
