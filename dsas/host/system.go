package host

import (
	"strings"
)

// modules reads MODULES: one entry per module, "NAME opt=val ...". An entry
// named bondN is the `options bondN ...` line of DSAS's modprobe.conf.
func (b *builder) modules() {
	v := b.f.Lookup("MODULES")
	if v == nil {
		return
	}
	for _, entry := range v.List() {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		if reBondName.MatchString(name) || name == "bonding" {
			if name == "bonding" {
				name = "bond0"
			}
			b.bond(v, name, fields[1:])
			continue
		}
		if !reModule.MatchString(name) {
			b.errf(v, "MODULES: %q is not a module name", name)
			continue
		}
		for _, o := range fields[1:] {
			if k, _, _ := strings.Cut(o, "="); !reModule.MatchString(k) {
				b.errf(v, "MODULES %s: option %q: want name=value", name, o)
			}
		}
		b.c.Modules = append(b.c.Modules, Module{Name: name, Params: fields[1:]})
	}
}

func (b *builder) mounts() {
	for _, key := range []string{"BTDEVICE", "SWDEVICE", "DBDEVICE", "FSDEVICE"} {
		v := b.f.Lookup(key)
		if v == nil || v.Value() == "" {
			continue
		}
		dev := v.Value()
		if !strings.HasPrefix(dev, "/") {
			b.errf(v, "%s=%q: want an absolute device path such as /dev/sda1", key, dev)
			continue
		}
		if key == "SWDEVICE" {
			b.c.Mounts = append(b.c.Mounts, Mount{Key: key, Device: dev, Swap: true})
			continue
		}
		mkey := strings.TrimSuffix(key, "DEVICE") + "MOUNT"
		dir := defaultDirs[key]
		if mv := b.f.Lookup(mkey); mv != nil && mv.Value() != "" {
			dir = mv.Value()
			if !strings.HasPrefix(dir, "/") {
				b.errf(mv, "%s=%q: want an absolute directory", mkey, dir)
				continue
			}
		}
		b.c.Mounts = append(b.c.Mounts, Mount{Key: key, Device: dev, Dir: dir})
	}
}
