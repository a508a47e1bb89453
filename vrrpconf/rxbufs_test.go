package vrrpconf

import (
	"fmt"
	"testing"
)

// TestRxBufsPolicy: each instance's share of its socket's receive buffer
// is picked as keepalived's vrrp_create_sockpool does: kernel_rx_buf_size,
// else the policy's size, else the multiplier times the advert's length
// (vrrp_adv_len) or, under MTU, times the interface's MTU (RxBufMTUs).
// The values were checked against keepalived 2.2.7's sockets
// (cmd/keepalived TestRxBufsLab).
func TestRxBufsPolicy(t *testing.T) {
	inst := func(name string, vrid int, extra, vips string) string {
		return fmt.Sprintf("vrrp_instance %s {\n interface eth0\n virtual_router_id %d\n priority 100\n%s virtual_ipaddress {\n%s }\n}\n", name, vrid, extra, vips)
	}
	v4 := " 10.0.0.1/24\n 10.0.0.2/24\n"
	v6 := " fd00::1/64\n fd00::2/64\n"
	for _, tc := range []struct {
		name, global, extra, vips string
		rxBuf, mtus               uint32
	}{
		{"none", "", "", v4, 0, 0},
		{"mtu default multiplier", "vrrp_rx_bufs_policy MTU", "", v4, 0, 3},
		{"mtu x7", "vrrp_rx_bufs_policy MTU\nvrrp_rx_bufs_multiplier 7", "", v4, 0, 7},
		{"own size wins", "vrrp_rx_bufs_policy MTU", " kernel_rx_buf_size 7000\n", v4, 7000, 0},
		{"size ignores multiplier", "vrrp_rx_bufs_policy 50000\nvrrp_rx_bufs_multiplier 9", "", v4, 50000, 0},
		// IPv4 v2: IP header 20 + VRRP 8 + auth 8 + 2 addresses x 4.
		{"advert v2", "vrrp_rx_bufs_policy ADVERT", "", v4, 3 * 44, 0},
		{"advert v3 x100", "vrrp_rx_bufs_policy ADVERT\nvrrp_rx_bufs_multiplier 100", " version 3\n", v4, 100 * 36, 0},
		// IPv6: VRRP 8 + 2 addresses x 16, no IP header.
		{"advert v6", "vrrp_rx_bufs_policy ADVERT", "", v6, 3 * 40, 0},
		// AH adds its 24-byte header.
		{"advert AH", "vrrp_rx_bufs_policy ADVERT", " authentication {\n auth_type AH\n auth_pass x\n }\n", v4, 3 * 68, 0},
	} {
		res := parse(t, "global_defs {\n"+tc.global+"\n}\n"+inst("A", 1, tc.extra, tc.vips))
		ic := res.VRRP.Instances[0]
		if ic.RxBuf != tc.rxBuf || ic.RxBufMTUs != tc.mtus {
			t.Errorf("%s: RxBuf %d RxBufMTUs %d, want %d %d", tc.name, ic.RxBuf, ic.RxBufMTUs, tc.rxBuf, tc.mtus)
		}
	}
}
