// Package statefile writes keepalived's signal-triggered state files in
// keepalived 2.2.7's formats: the SIGUSR1 data file (/tmp/keepalived.data),
// the SIGUSR2 stats file (/tmp/keepalived.stats) and the JSON file
// (/tmp/keepalived.json, SIGRTMIN+2 = `keepalived --signum=JSON`). The
// formats are close enough that mehdy/keepalived-exporter (data + stats or
// JSON) and gen2brain/keepalived_exporter (JSON) parse them unchanged; the
// tests apply those exporters' parsing rules to our output.
//
// The data file carries what keepalived-go knows: the VRRP topology,
// sync groups and vrrp_scripts, and a short global section. Lines that
// describe keepalived internals we do not have (socket fds, the socket
// pool, interface table, SNMP/DBus settings, read timeouts) are left out
// rather than invented.
//
// Files go to $TMPDIR when it is an absolute path, else /tmp, like
// keepalived's set_tmp_dir, with keepalived's mode 0600. Each is written to
// a hidden temporary file and renamed into place, so an exporter reading
// right after its signal never sees half a file, and a symlink planted at the
// path is replaced rather than followed.
//
// How to wire: w := statefile.New(src) with the daemon's status.Sources;
// in the signal loop call w.WriteData() on SIGUSR1, w.WriteStats() on
// SIGUSR2 and w.WriteJSON() on SIGRTMIN+2 (signal 36 with glibc: gen2brain's
// exporter hard-codes 32+4), synchronously (gen2brain reads 100 ms after
// signalling), logging the returned error. A process without a VRRP side
// (-C) writes nothing, as keepalived's checker process writes none of these.
package statefile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dsas/keepalived-go/status"
)

// File names inside the directory, as keepalived names them.
const (
	DataName  = "keepalived.data"
	StatsName = "keepalived.stats"
	JSONName  = "keepalived.json"
)

// Writer writes the three files from a status snapshot.
type Writer struct {
	src status.Sources
	dir string
	now func() time.Time
	loc *time.Location
}

// Option tunes a Writer.
type Option func(*Writer)

// WithDir writes into dir instead of $TMPDIR or /tmp.
func WithDir(dir string) Option { return func(w *Writer) { w.dir = dir } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(w *Writer) { w.now = now } }

// WithLocation sets the zone of the human-readable times (default Local,
// as keepalived's ctime).
func WithLocation(loc *time.Location) Option { return func(w *Writer) { w.loc = loc } }

// New returns a Writer over src.
func New(src status.Sources, opts ...Option) *Writer {
	w := &Writer{src: src, dir: TmpDir(), now: time.Now, loc: time.Local}
	for _, o := range opts {
		o(w)
	}
	return w
}

// TmpDir is keepalived's tmp_dir: $TMPDIR if absolute, else /tmp.
func TmpDir() string {
	if d := os.Getenv("TMPDIR"); filepath.IsAbs(d) {
		return d
	}
	return "/tmp"
}

// WriteData writes keepalived.data and returns its path.
func (w *Writer) WriteData() (string, error) {
	var b bytes.Buffer
	FormatData(&b, w.src, w.loc)
	return w.write(DataName, b.Bytes())
}

// WriteStats writes keepalived.stats and returns its path.
func (w *Writer) WriteStats() (string, error) {
	var b bytes.Buffer
	FormatStats(&b, w.src)
	return w.write(StatsName, b.Bytes())
}

// WriteJSON writes keepalived.json and returns its path. Like keepalived,
// it writes nothing when there are no VRRP instances.
func (w *Writer) WriteJSON() (string, error) {
	if len(status.Instances(w.src.VRRP)) == 0 {
		return "", nil
	}
	var b bytes.Buffer
	if err := FormatJSON(&b, w.src); err != nil {
		return "", fmt.Errorf("statefile %s: %w", JSONName, err)
	}
	return w.write(JSONName, b.Bytes())
}

func (w *Writer) write(name string, data []byte) (string, error) {
	path := filepath.Join(w.dir, name)
	// The leading dot keeps the temporary out of gen2brain's
	// /tmp/keepalived.json* clean-up glob.
	f, err := os.CreateTemp(w.dir, "."+name+".*")
	if err != nil {
		return "", fmt.Errorf("statefile %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("statefile %s: %w", path, err)
	}
	return path, nil
}
