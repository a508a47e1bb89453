package parser

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Keyword kinds as schema.go numbers them (Value, Block, ItemBlock,
// WordBlock); kept as numbers so this test reads the tables by reflection
// only and survives renaming the handler kit's types.
const (
	tkValue uint8 = 0
	tkBlock uint8 = 1
)

// kwPath is one keyword of the grammar with the blocks around it.
type kwPath struct {
	blocks []string // enclosing block keywords, outermost first
	name   string
	kind   uint8 // Value, Block, ItemBlock or WordBlock
}

func (k kwPath) String() string {
	return strings.Join(append(append([]string{}, k.blocks...), k.name), " > ")
}

// grammarKeywords walks the parser's tables from the top level. It reads
// them by reflection so that it does not depend on the names of the
// handler kit's types.
func grammarKeywords() []kwPath {
	var out []kwPath
	var walk func(blocks []string, table reflect.Value)
	walk = func(blocks []string, table reflect.Value) {
		keys := table.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			kw := table.MapIndex(k).Elem()
			p := kwPath{blocks: blocks, name: k.String(), kind: uint8(kw.FieldByName("Kind").Uint())}
			out = append(out, p)
			if sub := kw.FieldByName("Sub"); sub.Len() > 0 && len(blocks) < 6 {
				walk(append(append([]string{}, blocks...), k.String()), sub)
			}
		}
	}
	walk(nil, reflect.ValueOf(topTable()))
	return out
}

// blockHeader is what follows a block keyword before its '{', and the lines
// a minimal valid block needs, so a keyword's effect is not lost with an
// invalid block.
var blockHeader = map[string]struct{ args, body string }{
	"vrrp_instance":        {"VI_1", "interface eth0\nvirtual_router_id 51\npriority 100\nvirtual_ipaddress {\n10.0.0.100/24\n}"},
	"virtual_server":       {"10.0.0.1 80", "protocol TCP\nreal_server 10.0.0.9 80 {\nweight 10\n}"},
	"real_server":          {"10.0.0.2 80", ""},
	"vrrp_script":          {"S1", "script /bin/true"},
	"track_file":           {"F1", "file /tmp/f1"},
	"bfd_instance":         {"B1", "neighbor_ip 10.0.0.3"},
	"vrrp_sync_group":      {"G1", "group {\nVI_1\nVI_2\n}"},
	"url":                  {"", "path /\nregex x"},
	"MISC_CHECK":           {"", "misc_path /bin/true"},
	"FILE_CHECK":           {"", "track_file F9"},
	"BFD_CHECK":            {"", "name B9"},
	"vrrp_track_file":      {"F1", "file /tmp/f1"},
	"vrrp_track_process":   {"P1", "process p1"},
	"track_group":          {"TG1", "group {\nVI_1\n}"},
	"HTTP_GET":             {"", "url {\npath /\n}"},
	"SSL_GET":              {"", "url {\npath /\n}"},
	"garp_group":           {"", "garp_interval 5\ninterface eth0"},
	"host":                 {"", "connect_ip 10.0.0.8"},
	"authentication":       {"", "auth_type PASS\nauth_pass secret"},
	"virtual_server_group": {"G1", ""},
}

// syncPeers are the instances a sync group needs.
const syncPeers = "vrrp_instance VI_1 {\ninterface eth0\nvirtual_router_id 51\npriority 100\nvirtual_ipaddress {\n10.0.0.100/24\n}\n}\nvrrp_instance VI_2 {\ninterface eth0\nvirtual_router_id 52\npriority 100\nvirtual_ipaddress {\n10.0.0.101/24\n}\n}\n"

// prelude defines what keywords refer to by name (S9, F9, P9, B9); it is
// in the baseline too, so it never counts as the keyword's effect.
const prelude = "vrrp_script S9 {\nscript /bin/true\n}\ntrack_file F9 {\nfile /tmp/f9\n}\n" +
	"vrrp_track_process P9 {\nprocess p9\n}\nbfd_instance B9 {\nneighbor_ip 10.0.0.4\n}\n"

// needs are the lines a keyword only has an effect with, written in its
// block before it (a regex option needs a regex, sh-port the sh scheduler).
var needs = map[string]string{
	"virtual_server > sh-port":                   "lb_algo sh",
	"virtual_server > sh-fallback":               "lb_algo sh",
	"virtual_server > mh-port":                   "lb_algo mh",
	"virtual_server > mh-fallback":               "lb_algo mh",
	"virtual_server > ops":                       "protocol UDP",
	"virtual_server > hashed":                    "lb_algo mh",
	"virtual_server > hysteresis":                "quorum 2",
	"virtual_server > sorry_server_inhibit":      "sorry_server 10.0.0.7 80",
	"virtual_server > sorry_server_lvs_method":   "sorry_server 10.0.0.7 80",
	"vrrp_instance > vmac_xmit_base":             "use_vmac",
	"vrrp_instance > vmac_garp_intvl":            "use_vmac",
	"vrrp_instance > preempt":                    "nopreempt",
	"vrrp_instance > owner_ignore_adverts":       "priority 255",
	"vrrp_instance > native_ipv6":                "virtual_ipaddress {\nfe80::1/64\n}",
	"vrrp_instance > authentication > auth_pass": "auth_type PASS",
	"vrrp_instance > authentication > auth_type": "auth_pass secret",
	"vrrp_instance > track_src_ip":               "mcast_src_ip 10.0.0.5",
	"vrrp_instance > accept":                     "version 3",
	"vrrp_instance > timer_expired_backup":       "nopreempt",
	"vrrp_instance > thread_timer_expired":       "nopreempt",
	"vrrp_instance > garp_extra_if":              "use_vmac",
	"global_defs > nftables_ipvs_priority":       "nftables_ipvs",
	"global_defs > nftables_ipvs_start_fwmark":   "nftables_ipvs",
}

// globalNeeds are global_defs lines a keyword only has an effect with.
var globalNeeds = map[string]string{
	"vrrp_instance > accept": "vrrp_strict",
}

// headerNeeds replace the innermost block's header for a keyword that only
// acts on one kind of block (ip_family: fwmark virtual servers).
var headerNeeds = map[string]string{
	"virtual_server > ip_family": "fwmark 7",
}

// notInConfig are keywords whose effect is real but outside the parsed
// configuration, so this harness cannot see it; each says where it acts
// and which test covers it.
var notInConfig = map[string]string{
	"global_defs > include_check": "tells the reader which later include lines to check (lex_include_test.go)",
	// Their effect is on the members' own trackers, which this
	// harness's sync group members do not have.
	"vrrp_sync_group > sync_group_tracking_weight": "members keep their weighted trackers (sync_weight_test.go)",
	"vrrp_sync_group > global_tracking":            "deprecated alias of sync_group_tracking_weight, as in keepalived (sync_weight_test.go)",
}

func (k kwPath) conf(arg string) string {
	var b strings.Builder
	b.WriteString(prelude)
	if g := globalNeeds[k.String()]; g != "" {
		b.WriteString("global_defs {\n" + g + "\n}\n")
	}
	if len(k.blocks) > 0 && k.blocks[0] == "vrrp_sync_group" {
		b.WriteString(syncPeers)
	}
	for i, blk := range k.blocks {
		h := blockHeader[blk]
		body := h.body
		if a := headerNeeds[k.String()]; a != "" && i == len(k.blocks)-1 {
			h.args = a
		}
		if i == len(k.blocks)-1 && k.kind != tkBlock {
			body = withoutKeyword(body, k.name)
		}
		b.WriteString(blk + " " + h.args + " {\n" + body + "\n")
	}
	b.WriteString(needs[k.String()] + "\n")
	switch k.kind {
	case tkValue:
		b.WriteString(k.name + " " + arg + "\n")
	case tkBlock:
		h := blockHeader[k.name]
		b.WriteString(k.name + " " + h.args + " {\n" + h.body + "\n}\n")
	default:
		b.WriteString(k.name + " " + blockHeader[k.name].args + " {\n" + arg + "\n}\n")
	}
	for range k.blocks {
		b.WriteString("}\n")
	}
	return b.String()
}

// withoutKeyword drops the lines of a block's minimal body that set the
// keyword under test, so it is not set twice.
func withoutKeyword(body, name string) string {
	var keep []string
	skipping := false
	for _, l := range strings.Split(body, "\n") {
		switch {
		case skipping:
			skipping = l != "}"
		case l == name+" {":
			skipping = true // a value block: drop it to its closing brace
		case l != name && !strings.HasPrefix(l, name+" "):
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// baseline is the same configuration without the keyword.
func (k kwPath) baseline() string {
	c := k.conf("")
	line := k.name + " \n"
	if k.kind != tkValue {
		line = k.name + " " + blockHeader[k.name].args + " {\n\n}\n"
		if k.kind == tkBlock {
			h := blockHeader[k.name]
			line = k.name + " " + h.args + " {\n" + h.body + "\n}\n"
		}
	}
	return strings.Replace(c, line, "", 1)
}

// argCandidates are tried in turn: a keyword that changes the parsed
// configuration with any of them is not ignored.
var argCandidates = []string{"", "1", "2", "yes", "no", "on", "10.0.0.5", "10.0.0.5/24", "lo", "/bin/true", "x", "5 10",
	"udp", "wrr", "DR", "inet6", "100", "120", "0", "3.5", "8080", "BACKUP", "MASTER", "PASS", "AH secret", "224.0.0.19", "ff02::13", "3",
	"10.0.0.5 80", "10.0.0.5 8080", "A", "1.1", "S1", "F1", "B1", "8.8.8.8 53", "interface eth0", "eth0", "vrrp.1", "eth0 10.0.0.5", "all 5", "caseless", "tcp 100 udp 50", "inet", "VI_1", "S9", "F9", "P9", "B9", "S9 weight 10", "F9 weight 10", "S9", "F9", "P9", "B9", "S9 weight 10", "F9 weight 10",
	"0123456789abcdef0123456789abcdef", "/tmp/x", "10.0.0.0/24 via 10.0.0.1", "from 10.0.0.5 table 10", "5 10 15", "1000"}

// parsedJSON parses conf and returns the configuration as JSON, and
// whether the line kwLine (1-based; 0: none) was accepted: no error was
// reported on it.
func parsedJSON(t *testing.T, conf string, kwLine int) (string, bool) {
	opts := recordedHost("")
	opts.NoConfigID, opts.TestMode = true, false
	cfg, diags, err := ParseBytes("kw.conf", []byte(conf), opts)
	if err != nil || cfg == nil || diags.Aborted() {
		return "", false
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		if d.Pos.Line == kwLine && d.Class.Severity() == "error" {
			return string(b), false
		}
	}
	return string(b), true
}

// line is the 1-based line of the keyword under test in conf(arg).
func (k kwPath) line(arg string) int {
	c := k.conf(arg)
	base := k.baseline()
	for i := 0; i < len(c) && i < len(base); i++ {
		if c[i] != base[i] {
			return strings.Count(c[:i], "\n") + 1
		}
	}
	return strings.Count(base, "\n") + 1
}

// TestIgnoredKeywordsDocumented walks every keyword of the parser's
// tables and parses it in its block with a series of arguments. A keyword
// that never changes the parsed configuration is "accepted and ignored";
// each such keyword must have a row in docs/compat.md's table of ignored
// keywords ("| `keyword` | block | reason |"), and every row must name a
// keyword that is still ignored.
func TestIgnoredKeywordsDocumented(t *testing.T) {
	documented := readIgnoredTable(t)
	ignored := map[string]bool{}
	known := map[string]uint8{}
	for _, k := range grammarKeywords() {
		known[k.String()] = k.kind
	}
	if known["vrrp_instance"] != tkBlock || known["vrrp_instance > priority"] != tkValue {
		t.Fatal("keyword kinds no longer numbered as schema.go's Value and Block")
	}
	for k := range documented {
		if _, ok := known[k]; !ok {
			t.Errorf("docs/compat.md lists %s, which is not a keyword of the parser's tables", k)
		}
	}
	for _, k := range grammarKeywords() {
		if len(k.blocks) == 0 && k.kind == tkBlock {
			continue // a top-level block is judged by its keywords
		}
		if notInConfig[k.String()] != "" {
			continue
		}
		base, _ := parsedJSON(t, k.baseline(), 0)
		changed, used, accepted := false, false, false
		for _, a := range argCandidates {
			got, ok := parsedJSON(t, k.conf(a), k.line(a))
			if got != base {
				changed = true
				// An aborted parse ("") is a refusal, not an ignored keyword.
				if got == "" || base == "" || usedAtRunTime(t, base, got) {
					used = true
					break
				}
			}
			accepted = accepted || ok
		}
		switch {
		case !changed && accepted:
			// Refused (an error on the line for every argument) is not
			// "accepted and ignored": -t already says so.
			ignored[k.String()] = true
		case changed && !used:
			// Parsed into the configuration, but nothing outside the
			// parser and the model ever reads what it set.
			ignored[k.String()] = true
		}
	}
	var missing []string
	for k := range ignored {
		if documented[k] == "" {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("keyword %s is accepted and ignored but docs/compat.md has no row for it", k)
	}
	for k, why := range documented {
		if !ignored[k] && !strings.HasPrefix(why, "(warned at start)") {
			t.Errorf("docs/compat.md lists %s as ignored, but it changes the configuration", k)
		}
	}
}

var ignoredRow = regexp.MustCompile("^\\| `([^`]+)` \\| `([^`]*)` \\| (.+) \\|$")

// readIgnoredTable reads docs/compat.md's "Keywords accepted and ignored"
// table: keyword, block path (outermost first, " > " between), reason.
func readIgnoredTable(t *testing.T) map[string]string {
	b, err := os.ReadFile("../docs/compat.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sect, ok := strings.Cut(string(b), "\n## Keywords accepted and ignored\n")
	if !ok {
		t.Fatal("docs/compat.md has no \"## Keywords accepted and ignored\" section")
	}
	sect, _, _ = strings.Cut(sect, "\n## ")
	rows := map[string]string{}
	for _, line := range strings.Split(sect, "\n") {
		m := ignoredRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		path := m[1]
		if m[2] != "" {
			path = m[2] + " > " + m[1]
		}
		if strings.TrimSpace(m[3]) == "" {
			t.Errorf("docs/compat.md: ignored keyword %s has no reason", path)
		}
		rows[path] = m[3]
	}
	return rows
}

// usedAtRunTime reports whether any field that differs between the two
// configurations (JSON) is read by a package other than parser and config.
func usedAtRunTime(t *testing.T, before, after string) bool {
	var a, b any
	if json.Unmarshal([]byte(before), &a) != nil || json.Unmarshal([]byte(after), &b) != nil {
		t.Fatal("configuration JSON does not decode")
	}
	fields := map[string]bool{}
	diffFields(a, b, "", fields)
	used := runtimeSelectors(t)
	for f := range fields {
		// Settings whose only job is to be reported: snmp_name names a
		// virtual or real server in KEEPALIVED-MIB (snmpmib serves it).
		if used[f] || f == "SNMPName" {
			return true
		}
	}
	return len(fields) == 0
}

// diffFields collects the struct field names on the way to every
// difference between a and b (a whole added object contributes its own).
func diffFields(a, b any, name string, out map[string]bool) {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	switch {
	case okA && okB:
		for k := range mb {
			diffFields(ma[k], mb[k], k, out)
		}
		for k := range ma {
			if _, ok := mb[k]; !ok {
				out[k] = true
			}
		}
		return
	case okB:
		for k, v := range mb {
			diffFields(nil, v, k, out)
		}
	}
	la, okA := a.([]any)
	lb, okB := b.([]any)
	if okA || okB {
		for i := 0; i < max(len(la), len(lb)); i++ {
			var x, y any
			if i < len(la) {
				x = la[i]
			}
			if i < len(lb) {
				y = lb[i]
			}
			diffFields(x, y, name, out)
		}
		return
	}
	if name != "" && !reflect.DeepEqual(a, b) {
		out[name] = true
	}
}

var selectorsOnce struct {
	set map[string]bool
}

// runtimeSelectors is every selector name (x.Name) in the repository's Go
// sources outside parser/ and config/ and tests: what the daemon reads.
func runtimeSelectors(t *testing.T) map[string]bool {
	if selectorsOnce.set != nil {
		return selectorsOnce.set
	}
	set := map[string]bool{}
	fset := gotoken.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			// snmpmib echoes configuration values back as MIB objects and
			// the dump files print global_defs back, as keepalived does:
			// reporting a setting is not acting on it.
			case "parser", "config", "testdata", ".git", "internal", "tools", "snmpmib", "statefile":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				set[s.Sel.Name] = true
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	selectorsOnce.set = set
	return set
}
