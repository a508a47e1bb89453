package lvs

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/ipvs"
	"github.com/google/go-cmp/cmp"
)

// failOnce is a kernel that refuses the first creation of one destination.
type failOnce struct {
	*readCounter
	dest   ipvs.DestKey
	failed bool
}

func (f *failOnce) CreateDestination(k ipvs.ServiceKey, d ipvs.Destination) error {
	if (ipvs.DestKey{Addr: d.Addr, Port: d.Port}) == f.dest && !f.failed {
		f.failed = true
		return errors.New("injected failure")
	}
	return f.readCounter.CreateDestination(k, d)
}

// TestFailedChangeRetried: a destination whose creation failed is read back
// and created by the next retry pass; after that, and with nothing failed,
// the idle manager reads nothing, and a hand edit stays (no drift check
// unless asked for, as keepalived).
func TestFailedChangeRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := &ipvs.Memory{}
		started(t, ref, reloadConf, Options{})
		want := table(t, ref)

		k := &failOnce{readCounter: &readCounter{Memory: &ipvs.Memory{}}, dest: ipvs.DestKey{Addr: addr("10.0.1.2"), Port: 80}}
		started(t, k, reloadConf, Options{})
		if !k.failed {
			t.Fatal("the injected failure did not happen")
		}
		if diff := cmp.Diff(want, table(t, k.Memory)); diff == "" {
			t.Fatal("the table is complete before any retry")
		}
		time.Sleep(retryPeriod + time.Second)
		synctest.Wait()
		if diff := cmp.Diff(want, table(t, k.Memory)); diff != "" {
			t.Errorf("after the retry (-want +got):\n%s", diff)
		}
		if k.one == 0 || k.one > 2 {
			t.Errorf("the retry read %d services, want the failed virtual server's 1", k.one)
		}

		one, all := k.one, k.all
		svc := ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: addr("10.0.0.1"), Port: 80}
		if err := k.DeleteDestination(svc, ipvs.DestKey{Addr: addr("10.0.1.1"), Port: 80}); err != nil {
			t.Fatal(err)
		}
		edited := table(t, k.Memory)
		time.Sleep(10 * retryPeriod)
		synctest.Wait()
		if k.one != one || k.all != all {
			t.Errorf("idle: %d service and %d table reads, want none", k.one-one, k.all-all)
		}
		if diff := cmp.Diff(edited, table(t, k.Memory)); diff != "" {
			t.Errorf("a hand edit was undone without a drift check (-edited +got):\n%s", diff)
		}
	})
}

// TestDriftCheckOptIn: with Resync set, Run's drift check restores a hand
// edit within a period.
func TestDriftCheckOptIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &ipvs.Memory{}
		started(t, k, reloadConf, Options{Resync: 5 * time.Second})
		want := table(t, k)
		if err := k.DeleteService(ipvs.ServiceKey{FWMark: 9}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Second)
		synctest.Wait()
		if diff := cmp.Diff(want, table(t, k)); diff != "" {
			t.Errorf("after a drift check (-want +got):\n%s", diff)
		}
	})
}

// failDeleteOnce is a kernel that refuses the first deletion of a service.
type failDeleteOnce struct {
	*ipvs.Memory
	failed bool
}

func (f *failDeleteOnce) DeleteService(k ipvs.ServiceKey) error {
	if !f.failed {
		f.failed = true
		return errors.New("injected failure")
	}
	return f.Memory.DeleteService(k)
}

// TestFailedDeletionRetried: a service a reload drops whose deletion failed
// is deleted by the next retry pass.
func TestFailedDeletionRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &failDeleteOnce{Memory: &ipvs.Memory{}}
		m := started(t, k, reloadConf, Options{})
		smaller := "virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  protocol TCP\n  real_server 10.0.1.1 80 { weight 2 }\n  real_server 10.0.1.2 80 { }\n}\n"
		if err := m.Reload(parse(t, smaller)); err != nil {
			t.Fatal(err)
		}
		waitMembers(t, m)
		if !k.failed {
			t.Fatal("the injected failure did not happen")
		}
		time.Sleep(retryPeriod + time.Second)
		synctest.Wait()
		want := []string{
			"-A TCP 10.0.0.1:80 -s rr",
			"-a TCP 10.0.0.1:80 -r 10.0.1.1:80 NAT weight 2",
			"-a TCP 10.0.0.1:80 -r 10.0.1.2:80 NAT weight 1",
		}
		if diff := cmp.Diff(want, table(t, k.Memory)); diff != "" {
			t.Errorf("after the retry (-want +got):\n%s", diff)
		}
	})
}
