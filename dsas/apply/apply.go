package apply

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

// Host is everything apply touches: the network through Net and the rest
// of the system through System.
type Host struct {
	Net *Net
	Sys *System
}

// Snapshot reads the state that cfg cares about, including which kernel
// features it needs and lacks.
func (h *Host) Snapshot(cfg *host.Config) (*plan.State, error) {
	st := &plan.State{
		Links:   map[string]*plan.Link{},
		Addrs:   map[string][]netip.Prefix{},
		Swaps:   map[string]bool{},
		Mounts:  map[string]string{},
		Devices: map[string]bool{},
	}
	if err := h.Net.readLinks(st); err != nil {
		return nil, err
	}
	if err := h.Net.readAddrs(st); err != nil {
		return nil, err
	}
	if err := h.Net.readRoutes(st); err != nil {
		return nil, err
	}
	probed := map[string]bool{}
	need := func(kind, feature string) error {
		if probed[kind] {
			return nil
		}
		probed[kind] = true
		ok, err := h.Net.probe.Supported(kind)
		if err != nil {
			return err
		}
		if !ok {
			st.Missing = append(st.Missing, feature)
		}
		return nil
	}
	for _, b := range cfg.Bonds {
		if l := st.Links[b.Name]; l == nil || l.Kind != "bond" {
			if err := need("bond", "bonding"); err != nil {
				return nil, err
			}
		}
	}
	for _, v := range cfg.Vlans {
		if l := st.Links[v.Name]; l == nil || l.Kind != "vlan" {
			if err := need("vlan", "8021q"); err != nil {
				return nil, err
			}
		}
	}
	if len(probed) > 0 {
		// A probe may have made the kernel load bonding, and the module
		// creates bond0 by itself (max_bonds defaults to 1): look again,
		// or creating bond0 would fail with "file exists".
		st.Links = map[string]*plan.Link{}
		if err := h.Net.readLinks(st); err != nil {
			return nil, err
		}
	}
	if err := h.Sys.read(st, cfg); err != nil {
		return nil, err
	}
	return st, nil
}

// WaitLinks waits up to timeout for the NICs cfg names (host.Config.NICs)
// to exist: at boot, drivers and udev renames may still be running when
// dsas-init starts. It returns those still missing; the plan then skips
// them with a note, as the boot scripts did.
func (h *Host) WaitLinks(cfg *host.Config, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := h.Net.c.Link.List()
		if err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		have := map[string]bool{}
		for _, m := range msgs {
			if m.Attributes != nil {
				have[m.Attributes.Name] = true
			}
		}
		var missing []string
		for _, n := range cfg.NICs() {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 || !time.Now().Before(deadline) {
			return missing, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Plan snapshots the host and plans cfg against it.
func (h *Host) Plan(cfg *host.Config) ([]plan.Step, []plan.Note, error) {
	st, err := h.Snapshot(cfg)
	if err != nil {
		return nil, nil, err
	}
	return plan.Make(cfg, st)
}

// Run executes steps in order, logging each to log, and stops at the first
// failure: later steps usually depend on earlier ones.
func (h *Host) Run(steps []plan.Step, log io.Writer) error {
	for _, s := range steps {
		fmt.Fprintln(log, s)
		var err error
		switch s.Op {
		case plan.SetHostname, plan.WriteHostname, plan.LoadModule, plan.Swapon, plan.Mount:
			err = h.Sys.step(s)
		default:
			err = h.Net.step(s)
		}
		if err != nil {
			var me *plan.MissingError
			if errors.As(err, &me) {
				return err
			}
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
