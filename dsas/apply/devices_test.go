package apply

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestApplyDevices swaps on and mounts real block devices: two loop devices
// over scratch files, one made a swap area, one an ext2 file system. The
// apply runs in a child process in a private mount namespace (unshare -m),
// so the mount never shows on the machine and goes away with the child;
// swap is not namespaced, so the parent swaps it off in its cleanup.
func TestApplyDevices(t *testing.T) {
	if cfg := os.Getenv("DSAS_DEVICES_CHILD"); cfg != "" {
		devicesChild(t, cfg)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for loop devices, swap and mounts")
	}
	tools := map[string]string{}
	for _, name := range []string{"losetup", "mkswap", "mkfs.ext2", "unshare", "swapoff"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("no %s(8)", name)
		}
		tools[name] = p
	}
	dir := t.TempDir()
	loop := func(name string, mkfs ...string) string {
		img := filepath.Join(dir, name)
		if err := os.WriteFile(img, make([]byte, 4<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(mkfs[0], append(mkfs[1:], img)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", mkfs[0], err, out)
		}
		out, err := exec.Command(tools["losetup"], "--find", "--show", img).Output()
		if err != nil {
			t.Skipf("no loop device: %v", err)
		}
		dev := strings.TrimSpace(string(out))
		t.Cleanup(func() { _ = exec.Command(tools["losetup"], "-d", dev).Run() })
		return dev
	}
	swap := loop("swap.img", tools["mkswap"])
	// Registered after the loop cleanup, so it runs first.
	t.Cleanup(func() { _ = exec.Command(tools["swapoff"], swap).Run() })
	fs := loop("fs.img", tools["mkfs.ext2"], "-q", "-F")
	mnt := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "dsas.conf")
	src := "BTDEVICE=/dev/dsas-init-test-absent\nSWDEVICE=" + swap + "\nDBDEVICE=\nFSDEVICE=" + fs + "\nFSMOUNT=" + mnt + "\n"
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tools["unshare"], "-m", "--propagation", "private", "--", os.Args[0], "-test.run=^TestApplyDevices$", "-test.v")
	cmd.Env = append(os.Environ(), "DSAS_DEVICES_CHILD="+cfg, "DSAS_DEVICES_EXPECT="+swap+" "+fs+" "+mnt)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	// The mount lived only in the child's mount namespace.
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); bytes.Contains(mi, []byte(mnt)) {
		t.Errorf("%s is mounted outside the child", mnt)
	}
}

func devicesChild(t *testing.T, path string) {
	exp := strings.Fields(os.Getenv("DSAS_DEVICES_EXPECT"))
	swap, fs, mnt := exp[0], exp[1], exp[2]
	n, err := DialNet(0) // read only: the file has no network keys
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	h := &Host{Net: n, Sys: &System{Root: t.TempDir(), KeepHostname: true}}
	cfg := load(t, path)
	steps, notes, err := h.Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.String())
	}
	want := []string{"swap on " + swap, "mount " + fs + " on " + mnt}
	if !slices.Equal(got, want) {
		t.Fatalf("plan %q, want %q", got, want)
	}
	if len(notes) != 1 || string(notes[0]) != "BTDEVICE=/dev/dsas-init-test-absent: no such device; skipped" {
		t.Errorf("notes %q", notes)
	}
	var log bytes.Buffer
	if err := h.Run(steps, &log); err != nil {
		if errors.Is(err, unix.EPERM) {
			t.Skipf("not permitted here (a container?): %v", err)
		}
		t.Fatalf("%v\n%s", err, log.String())
	}
	swaps, _ := os.ReadFile("/proc/swaps")
	if !bytes.Contains(swaps, []byte(swap+" ")) {
		t.Errorf("/proc/swaps:\n%s", swaps)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if !bytes.Contains(mi, []byte(" "+mnt+" ")) {
		t.Errorf("%s not mounted:\n%s", mnt, mi)
	}
	again, notes, err := h.Plan(cfg)
	if err != nil || len(again) != 0 {
		t.Errorf("second plan (%v): %v", err, again)
	}
	t.Logf("applied:\n%snotes: %q", log.String(), notes)
}
