package bfdrun

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

const keepalived227 = "/usr/sbin/keepalived"

// kaPeer is keepalived 2.2.7's BFD process in a lab host; its state is
// read from its console log.
type kaPeer struct {
	h    *lab.Host
	dir  string
	conf string
	proc *netns.Proc
}

func newKA(t *testing.T, h *lab.Host, conf string) *kaPeer {
	t.Helper()
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat(keepalived227); err != nil {
		t.Skip("keepalived 2.2.7 not installed")
	}
	if out, _ := h.Run(keepalived227, "-v"); regexp.MustCompile(`keepalived-go`).MatchString(out) {
		t.Skip("/usr/sbin/keepalived is keepalived-go")
	}
	dir := t.TempDir()
	k := &kaPeer{h: h, dir: dir, conf: filepath.Join(dir, "keepalived.conf")}
	if err := os.WriteFile(k.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	k.restart(t)
	return k
}

func (k *kaPeer) restart(t *testing.T) {
	t.Helper()
	pid := func(n string) string { return filepath.Join(k.dir, n+".pid") }
	// A killed keepalived leaves its pid files behind, and a restart
	// then believes it is still running.
	for _, n := range []string{"main", "vrrp", "check", "bfd"} {
		os.Remove(pid(n))
	}
	k.proc = k.h.Start(t, keepalived227, "-n", "-l", "-D", "-G", "-f", k.conf,
		"-p", pid("main"), "-r", pid("vrrp"), "-c", pid("check"), "-b", pid("bfd"))
}

// last is the state of the last "(NAME) Entering X state" line.
func (k *kaPeer) last(name string) string {
	re := regexp.MustCompile(`\(` + regexp.QuoteMeta(name) + `\) Entering (\w+) state`)
	m := re.FindAllStringSubmatch(k.proc.Output(), -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

func (k *kaPeer) up(t *testing.T, name string) bool   { return k.last(name) == "Up" }
func (k *kaPeer) down(t *testing.T, name string) bool { return k.last(name) == "Down" }
func (k *kaPeer) kill(t *testing.T) {
	k.proc.Signal(syscall.SIGKILL)
	k.proc.Wait(5 * time.Second)
}

// TestLabKeepalivedInterop runs keepalived-go's BFD against keepalived
// 2.2.7's, IPv4 and IPv6 with keepalived's default TTL / hop limit on
// both sides.
func TestLabKeepalivedInterop(t *testing.T) {
	l := lab.New(t, 2)
	us, them := l.Host(1), l.Host(2)
	conf := fmt.Sprintf(`global_defs {
  router_id kl-bfd
}
bfd_instance v4 {
  neighbor_ip %s
  source_ip %s
  min_rx 50
  min_tx 50
  multiplier 3
}
bfd_instance v6 {
  neighbor_ip %s
  source_ip %s
  min_rx 50
  min_tx 50
  multiplier 3
}
`, us.IPv4.Addr(), them.IPv4.Addr(), us.IPv6.Addr(), them.IPv6.Addr())
	k := newKA(t, them, conf)
	specs := []bfd.Spec{
		spec("v4", them.IPv4.Addr(), us.IPv4.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
		spec("v6", them.IPv6.Addr(), us.IPv6.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
	}
	start := time.Now()
	r, ev := startRunner(t, us, specs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived 2.2.7 log:\n%s", k.proc.Output())
		}
	})
	interop(t, l, us, them, k, r, ev, []string{"v4", "v6"}, 50*time.Millisecond, 150*time.Millisecond, start)
	// keepalived's detection time for us: our mult 4 × max(its min_rx 50,
	// our min_tx 40).
	if !regexp.MustCompile(`Detection time is 200000 us`).MatchString(k.proc.Output()) {
		t.Errorf("keepalived 2.2.7 never settled on a 200 ms detection time for us:\n%s", k.proc.Output())
	}
}
