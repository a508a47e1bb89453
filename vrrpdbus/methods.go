package vrrpdbus

import (
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/dsas/keepalived-go/vrrp"
)

// errInvalidArgs is the error GDBus answers a bad property call with.
const errInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"

func invalidArgs(format string, a ...any) *dbus.Error {
	return dbus.NewError(errInvalidArgs, []any{fmt.Sprintf(format, a...)})
}

// vrrpMethods are org.keepalived.Vrrp1.Vrrp's; each answers with an empty
// reply, as keepalived does.
func (s *Service) vrrpMethods() map[string]any {
	call := func(what string, f func()) func() *dbus.Error {
		return func() *dbus.Error {
			s.opt.Logger.Info(what + " on DBus request")
			if f != nil {
				f()
			}
			return nil
		}
	}
	return map[string]any{
		"PrintData":       call("Printing VRRP data", s.opt.PrintData),
		"PrintStats":      call("Printing VRRP stats", s.opt.PrintStats),
		"PrintStatsClear": call("Printing and clearing VRRP stats", s.opt.PrintStatsClear),
		"ReloadConfig": func() *dbus.Error {
			if s.opt.ReloadConfig != nil {
				s.opt.ReloadConfig()
			}
			return nil
		},
	}
}

// instanceMethods are org.keepalived.Vrrp1.Instance's: SendGarp sends one
// round of GARPs/NAs when the instance is MASTER and answers nothing, as
// keepalived's vrrp_send_link_update(vrrp, 1).
func (s *Service) instanceMethods(path string) map[string]any {
	return map[string]any{
		"SendGarp": func() *dbus.Error {
			st, ok := s.lookup(path)
			if !ok {
				return s.notFound(path)
			}
			if s.opt.SendGARP == nil {
				return dbus.NewError("org.freedesktop.DBus.Error.NotSupported",
					[]any{"SendGarp is not supported here"})
			}
			s.opt.SendGARP(st.Name)
			return nil
		},
	}
}

// lookup finds the running instance behind an object path now, as
// keepalived's get_vrrp_instance does on every call.
func (s *Service) lookup(path string) (vrrp.InstanceStatus, bool) {
	for _, st := range s.opt.Instances() {
		if instancePath(s.pfx, st) == path {
			return st, true
		}
	}
	return vrrp.InstanceStatus{}, false
}

// notFound is keepalived's message: "Instance 'd0/51/IPv4' not found".
func (s *Service) notFound(path string) *dbus.Error {
	rel := strings.TrimPrefix(path, s.pfx+"/Instance/")
	return invalidArgs("Instance '%s' not found", rel)
}

// properties implements org.freedesktop.DBus.Properties for one object.
// The values have keepalived's exact types: Name is a one-string structure
// "(s)" (keepalived returns it wrapped, not the "s" its XML declares) and
// State is "(us)", the number and its name.
func (s *Service) properties(path, iface string) map[string]any {
	own := ifaceOf(iface)
	get := func(name string) (dbus.Variant, *dbus.Error) {
		if own != ifaceInstance || (name != "Name" && name != "State") {
			return dbus.Variant{}, invalidArgs("No such property “%s”", name)
		}
		st, ok := s.lookup(path)
		if !ok {
			return dbus.Variant{}, s.notFound(path)
		}
		if name == "Name" {
			return dbus.MakeVariant(struct{ S string }{st.Name}), nil
		}
		return dbus.MakeVariant(struct {
			U uint32
			S string
		}{stateCode(st.State), stateName(st.State)}), nil
	}
	return map[string]any{
		"Get": func(in, name string) (dbus.Variant, *dbus.Error) {
			if in != own {
				return dbus.Variant{}, invalidArgs("No such interface “%s”", in)
			}
			return get(name)
		},
		"GetAll": func(in string) (map[string]dbus.Variant, *dbus.Error) {
			if in != own {
				return nil, invalidArgs("No such interface “%s”", in)
			}
			out := map[string]dbus.Variant{}
			if own != ifaceInstance {
				return out, nil
			}
			for _, n := range []string{"Name", "State"} {
				v, err := get(n)
				if err != nil {
					return nil, err
				}
				out[n] = v
			}
			return out, nil
		},
		"Set": func(in, name string, _ dbus.Variant) *dbus.Error {
			if in != own {
				return invalidArgs("No such interface “%s”", in)
			}
			if own == ifaceInstance && (name == "Name" || name == "State") {
				return invalidArgs("Property “%s” is not writable", name)
			}
			return invalidArgs("No such property “%s”", name)
		},
	}
}
