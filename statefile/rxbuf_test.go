package statefile

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
)

// TestSockpoolRxBufSize: a socket's "Rx buf size" is the sum of its
// instances' kernel_rx_buf_size, as keepalived's vrrp_create_sockpool
// adds them (corpus 048's VIt_250: 200000).
func TestSockpoolRxBufSize(t *testing.T) {
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{
		{Name: "A", Interface: "eth0", VRID: 1, KernelRxBufSize: 200000},
		{Name: "B", Interface: "eth0", VRID: 2, KernelRxBufSize: 1000},
		{Name: "C", Interface: "eth1", VRID: 3},
	}}
	var out []string
	dumpSockpool(func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }, cfg)
	var sizes []string
	for _, l := range out {
		if len(l) > 14 && l[:14] == "   Rx buf size" {
			sizes = append(sizes, l)
		}
	}
	if want := []string{"   Rx buf size = 201000", "   Rx buf size = 0"}; !slices.Equal(sizes, want) {
		t.Errorf("rx buf lines %q, want %q", sizes, want)
	}
}
