package ipvs

import (
	"errors"
	"io/fs"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var addrCmp = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func tcp(addr string, port uint16) ServiceKey {
	return ServiceKey{Protocol: TCP, Addr: netip.MustParseAddr(addr), Port: port}
}

func dest(addr string, port uint16, weight uint32) Destination {
	return Destination{Addr: netip.MustParseAddr(addr), Port: port, Forward: NAT, Weight: weight}
}

func web(dests ...Destination) Service {
	return Service{ServiceKey: tcp("192.0.2.1", 80), Scheduler: "wlc", Destinations: dests}
}

// ops renders changes compactly for table tests.
func ops(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}

func TestDiff(t *testing.T) {
	other := Service{ServiceKey: tcp("192.0.2.9", 443), Scheduler: "rr"}
	fwm := Service{ServiceKey: ServiceKey{FWMark: 7, Family: IPv6}, Scheduler: "sh", Flags: SHPort | SHFallback}
	tests := map[string]struct {
		current []Service
		desired Table
		owned   func(ServiceKey) bool
		want    []string
	}{
		"empty to empty": {},
		"create service and destinations": {
			desired: Table{web(dest("10.0.0.1", 8080, 1), dest("10.0.0.2", 8080, 2))},
			want: []string{
				"create service TCP 192.0.2.1:80 wlc",
				"create destination 10.0.0.1:8080 NAT weight 1 of TCP 192.0.2.1:80",
				"create destination 10.0.0.2:8080 NAT weight 2 of TCP 192.0.2.1:80",
			},
		},
		"unchanged is a no-op": {
			current: []Service{web(dest("10.0.0.1", 8080, 1))},
			desired: Table{web(dest("10.0.0.1", 8080, 1))},
		},
		"kernel defaults are not differences": {
			current: []Service{{ServiceKey: tcp("192.0.2.1", 80), Scheduler: "wlc", Granularity: 32}},
			desired: Table{{ServiceKey: ServiceKey{Protocol: TCP, Addr: netip.MustParseAddr("::ffff:192.0.2.1"), Port: 80, Family: IPv6}, Scheduler: "wlc"}},
		},
		"inhibit is a weight of 0": {
			current: []Service{web(dest("10.0.0.1", 8080, 1))},
			desired: Table{web(dest("10.0.0.1", 8080, 0))},
			want:    []string{"update destination 10.0.0.1:8080 NAT weight 0 of TCP 192.0.2.1:80"},
		},
		"removed destination is deleted": {
			current: []Service{web(dest("10.0.0.1", 8080, 1), dest("10.0.0.2", 8080, 1))},
			desired: Table{web(dest("10.0.0.2", 8080, 1))},
			want:    []string{"delete destination 10.0.0.1:8080 of TCP 192.0.2.1:80"},
		},
		"destination deleted by hand is restored": {
			current: []Service{web(dest("10.0.0.2", 8080, 1))},
			desired: Table{web(dest("10.0.0.1", 8080, 1), dest("10.0.0.2", 8080, 1))},
			want:    []string{"create destination 10.0.0.1:8080 NAT weight 1 of TCP 192.0.2.1:80"},
		},
		"scheduler change updates in place": {
			current: []Service{web(dest("10.0.0.1", 8080, 1))},
			desired: Table{{ServiceKey: tcp("192.0.2.1", 80), Scheduler: "mh", Flags: MHPort, Timeout: 300, Granularity: 24, Destinations: []Destination{dest("10.0.0.1", 8080, 1)}}},
			want:    []string{"update service TCP 192.0.2.1:80 mh flag-2 persistent 300/24"},
		},
		"persistence engine change": {
			current: []Service{{ServiceKey: ServiceKey{Protocol: UDP, Addr: netip.MustParseAddr("192.0.2.5"), Port: 5060}, Scheduler: "rr", Timeout: 60}},
			desired: Table{{ServiceKey: ServiceKey{Protocol: UDP, Addr: netip.MustParseAddr("192.0.2.5"), Port: 5060}, Scheduler: "rr", Timeout: 60, PEName: "sip"}},
			want:    []string{"update service UDP 192.0.2.5:5060 rr persistent 60 pe sip"},
		},
		"tunnel settings are compared": {
			current: []Service{web(Destination{Addr: netip.MustParseAddr("10.0.0.1"), Port: 80, Forward: Tunnel, Weight: 1, TunnelType: GUE, TunnelPort: 6080})},
			desired: Table{web(Destination{Addr: netip.MustParseAddr("10.0.0.1"), Port: 80, Forward: Tunnel, Weight: 1, TunnelType: GUE, TunnelPort: 6080, TunnelFlags: TunnelCsum})},
			want:    []string{"update destination 10.0.0.1:80 TUN weight 1 gue port 6080 flags 0x1 of TCP 192.0.2.1:80"},
		},
		"unowned foreign service is left alone": {
			current: []Service{other, web()},
			desired: Table{web()},
		},
		"owned service no longer desired is deleted": {
			current: []Service{other, fwm},
			desired: Table{},
			owned:   func(k ServiceKey) bool { return k == fwm.ServiceKey },
			want:    []string{"delete service FWM 7 IPv6"},
		},
		"fwmark service": {
			desired: Table{fwm},
			want:    []string{"create service FWM 7 IPv6 sh flag-1|flag-2"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Diff(tt.current, tt.desired, tt.owned)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if diff := cmp.Diff(tt.want, ops(got)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffRejects(t *testing.T) {
	tests := map[string]struct {
		desired Table
		want    string
	}{
		"duplicate service":     {Table{web(), web()}, "appears twice"},
		"duplicate destination": {Table{web(dest("10.0.0.1", 80, 1), dest("10.0.0.1", 80, 2))}, "appears twice"},
		"no key":                {Table{{Scheduler: "rr"}}, "neither an address nor a firewall mark"},
		"no scheduler":          {Table{{ServiceKey: tcp("192.0.2.1", 80)}}, "without a scheduler"},
		"bad protocol":          {Table{{ServiceKey: ServiceKey{Protocol: 1, Addr: netip.MustParseAddr("192.0.2.1")}, Scheduler: "rr"}}, "protocol"},
		"granularity too long":  {Table{{ServiceKey: tcp("192.0.2.1", 80), Scheduler: "rr", Timeout: 1, Granularity: 33}}, "out of range"},
		"destination no addr":   {Table{web(Destination{Port: 80})}, "without an address"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Diff(nil, tt.desired, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Diff error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReconcileMemory(t *testing.T) {
	var m Memory
	table := Table{
		web(dest("10.0.0.1", 8080, 1), dest("10.0.0.2", 8080, 1)),
		{ServiceKey: ServiceKey{FWMark: 1, Family: IPv4}, Scheduler: "rr", Destinations: []Destination{{Addr: netip.MustParseAddr("10.0.0.3"), Forward: DR, Weight: 5}}},
	}
	r := NewReconciler(&m)
	first, err := r.Reconcile(table)
	if err != nil {
		t.Fatalf("first Reconcile: %v", err)
	}
	if len(first) != 5 {
		t.Fatalf("first Reconcile made %d changes, want 5: %v", len(first), ops(first))
	}
	calls := m.Calls
	again, err := r.Reconcile(table)
	if err != nil || len(again) != 0 || m.Calls != calls {
		t.Fatalf("second Reconcile = %v, %v with %d new calls; want no changes", ops(again), err, m.Calls-calls)
	}

	// Someone deletes a destination by hand and adds a service of their own.
	if err := m.DeleteDestination(tcp("192.0.2.1", 80), DestKey{Addr: netip.MustParseAddr("10.0.0.2"), Port: 8080}); err != nil {
		t.Fatal(err)
	}
	foreign := Service{ServiceKey: tcp("198.51.100.1", 22), Scheduler: "rr"}
	if err := m.CreateService(foreign); err != nil {
		t.Fatal(err)
	}
	restored, err := r.Reconcile(table)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"create destination 10.0.0.2:8080 NAT weight 1 of TCP 192.0.2.1:80"}, ops(restored)); diff != "" {
		t.Errorf("restore (-want +got):\n%s", diff)
	}

	// A reload drops the fwmark service: it goes, the foreign one stays.
	dropped, err := r.Reconcile(table[:1])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"delete service FWM 1 IPv4"}, ops(dropped)); diff != "" {
		t.Errorf("reload (-want +got):\n%s", diff)
	}
	got, _ := m.Services()
	want := []Service{web(dest("10.0.0.1", 8080, 1), dest("10.0.0.2", 8080, 1)).normalize(), foreign.normalize()}
	if diff := cmp.Diff(want, got, addrCmp); diff != "" {
		t.Errorf("final table (-want +got):\n%s", diff)
	}
}

// failing makes the nth mutating call fail.
type failing struct {
	Memory
	n int
}

func (f *failing) CreateDestination(k ServiceKey, d Destination) error {
	if f.Calls+1 == f.n {
		f.Calls++
		return errors.New("injected")
	}
	return f.Memory.CreateDestination(k, d)
}

func TestApplyStopsAtFirstError(t *testing.T) {
	f := &failing{n: 3}
	done, err := Reconcile(f, Table{web(dest("10.0.0.1", 80, 1), dest("10.0.0.2", 80, 1), dest("10.0.0.3", 80, 1))}, nil)
	if err == nil {
		t.Fatal("Reconcile succeeded, want the injected error")
	}
	if len(done) != 2 {
		t.Errorf("Reconcile reported %d changes done, want 2: %v", len(done), ops(done))
	}
	// The next pass finishes the job.
	f.n = 0
	rest, err := Reconcile(f, Table{web(dest("10.0.0.1", 80, 1), dest("10.0.0.2", 80, 1), dest("10.0.0.3", 80, 1))}, nil)
	if err != nil || len(rest) != 2 {
		t.Fatalf("second Reconcile = %v, %v; want 2 changes", ops(rest), err)
	}
}

func TestMemoryErrors(t *testing.T) {
	var m Memory
	k := tcp("192.0.2.1", 80)
	if err := m.UpdateService(Service{ServiceKey: k, Scheduler: "rr"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("UpdateService of a missing service: %v, want ErrNotExist", err)
	}
	if err := m.CreateService(Service{ServiceKey: k, Scheduler: "rr"}); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateService(Service{ServiceKey: k, Scheduler: "rr"}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second CreateService: %v, want ErrExist", err)
	}
	if err := m.DeleteDestination(k, DestKey{Addr: netip.MustParseAddr("10.0.0.1")}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("DeleteDestination of a missing destination: %v, want ErrNotExist", err)
	}
}
