package apply

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
	"github.com/dsas/keepalived-go/internal/netns"
)

func TestProberFake(t *testing.T) {
	tests := []struct {
		name  string
		errno unix.Errno
		want  bool
		fails bool
	}{
		{"driver present", unix.EINVAL, true, false},
		{"driver missing", unix.EOPNOTSUPP, false, false},
		{"no permission", unix.EPERM, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent []netlink.Message
			c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
				sent = append(sent, req...)
				return nltest.Error(int(tt.errno), req)
			})
			defer c.Close()
			got, err := NewProber(c).Supported("bond")
			if got != tt.want || (err != nil) != tt.fails {
				t.Errorf("Supported = %v, %v", got, err)
			}
			if len(sent) != 1 || sent[0].Header.Type != unix.RTM_NEWLINK || sent[0].Header.Flags&netlink.Excl == 0 {
				t.Fatalf("sent %+v, want one exclusive RTM_NEWLINK", sent)
			}
			if !bytes.Contains(sent[0].Data, []byte("bond\x00")) {
				t.Errorf("request does not name kind bond: %q", sent[0].Data)
			}
		})
	}
}

func load(t *testing.T, path string) *host.Config {
	t.Helper()
	f, err := conf.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := host.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testHost(t *testing.T, fd int) *Host {
	t.Helper()
	n, err := DialNet(fd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return &Host{Net: n, Sys: &System{Root: t.TempDir(), KeepHostname: true}}
}

// TestMissingKernelFeature runs on a kernel without bonding or 802.1Q (the
// development host) and skips where the kernel has them.
func TestMissingKernelFeature(t *testing.T) {
	fd := netns.Anonymous(t)
	c := netns.DialFD(t, fd)
	netns.VethFD(t, c, "eth0", "eth1", 0)
	h := testHost(t, fd)
	dir := t.TempDir()
	vlanOnly := filepath.Join(dir, "vlan.conf")
	if err := os.WriteFile(vlanOnly, []byte("SYSTEMNAME=v1\nINTERFACE0=eth0.2\nIPADDRESS0=10.2.0.1/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ kind, file, want string }{
		{"bond", "../testdata/seed.conf", "bonding: not supported by this kernel (CONFIG_BONDING missing / module bonding not loadable)"},
		{"bond", "../testdata/lb.conf", "bonding: not supported by this kernel (CONFIG_BONDING missing / module bonding not loadable)"},
		{"vlan", vlanOnly, "802.1Q VLAN: not supported by this kernel (CONFIG_VLAN_8021Q missing / module 8021q not loadable)"},
	} {
		ok, err := h.Net.probe.Supported(tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Skipf("this kernel has %s", tt.kind)
		}
		_, _, err = h.Plan(load(t, tt.file))
		var me *plan.MissingError
		if !errors.As(err, &me) {
			t.Fatalf("%s: err = %v, want a missing-feature error", tt.file, err)
		}
		if err.Error() != tt.want {
			t.Errorf("err = %q\nwant  %q", err, tt.want)
		}
	}
	// Nothing was applied: no links beyond lo and the veth pair, no addresses.
	links, err := c.Link.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 3 {
		t.Errorf("links after failed plan: %d, want 3", len(links))
	}
	addrs, _ := c.Address.List()
	for _, a := range addrs {
		if a.Family == unix.AF_INET {
			t.Errorf("address added: %+v", a)
		}
	}
	if _, err := os.Stat(filepath.Join(h.Sys.Root, "etc/hostname")); err == nil {
		t.Error("/etc/hostname written")
	}
}

// TestApplyPlainNIC applies a file without bonds or VLANs for real in a
// throwaway namespace: addresses, default and static routes, link state and
// /etc/hostname, then checks the second plan is empty and an edit changes
// only what differs.
func TestApplyPlainNIC(t *testing.T) {
	fd := netns.Anonymous(t)
	c := netns.DialFD(t, fd)
	netns.VethFD(t, c, "eth0", "peer0", 0)
	h := testHost(t, fd)
	dir := t.TempDir()
	path := filepath.Join(dir, "dsas.conf")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := "SYSTEMNAME=web7\nINTERFACE0=eth0\nIPADDRESS0=10.1.0.7/24\nGATEWAY[0]=10.1.0.1\nROUTES=(\"172.16.0.0/12 via 10.1.0.2\")\nSWDEVICE=/dev/dsas-init-test-absent\n"
	write(base)
	steps, notes, err := h.Plan(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := h.Run(steps, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := "write /etc/hostname: web7\nset link eth0 up\nadd address 10.1.0.7/24 to eth0\n" +
		"route 0.0.0.0/0 via 10.1.0.1 dev eth0 metric 0\nroute 172.16.0.0/12 via 10.1.0.2 dev eth0 metric 0\n"
	if out.String() != want {
		t.Errorf("applied:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(notes) != 1 || !strings.Contains(string(notes[0]), "no such device; skipped") {
		t.Errorf("notes %v", notes)
	}
	if b, _ := os.ReadFile(filepath.Join(h.Sys.Root, "etc/hostname")); string(b) != "web7\n" {
		t.Errorf("/etc/hostname = %q", b)
	}
	again, _, err := h.Plan(load(t, path))
	if err != nil || len(again) != 0 {
		t.Fatalf("second plan (%v): %v", err, again)
	}
	write(strings.Replace(base, "10.1.0.1\n", "10.1.0.254\n", 1))
	edit, _, err := h.Plan(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if len(edit) != 1 || edit[0].String() != "route 0.0.0.0/0 via 10.1.0.254 dev eth0 metric 0" {
		t.Fatalf("plan after edit: %v", edit)
	}
	if err := h.Run(edit, &out); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := h.Plan(load(t, path)); len(again) != 0 {
		t.Errorf("plan after applying edit: %v", again)
	}

	// An address someone else set on the same link (keepalived's VIP) is
	// not dsas-init's: a new IPADDRESS0 replaces only the old one.
	links, _ := c.Link.List()
	var eth0 uint32
	for _, l := range links {
		if l.Attributes.Name == "eth0" {
			eth0 = l.Index
		}
	}
	vip := net.ParseIP("10.1.0.100").To4()
	if err := c.Address.New(&rtnetlink.AddressMessage{Family: unix.AF_INET, PrefixLength: 32, Index: eth0,
		Attributes: &rtnetlink.AddressAttributes{Address: vip, Local: vip}}); err != nil {
		t.Fatal(err)
	}
	write(strings.NewReplacer("10.1.0.1\n", "10.1.0.254\n", "10.1.0.7/24", "10.1.0.8/24").Replace(base))
	edit, _, err = h.Plan(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := h.Run(edit, &out); err != nil {
		t.Fatal(err)
	}
	want = "delete address 10.1.0.7/24 from eth0\nadd address 10.1.0.8/24 to eth0\n" +
		"route 0.0.0.0/0 via 10.1.0.254 dev eth0 metric 0\nroute 172.16.0.0/12 via 10.1.0.2 dev eth0 metric 0\n"
	if out.String() != want {
		t.Errorf("applied:\n%s\nwant:\n%s", out.String(), want)
	}
	st, err := h.Snapshot(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	sorted := func(ps []netip.Prefix) []netip.Prefix {
		return slices.SortedFunc(slices.Values(ps), func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	}
	if got := fmt.Sprint(sorted(st.Addrs["eth0"]), st.Owned["eth0"]); got != "[10.1.0.100/32 10.1.0.8/24] [10.1.0.8/24]" {
		t.Errorf("eth0 addresses, owned: %s", got)
	}
	if again, _, _ := h.Plan(load(t, path)); len(again) != 0 {
		t.Errorf("plan after applying edit: %v", again)
	}

	// A static route dropped from the file is deleted; a route someone
	// else added (protocol boot, as ip route add makes) stays.
	if err := c.Route.Add(&rtnetlink.RouteMessage{Family: unix.AF_INET, DstLength: 24, Table: unix.RT_TABLE_MAIN,
		Protocol: unix.RTPROT_BOOT, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST,
		Attributes: rtnetlink.RouteAttributes{Dst: net.ParseIP("192.0.2.0").To4(), Gateway: net.ParseIP("10.1.0.3").To4(), OutIface: eth0}}); err != nil {
		t.Fatal(err)
	}
	write(strings.NewReplacer("10.1.0.1\n", "10.1.0.254\n", "10.1.0.7/24", "10.1.0.8/24", "ROUTES=(\"172.16.0.0/12 via 10.1.0.2\")\n", "").Replace(base))
	edit, _, err = h.Plan(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := h.Run(edit, &out); err != nil {
		t.Fatal(err)
	}
	if want := "delete route 172.16.0.0/12 via 10.1.0.2 dev eth0 metric 0\n"; out.String() != want {
		t.Errorf("applied:\n%s\nwant:\n%s", out.String(), want)
	}
	st, err = h.Snapshot(load(t, path))
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, r := range st.Routes {
		routes = append(routes, r.Dst.String())
	}
	slices.Sort(routes)
	if got := strings.Join(routes, " "); got != "0.0.0.0/0 192.0.2.0/24" {
		t.Errorf("routes left: %s", got)
	}
	if again, _, _ := h.Plan(load(t, path)); len(again) != 0 {
		t.Errorf("plan after applying edit: %v", again)
	}
}

// TestWaitLinks: a NIC that appears while dsas-init waits is found; one
// that never appears is reported once the wait is over.
func TestWaitLinks(t *testing.T) {
	fd := netns.Anonymous(t)
	c := netns.DialFD(t, fd)
	h := testHost(t, fd)
	dir := t.TempDir()
	path := filepath.Join(dir, "dsas.conf")
	if err := os.WriteFile(path, []byte("INTERFACE0=eth0\nIPADDRESS0=10.1.0.7/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := load(t, path)
	missing, err := h.WaitLinks(cfg, 0)
	if err != nil || len(missing) != 1 || missing[0] != "eth0" {
		t.Fatalf("no wait: missing %v, %v", missing, err)
	}
	done := make(chan []string)
	go func() {
		m, err := h.WaitLinks(cfg, time.Hour)
		if err != nil {
			t.Error(err)
		}
		done <- m
	}()
	netns.VethFD(t, c, "eth0", "peer0", 0)
	if m := <-done; len(m) != 0 {
		t.Errorf("still missing %v after the NIC appeared", m)
	}
}
