package vrrpdbus

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/dsas/keepalived-go/vrrp"
)

func TestPaths(t *testing.T) {
	for _, c := range []struct {
		ns, inst string
		st       vrrp.InstanceStatus
		want     string
	}{
		{"", "", vrrp.InstanceStatus{Interface: "eth0", VRID: 51}, "/org/keepalived/Vrrp1/Instance/eth0/51/IPv4"},
		{"", "", vrrp.InstanceStatus{Interface: "eth0.10", VRID: 7, IPv6: true}, "/org/keepalived/Vrrp1/Instance/eth0_10/7/IPv6"},
		{"", "", vrrp.InstanceStatus{VRID: 9}, "/org/keepalived/Vrrp1/Instance/none/9/IPv4"},
		{"blue", "lb-1", vrrp.InstanceStatus{Interface: "bond0", VRID: 1}, "/org/keepalived/Vrrp1/blue/lb-1/Instance/bond0/1/IPv4"},
	} {
		if got := instancePath(prefix(c.ns, c.inst), c.st); got != c.want {
			t.Errorf("instancePath(%q, %q, %+v) = %s, want %s", c.ns, c.inst, c.st, got, c.want)
		}
	}
	for st, want := range map[vrrp.State]uint32{vrrp.StateInit: 0, vrrp.StateBackup: 1, vrrp.StateMaster: 2, vrrp.StateFault: 3, vrrp.StateDeleted: 97, vrrp.StateStop: 98} {
		if got := stateCode(st); got != want {
			t.Errorf("stateCode(%v) = %d, want %d", st, got, want)
		}
	}
}

// privateBus starts a dbus-daemon of its own on a socket in a temporary
// directory, allowing everything, and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon missing (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>test</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fakeDaemon is the daemon side the service reads.
type fakeDaemon struct {
	mu    sync.Mutex
	insts []vrrp.InstanceStatus
	calls []string
}

func (f *fakeDaemon) Instances() []vrrp.InstanceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]vrrp.InstanceStatus(nil), f.insts...)
}

func (f *fakeDaemon) record(name string) func() {
	return func() { f.mu.Lock(); f.calls = append(f.calls, name); f.mu.Unlock() }
}

// TestServiceLifecycle: the signals of a start, a transition, a reload
// that adds and removes an instance, and a stop, in keepalived's order;
// properties and methods in between. The status travels as a uint32
// ("@u" in GVariant text), as keepalived sends it.
func TestServiceLifecycle(t *testing.T) {
	addr := privateBus(t)
	client := connect(t, addr)
	defer client.Close()
	if err := client.AddMatchSignal(dbus.WithMatchPathNamespace("/org/keepalived")); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 64)
	client.Signal(sigs)

	fd := &fakeDaemon{insts: []vrrp.InstanceStatus{
		{Name: "VI_1", Interface: "eth0", VRID: 51, State: vrrp.StateBackup},
		{Name: "VI_6", Interface: "eth0", VRID: 52, IPv6: true, State: vrrp.StateBackup},
	}}
	s := New(Options{Instances: fd.Instances, PrintData: fd.record("data"), PrintStats: fd.record("stats"),
		PrintStatsClear: fd.record("clear"), ReloadConfig: fd.record("reload")})
	if err := s.Start(connect(t, addr)); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		t.Helper()
		sig := <-sigs
		out := string(sig.Path) + " " + sig.Name[strings.LastIndexByte(sig.Name, '.')+1:]
		for _, b := range sig.Body {
			out += " " + strings.TrimSpace(dbus.MakeVariant(b).String())
		}
		return out
	}
	expect := func(want ...string) {
		t.Helper()
		for _, w := range want {
			if got := next(); got != w {
				t.Fatalf("signal %q, want %q", got, w)
			}
		}
	}
	const i4, i6 = "/org/keepalived/Vrrp1/Instance/eth0/51/IPv4", "/org/keepalived/Vrrp1/Instance/eth0/52/IPv6"
	expect("/org/keepalived/Vrrp1/Vrrp VrrpStarted", i4+" VrrpStatusChange @u 1", i6+" VrrpStatusChange @u 1")

	obj := client.Object(DefaultService, i4)
	var name struct{ S string }
	if err := obj.Call("org.freedesktop.DBus.Properties.Get", 0, ifaceInstance, "Name").Store(&name); err != nil || name.S != "VI_1" {
		t.Errorf("Name = %+v, %v", name, err)
	}
	v, err := obj.GetProperty(ifaceInstance + ".State")
	if err != nil || v.Signature().String() != "(us)" || v.String() != `@(us) [1, "Backup"]` {
		t.Errorf("State = %s %s, %v", v.Signature(), v, err)
	}
	vrrpObj := client.Object(DefaultService, "/org/keepalived/Vrrp1/Vrrp")
	for _, m := range []string{"PrintData", "PrintStats", "PrintStatsClear", "ReloadConfig"} {
		if err := vrrpObj.Call(ifaceVrrp+"."+m, 0).Err; err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	fd.mu.Lock()
	got := strings.Join(fd.calls, " ")
	fd.mu.Unlock()
	if got != "data stats clear reload" {
		t.Errorf("methods ran %q", got)
	}

	s.Notify(vrrp.Event{Kind: vrrp.EventState, Name: "VI_1", State: vrrp.StateMaster})
	s.Notify(vrrp.Event{Kind: vrrp.EventState, Group: true, Name: "G", State: vrrp.StateMaster}) // no signal
	expect(i4 + " VrrpStatusChange @u 2")

	fd.mu.Lock()
	fd.insts = []vrrp.InstanceStatus{{Name: "VI_2", Interface: "eth1", VRID: 60, State: vrrp.StateInit}}
	fd.mu.Unlock()
	s.Reloaded()
	expect("/org/keepalived/Vrrp1/Vrrp VrrpReloaded")
	if err := obj.Call("org.freedesktop.DBus.Properties.Get", 0, ifaceInstance, "Name").Err; err == nil ||
		!strings.Contains(err.Error(), "Instance 'eth0/51/IPv4' not found") {
		t.Errorf("removed instance: %v", err)
	}
	var name2 struct{ S string }
	if err := client.Object(DefaultService, "/org/keepalived/Vrrp1/Instance/eth1/60/IPv4").
		Call("org.freedesktop.DBus.Properties.Get", 0, ifaceInstance, "Name").Store(&name2); err != nil || name2.S != "VI_2" {
		t.Errorf("added instance: %+v, %v", name2, err)
	}

	s.Notify(vrrp.Event{Kind: vrrp.EventState, Name: "VI_2", State: vrrp.StateStop})
	s.Stop()
	expect("/org/keepalived/Vrrp1/Instance/eth1/60/IPv4 VrrpStatusChange @u 98", "/org/keepalived/Vrrp1/Vrrp VrrpStopped")
}

// TestServiceNameAndPrefix: dbus_service_name names the service, and
// net_namespace and instance become path components, as in keepalived.
func TestServiceNameAndPrefix(t *testing.T) {
	addr := privateBus(t)
	client := connect(t, addr)
	defer client.Close()
	fd := &fakeDaemon{insts: []vrrp.InstanceStatus{{Name: "VI_1", Interface: "eth0", VRID: 51, State: vrrp.StateMaster}}}
	s := New(Options{Service: "org.example.Lb1", Namespace: "blue", Instance: "lb1", Instances: fd.Instances})
	if err := s.Start(connect(t, addr)); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	v, err := client.Object("org.example.Lb1", "/org/keepalived/Vrrp1/blue/lb1/Instance/eth0/51/IPv4").
		GetProperty(ifaceInstance + ".State")
	if err != nil || v.String() != `@(us) [2, "Master"]` {
		t.Errorf("State = %v, %v", v, err)
	}
	var xml string
	if err := client.Object("org.example.Lb1", "/org/keepalived/Vrrp1/blue").
		Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xml); err != nil || !strings.Contains(xml, `<node name="lb1"/>`) {
		t.Errorf("introspection of /org/keepalived/Vrrp1/blue = %q, %v", xml, err)
	}
	// A second daemon with the same name is refused, not queued.
	if err := New(Options{Service: "org.example.Lb1", Instances: fd.Instances}).Start(connect(t, addr)); err == nil {
		t.Error("a second owner of org.example.Lb1 was accepted")
	}
}
