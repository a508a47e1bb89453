package vrrpside

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/notify"
	"github.com/dsas/keepalived-go/vrrp/script"
)

// TestStopNotifyOrder: a refused file still gets keepalived's
// notify_shutdown trail: STOP for every instance at its priority, then
// every group (priority 0), notify_stop before the generic notify, and
// the same lines on the FIFO.
func TestStopNotifyOrder(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	run := func(_ context.Context, argv []string, _ time.Duration) script.Result {
		mu.Lock()
		calls = append(calls, strings.Join(argv, " "))
		mu.Unlock()
		return script.Result{}
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := os.WriteFile(fifo, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	nc := notify.Config{
		Instances: map[string]notify.Scripts{
			"VI_0": {Stop: []string{"/stop"}, Generic: []string{"/n"}},
			"VI_1": {Master: []string{"/m"}},
		},
		Groups: map[string]notify.Scripts{"G": {Generic: []string{"/g"}, Stop: []string{"/gs"}}},
		FIFOs:  []string{fifo},
		Run:    run,
	}
	vc := vrrp.Config{
		Instances:  []vrrp.InstanceConfig{{Name: "VI_0", Priority: 220}, {Name: "VI_1", Priority: 100}},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_0"}}},
	}
	if err := stopNotify(nc, vc, true, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	slices.Sort(calls) // queues of different instances run concurrently
	want := []string{"/g GROUP G STOP 0", "/gs", "/n INSTANCE VI_0 STOP 220", "/stop"}
	if !slices.Equal(calls, want) {
		t.Errorf("scripts %q, want %q", calls, want)
	}
	b, err := os.ReadFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	wantFIFO := "INSTANCE \"VI_0\" STOP 220\nINSTANCE \"VI_1\" STOP 100\nGROUP \"G\" STOP 0\n"
	if string(b) != wantFIFO {
		t.Errorf("fifo %q, want %q", b, wantFIFO)
	}
}

// TestStopNotifyUncompleted: a file refused before keepalived completed
// its instances reports their zeroed priority.
func TestStopNotifyUncompleted(t *testing.T) {
	var got []string
	run := func(_ context.Context, argv []string, _ time.Duration) script.Result {
		got = append(got, strings.Join(argv, " "))
		return script.Result{}
	}
	nc := notify.Config{Instances: map[string]notify.Scripts{"VI_0": {Generic: []string{"/n"}}}, Run: run}
	vc := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VI_0", Priority: 220}}}
	if err := stopNotify(nc, vc, false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/n INSTANCE VI_0 STOP 0"}; !slices.Equal(got, want) {
		t.Errorf("scripts %q, want %q", got, want)
	}
}
