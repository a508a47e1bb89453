package notify

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/script"
)

type fakeRun struct {
	mu    sync.Mutex
	calls []string
	gate  chan struct{} // when set, the first call blocks until closed
}

func (f *fakeRun) run(_ context.Context, argv []string, _ time.Duration) script.Result {
	f.mu.Lock()
	first := len(f.calls) == 0
	f.calls = append(f.calls, strings.Join(argv, " "))
	gate := f.gate
	f.mu.Unlock()
	if first && gate != nil {
		<-gate
	}
	return script.Result{}
}

func TestOrderAndArguments(t *testing.T) {
	fr := &fakeRun{gate: make(chan struct{})}
	d, err := New(Config{
		Instances: map[string]Scripts{"VI_1": {
			Master: []string{"/m"}, Backup: []string{"/b"}, Fault: []string{"/f"}, Stop: []string{"/s"},
			MasterRxLowerPri: []string{"/rx"}, Generic: []string{"/n", "arg"},
		}},
		Groups: map[string]Scripts{"G": {Generic: []string{"/g"}}},
		Run:    fr.run,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := []vrrp.Event{
		{Name: "VI_1", State: vrrp.StateBackup, Priority: 100},
		{Name: "VI_1", State: vrrp.StateMaster, Priority: 100},
		{Group: true, Name: "G", State: vrrp.StateMaster},
		{Kind: vrrp.EventMasterRxLowerPri, Name: "VI_1", State: vrrp.StateMaster, Priority: 100},
		{Name: "VI_1", State: vrrp.StateFault, Priority: 100},
		{Name: "VI_1", State: vrrp.StateStop, Priority: 100},
		{Name: "unknown", State: vrrp.StateMaster},
	}
	for _, e := range evs {
		d.Notify(e) // must not block although the first script does
	}
	close(fr.gate)
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var inst []string
	for _, c := range fr.calls {
		if !strings.HasPrefix(c, "/g") {
			inst = append(inst, c)
		}
	}
	want := []string{
		"/b", "/n arg INSTANCE VI_1 BACKUP 100",
		"/m", "/n arg INSTANCE VI_1 MASTER 100",
		"/rx",
		"/f", "/n arg INSTANCE VI_1 FAULT 100",
		"/s", "/n arg INSTANCE VI_1 STOP 100",
	}
	if !slices.Equal(inst, want) {
		t.Fatalf("instance scripts\n got %q\nwant %q", inst, want)
	}
	if !slices.Contains(fr.calls, "/g GROUP G MASTER 0") {
		t.Fatalf("group notify missing: %q", fr.calls)
	}
}

func TestFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	d, err := New(Config{FIFOs: []string{path, path}, Run: (&fakeRun{}).run})
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d.Notify(vrrp.Event{Name: "VI_1", State: vrrp.StateMaster, Priority: 100})
	d.Notify(vrrp.Event{Group: true, Name: "VG_1", State: vrrp.StateBackup})
	d.Notify(vrrp.Event{Kind: vrrp.EventMasterRxLowerPri, Name: "VI_1", State: vrrp.StateMaster, Priority: 100})
	sc := bufio.NewScanner(r)
	var got []string
	for len(got) < 3 && sc.Scan() {
		got = append(got, sc.Text())
	}
	want := []string{`INSTANCE "VI_1" MASTER 100`, `GROUP "VG_1" BACKUP 0`, `INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100`}
	if !slices.Equal(got, want) {
		t.Fatalf("fifo lines %q, want %q", got, want)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("created fifo not removed: %v", err)
	}
}

func TestRealScriptsRunInOrder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	sh := filepath.Join(dir, "n.sh")
	// The first call sleeps so a reordering queue would show.
	body := "#!/bin/sh\nif [ \"$3\" = BACKUP ]; then sleep 0.2; fi\necho \"$3 $4\" >> " + out + "\n"
	if err := os.WriteFile(sh, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Instances: map[string]Scripts{"VI_1": {Generic: []string{sh}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []vrrp.State{vrrp.StateBackup, vrrp.StateMaster, vrrp.StateFault} {
		d.Notify(vrrp.Event{Name: "VI_1", State: s, Priority: 90})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if got := string(b); got != "BACKUP 90\nMASTER 90\nFAULT 90\n" {
		t.Fatalf("order %q", got)
	}
}

// TestFIFOSymlinkNotFollowed: a symlink planted at the FIFO's path is
// refused (keepalived opens with O_NOFOLLOW), so the file it points to
// never receives event lines.
func TestFIFOSymlinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "fifo")
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{FIFOs: []string{path}, Run: (&fakeRun{}).run})
	if err != nil {
		t.Fatal(err) // keepalived runs on without the FIFO
	}
	d.Notify(vrrp.Event{Name: "VI_1", State: vrrp.StateMaster, Priority: 100})
	d.Close(context.Background())
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Fatalf("victim written through the link: %q", b)
	}
}
