package vrrphost

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLinkbeat reads flags and carrier as keepalived's polling does and
// reports each change once.
func TestLinkbeat(t *testing.T) {
	dir := t.TempDir()
	old := sysNet
	sysNet = dir + "/"
	t.Cleanup(func() { sysNet = old })
	set := func(flags, carrier string) {
		os.MkdirAll(filepath.Join(dir, "eth0"), 0o755)
		os.WriteFile(filepath.Join(dir, "eth0", "flags"), []byte(flags+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "eth0", "carrier"), []byte(carrier+"\n"), 0o644)
	}
	set("0x1003", "1")
	if !LinkbeatUp("eth0") || LinkbeatUp("nope") {
		t.Fatal("up interface read down, or a missing one up")
	}
	changes := make(chan bool, 4)
	lb := StartLinkbeat([]string{"eth0"}, 5*time.Millisecond, func(_ string, up bool) { changes <- up })
	defer lb.Stop()
	set("0x1003", "0")
	if up := <-changes; up {
		t.Fatal("carrier lost reported up")
	}
	set("0x1002", "1")
	set("0x1003", "1")
	if up := <-changes; !up {
		t.Fatal("carrier back reported down")
	}
}
