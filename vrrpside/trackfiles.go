package vrrpside

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/internal/strerror"
	"github.com/dsas/keepalived-go/vrrp/track"
)

// trackFileDir reports whether a track file, or the directory it would
// be made in, exists: keepalived's init_track_files removes a file it can
// watch neither way.
func trackFileDir(path string) bool {
	if _, err := os.Stat(path); err == nil {
		return true
	} else if !errors.Is(err, os.ErrNotExist) {
		return false
	}
	st, err := os.Stat(filepath.Dir(path))
	return err == nil && st.IsDir()
}

// initTrackFiles writes the init_file values of the missing track files,
// as keepalived does when it reads its configuration (tracked or not),
// with keepalived's two lines when one cannot be written.
func initTrackFiles(cfg *config.Config, log *slog.Logger) {
	for _, f := range cfg.VRRP.Files {
		if !f.Init {
			continue
		}
		if err := track.InitFile(f.Path, f.InitValue); err != nil {
			log.Warn(initFileLine(f.Path, err))
			log.Warn(fmt.Sprintf("Unable to initialise track file %s", f.Name))
		}
	}
}

// initFileLine is keepalived's fopen_safe line for a file it cannot open.
func initFileLine(path string, err error) string {
	var errno syscall.Errno
	n := 0
	if errors.As(err, &errno) {
		n = int(errno)
	}
	return fmt.Sprintf("Unable to open '%s' - errno %d (%s)", path, n, strerror.Text(err))
}
