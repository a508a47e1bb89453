package apply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modprobe.d as modprobe reads it: /etc hides a same-named file in /lib,
// files go in name order, options accumulate with MODULES' last, names
// match with '-' as '_', backslash continues a line; an install command
// refuses the module.
func TestModprobeConf(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib/modprobe.d/bonding.conf", "options bonding max_bonds=4\n")
	write("etc/modprobe.d/bonding.conf", "# ours\noptions bonding max_bonds=0 \\\n  tx_queues=8\n")
	write("lib/modprobe.d/a-dummy.conf", "options dummy numdummies=1\n")
	write("etc/modprobe.d/z-dummy.conf", "options dummy numdummies=2\nblacklist pcspkr\n")
	write("etc/modprobe.d/off.conf", "alias foo bar\ninstall ip-vs /bin/false\n")
	write("etc/modprobe.d/notes.txt", "options dummy ignored=1\n")
	c, err := readModprobeConf(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"bonding", []string{"miimon=100"}, "max_bonds=0 tx_queues=8 miimon=100"},
		{"dummy", []string{"numdummies=3"}, "numdummies=1 numdummies=2 numdummies=3"},
		{"8021q", nil, ""},
	} {
		if got, err := c.params(tc.name, tc.extra); err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := c.params("ip_vs", nil); err == nil || !strings.Contains(err.Error(), "off.conf:2") {
		t.Errorf("install line: %v", err)
	}
}
