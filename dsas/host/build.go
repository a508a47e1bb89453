package host

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/dsas/conf"
)

// Default mount points; DSAS hosts keep them fixed, the *MOUNT keys
// override them.
var defaultDirs = map[string]string{"BTDEVICE": "/boot", "DBDEVICE": "/var/lib/mysql", "FSDEVICE": "/data"}

var (
	// No leading zeros: IPADDRESS01 is another bash variable than
	// IPADDRESS1, so it is not taken for interface 1 (it draws the
	// "not a key" warning instead).
	reIndexed  = regexp.MustCompile(`^(IPADDRESS|INTERFACE|GATEWAY|BONDSLAVES)(0|[1-9][0-9]*)$`)
	reBondName = regexp.MustCompile(`^bond([0-9]+)$`)
	reModule   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	reVlanName = regexp.MustCompile(`^([A-Za-z0-9_-]+)\.([0-9]+)$`)
)

// Known lists the keys that mean something; others draw a warning because
// they are usually a typo (boot scripts ignored them silently).
var Known = map[string]bool{
	"SYSTEMNAME": true, "HWTYPE": true, "MODULES": true, "VLANS": true, "ROUTES": true,
	"BTDEVICE": true, "SWDEVICE": true, "DBDEVICE": true, "FSDEVICE": true,
	"BTMOUNT": true, "DBMOUNT": true, "FSMOUNT": true,
	"IPADDRESS": true, "INTERFACE": true, "GATEWAY": true, "BONDSLAVES": true,
}

type builder struct {
	f    *conf.File
	c    *Config
	errs []error
	// The assignments that produced c.Addrs and c.Vlans, index for index,
	// so that an error found later still points at its line.
	addrVars, vlanVars []*conf.Var
	// defaultPrimary holds the bonds whose primary was not given: it is
	// their first slave, known once BONDSLAVESn is read.
	defaultPrimary map[string]bool
}

func (b *builder) errf(v *conf.Var, format string, args ...any) {
	p := conf.Pos{File: "<default>"}
	if v != nil {
		p = v.Pos
	}
	b.errs = append(b.errs, &conf.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) warnf(v *conf.Var, format string, args ...any) {
	p := conf.Pos{File: "<default>"}
	if v != nil {
		p = v.Pos
	}
	b.c.Warnings = append(b.c.Warnings, conf.Diag{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// indexed collects KEYn and KEY[n] (bash arrays) into n → value.
func (b *builder) indexed(key string) map[int]string {
	out := map[int]string{}
	pos := map[int]*conf.Var{}
	if v := b.f.Lookup(key); v != nil {
		for i, s := range v.Elems {
			out[i] = s
			pos[i] = v
		}
	}
	for _, name := range b.f.Names() {
		m := reIndexed.FindStringSubmatch(name)
		if m == nil || m[1] != key {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil || n > 4095 {
			b.errf(b.f.Lookup(name), "%s: index too large", name)
			continue
		}
		if _, dup := pos[n]; dup {
			b.errf(b.f.Lookup(name), "%s and %s[%d] both set: use one", name, key, n)
			continue
		}
		out[n] = b.f.Lookup(name).Value()
		pos[n] = b.f.Lookup(name)
	}
	return out
}

func (b *builder) varFor(key string, n int) *conf.Var {
	if v := b.f.Lookup(key + strconv.Itoa(n)); v != nil {
		return v
	}
	return b.f.Lookup(key)
}

// FromFile validates a read file and returns the host it describes. All
// errors are reported together, each with the position of its assignment.
func FromFile(f *conf.File) (*Config, error) {
	b := &builder{f: f, c: &Config{Warnings: append([]conf.Diag(nil), f.Warnings...)}, defaultPrimary: map[string]bool{}}
	b.build()
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	return b.c, nil
}

func (b *builder) build() {
	for _, name := range b.f.Names() {
		v := b.f.Lookup(name)
		if v.Pos.File == "<environment>" {
			continue
		}
		base := name
		if m := reIndexed.FindStringSubmatch(name); m != nil {
			base = m[1]
		}
		if !Known[base] && !v.Used && strings.ToUpper(name) == name {
			b.warnf(v, "%s is not a dsas.conf key; not used", name)
		}
	}
	if v := b.f.Lookup("SYSTEMNAME"); v != nil && v.Value() != "" {
		if !validHostname(v.Value()) {
			b.errf(v, "SYSTEMNAME %q is not a valid host name", v.Value())
		} else {
			b.c.Hostname = v.Value()
		}
	}
	if v := b.f.Lookup("HWTYPE"); v != nil {
		b.c.HWType = v.Value()
	}
	b.modules()
	b.interfaces()
	b.routes()
	b.mounts()
	b.checkLinks()
}

func validHostname(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[int]string) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// joinErrors keeps the first error's file:line:col at the front of the
// message, which is what a user reads first.
func joinErrors(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, _ := errs[i].(*conf.Error)
		c, _ := errs[j].(*conf.Error)
		if a == nil || c == nil {
			return false
		}
		if a.Pos.File != c.Pos.File {
			return a.Pos.File < c.Pos.File
		}
		return a.Pos.Line < c.Pos.Line || a.Pos.Line == c.Pos.Line && a.Pos.Col < c.Pos.Col
	})
	if len(errs) == 1 {
		return errs[0]
	}
	return &Errors{errs}
}

// Errors is every validation error of a file.
type Errors struct{ List []error }

func (e *Errors) Error() string {
	var s []string
	for _, x := range e.List {
		s = append(s, x.Error())
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each *conf.Error.
func (e *Errors) Unwrap() []error { return e.List }
