package status

import (
	"runtime/debug"
	"strings"
)

// BuildVersion names this build for operators: the module version, or the
// VCS revision (and "+dirty") that `go build` stamped when the module has
// none. keepalivectl and the daemon both print it, so a mismatch after an
// upgrade shows.
func BuildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "keepalived-go (unknown build)"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		v = rev[:min(12, len(rev))] + dirty
	}
	if v == "" {
		v = "(devel)"
	}
	return strings.TrimSpace("keepalived-go " + v + " " + bi.GoVersion)
}
