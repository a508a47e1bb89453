package differential

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

const keepalived = "/usr/sbin/keepalived"

// ciSubset is what CI runs (and `go test` without DIFFERENTIAL=all): one
// or two files for each of VRRPv2 (basic, 018), v3 and IPv6 (v6_vip, 029
// unicast), unicast (unicast_ok, 130), VMAC (vmac, 132), sync groups
// (sync_ok, 025), track and notify scripts (143, 144, 025), trackers
// (track_file_ok), vrrp_strict and its nftables rules (strict_unicast;
// nft_ll_name: link-local VIPs keyed by interface name),
// static addresses, routes and rules (static_addr), virtual routes (100).
// The testdata ones run without the shared corpus too.
var ciSubset = []string{
	"parser/testdata/vrrp/basic.conf",
	"parser/testdata/vrrp/v6_vip.conf",
	"parser/testdata/vrrp/vmac.conf",
	"parser/testdata/vrrp/unicast_ok.conf",
	"parser/testdata/vrrp/sync_ok.conf",
	"parser/testdata/vrrp/static_addr.conf",
	"parser/testdata/vrrp/strict_unicast.conf",
	"parser/testdata/vrrp/track_file_ok.conf",
	"parser/testdata/vrrp/promote_secondaries.conf",
	"parser/testdata/vrrp/nft_ll_name.conf",
	"parser/testdata/vrrp/disable_local_igmp.conf",
	// keepalived -t exits 5: the daemon refuses the file at start
	// (exit 2), or runs it with a BFD session that never comes up.
	"parser/testdata/vrrp/dup_vrid.conf",
	"parser/testdata/vrrp/bfd_ok.conf",
	// Every route attribute and rule selector keepalived installs.
	"parser/testdata/vrrp/routes_rules_attrs.conf",
	// vrrp_rx_bufs_policy MTU × multiplier plus an instance's own
	// kernel_rx_buf_size: the sockpool's Rx buf size in the data dump.
	"parser/testdata/vrrp/rx_bufs.conf",
	"corpus/018-ka-sample-vrrp.conf",
	"corpus/025-ka-sample-vrrp.sync.conf",
	"corpus/029-kadev-1071.conf",
	"corpus/100-private-love-configure_keepalived.conf",
	"corpus/130-shell-repo_keepalived.conf",
	"corpus/132-keepalived-docker.conf",
	"corpus/143-stretch-nfsv4-keepalived.conf",
	"corpus/144-docker_redis_ha_conf.conf",
	// Found by the whole-corpus runs: a multipath and a blackhole route
	// (021), track_bfd on an instance and its group (038), use_ipvlan
	// without ipvlan in the kernel (067), GARP pacing per base interface
	// across VMACs (070), net_namespace (063).
	"corpus/021-ka-sample-vrrp.routes.conf",
	"corpus/038-kadev-1940-play.conf",
	"corpus/063-kadev-n1.conf",
	"corpus/067-kadev-oneb.conf",
	"corpus/070-kadev-rest.conf",
}

// row is one configuration's line of the table.
type row struct {
	name  string
	skip  string
	note  string
	cells map[string]cell
	// views are the normalised lines per aspect, keepalived's then ours.
	views map[string][2][]string
}

func (r *row) judge(allow []allowEntry) { r.judgeCols(aspects, allow) }

// judgeCols judges the columns cols (aspects on the host, lvsAspects in
// the VM).
func (r *row) judgeCols(cols []string, allow []allowEntry) {
	r.cells = map[string]cell{}
	for _, a := range cols {
		v := r.views[a]
		r.cells[a] = judge(r.name, a, v[0], v[1], allow)
	}
}

// savedRow is a row as DIFFERENTIAL_SAVE writes it, so that a changed
// allow-list can be applied to a long run (DIFFERENTIAL_REJUDGE) without
// running it again.
type savedRow struct {
	Name, Skip, Note string
	Views            map[string][2][]string
}

func save(t *testing.T, r row) {
	dir := os.Getenv("DIFFERENTIAL_SAVE")
	if dir == "" {
		return
	}
	b, err := json.MarshalIndent(savedRow{r.name, r.skip, r.note, r.views}, "", " ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(r.name, "/", "_")+".json"), b, 0o644)
	}
	if err != nil {
		t.Error(err)
	}
}

// renormalise applies the current log and dump normalisation to views
// saved by an older harness (both are idempotent on their own output).
func renormalise(v map[string][2][]string) map[string][2][]string {
	if v == nil {
		return nil
	}
	for _, a := range []string{"log", "data"} {
		var out [2][]string
		for i, ls := range v[a] {
			if a == "data" {
				for _, l := range ls {
					out[i] = append(out[i], dumpIdxRe.ReplaceAllString(l, "ifindex N"))
				}
				continue
			}
			var order, rest []string
			for _, l := range ls {
				if strings.HasPrefix(l, "order: ") {
					order = append(order, l)
				} else {
					rest = append(rest, l)
				}
			}
			out[i] = append(logLines(strings.Join(rest, "\n")), order...)
		}
		v[a] = out
	}
	return v
}

func rejudge(t *testing.T, dir string, allow []allowEntry) []row {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var rows []row
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s savedRow
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r := row{name: s.Name, skip: s.Skip, note: s.Note, views: renormalise(s.Views)}
		if r.views != nil {
			r.judge(allow)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestDifferential runs each configuration with keepalived 2.2.7 and then
// keepalived-go in identical labs and compares what they did (package
// doc). DIFFERENTIAL=all runs every corpus and testdata file (`make
// differential`), DIFFERENTIAL=corpus/F.conf,parser/testdata/vrrp/G.conf
// the files named; otherwise the CI subset runs. The table is logged and
// written to $DIFFERENTIAL_REPORT (default: a file in the temp directory).
func TestDifferential(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if testing.Short() {
		t.Skip("-short: the differential runs both daemons for seconds per file")
	}
	if _, err := os.Stat(keepalived); err != nil {
		t.Skipf("%s absent (apt-get install keepalived)", keepalived)
	}
	for _, tool := range []string{"unshare", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s absent", tool)
		}
	}
	allow, err := readAllow("testdata/allow.tsv")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var rows []row
	if dir := os.Getenv("DIFFERENTIAL_REJUDGE"); dir != "" {
		rows = rejudge(t, dir, allow)
	} else {
		rows = runAll(t, allow)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	finishReport(t, rows, start)
}

// runAll runs the chosen configurations, two at a time (go test's
// default -parallel on this 2-core machine).
func runAll(t *testing.T, allow []allowEntry) []row {
	plans := choosePlans(t, os.Getenv("DIFFERENTIAL"))
	ours := buildOurs(t)
	var mu sync.Mutex
	var rows []row
	t.Run("file", func(t *testing.T) {
		for _, p := range plans {
			t.Run(strings.ReplaceAll(p.name, "/", "_"), func(t *testing.T) {
				t.Parallel()
				r := runPlan(t, p, ours, allow)
				mu.Lock()
				rows = append(rows, r)
				mu.Unlock()
			})
		}
	})
	return rows
}

// finishReport prints and writes the table and fails on any undocumented
// difference (but for the whole corpus).
func finishReport(t *testing.T, rows []row, start time.Time) {
	report := renderReport(aspects, rows, time.Since(start))
	t.Log("\n" + report)
	out := os.Getenv("DIFFERENTIAL_REPORT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "keepalived-differential.txt")
	}
	if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("report written to %s", out)
	// The whole corpus is a measurement (`make differential`): its
	// undocumented differences are the work list, reported, not failed
	// on. The CI subset must stay same-or-documented.
	flag := t.Errorf
	if os.Getenv("DIFFERENTIAL") == "all" {
		flag = t.Logf
	}
	for _, r := range rows {
		for _, a := range aspects {
			if c, ok := r.cells[a]; ok && c.verdict == differs {
				flag("%s: %s differs (undocumented; see the report)", r.name, a)
			}
		}
	}
}

// choosePlans lists the configurations: the whole corpus and the
// project's testdata, or the CI subset. The corpus is ../shared beside
// the repository and may be absent (a user's clone): its files are then
// left out.
func choosePlans(t *testing.T, which string) []plan {
	t.Helper()
	corpus := corpusDir()
	if corpus == "" {
		t.Log("shared corpus absent (../shared beside the repository): testdata files only")
	}
	var names []string
	switch which {
	case "":
		names = ciSubset
	case "all":
		if corpus != "" {
			m, _ := filepath.Glob(filepath.Join(corpus, "*.conf"))
			for _, f := range m {
				names = append(names, "corpus/"+filepath.Base(f))
			}
		}
		m, _ := filepath.Glob("../parser/testdata/vrrp/*.conf")
		for _, f := range m {
			names = append(names, strings.TrimPrefix(f, "../"))
		}
	default:
		names = strings.Split(which, ",")
	}
	var plans []plan
	for _, n := range names {
		var path string
		if rest, ok := strings.CutPrefix(n, "corpus/"); ok {
			if corpus == "" {
				continue
			}
			path = filepath.Join(corpus, rest)
		} else {
			path, _ = filepath.Abs(filepath.Join("..", n))
		}
		plans = append(plans, makePlan(n, path))
	}
	return plans
}

// corpusDir is ../shared/corpus/keepalived beside the repository root, or
// "" when absent.
func corpusDir() string {
	root, err := filepath.Abs("..")
	if err != nil {
		return ""
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "corpus", "keepalived")
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.tsv")); err != nil {
		return ""
	}
	return dir
}

// buildOurs builds keepalived-go into the test's temporary directory.
func buildOurs(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keepalived")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/dsas/keepalived-go/cmd/keepalived")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building keepalived-go: %v\n%s", err, out)
	}
	return bin
}

// runPlan runs one configuration: keepalived -t first (its verdict is
// noted), then each daemon in its own identical lab.
func runPlan(t *testing.T, p plan, ours string, allow []allowEntry) row {
	r := row{name: p.name, skip: p.skip, note: p.note}
	if r.skip != "" {
		save(t, r)
		return r
	}
	var tr daemonRun
	t.Run("test", func(t *testing.T) { tr = runDaemon(t, p, "test", keepalived) })
	// keepalived's daemon runs what its -t reports on: exit 5 is a
	// non-fatal config error (the item is ignored or defaulted), 6 the
	// script-security warning, and even where the daemon refuses to start
	// (5.12 of the grammar notes) the exit code and log lines are
	// compared. So every file runs; the -t verdict is a note.
	if tr.testRC != 0 {
		r.note = strings.TrimPrefix(r.note+"; "+testNote(tr.testRC), "; ")
	}
	var ka, gol daemonRun
	t.Run("keepalived", func(t *testing.T) { ka = runDaemon(t, p, "run", keepalived) })
	t.Run("keepalived-go", func(t *testing.T) { gol = runDaemon(t, p, "run", ours) })
	if t.Failed() {
		r.skip = "lab failure (see the test log)"
		return r
	}
	r.views = map[string][2][]string{}
	withStop := !ka.hung && !gol.hung
	for _, a := range aspects {
		r.views[a] = [2][]string{aspectLines(ka, a, withStop), aspectLines(gol, a, withStop)}
	}
	r.judge(allow)
	save(t, r)
	if os.Getenv("DIFFERENTIAL_RAW") != "" {
		t.Logf("keepalived log:\n%s\nkeepalived-go log:\n%s", ka.files["log"], gol.files["log"])
	}
	return r
}

// testNote names keepalived -t's exit code in a row's note.
func testNote(rc int) string {
	if rc == 6 {
		return "-t exit 6 (script security warning)"
	}
	return fmt.Sprintf("-t exit %d", rc)
}

// firstLine is the first error-looking line of a -t output, for the
// skip reason.
func firstLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range ls {
		l = stampRe.ReplaceAllString(l, "")
		if strings.Contains(l, "Unable") || strings.Contains(l, "WARNING") || strings.Contains(l, "rror") || strings.Contains(l, "SECURITY") || strings.Contains(l, "not exist") {
			return l
		}
	}
	return strings.TrimSpace(ls[len(ls)-1])
}

// renderReport is the table (file × aspect, the columns cols) and, below
// it, every undocumented difference and the reasons of the documented
// ones.
func renderReport(cols []string, rows []row, took time.Duration) string {
	var b strings.Builder
	short := map[string]string{same: "same", differs: "DIFF", documented: "doc"}
	fmt.Fprintf(&b, "%-58s", "file")
	for _, a := range cols {
		fmt.Fprintf(&b, " %-6s", a)
	}
	b.WriteString("\n")
	totals := map[string]int{}
	var skipped []string
	for _, r := range rows {
		if r.cells == nil {
			skipped = append(skipped, fmt.Sprintf("%s: skipped: %s", r.name, r.skip))
			continue
		}
		fmt.Fprintf(&b, "%-58s", r.name)
		for _, a := range cols {
			v := r.cells[a].verdict
			totals[v]++
			fmt.Fprintf(&b, " %-6s", short[v])
		}
		b.WriteString("\n")
	}
	ran := len(rows) - len(skipped)
	fmt.Fprintf(&b, "\n%d files run, %d skipped, in %v; %d cells: %d same, %d documented, %d differ\n",
		ran, len(skipped), took.Round(time.Second), totals[same]+totals[documented]+totals[differs],
		totals[same], totals[documented], totals[differs])
	for _, r := range rows {
		if r.note != "" && r.cells != nil {
			fmt.Fprintf(&b, "%s: %s\n", r.name, r.note)
		}
	}
	b.WriteString("\n")
	for _, s := range skipped {
		b.WriteString(s + "\n")
	}
	for _, r := range rows {
		for _, a := range cols {
			c, ok := r.cells[a]
			if !ok || c.verdict == same {
				continue
			}
			fmt.Fprintf(&b, "\n== %s %s: %s\n", r.name, a, c.verdict)
			for _, why := range c.reasons {
				fmt.Fprintf(&b, "   documented: %s\n", why)
			}
			for _, l := range c.diff {
				fmt.Fprintf(&b, "   %s\n", l)
			}
		}
	}
	return b.String()
}
