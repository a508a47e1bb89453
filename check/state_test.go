package check

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

func TestCheckerStateMachine(t *testing.T) {
	ok, ko := probe.Result{}, probe.Result{Err: errors.New("x")}
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 2 * time.Second, Retry: 2}
	type step struct {
		r       probe.Result
		up      bool
		delay   time.Duration
		changed bool
	}
	for _, tc := range []struct {
		name  string
		alpha bool
		steps []step
	}{
		{"first failure is final", false, []step{{ko, false, 10 * time.Second, true}, {ko, false, 10 * time.Second, false}}},
		{"retries after a success", false, []step{
			{ok, true, 10 * time.Second, false},
			{ko, true, 2 * time.Second, false},
			{ko, true, 2 * time.Second, false},
			{ko, false, 10 * time.Second, true},
			{ok, true, 10 * time.Second, true},
		}},
		{"success resets retries", false, []step{
			{ok, true, 10 * time.Second, false},
			{ko, true, 2 * time.Second, false},
			{ok, true, 10 * time.Second, false},
			{ko, true, 2 * time.Second, false},
			{ko, true, 2 * time.Second, false},
		}},
		{"alpha comes up on success", true, []step{{ok, true, 10 * time.Second, true}}},
		{"alpha stays down", true, []step{{ko, false, 10 * time.Second, false}, {ko, false, 10 * time.Second, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tm
			spec.Alpha = tc.alpha
			c := newCheckerState(&Checker{Timing: spec})
			for i, s := range tc.steps {
				v := c.apply(s.r, 1)
				if c.up != s.up || v.delay != s.delay || v.changed != s.changed {
					t.Fatalf("step %d: up=%v delay=%v changed=%v, want %v %v %v", i, c.up, v.delay, v.changed, s.up, s.delay, s.changed)
				}
			}
		})
	}
}

func TestServiceClamps(t *testing.T) {
	for _, tc := range []struct {
		quorum, hyst, wantQ, wantH int64
		weights                    []int64
	}{
		{0, 0, 1, 0, []int64{1, 1}},
		{5, 0, 2, 0, []int64{1, 1}},
		{3, 3, 3, 2, []int64{2, 2}},
		{2, -1, 2, 0, []int64{2}},
	} {
		vs := &VirtualServer{Quorum: tc.quorum, Hysteresis: tc.hyst}
		for _, w := range tc.weights {
			vs.Reals = append(vs.Reals, RealServer{Weight: w})
		}
		s := newServiceState(vs)
		if s.quorum != tc.wantQ || s.hysteresis != tc.wantH {
			t.Errorf("%+v: quorum %d hysteresis %d", tc, s.quorum, s.hysteresis)
		}
	}
}

func TestResolve(t *testing.T) {
	d := func(v time.Duration) *time.Duration { return &v }
	n := func(v int) *int { return &v }
	b := func(v bool) *bool { return &v }
	for _, tc := range []struct {
		kind   string
		levels []Levels
		want   Resolved
	}{
		{"HTTP_GET", nil, Resolved{Timing{60 * time.Second, 3 * time.Second, 60 * time.Second, 1, false}, 5 * time.Second}},
		{"DNS_CHECK", []Levels{{DelayLoop: d(7 * time.Second)}}, Resolved{Timing{7 * time.Second, 7 * time.Second, 7 * time.Second, 3, false}, 5 * time.Second}},
		{"MISC_CHECK", []Levels{{Retry: n(4)}, {Alpha: b(true)}}, Resolved{Timing{60 * time.Second, time.Second, 60 * time.Second, 4, true}, 5 * time.Second}},
		{"TCP_CHECK", []Levels{{ConnectTimeout: d(time.Second), Warmup: d(0)}, {ConnectTimeout: d(2 * time.Second)}},
			Resolved{Timing{60 * time.Second, time.Second, 0, 1, false}, 2 * time.Second}},
		{"FILE_CHECK", nil, Resolved{Timing{time.Second, time.Second, 0, 0, false}, 5 * time.Second}},
	} {
		if got := Resolve(tc.kind, tc.levels...); got != tc.want {
			t.Errorf("%s %+v:\n got %+v\nwant %+v", tc.kind, tc.levels, got, tc.want)
		}
	}
}

func TestFIFOLine(t *testing.T) {
	vs := FormatService(netipMust("192.168.201.15:80"), "TCP")
	rs := FormatService(netipMust("1.2.3.4:80"), "tcp")
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: RealServerUp, VS: vs, RS: rs}, "RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 UP\n"},
		{Event{Kind: QuorumDown, VS: FormatFWMark(7)}, "VS FWM 7 DOWN\n"},
		{Event{Kind: QuorumUp, VS: FormatService(netipMust("[2001:db8::1]:53"), "udp")}, "VS [2001:db8::1]:udp:53 UP\n"},
		{Event{Kind: RealServerDown, VS: FormatGroup("G", 80), RS: rs}, "RS [1.2.3.4]:tcp:80 [G]:80 DOWN\n"},
	} {
		if got := tc.e.FIFOLine(); got != tc.want {
			t.Errorf("got %q want %q", got, tc.want)
		}
	}
}

func netipMust(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestCheckerVerdicts: the verdicts keepalived's epilogs log, from the
// states the LVS differential saw in the VM: the first check either way,
// a failure after the retries, a recovery, and nothing while a state holds.
func TestCheckerVerdicts(t *testing.T) {
	ok, ko := probe.Result{}, probe.Result{Err: errors.New("x")}
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 2 * time.Second, Retry: 1}
	c := newCheckerState(&Checker{Timing: tm})
	var got []string
	for _, r := range []probe.Result{ok, ok, ko, ko, ko, ok, ok} {
		if v := c.apply(r, 1).logged; v != nil {
			got = append(got, fmt.Sprintf("up=%v was=%v ran=%v", v.Up, v.WasUp, v.HasRun))
		} else {
			got = append(got, "-")
		}
	}
	want := []string{"up=true was=true ran=false", "-", "-", "up=false was=true ran=true", "-", "up=true was=false ran=true", "-"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	a := newCheckerState(&Checker{Timing: Timing{DelayLoop: time.Second, Alpha: true}})
	if v := a.apply(ko, 1).logged; v == nil || v.Up || v.WasUp || v.HasRun {
		t.Errorf("alpha first failure: %+v", v)
	}
}

// TestSetupErrorIsNoVerdict: a check whose socket could not be bound
// (keepalived's connect_error) is logged and tried again after delay_loop;
// it neither counts a retry nor changes the checker (corpus 045, where
// two TCP_CHECKs share a bindto and bind_port).
func TestSetupErrorIsNoVerdict(t *testing.T) {
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: time.Second, Retry: 1}
	bind := probe.Result{Err: fmt.Errorf("connect: %w", &probe.SetupError{Op: "bind", Err: errors.New("in use")})}
	c := newCheckerState(&Checker{Timing: tm})
	c.apply(probe.Result{}, 1)
	c.apply(probe.Result{Err: errors.New("refused")}, 1) // one retry used
	v := c.apply(bind, 1)
	if !c.up || c.retryIt != 1 || v.changed || v.delay != tm.DelayLoop || v.logged == nil || !v.logged.NotRun {
		t.Fatalf("up %v retryIt %d changed %v delay %v logged %+v", c.up, c.retryIt, v.changed, v.delay, v.logged)
	}
	a := newCheckerState(&Checker{Timing: Timing{DelayLoop: time.Second, Alpha: true}})
	if v := a.apply(bind, 1); a.hasRun || v.firstDown || v.first {
		t.Fatalf("alpha: hasRun %v firstDown %v first %v", a.hasRun, v.firstDown, v.first)
	}
}
