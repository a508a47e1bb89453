package main

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

func TestPIDPaths(t *testing.T) {
	tests := []struct {
		name             string
		o                Options
		g                config.Global
		main, vrrp, chck string
	}{
		{"defaults", Options{}, config.Global{}, "/run/keepalived.pid", "/run/vrrp.pid", "/run/checkers.pid"},
		{"overrides", Options{PIDFile: "/a", VRRPPIDFile: "/b", CheckPIDFile: "/c"}, config.Global{}, "/a", "/b", "/c"},
		{"use_pid_dir", Options{}, config.Global{UsePIDDir: true}, "/run/keepalived/keepalived.pid", "/run/keepalived/vrrp.pid", "/run/keepalived/checkers.pid"},
		{"instance", Options{}, config.Global{Instance: "i1"}, "/run/keepalived/keepalived_i1.pid", "/run/keepalived/vrrp_i1.pid", "/run/keepalived/checkers_i1.pid"},
		{"net_namespace", Options{}, config.Global{NetNamespace: "ns1"}, "/run/keepalived/keepalived_ns1.pid", "/run/keepalived/vrrp_ns1.pid", "/run/keepalived/checkers_ns1.pid"},
		{"-s over config", Options{Namespace: "ns2"}, config.Global{NetNamespace: "ns1"}, "/run/keepalived/keepalived_ns2.pid", "/run/keepalived/vrrp_ns2.pid", "/run/keepalived/checkers_ns2.pid"},
		{"-r with instance", Options{VRRPPIDFile: "/v"}, config.Global{Instance: "i1"}, "/run/keepalived/keepalived_i1.pid", "/v", "/run/keepalived/checkers_i1.pid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, v, c := pidPaths(tc.o, &config.Config{Global: tc.g})
			if m != tc.main || v != tc.vrrp || c != tc.chck {
				t.Fatalf("got %s %s %s", m, v, c)
			}
		})
	}
}
