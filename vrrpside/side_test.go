package vrrpside

import (
	"context"
	"os"
	"os/user"
	"testing"
	"time"

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
