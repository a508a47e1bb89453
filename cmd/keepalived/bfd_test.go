package main

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

func TestBFDPIDPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		g    config.Global
		want string
	}{
		{"default", Options{}, config.Global{}, "/run/bfd.pid"},
		{"-b", Options{BFDPIDFile: "/x"}, config.Global{Instance: "i1"}, "/x"},
		{"use_pid_dir", Options{}, config.Global{UsePIDDir: true}, "/run/keepalived/bfd.pid"},
		{"instance", Options{}, config.Global{Instance: "i1"}, "/run/keepalived/bfd_i1.pid"},
		{"-s", Options{Namespace: "ns2"}, config.Global{}, "/run/keepalived/bfd_ns2.pid"},
	} {
		if got := bfdPIDPath(tc.o, &config.Config{Global: tc.g}); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
