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
// SIGUSR2, w.WriteJSON() on SIGRTMIN+2 (signal 36 with glibc: gen2brain's
// exporter hard-codes 32+4) and w.WriteStatsClear() on STATS_CLEAR
// (signal 63), synchronously (gen2brain reads 100 ms after
// signalling), logging the returned error. A process without a VRRP side
// (-C) writes nothing, as keepalived's checker process writes none of these.
package statefile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
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
	loc *time.Location
	// host, when set, gives the data file's host sections.
	host func() Host
	// check, when set, gives the checker side's file.
	check func() (*config.Config, map[string]check.ServiceStatus)
	// bfd, when set, gives the BFD side's file.
	bfd func() (*config.Config, BFDDump)
	// dataName, when set, renames the data dumps (data_use_instance).
	dataName func(string) string

	// base holds, per instance, the counters at the last STATS_CLEAR:
	// keepalived zeroes its counters then, but the engine's are the
	// metrics' monotonic counters and must not move backwards, so the
	// files subtract a baseline instead.
	mu   sync.Mutex
	base map[string]vrrp.Stats
}

// Option tunes a Writer.
type Option func(*Writer)

// WithDir writes into dir instead of $TMPDIR or /tmp.
func WithDir(dir string) Option { return func(w *Writer) { w.dir = dir } }

// WithHost adds keepalived's host sections to the data file (global
// definitions, socket pool, interfaces), read at each dump.
func WithHost(h func() Host) Option { return func(w *Writer) { w.host = h } }

// WithCheck adds the checker side's file, keepalived_check.data, from the
// running configuration and the checker engine's state by virtual server.
func WithCheck(c func() (*config.Config, map[string]check.ServiceStatus)) Option {
	return func(w *Writer) { w.check = c }
}

// WithDataName renames keepalived.data and keepalived_check.data at each
// dump (keepalived's open_dump_file; the stats and JSON files keep their
// names). See DataUseInstanceName.
func WithDataName(f func(name string) string) Option { return func(w *Writer) { w.dataName = f } }

// DataUseInstanceName is keepalived's data_use_instance file name: with a
// network namespace and/or an instance name, `keepalived.data` becomes
// `keepalived.NS_INST.data` (`keepalived.NS.data`, `keepalived.INST.data`).
func DataUseInstanceName(name, netns, instance string) string {
	if netns == "" && instance == "" {
		return name
	}
	sep := ""
	if netns != "" && instance != "" {
		sep = "_"
	}
	ext := filepath.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + netns + sep + instance + ext
}

// WithLocation sets the zone of the human-readable times (default Local,
// as keepalived's ctime).
func WithLocation(loc *time.Location) Option { return func(w *Writer) { w.loc = loc } }

// New returns a Writer over src.
func New(src status.Sources, opts ...Option) *Writer {
	w := &Writer{src: src, dir: TmpDir(), loc: time.Local}
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

// WriteData writes keepalived.data and returns its path. Without a VRRP
// side it writes nothing and returns "", as a keepalived without a VRRP
// process does.
func (w *Writer) WriteData() (string, error) {
	if w.src.VRRP == nil {
		return "", nil
	}
	var b bytes.Buffer
	var h Host
	if w.host != nil {
		h = w.host()
	}
	FormatDataHost(&b, w.src, w.loc, h)
	return w.write(w.dumpName(DataName), b.Bytes())
}

// WriteCheckData writes keepalived_check.data and returns its path; ""
// when there is no checker side (no virtual_server block, or -P), as
// keepalived runs no checker process then.
func (w *Writer) WriteCheckData() (string, error) {
	if w.check == nil {
		return "", nil
	}
	cfg, health := w.check()
	if cfg == nil || (len(cfg.LVS.VirtualServers) == 0 && !cfg.LVS.HaveCheckerConfig) {
		return "", nil
	}
	var b bytes.Buffer
	FormatCheckData(&b, cfg, health)
	return w.write(w.dumpName(CheckName), b.Bytes())
}

func (w *Writer) dumpName(name string) string {
	if w.dataName == nil {
		return name
	}
	return w.dataName(name)
}

// WriteStats writes keepalived.stats and returns its path ("" without a
// VRRP side).
func (w *Writer) WriteStats() (string, error) { return w.writeStats(false) }

// WriteStatsClear is keepalived's STATS_CLEAR signal: the stats file, then
// every counter the stats and JSON files show starts again from zero.
// Prometheus counters are not affected.
func (w *Writer) WriteStatsClear() (string, error) { return w.writeStats(true) }

func (w *Writer) writeStats(clear bool) (string, error) {
	if w.src.VRRP == nil {
		return "", nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// One snapshot serves the file and the new baseline, so no advert
	// counted between the two is lost.
	raw := w.src.VRRP.Status()
	var b bytes.Buffer
	FormatStats(&b, w.sinceBase(raw, w.base))
	path, err := w.write(StatsName, b.Bytes())
	if clear {
		base := make(map[string]vrrp.Stats, len(raw))
		for _, in := range raw {
			base[in.Name] = in.Stats
		}
		w.base = base // replaced, never mutated: readers may hold the old one
	}
	return path, err
}

// sinceBase returns the sources answering with the snapshot raw, its
// counters counted from the baseline base (nil: since start).
func (w *Writer) sinceBase(raw []vrrp.InstanceStatus, base map[string]vrrp.Stats) status.Sources {
	st := slices.Clone(raw) // the source may hand out its own slice
	for i := range st {
		if b, ok := base[st[i].Name]; ok {
			st[i].Stats = subStats(st[i].Stats, b)
		}
	}
	src := w.src
	src.VRRP = status.VRRPFuncs{
		ConfigFunc: w.src.VRRP.Config,
		StatusFunc: func() []vrrp.InstanceStatus { return st },
	}
	return src
}

// subStats is a - b field by field, clamped at zero (a reload may have
// recreated an instance with fresh counters).
func subStats(a, b vrrp.Stats) vrrp.Stats {
	sub := func(x, y uint64) uint64 {
		if x < y {
			return x
		}
		return x - y
	}
	return vrrp.Stats{
		AdvertRcvd: sub(a.AdvertRcvd, b.AdvertRcvd), AdvertSent: sub(a.AdvertSent, b.AdvertSent),
		BecomeMaster: sub(a.BecomeMaster, b.BecomeMaster), ReleaseMaster: sub(a.ReleaseMaster, b.ReleaseMaster),
		PacketLenErr: sub(a.PacketLenErr, b.PacketLenErr), AdvertIntervalErr: sub(a.AdvertIntervalErr, b.AdvertIntervalErr),
		IPTTLErr: sub(a.IPTTLErr, b.IPTTLErr), InvalidTypeRcvd: sub(a.InvalidTypeRcvd, b.InvalidTypeRcvd),
		AddrListErr: sub(a.AddrListErr, b.AddrListErr), InvalidAuthType: sub(a.InvalidAuthType, b.InvalidAuthType),
		AuthTypeMismatch: sub(a.AuthTypeMismatch, b.AuthTypeMismatch), AuthFailure: sub(a.AuthFailure, b.AuthFailure),
		PriZeroRcvd: sub(a.PriZeroRcvd, b.PriZeroRcvd), PriZeroSent: sub(a.PriZeroSent, b.PriZeroSent),
		ChecksumErr: sub(a.ChecksumErr, b.ChecksumErr), VersionErr: sub(a.VersionErr, b.VersionErr),
		OtherErr: sub(a.OtherErr, b.OtherErr), GARPSent: sub(a.GARPSent, b.GARPSent), SendErr: sub(a.SendErr, b.SendErr),
	}
}

// WriteJSON writes keepalived.json and returns its path. Like keepalived,
// it writes nothing when there are no VRRP instances.
func (w *Writer) WriteJSON() (string, error) {
	if w.src.VRRP == nil {
		return "", nil
	}
	raw := w.src.VRRP.Status()
	if len(raw) == 0 {
		return "", nil
	}
	w.mu.Lock()
	base := w.base
	w.mu.Unlock()
	var b bytes.Buffer
	if err := FormatJSON(&b, w.sinceBase(raw, base)); err != nil {
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
