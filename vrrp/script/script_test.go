package script

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "args")
	tests := []struct {
		name     string
		argv     []string
		timeout  time.Duration
		wantOK   bool
		wantCode int
		wantErr  error
	}{
		{"true", []string{"/bin/true"}, 0, true, 0, nil},
		{"false", []string{"/bin/false"}, 0, false, 1, nil},
		{"exit 3", []string{"/bin/sh", "-c", "exit 3"}, 0, false, 3, nil},
		{"no shell: metacharacters are literal", []string{"/bin/echo", "a", "&&", "exit", "1"}, 0, true, 0, nil},
		{"missing", []string{filepath.Join(dir, "nope")}, 0, false, -1, nil},
		{"timeout", []string{"/bin/sleep", "30"}, 50 * time.Millisecond, false, -1, ErrTimeout},
		{"timeout ignores TERM", []string{"/bin/sh", "-c", "trap '' TERM; sleep 30"}, 50 * time.Millisecond, false, -1, ErrTimeout},
		{"argv passed through", []string{"/bin/sh", "-c", `printf '%s|' "$@" > "$0"`, marker, "x y", "$HOME"}, 0, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(context.Background(), tt.argv, tt.timeout)
			if r.OK() != tt.wantOK || r.ExitCode != tt.wantCode {
				t.Fatalf("got %+v", r)
			}
			if tt.wantErr != nil && !errors.Is(r.Err, tt.wantErr) {
				t.Fatalf("err %v, want %v", r.Err, tt.wantErr)
			}
		})
	}
	b, err := os.ReadFile(marker)
	if err != nil || string(b) != "x y|$HOME|" {
		t.Fatalf("argv arrived as %q (%v)", b, err)
	}
}
