package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func init() { checkKinds = true }

// tapeRun is what one parse shows: every line the engine got (with the
// lexer's last position and brace depth after it), the diagnostics and
// the dump.
type tapeRun struct {
	lines    []string
	diags    Diagnostics
	dump     string
	replayed bool
}

func runTraced(parse func(Options) (*configDump, Diagnostics), o Options, noTape bool) tapeRun {
	var r tapeRun
	o.noTape = noTape
	o.lineHook = func(p Process, l line, last Pos, depth int, replayed bool) {
		r.lines = append(r.lines, fmt.Sprintf("%v %v %q last %v depth %d", p, l.pos, l.text, last, depth))
		r.replayed = r.replayed || replayed
	}
	cfg, diags := parse(o)
	r.diags = diags
	if cfg != nil {
		r.dump = cfg.dump
	}
	return r
}

// configDump is a parse's configuration as Dump prints it.
type configDump struct{ dump string }

// compareTape parses twice, the children replaying the parent's lines and
// the children reading the file, and fails on any difference in the lines
// the engine got, the diagnostics (with their processes and prefixes) or
// the configuration. It reports whether the tape was replayed.
func compareTape(t *testing.T, what string, parse func(Options) (*configDump, Diagnostics), o Options) bool {
	t.Helper()
	a := runTraced(parse, o, false)
	b := runTraced(parse, o, true)
	if b.replayed {
		t.Fatalf("%s: replayed with the tape off", what)
	}
	if !reflect.DeepEqual(a.lines, b.lines) {
		for i := range min(len(a.lines), len(b.lines)) {
			if a.lines[i] != b.lines[i] {
				t.Fatalf("%s: line %d differs:\ntape: %s\nread: %s", what, i, a.lines[i], b.lines[i])
			}
		}
		t.Fatalf("%s: %d lines with the tape, %d read", what, len(a.lines), len(b.lines))
	}
	if !reflect.DeepEqual(a.diags, b.diags) {
		t.Fatalf("%s: diagnostics differ:\ntape:\n%s\nread:\n%s", what, a.diags, b.diags)
	}
	if a.dump != b.dump {
		t.Fatalf("%s: configurations differ", what)
	}
	o.poisonTokens = true
	c := runTraced(parse, o, false)
	if !reflect.DeepEqual(a.diags, c.diags) || a.dump != c.dump {
		t.Fatalf("%s: a handler kept tokens past their statement:\n%s\n---\n%s", what, a.diags, c.diags)
	}
	return a.replayed
}

func parseFileDump(path string) func(Options) (*configDump, Diagnostics) {
	return func(o Options) (*configDump, Diagnostics) {
		cfg, diags, _ := Parse(path, o)
		if cfg == nil {
			return nil, diags
		}
		return &configDump{Dump(cfg)}, diags
	}
}

func parseBytesDump(name string, data []byte) func(Options) (*configDump, Diagnostics) {
	return func(o Options) (*configDump, Diagnostics) {
		cfg, diags, _ := ParseBytes(name, data, o)
		if cfg == nil {
			return nil, diags
		}
		return &configDump{Dump(cfg)}, diags
	}
}

// TestTapeEquivalence: on the keepalived corpus and our testdata, the
// children replaying the parent's lines see exactly what reading the file
// gave them, line by line, and the verdicts, diagnostics and configuration
// are the same.
func TestTapeEquivalence(t *testing.T) {
	var files []string
	for _, p := range []string{"testdata/*.conf", "testdata/*/*.conf"} {
		m, _ := filepath.Glob(p)
		for _, f := range m {
			abs, _ := filepath.Abs(f)
			files = append(files, abs)
		}
	}
	if dir := sharedCorpusDir(); dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
		files = append(files, m...)
	} else {
		t.Log("../shared/corpus/keepalived absent: testdata only")
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	replayed := 0
	for _, f := range files {
		// Relative includes resolve from the file's directory, as the
		// corpus was recorded.
		if err := os.Chdir(filepath.Dir(f)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"recorder-host", "high"} {
			o := recordedHost(id)
			o.RandomSeed = 1
			if compareTape(t, f+" -i "+id, parseFileDump(filepath.Base(f)), o) {
				replayed++
			}
		}
	}
	t.Logf("%d of %d parses replayed the tape", replayed, 2*len(files))
	if replayed == 0 {
		t.Error("no parse replayed the tape")
	}
}

// TestTapeCases: the constructs that make a child's reading differ from
// the parent's, and some that do not, give the same result both ways.
func TestTapeCases(t *testing.T) {
	cases := map[string]bool{ // input: whether the tape is replayed
		"global_defs {\n router_id r1\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n}\n": true,
		"$A=eth0\n@high vrrp_instance V {\n interface $A\n virtual_router_id 1\n}\n":                     true,
		"~SEQ(i,1,3) vrrp_instance V$i { interface eth0\nvirtual_router_id $i\n}\n":                      true,
		"global_defs {\n router_id \"a\\#b\"\n}\n":                                                       true, // a second comment removal changes nothing
		// Includes: a child reads them quietly, so their lines replay
		// with reports off; computed ones are read twice by a child.
		"include inc/*.conf\nglobal_defs {\n}\n#=== inc/a.conf\nvrrp_instance V {\n nosuch_kw 1\n interface eth0\n}\n#=== inc/b.conf\nvirtual_server 10.0.0.1 80 {\n bad_kw\n}\n}\n": true,
		"include inc/a.conf\n#=== inc/a.conf\nglobal_defs { router_id " + strings.Repeat("d", 2000) + " }\ninclude b.conf\n#=== inc/b.conf\nvrrp_instance W {\n}\n":                  true,
		"$F=inc/a.conf\ninclude $F\n#=== inc/a.conf\nglobal_defs {\n}\n":       false,
		"$M=x \\\ninclude inc/a.conf\n$M\n#=== inc/a.conf\nglobal_defs {\n}\n": false,
		"@high include inc/a.conf\n#=== inc/a.conf\nvrrp_instance V {\n}\n":    false,
		"include inc/missing.conf\nglobal_defs {\n}\n":                         false,
		"global_defs {\n router_id a\\!b\n}\n":                                 false,
		"global_defs {\n}\n}\n}\nvirtual_server 10.0.0.1 80 {\n":               true,
		"global_defs {\n router_id \"unterminated\n}\n":                        false,
		"global_defs { router_id " + strings.Repeat("a", 3000) + " }\n":        true,
		// Long lines: a child reads the same pieces and notes them alike.
		"vrrp_instance V {\n interface " + strings.Repeat("b", 2500) + "\n}\n":                                               true,
		"virtual_server 10.0.0.1 80 {\n " + strings.Repeat("c ", 1500) + "{\n}\n}\n":                                         true,
		"$R=${_RANDOM 1 1000}\nvrrp_instance V {\n interface eth0\n virtual_router_id $R\n}\nglobal_defs { router_id $R }\n": true,
		"unknown {\n x\n}\nvrrp_instance V {\n nopreempt extra\n}\n":                                                         true,
		// Quoted braces count in a skipped block, not in the lexer's depth.
		"virtual_server 10.0.0.1 80 {\n a \"{\" \"{\"\n}\n}\n}\nglobal_defs {\n}\n": true,
		// A block left open inside a skipped one: reported at its brace.
		"vrrp_instance V {\n a\n {\n b\n":                                                            true,
		"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n":                                 true,
		"virtual_server 10.0.0.1 80 {\n a \"{\"\n {\n b\n }\n}\n}\n}\nglobal_defs { router_id x }\n": true,
		"vrrp_instance V {\n a \"}\"\n {\n b\n }\n}\n}\n}\nvirtual_server 10.0.0.1 80 {\n}\n":        true,
		"}\n}\nvrrp_sync_group G {\n group {\n {\n }\n }\n }\n}\n}\n":                                true,
	}
	for in, want := range cases {
		main, jail := splitFuzzInput([]byte(in))
		got := compareTape(t, fmt.Sprintf("%q", in), parseBytesDump(jailRoot+"/keepalived.conf", main), fuzzOptions(jail))
		if got != want {
			t.Errorf("%q: replayed %v, want %v", in, got, want)
		}
	}
}

// FuzzTape: for any input, replaying the parent's lines and reading the
// file give the same lines, diagnostics and configuration. Run:
// go test -run '^$' -fuzz FuzzTape -parallel 1 ./parser/
func FuzzTape(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range fuzzCorpusSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		main, jail := splitFuzzInput(data)
		compareTape(t, "input", parseBytesDump(jailRoot+"/keepalived.conf", main), fuzzOptions(jail))
	})
}
