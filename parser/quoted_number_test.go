package parser

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// TestTimerLeadingSpace: keepalived reads a quoted "  64" as 64 s (strtoull
// skips leading white space; corpus 045's warmup), while a sign or trailing
// junk is still refused.
func TestTimerLeadingSpace(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
		ok   bool
	}{
		{`"  64"`, 64 * time.Second, true},
		{"\"\t1.5\"", 1500 * time.Millisecond, true},
		{`"  -64"`, time.Minute, false}, // refused: delay_loop's default
		{`"64  "`, time.Minute, false},
	} {
		src := "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n   warmup " + tc.arg + "\n  }\n }\n}\n"
		cfg, diags := lvsParse(t, src)
		ck := cfg.LVS.VirtualServers[0].RealServers[0].Checkers[0]
		if ck.Warmup != tc.want || (len(diags) == 0) != tc.ok {
			t.Errorf("warmup %s: %v, diagnostics %v; want %v ok=%v", tc.arg, ck.Warmup, diags, tc.want, tc.ok)
		}
	}
}

// TestRxBufsPolicy follows vrrp_rx_bufs_policy_handler: 0 is a size (corpus
// 045 writes it; keepalived_check.data then says rx_bufs_size = 0), MTU
// and ADVERT in any case, a size beats a policy and MTU beats ADVERT.
func TestRxBufsPolicy(t *testing.T) {
	for _, tc := range []struct {
		args   string
		policy config.RxBufsPolicy
		size   uint32
		diags  int
	}{
		{"0", config.RxBufsSizePolicy, 0, 0},
		{`"  4096"`, config.RxBufsSizePolicy, 4096, 0},
		{"mtu", config.RxBufsMTU, 0, 0},
		{"ADVERT", config.RxBufsAdvert, 0, 0},
		{"MTU ADVERT", config.RxBufsMTU, 0, 1},
		{"1024 MTU", config.RxBufsSizePolicy, 1024, 1},
		{"-1", config.RxBufsSystem, 0, 2},
		{"junk", config.RxBufsSystem, 0, 2},
	} {
		cfg, diags := lvsParse(t, "global_defs {\n vrrp_rx_bufs_policy "+tc.args+"\n}\n")
		g := cfg.Global.VRRP
		if g.RxBufsPolicy != tc.policy || g.RxBufsSize != tc.size || len(diags) != tc.diags {
			t.Errorf("%s: policy %v size %d, diagnostics %v; want %v %d, %d diagnostics", tc.args, g.RxBufsPolicy, g.RxBufsSize, diags, tc.policy, tc.size, tc.diags)
		}
	}
}
