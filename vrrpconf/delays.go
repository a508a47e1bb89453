package vrrpconf

import (
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// LinkDelays are the interface_up_down_delays by interface name, as
// keepalived holds them once the instances are complete: the parser has
// already cut them to what each instance's master-down timer allows
// (check_debounce_timers), the last item for a name counts, and an
// instance's VMAC takes its base interface's delays.
func LinkDelays(cfg *config.Config, instances []vrrp.InstanceConfig) map[string]config.InterfaceDelay {
	d := map[string]config.InterfaceDelay{}
	for _, dl := range cfg.VRRP.UpDownDelays {
		if dl.Up > 0 || dl.Down > 0 {
			d[dl.Name] = dl
		} else {
			delete(d, dl.Name)
		}
	}
	base := map[string]string{} // instance → its configured interface
	for _, in := range cfg.VRRP.Instances {
		if _, dup := base[in.Name]; !dup {
			base[in.Name] = in.Interface
		}
	}
	for _, in := range instances {
		if in.VMACName == "" {
			continue // xmit_base or not, the VMAC is the instance's interface
		}
		if dl, ok := d[base[in.Name]]; ok {
			dl.Name = in.VMACName
			d[in.VMACName] = dl
		}
	}
	return d
}
