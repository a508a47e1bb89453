package vrrpside

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dsas/keepalived-go/vrrp/track"
)

// TestTrackFileDir: a file, or a missing file in an existing directory,
// can be watched; a file in a missing directory cannot.
func TestTrackFileDir(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{f: true, filepath.Join(dir, "new"): true, filepath.Join(dir, "gone", "f"): false, filepath.Join(f, "x"): false} {
		if got := trackFileDir(path); got != want {
			t.Errorf("trackFileDir(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestInitFileLine is keepalived's fopen_safe line for an init_file it
// cannot write.
func TestInitFileLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone", "f")
	err := track.InitFile(path, 0)
	want := "Unable to open '" + path + "' - errno 2 (No such file or directory)"
	if got := initFileLine(path, err); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
