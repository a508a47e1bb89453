package vrrplab_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestIPVLANFault is use_ipvlan where the kernel has no ipvlan (this lab
// host): the daemon logs "Unable to create ipvlan interface", keeps running
// with the instance in FAULT, sends no advert and creates nothing. Run for
// keepalived-go and, when installed, keepalived 2.2.7. Where the kernel
// has ipvlan (the qemu VM), scripts/ipvlan-vm.sh compares the created link.
func TestIPVLANFault(t *testing.T) {
	if _, err := os.Stat("/sys/module/ipvlan"); err == nil {
		t.Skip("the kernel has ipvlan: scripts/ipvlan-vm.sh covers it")
	}
	for _, d := range []vrrplab.Daemon{gd, vrrplab.CDaemon} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			v := variant{version: 3, adv: "0.2"}
			e := vrrplab.New(t, 1)
			r := e.Router(t, 1, d, v.config(e, 1, 1, 150, "MASTER", "use_ipvlan ipvl9 10.9.9.9/24 vepa"))
			mark := e.Sniffer.Mark()
			r.Start(t)
			r.WaitState(t, inst, "FAULT", 5*time.Second)
			time.Sleep(v.wait())
			if !r.Running() {
				t.Fatalf("%s exited:\n%s", d, r.Output())
			}
			if out := r.Output(); !strings.Contains(out, ": Unable to create ipvlan interface ipvl9") ||
				!strings.Contains(out, "entering FAULT state (interface ipvl9 down)") {
				t.Errorf("log lacks keepalived's ipvlan lines:\n%s", out)
			}
			if fs := e.Sniffer.Since(mark, vrrplab.Kind(vrrplab.Advert)); len(fs) > 0 {
				t.Errorf("an instance in FAULT advertised: %s", fs[0])
			}
			if out, _ := e.Host(1).Run("ip", "-br", "link", "show", "dev", "ipvl9"); strings.Contains(out, "ipvl9") {
				t.Errorf("ipvl9 exists: %s", out)
			}
			r.Term(t)
		})
	}
}
