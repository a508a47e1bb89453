package conf_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

const fuzzSeed = `#----- BaseConfigration -----
SYSTEMNAME=w101
#----- NetworkSetting -----
IPADDRESS0=192.168.1.1/22
GATEWAY[0]=192.168.1.254
#----- HardWare Setting -----
HWTYPE=S6014HT
MODULES=("bond0 arp_ip_target=$LVSADDRESS,$LLSADDRESS")
BTDEVICE=/dev/sda1
SWDEVICE=/dev/sda2
DBDEVICE=
FSDEVICE=
`

const fuzzLB = `SYSTEMNAME=lvs01
IPADDRESS0=192.168.0.11/22
INTERFACE1=bond0.2
IPADDRESS1=203.0.113.11/24
GATEWAY[1]=203.0.113.1
MODULES=("bond0 mode=active-backup primary=eth0 miimon=100")
BONDSLAVES0="eth0 eth1"
VLANS=(bond0.3)
ROUTES=("10.0.0.0/8 via 192.168.0.1")
`

// FuzzParse feeds arbitrary text to the reader, and what it accepts on to
// validation and planning. Nothing may panic; every error must carry a
// position inside the text; reading twice must give the same result. The
// text is also what `. inc` sources, so nesting and loops are exercised.
func FuzzParse(f *testing.F) {
	f.Add(fuzzSeed)
	f.Add(fuzzLB)
	f.Add("A=(\"a b\" 'c' $X ${Y[1]})\nB[3]=x\\ y\n. inc\n")
	f.Add("A=\"$(x)\" `y` $((1))")
	f.Add("X='a b'\nM=($X \"$X\")\nA+=c\nM+=(d)\n")
	f.Add("MODULES=(\"bond1 mode=4 arp_interval=100 arp_ip_target=1.2.3.4\")\nBONDSLAVES1=(eth3 eth2)\nINTERFACE0=eth9.4094\nIPADDRESS0=1.2.3.4/8\n")
	f.Add("A=$'x' B=~ C=(*)\nif true; then :; fi | cat > /dev/null &\n")
	f.Fuzz(func(t *testing.T, src string) {
		files := map[string]string{"inc": src, "f": src}
		read := func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, fmt.Errorf("open %s: %w", p, fs.ErrNotExist)
		}
		file, err := conf.Parse("f", []byte(src), &conf.Options{ReadFile: read})
		again, err2 := conf.Parse("f", []byte(src), &conf.Options{ReadFile: read})
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("two reads differ: %v / %v", err, err2)
		}
		lines := strings.Count(src, "\n") + 1
		if err != nil {
			var ce *conf.Error
			if !errors.As(err, &ce) || ce.Pos.Line < 1 || ce.Pos.Col < 1 || ce.Pos.Line > lines || ce.Pos.File != "f" && ce.Pos.File != "inc" {
				t.Fatalf("error without a position in the text: %v", err)
			}
			return
		}
		for _, n := range file.Names() {
			if !reflect.DeepEqual(file.Lookup(n).List(), again.Lookup(n).List()) {
				t.Fatalf("two reads differ on %s", n)
			}
		}
		cfg, err := host.FromFile(file)
		if err != nil {
			errs := []error{err}
			if all, ok := err.(*host.Errors); ok {
				errs = all.List
			}
			for _, e := range errs {
				var ce *conf.Error
				if !errors.As(e, &ce) || ce.Pos.Line < 1 || ce.Pos.Line > lines || ce.Pos.File != "f" && ce.Pos.File != "inc" {
					t.Fatalf("validation error without a position in the text: %v", e)
				}
			}
			return
		}
		st := &plan.State{
			Links:   map[string]*plan.Link{"eth0": {Name: "eth0"}, "eth1": {Name: "eth1"}},
			Addrs:   map[string][]netip.Prefix{},
			Swaps:   map[string]bool{},
			Mounts:  map[string]string{},
			Devices: map[string]bool{},
		}
		steps, _, err := plan.Make(cfg, st)
		if err != nil {
			t.Fatalf("plan on a host with every feature: %v", err)
		}
		for _, s := range steps {
			_ = s.String()
		}
	})
}
