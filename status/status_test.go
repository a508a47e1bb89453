package status

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/track"
)

func TestFormatAddress(t *testing.T) {
	tests := []struct {
		name string
		a    vrrp.Address
		set  bool
		want string
	}{
		{"prefix", vrrp.Address{Prefix: netip.MustParsePrefix("10.9.0.100/24")}, true, "10.9.0.100/24 dev eth0 scope global set"},
		{"host label", vrrp.Address{Prefix: netip.MustParsePrefix("10.9.0.101/32"), Dev: "eth0", Label: "eth0:1"}, true,
			"10.9.0.101 dev eth0 scope global label eth0:1 set"},
		{"brd not set", vrrp.Address{Prefix: netip.MustParsePrefix("10.9.0.102/24"), Broadcast: netip.MustParseAddr("10.9.0.255"), Dev: "eth1", Scope: 253}, false,
			"10.9.0.102/24 brd 10.9.0.255 dev eth1 scope link"},
		// keepalived's default IFA_F_NODAD is not printed; "-nodad" (DAD
		// kept) is.
		{"v6 forever", vrrp.Address{Prefix: netip.MustParsePrefix("fd00::1/64"), PreferredLft: -1, NoDAD: true}, false,
			"fd00::1/64 dev eth0 scope global preferred_lft forever"},
		{"v6 -nodad", vrrp.Address{Prefix: netip.MustParsePrefix("fd00::3/64"), PreferredLft: -1, KeepDAD: true}, false,
			"fd00::3/64 dev eth0 scope global -nodad preferred_lft forever"},
		{"v6 host deprecated", vrrp.Address{Prefix: netip.MustParsePrefix("fd00::2/128")}, true,
			"fd00::2 dev eth0 scope global deprecated set"},
		{"flags", vrrp.Address{Prefix: netip.MustParsePrefix("10.1.1.1/32"), Peer: netip.MustParsePrefix("10.1.1.2/32"), Home: true, NoPrefixRoute: true, NoTrack: true}, false,
			"10.1.1.1 dev eth0 scope global peer 10.1.1.2/32 home noprefixroute no_track"},
		// keepalived's order: -nodad, mngtmpaddr, noprefixroute, autojoin.
		{"all flags", vrrp.Address{Prefix: netip.MustParsePrefix("fe00:1:2::4/64"), PreferredLft: -1, KeepDAD: true, MngTmpAddr: true, NoPrefixRoute: true, AutoJoin: true}, true,
			"fe00:1:2::4/64 dev eth0 scope global -nodad mngtmpaddr noprefixroute autojoin preferred_lft forever set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatAddress(tt.a, "eth0", tt.set); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestScriptRecorder follows keepalived's rise/fall counter
// (vrrp_script_child_thread) for rise 2, fall 3.
func TestScriptRecorder(t *testing.T) {
	var fwd []bool
	r := NewScriptRecorder(sinkFunc(func(ok bool) { fwd = append(fwd, ok) }), []vrrp.ScriptConfig{{Name: "s", Rise: 2, Fall: 3}}, nil)
	steps := []struct {
		ok     bool
		result int
		good   bool
	}{
		{true, 4, true}, // rise-1 -> one success is enough
		{false, 3, true},
		{false, 2, true},
		{false, 0, false}, // third failure
		{true, 1, false},
		{true, 4, true},
	}
	if s := r.Scripts()[0]; s.Result != 1 || s.Good {
		t.Fatalf("initial %+v", s)
	}
	for i, st := range steps {
		r.ScriptRan("s", vrrp.ScriptRun{OK: st.ok})
		s := r.Scripts()[0]
		if s.Result != st.result || s.Good != st.good {
			t.Errorf("step %d: result %d good %v, want %d %v", i, s.Result, s.Good, st.result, st.good)
		}
	}
	if len(fwd) != len(steps) {
		t.Errorf("forwarded %d results, want %d", len(fwd), len(steps))
	}
	r.SetConfig([]vrrp.ScriptConfig{{Name: "s", Rise: 1, Fall: 1}, {Name: "n", InitFail: true}},
		[]track.Script{{Name: "s", Argv: []string{"/bin/check", "a b"}, Interval: 2 * time.Second}})
	if s := r.Scripts(); s[0].Result != 1 || !s[0].Good || s[1].Result != 0 || s[1].Good {
		t.Errorf("after reload %+v", s)
	}
	if got := CommandString(r.Scripts()[0].Argv); got != "'/bin/check' 'a b'" {
		t.Errorf("command %s", got)
	}
	var fwd2 []bool
	if r.Wrap(sinkFunc(func(ok bool) { fwd2 = append(fwd2, ok) }), []vrrp.ScriptConfig{{Name: "s", Rise: 1, Fall: 1}}, nil) != r {
		t.Error("Wrap returns another sink")
	}
	r.ScriptRan("s", vrrp.ScriptRun{})
	if len(fwd2) != 1 || len(fwd) != len(steps) || r.Scripts()[0].Good || len(r.Scripts()) != 1 {
		t.Errorf("after Wrap: forwarded %v / %d, scripts %+v", fwd2, len(fwd), r.Scripts())
	}
	if got := CommandString([]string{"</etc/x"}); got != "</etc/x" {
		t.Errorf("redirection %s", got)
	}
}

type sinkFunc func(bool)

func (f sinkFunc) ScriptRan(_ string, run vrrp.ScriptRun) { f(run.OK) }
func (sinkFunc) FileValue(string, int)                    {}
func (sinkFunc) ProcessRunning(string, bool)              {}

func TestTransitions(t *testing.T) {
	var tr Transitions
	Tee{&tr, nil}.Notify(vrrp.Event{Kind: vrrp.EventState, Name: "A", State: vrrp.StateBackup})
	for _, ev := range []vrrp.Event{
		{Kind: vrrp.EventState, Name: "A", State: vrrp.StateBackup}, // repeat: not a transition
		{Kind: vrrp.EventState, Name: "A", State: vrrp.StateMaster},
		{Kind: vrrp.EventMasterRxLowerPri, Name: "A", State: vrrp.StateMaster},
		{Kind: vrrp.EventState, Name: "A", State: vrrp.StateStop},
		{Kind: vrrp.EventState, Name: "G", Group: true, State: vrrp.StateFault},
	} {
		tr.Notify(ev)
	}
	got := tr.Counts()
	want := []TransitionCount{
		{TransitionKey{"A", vrrp.StateInit, vrrp.StateBackup}, 1},
		{TransitionKey{"A", vrrp.StateBackup, vrrp.StateMaster}, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v want %+v", i, got[i], want[i])
		}
	}
}

func TestReloads(t *testing.T) {
	var r *Reloads
	if s := r.Stats(); !s.LastOK || s.Total != 0 {
		t.Errorf("nil: %+v", s)
	}
	r = &Reloads{}
	t0 := time.Unix(1000, 0)
	r.Loaded(t0.Add(-time.Hour))
	if s := r.Stats(); !s.LastSuccessAt.Equal(t0.Add(-time.Hour)) || s.Total != 0 {
		t.Errorf("after start: %+v", s)
	}
	r.Record(t0, nil)
	r.Record(t0.Add(time.Second), errors.New("bad"))
	s := r.Stats()
	if s.Total != 2 || s.Failures != 1 || s.LastOK || s.LastError != "bad" || !s.LastSuccessAt.Equal(t0) {
		t.Errorf("%+v", s)
	}
	r.Record(t0.Add(2*time.Second), nil)
	if s := r.Stats(); !s.LastOK || s.LastError != "" {
		t.Errorf("%+v", s)
	}
}
