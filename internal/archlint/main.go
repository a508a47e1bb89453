// Command archlint fails when an import crosses the layers of README's
// layout table (configuration → desired state → engines → kernel adapters).
// `make lint` runs it from the repository root; it reads the import graph
// with `go list`, so it needs no module beyond the standard library.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// module is this repository's module path; imports outside it are not ours
// to police.
const module = "github.com/dsas/keepalived-go/"

// edge is one import of this repository's packages, by path relative to the
// module root. test marks an import made only by _test.go files.
type edge struct {
	from, to string
	test     bool
}

// allowed lists today's known violations, each to be deleted by the change
// that removes it. Keep it short: a new entry needs a reason and an issue.
var allowed = map[[2]string]string{}

func main() {
	edges, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "archlint:", err)
		os.Exit(2)
	}
	if report(os.Stdout, os.Stderr, edges) > 0 {
		os.Exit(1)
	}
}

// report prints every violation to out and every allow-list entry that no
// longer matches an import to note, and returns the number of violations.
// Stale entries do not fail: the change removing an import may land in
// another branch first.
func report(out, note io.Writer, edges []edge) int {
	used := map[[2]string]bool{}
	n := 0
	for _, e := range edges {
		why := violation(e)
		if why == "" {
			continue
		}
		if _, ok := allowed[[2]string{e.from, e.to}]; ok {
			used[[2]string{e.from, e.to}] = true
			continue
		}
		kind := "imports"
		if e.test {
			kind = "imports in tests"
		}
		fmt.Fprintf(out, "archlint: %s %s %s: %s\n", e.from, kind, e.to, why)
		n++
	}
	for _, k := range sortedKeys(allowed) {
		if !used[k] {
			fmt.Fprintf(note, "archlint: %s no longer imports %s: delete its allow-list entry\n", k[0], k[1])
		}
	}
	return n
}

// violation names the rule e breaks, or returns "".
func violation(e edge) string {
	if e.from == e.to {
		return "" // a package's external tests
	}
	if e.to == "daemon" && !strings.HasPrefix(e.from, "cmd/") {
		return "only cmd/* may import daemon (process lifecycle is the binaries')"
	}
	if e.test {
		return "" // tests may build fixtures from any layer
	}
	switch {
	case isLeaf(e.from):
		return "a leaf helper imports no package of this repository"
	case isLeaf(e.to):
		return "" // any layer may use a leaf: it carries no layer's types
	case isTestInfra(e.to) && !isTestInfra(e.from):
		return "production code imports no test infrastructure"
	case isAdapter(e.from):
		return "a kernel adapter imports no package of this repository"
	case isEngine(e.from) && !isEngine(e.to):
		return "an engine imports only engines: its configuration comes from vrrpconf/lvs, its kernel through vrrphost/lvs"
	case e.from == "daemon" && isEngine(e.to):
		return "daemon imports no engine: vrrpside and lvs wire them, cmd/keepalived hands them over"
	}
	return ""
}

// isLeaf: helpers that import nothing of this repository and carry no
// layer's types (an errno in keepalived's log words, an interface index by
// one ioctl), so any
// layer may use them without bending the one-way flow.
func isLeaf(p string) bool {
	return p == "internal/strerror" || p == "internal/ifindex" || p == "internal/residency"
}

// isAdapter: the kernel adapters of README's layout. They know netlink,
// sockets and nftables, never our types, so that each can be tested and
// replaced alone. None needs a helper of ours today, so none is allowed.
func isAdapter(p string) bool {
	switch p {
	case "announce", "bgpproc", "bgpspeaker", "ifaddr", "ipvs", "nftfilter", "vmac", "vrrpsock":
		return true
	}
	return false
}

// isEngine: the VRRP engine with its parts, the checker engine with its
// probes, the BFD engine with its codec, and the bgp announcer (it
// reaches gobgp only through bgpproc's helper process, bgpspeaker). vrrptest is test
// infrastructure, not engine.
func isEngine(p string) bool {
	if isTestInfra(p) {
		return false
	}
	for _, root := range []string{"vrrp", "check", "bfd", "bgp"} {
		if p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return false
}

// isTestInfra: the labs, namespace helpers and fixture packages. By
// convention a package whose name ends in "test" (vrrptest, statustest,
// debtest) is one.
func isTestInfra(p string) bool {
	switch p {
	case "internal/lab", "internal/labdaemon", "internal/netns", "internal/vrrplab":
		return true
	}
	return strings.HasSuffix(p[strings.LastIndex(p, "/")+1:], "test")
}

// listed is the part of `go list -json` we read.
type listed struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

// load lists the import graph twice, without and with the vmtest tag, so
// that the real-kernel tests are held to the rules too.
func load() ([]edge, error) {
	seen := map[edge]bool{}
	var edges []edge
	for _, tags := range []string{"", "vmtest"} {
		pkgs, err := goList(tags)
		if err != nil {
			return nil, err
		}
		for _, e := range edgesOf(pkgs) {
			if !seen[e] {
				seen[e] = true
				edges = append(edges, e)
			}
		}
	}
	return edges, nil
}

func goList(tags string) ([]listed, error) {
	cmd := exec.Command("go", "list", "-e", "-tags="+tags,
		"-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// edgesOf keeps the imports between this repository's packages.
func edgesOf(pkgs []listed) []edge {
	var edges []edge
	for _, p := range pkgs {
		from, ok := strings.CutPrefix(p.ImportPath, module)
		if !ok {
			continue
		}
		add := func(imports []string, test bool) {
			for _, imp := range imports {
				if to, ok := strings.CutPrefix(imp, module); ok {
					edges = append(edges, edge{from, to, test})
				}
			}
		}
		add(p.Imports, false)
		add(p.TestImports, true)
		add(p.XTestImports, true)
	}
	return edges
}

func sortedKeys(m map[[2]string]string) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0]+" "+keys[i][1] < keys[j][0]+" "+keys[j][1]
	})
	return keys
}
