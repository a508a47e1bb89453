package apply

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestModuleDB(t *testing.T) {
	dir := t.TempDir()
	dep := "kernel/net/8021q/8021q.ko: kernel/net/802/mrp.ko kernel/net/802/garp.ko kernel/net/802/stp.ko kernel/net/llc/llc.ko\n" +
		"kernel/net/802/garp.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko\n" +
		"kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz:\n" +
		"kernel/drivers/net/ip-vs-x.ko.zst:\n"
	if err := os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/drivers/net/bonding/bonding.ko\nkernel/net/ipv6/ipv6.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := readModuleDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := db.deps["8021q"], []string{"mrp", "garp", "stp", "llc"}; !reflect.DeepEqual(got, want) {
		t.Errorf("8021q deps %q, want %q", got, want)
	}
	for name, file := range map[string]string{
		"e1000e":  "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz",
		"ip_vs_x": "kernel/drivers/net/ip-vs-x.ko.zst",
		"garp":    "kernel/net/802/garp.ko",
	} {
		if db.path[name] != file {
			t.Errorf("%s: %q, want %q", name, db.path[name], file)
		}
	}
	if !db.builtin["bonding"] || !db.builtin["ipv6"] || db.builtin["garp"] {
		t.Errorf("builtin %v", db.builtin)
	}
	if modName("ip-vs-x") != "ip_vs_x" {
		t.Error("- and _ are the same in module names")
	}
}
