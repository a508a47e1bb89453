package vrrpside

import (
	"context"
	"os"
	"os/user"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

func TestRunnerScriptUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	run := runner(map[string]vrrpconf.User{"/bin/sh": {User: "nobody"}})
	r := run(context.Background(), []string{"/bin/sh", "-c", "test $(id -u) = " + nobody.Uid}, 10*time.Second)
	if !r.OK() {
		t.Fatalf("script did not run as nobody: %+v", r)
	}
	r = run(context.Background(), []string{"/usr/bin/test", "x"}, 10*time.Second)
	if !r.OK() {
		t.Fatalf("script without a user: %+v", r)
	}
}

// TestSockPlan: the socket plan is made once per configuration and made
// again after a reload stores another.
func TestSockPlan(t *testing.T) {
	v := &Side{}
	a, b := &vrrp.Config{}, &vrrp.Config{}
	v.cur.Store(a)
	p := v.sockPlan()
	if p.cfg != a || v.sockPlan() != p {
		t.Fatal("plan not kept for the same configuration")
	}
	v.cur.Store(b)
	if q := v.sockPlan(); q == p || q.cfg != b {
		t.Fatal("plan not remade after the configuration changed")
	}
}
