//go:build vmtest

// These tests need a kernel with IPVS and the ipvsadm tool: run them in the
// VM with `make vmtest` or
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" ./ipvs/
//
// They flush the IPVS table of the network namespace they run in.
package ipvs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// vmConn dials IPVS with an empty table and flushes it again afterwards.
func vmConn(t testing.TB) *Conn {
	t.Helper()
	c, err := Dial()
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		c.Close()
	})
	return c
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// sortTable orders services and destinations so that tables compare equal
// regardless of the kernel's hash order.
func sortTable(ss []Service) []Service {
	out := make([]Service, len(ss))
	for i, s := range ss {
		s = s.normalize()
		s.Destinations = slices.Clone(s.Destinations)
		for j := range s.Destinations {
			s.Destinations[j] = s.Destinations[j].normalize()
		}
		slices.SortFunc(s.Destinations, func(a, b Destination) int { return strings.Compare(a.Key().String(), b.Key().String()) })
		out[i] = s
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.ServiceKey.String(), b.ServiceKey.String()) })
	return out
}

// ipvsadmTable reads the kernel table as ipvsadm sees it, from the rules
// that `ipvsadm -Sn` prints.
func ipvsadmTable(t testing.TB) []Service {
	t.Helper()
	out := run(t, "ipvsadm", "-Sn")
	byKey := map[ServiceKey]*Service{}
	var order []ServiceKey
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		var key ServiceKey
		var s Service
		var d Destination
		for i := 1; i < len(f); i++ {
			next := func() string { i++; return f[i] }
			switch f[i] {
			case "-t", "-u", "--sctp-service":
				key.Protocol = map[string]Protocol{"-t": TCP, "-u": UDP, "--sctp-service": SCTP}[f[i]]
				ap := netip.MustParseAddrPort(next())
				key.Addr, key.Port = ap.Addr(), ap.Port()
			case "-f":
				n, _ := strconv.Atoi(next())
				key.FWMark = uint32(n)
			case "-6":
				key.Family = IPv6
			case "-s":
				s.Scheduler = next()
			case "-p":
				n, _ := strconv.Atoi(next())
				s.Timeout = uint32(n)
			case "-M":
				m := next()
				if a, err := netip.ParseAddr(m); err == nil {
					s.Granularity = maskOnes(a.AsSlice())
				} else {
					s.Granularity, _ = strconv.Atoi(m)
				}
			case "--pe":
				s.PEName = next()
			case "-o":
				s.Flags |= OnePacket
			case "-b":
				for _, fl := range strings.Split(next(), ",") {
					switch fl {
					case "flag-1", "sh-fallback", "mh-fallback":
						s.Flags |= SchedFlag1
					case "flag-2", "sh-port", "mh-port":
						s.Flags |= SchedFlag2
					case "flag-3":
						s.Flags |= SchedFlag3
					default:
						t.Errorf("ipvsadm flag %q", fl)
					}
				}
			case "-r":
				ap, err := netip.ParseAddrPort(next())
				if err != nil {
					t.Fatalf("ipvsadm real server %q: %v", f[i], err)
				}
				d.Addr, d.Port = ap.Addr(), ap.Port()
			case "-m":
				d.Forward = NAT
			case "-g":
				d.Forward = DR
			case "-i":
				d.Forward = Tunnel
			case "-w", "-x", "-y", "--tun-port":
				flag := f[i]
				n, _ := strconv.Atoi(next())
				switch flag {
				case "-w":
					d.Weight = uint32(n)
				case "-x":
					d.UpperThreshold = uint32(n)
				case "-y":
					d.LowerThreshold = uint32(n)
				default:
					d.TunnelPort = uint16(n)
				}
			case "--tun-type":
				d.TunnelType = map[string]TunnelType{"ipip": IPIP, "gue": GUE, "gre": GRE}[next()]
			case "--tun-nocsum":
			case "--tun-csum":
				d.TunnelFlags |= TunnelCsum
			case "--tun-remcsum":
				d.TunnelFlags |= TunnelRemCsum
			default:
				t.Errorf("ipvsadm -Sn: unknown word %q in %q", f[i], line)
			}
		}
		key = key.Normalize()
		switch f[0] {
		case "-A":
			s.ServiceKey = key
			byKey[key] = &s
			order = append(order, key)
		case "-a":
			svc := byKey[key]
			if svc == nil {
				t.Fatalf("ipvsadm -Sn: destination before its service: %q", line)
			}
			svc.Destinations = append(svc.Destinations, d)
		}
	}
	var ss []Service
	for _, k := range order {
		ss = append(ss, *byKey[k])
	}
	return sortTable(ss)
}

func maskOnes(b []byte) int {
	n := 0
	for _, o := range b {
		for bit := 7; bit >= 0 && o&(1<<bit) != 0; bit-- {
			n++
		}
	}
	return n
}

// checkKernel compares the kernel's table, read by the adapter and by
// ipvsadm, with want.
func checkKernel(t *testing.T, c *Conn, want Table) {
	t.Helper()
	got, err := c.Services()
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	if diff := cmp.Diff(sortTable(want), sortTable(got), addrCmp); diff != "" {
		t.Errorf("adapter read-back (-want +got):\n%s", diff)
	}
	// ipvsadm -S leaves out thresholds: compare them with -L --thresholds.
	w := sortTable(want)
	thresholds := run(t, "ipvsadm", "-Ln", "--thresholds")
	for i := range w {
		for j, d := range w[i].Destinations {
			if d.UpperThreshold == 0 && d.LowerThreshold == 0 {
				continue
			}
			line := fmt.Sprintf("-> %s %d %d ", netip.AddrPortFrom(d.Addr, d.Port), d.UpperThreshold, d.LowerThreshold)
			if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(thresholds, "\n", " \n ")), " "), strings.Join(strings.Fields(line), " ")) {
				t.Errorf("ipvsadm -Ln --thresholds lacks %q:\n%s", line, thresholds)
			}
			w[i].Destinations[j].UpperThreshold, w[i].Destinations[j].LowerThreshold = 0, 0
		}
	}
	if diff := cmp.Diff(w, ipvsadmTable(t), addrCmp); diff != "" {
		t.Errorf("ipvsadm -Sn read-back (-want +got):\n%s\n%s", diff, run(t, "ipvsadm", "-Sn"))
	}
}

func reconcileTwice(t *testing.T, c *Conn, table Table) {
	t.Helper()
	r := NewReconciler(c)
	first, err := r.Reconcile(table)
	if err != nil {
		t.Fatalf("Reconcile: %v (done: %v)", err, ops(first))
	}
	if len(first) == 0 {
		t.Fatal("first Reconcile changed nothing")
	}
	checkKernel(t, c, table)
	again, err := r.Reconcile(table)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Reconcile = %v, %v; want no changes", ops(again), err)
	}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestVMSchedulers(t *testing.T) {
	c := vmConn(t)
	var table Table
	for i, sched := range []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"} {
		s := Service{
			ServiceKey: ServiceKey{Protocol: TCP, Addr: addr(fmt.Sprintf("10.1.0.%d", i+1)), Port: 80},
			Scheduler:  sched,
			Destinations: []Destination{
				{Addr: addr("10.2.0.1"), Port: 8080, Forward: NAT, Weight: 1},
				{Addr: addr("10.2.0.2"), Port: 8080, Forward: NAT, Weight: uint32(i + 2)},
			},
		}
		switch sched {
		case "sh":
			s.Flags = SHFallback | SHPort
		case "mh":
			s.Flags = MHPort
		case "rr":
			s.Flags = SchedFlag1 | SchedFlag2 | SchedFlag3
		}
		table = append(table, s)
	}
	reconcileTwice(t, c, table)
}

func TestVMServiceKinds(t *testing.T) {
	c := vmConn(t)
	table := Table{
		{ // persistence with a granularity, thresholds
			ServiceKey: ServiceKey{Protocol: TCP, Addr: addr("192.0.2.1"), Port: 443},
			Scheduler:  "wlc", Timeout: 300, Granularity: 24,
			Destinations: []Destination{
				{Addr: addr("10.0.0.1"), Port: 443, Forward: NAT, Weight: 3, UpperThreshold: 100, LowerThreshold: 10},
				{Addr: addr("10.0.0.2"), Port: 443, Forward: NAT, Weight: 0}, // inhibited
			},
		},
		{ // keepalived's "ops" with the SIP persistence engine
			ServiceKey: ServiceKey{Protocol: UDP, Addr: addr("192.0.2.2"), Port: 5060},
			Scheduler:  "rr", Flags: OnePacket, Timeout: 60, PEName: "sip",
			Destinations: []Destination{{Addr: addr("10.0.0.3"), Port: 5060, Forward: NAT, Weight: 1}},
		},
		{ // SCTP, direct routing
			ServiceKey:   ServiceKey{Protocol: SCTP, Addr: addr("192.0.2.3"), Port: 2905},
			Scheduler:    "lc",
			Destinations: []Destination{{Addr: addr("10.0.0.4"), Port: 2905, Forward: DR, Weight: 1}},
		},
		{ // IPv4 fwmark with every tunnel type
			ServiceKey: ServiceKey{FWMark: 7, Family: IPv4},
			Scheduler:  "wrr",
			Destinations: []Destination{
				{Addr: addr("10.0.1.1"), Forward: Tunnel, Weight: 1},
				{Addr: addr("10.0.1.2"), Forward: Tunnel, Weight: 1, TunnelType: GUE, TunnelPort: 6080, TunnelFlags: TunnelCsum},
				{Addr: addr("10.0.1.3"), Forward: Tunnel, Weight: 1, TunnelType: GUE, TunnelPort: 6081, TunnelFlags: TunnelRemCsum},
				{Addr: addr("10.0.1.4"), Forward: Tunnel, Weight: 1, TunnelType: GRE},
				{Addr: addr("10.0.1.5"), Forward: Tunnel, Weight: 1, TunnelType: GRE, TunnelFlags: TunnelCsum},
			},
		},
		{ // IPv6 fwmark, persistent /64
			ServiceKey: ServiceKey{FWMark: 8, Family: IPv6},
			Scheduler:  "sh", Flags: SHPort, Timeout: 120, Granularity: 64,
			Destinations: []Destination{{Addr: addr("2001:db8:1::1"), Forward: DR, Weight: 2}},
		},
		{ // IPv6 service, SIP engine via the netlink path on IPv6
			ServiceKey: ServiceKey{Protocol: TCP, Addr: addr("2001:db8::80"), Port: 80},
			Scheduler:  "mh", Flags: MHFallback | MHPort,
			Destinations: []Destination{
				{Addr: addr("2001:db8:2::1"), Port: 8080, Forward: NAT, Weight: 1},
				{Addr: addr("2001:db8:2::2"), Port: 80, Forward: DR, Weight: 1},
			},
		},
	}
	reconcileTwice(t, c, table)

	// Someone deletes a real server and changes a weight by hand.
	run(t, "ipvsadm", "-d", "-t", "192.0.2.1:443", "-r", "10.0.0.1:443")
	run(t, "ipvsadm", "-e", "-f", "7", "-r", "10.0.1.1", "-i", "-w", "9")
	got, err := NewReconciler(c).Reconcile(table)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create destination 10.0.0.1:443 NAT weight 3 thresholds 10-100 of TCP 192.0.2.1:443",
		"update destination 10.0.1.1:0 TUN weight 1 of FWM 7 IPv4",
	}
	if diff := cmp.Diff(want, ops(got)); diff != "" {
		t.Errorf("restoring changes (-want +got):\n%s", diff)
	}
	checkKernel(t, c, table)

	// Settings change in place, the engine comes off, a destination goes.
	table[1].PEName, table[1].Timeout = "", 0
	table[0].Scheduler = "sed"
	table[3].Destinations = table[3].Destinations[1:]
	got, err = NewReconciler(c).Reconcile(table)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("update made %d changes, want 3: %v", len(got), ops(got))
	}
	checkKernel(t, c, table)
}

func TestVMOwnership(t *testing.T) {
	c := vmConn(t)
	run(t, "ipvsadm", "-A", "-t", "198.51.100.1:22", "-s", "rr")
	table := Table{{ServiceKey: ServiceKey{Protocol: TCP, Addr: addr("192.0.2.10"), Port: 80}, Scheduler: "rr"}}
	r := NewReconciler(c)
	if _, err := r.Reconcile(table); err != nil {
		t.Fatal(err)
	}
	got, err := r.Reconcile(nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"delete service TCP 192.0.2.10:80"}, ops(got)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if out := run(t, "ipvsadm", "-Sn"); strings.TrimSpace(out) != "-A -t 198.51.100.1:22 -s rr" {
		t.Errorf("foreign service not left alone: %q", out)
	}
}

func TestVMErrors(t *testing.T) {
	c := vmConn(t)
	k := ServiceKey{Protocol: TCP, Addr: addr("192.0.2.20"), Port: 80}
	if err := c.DeleteService(k); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("DeleteService of a missing service: %v", err)
	}
	if err := c.CreateService(Service{ServiceKey: k, Scheduler: "no-such-sched"}); err == nil {
		t.Error("CreateService with an unknown scheduler succeeded")
	}
}

func TestVMSyncDaemon(t *testing.T) {
	c := vmConn(t)
	const link = "kgvm-sync0"
	run(t, "ip", "link", "add", link, "type", "dummy")
	t.Cleanup(func() { exec.Command("ip", "link", "del", link).Run() })
	run(t, "ip", "link", "set", link, "multicast", "on", "up")

	master := SyncDaemon{State: SyncMaster, Interface: link, SyncID: 5, MaxLen: 1400, Group: addr("239.1.2.3"), Port: 9000, TTL: 2}
	backup := SyncDaemon{State: SyncBackup, Interface: link, SyncID: 6}
	for _, d := range []SyncDaemon{master, backup} {
		if err := c.StartSyncDaemon(d); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		c.StopSyncDaemon(SyncMaster)
		c.StopSyncDaemon(SyncBackup)
	})
	ds, err := c.SyncDaemons()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ds, func(a, b SyncDaemon) int { return int(a.State) - int(b.State) })
	if len(ds) != 2 {
		t.Fatalf("SyncDaemons = %+v, want a master and a backup", ds)
	}
	if diff := cmp.Diff(master, ds[0], addrCmp); diff != "" {
		t.Errorf("master (-want +got):\n%s", diff)
	}
	if ds[1].State != SyncBackup || ds[1].Interface != link || ds[1].SyncID != 6 {
		t.Errorf("backup = %+v", ds[1])
	}
	out := run(t, "ipvsadm", "-L", "--daemon")
	for _, want := range []string{"master sync daemon (mcast=" + link + ", syncid=5, maxlen=1400, group=239.1.2.3, port=9000, ttl=2)", "backup sync daemon (mcast=" + link + ", syncid=6"} {
		if !strings.Contains(out, want) {
			t.Errorf("ipvsadm -L --daemon lacks %q:\n%s", want, out)
		}
	}

	if err := c.StopSyncDaemon(SyncMaster); err != nil {
		t.Fatal(err)
	}
	if ds, err := c.SyncDaemons(); err != nil || len(ds) != 1 || ds[0].State != SyncBackup {
		t.Errorf("after stopping the master: %+v, %v", ds, err)
	}
	if err := c.StopSyncDaemon(SyncBackup); err != nil {
		t.Fatal(err)
	}
	if ds, err := c.SyncDaemons(); err != nil || len(ds) != 0 {
		t.Errorf("after stopping both: %+v, %v", ds, err)
	}
}

func TestVMTimeouts(t *testing.T) {
	c := vmConn(t)
	before, err := c.Timeouts()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.SetTimeouts(before) })
	if err := c.SetTimeouts(Timeouts{UDP: 42}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Timeouts()
	want := before
	want.UDP = 42
	if err != nil || got != want {
		t.Errorf("Timeouts = %+v, %v; want %+v", got, err, want)
	}
	out := run(t, "ipvsadm", "-L", "--timeout")
	if !strings.Contains(out, fmt.Sprintf("Timeout (tcp tcpfin udp): %d %d 42", before.TCP, before.TCPFin)) {
		t.Errorf("ipvsadm -L --timeout: %s", out)
	}
}

func TestVMFlushAndZero(t *testing.T) {
	c := vmConn(t)
	table := Table{
		{ServiceKey: ServiceKey{Protocol: TCP, Addr: addr("127.0.0.1"), Port: 8081}, Scheduler: "rr",
			Destinations: []Destination{{Addr: addr("127.0.0.1"), Port: 8082, Forward: Local, Weight: 1}}},
		{ServiceKey: ServiceKey{FWMark: 9}, Scheduler: "rr"},
	}
	if _, err := Reconcile(c, table, nil); err != nil {
		t.Fatal(err)
	}
	key := table[0].ServiceKey
	if err := c.Zero(&key); err != nil {
		t.Fatal(err)
	}
	if err := c.Zero(nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if ss, err := c.Services(); err != nil || len(ss) != 0 {
		t.Errorf("after Flush: %v, %v", ss, err)
	}
	if out := run(t, "ipvsadm", "-Sn"); strings.TrimSpace(out) != "" {
		t.Errorf("ipvsadm after Flush: %q", out)
	}
}

// TestVMServiceOne reads services one by one (the rolling drift check's
// read): each equals what the whole-table read returns, persistence
// engine and destinations included, and an absent one is reported absent.
func TestVMServiceOne(t *testing.T) {
	c := vmConn(t)
	table := Table{
		{
			ServiceKey: ServiceKey{Protocol: UDP, Addr: addr("192.0.2.2"), Port: 5060},
			Scheduler:  "rr", Flags: OnePacket, Timeout: 60, PEName: "sip",
			Destinations: []Destination{{Addr: addr("10.0.0.3"), Port: 5060, Forward: NAT, Weight: 1}},
		},
		{
			ServiceKey: ServiceKey{FWMark: 8, Family: IPv6},
			Scheduler:  "sh", Flags: SHPort, Timeout: 120, Granularity: 64,
			Destinations: []Destination{{Addr: addr("2001:db8:1::1"), Forward: DR, Weight: 2}},
		},
		{
			ServiceKey: ServiceKey{Protocol: TCP, Addr: addr("2001:db8::80"), Port: 80},
			Scheduler:  "wlc",
			Destinations: []Destination{
				{Addr: addr("2001:db8:2::1"), Port: 8080, Forward: NAT, Weight: 1},
				{Addr: addr("2001:db8:2::2"), Port: 80, Forward: DR, Weight: 0},
			},
		},
	}
	reconcileTwice(t, c, table)
	all, err := c.Services()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range sortTable(all) {
		got, ok, err := c.Service(want.ServiceKey)
		if err != nil || !ok {
			t.Fatalf("Service(%s) = ok %v, err %v", want.ServiceKey, ok, err)
		}
		if diff := cmp.Diff(sortTable([]Service{want}), sortTable([]Service{got}), addrCmp); diff != "" {
			t.Errorf("Service(%s) (-whole table +one):\n%s", want.ServiceKey, diff)
		}
	}
	for _, k := range []ServiceKey{
		{Protocol: TCP, Addr: addr("192.0.2.99"), Port: 80},
		{FWMark: 99, Family: IPv4},
	} {
		if _, ok, err := c.Service(k); ok || err != nil {
			t.Errorf("Service(%s) of an absent service = ok %v, err %v", k, ok, err)
		}
	}
}
