package parser

import (
	"os"
	"syscall"
)

// fileOwner returns the uid and gid owning a file (Linux only, as
// keepalived).
func fileOwner(st os.FileInfo) (int, int) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), int(s.Gid)
	}
	return -1, -1
}
