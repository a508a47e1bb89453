package parser

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// jailRoot is where a fuzzed configuration "lives": every path outside it
// does not exist, so fuzzed include lines cannot read the host.
const jailRoot = "/fuzz"

// jailFS is an in-memory file system mounted at jailRoot.
type jailFS struct{ m fstest.MapFS }

func (j jailFS) rel(name string) (string, error) {
	name = filepath.Clean(name)
	if name == jailRoot {
		return ".", nil
	}
	r, ok := strings.CutPrefix(name, jailRoot+"/")
	if !ok || !fs.ValidPath(r) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return r, nil
}

func (j jailFS) Stat(name string) (fs.FileInfo, error) {
	r, err := j.rel(name)
	if err != nil {
		return nil, err
	}
	return j.m.Stat(r)
}

func (j jailFS) Lstat(name string) (fs.FileInfo, error) { return j.Stat(name) }

func (j jailFS) ReadDir(name string) ([]fs.DirEntry, error) {
	r, err := j.rel(name)
	if err != nil {
		return nil, err
	}
	return j.m.ReadDir(r)
}

func (j jailFS) ReadFile(name string) ([]byte, error) {
	r, err := j.rel(name)
	if err != nil {
		return nil, err
	}
	return j.m.ReadFile(r)
}

// fileMarker starts another file of a fuzz input: "#=== inc/a.conf" on a
// line of its own. keepalived sees the marker as a comment, so a seed
// taken from a real file means the same with or without splitting.
const fileMarker = "\n#=== "

// splitFuzzInput turns one fuzz input into keepalived.conf plus the files
// it may include, all inside the jail.
func splitFuzzInput(data []byte) ([]byte, jailFS) {
	m := fstest.MapFS{}
	parts := bytes.Split(data, []byte(fileMarker))
	main := parts[0]
	for _, p := range parts[1:] {
		name, body, _ := bytes.Cut(p, []byte("\n"))
		n := path.Clean(strings.TrimSpace(string(name)))
		if !fs.ValidPath(n) || n == "." || n == "keepalived.conf" {
			continue
		}
		m[n] = &fstest.MapFile{Data: body, Mode: 0o644}
	}
	return main, jailFS{m}
}

// fuzzOptions is a -t run on a fake host: interfaces lo and eth0, the
// usual system users, every namespace present. MaxLines is lower than the
// default so that a runaway ~SEQ costs milliseconds, not seconds, per exec
// (TestRunawayBounded covers the default).
func fuzzOptions(fsys fileSystem) Options {
	o := recordedHost("high")
	o.RandomSeed = 1
	o.MaxLines = 20_000
	o.fs = fsys
	return o
}

// fuzzParse parses one fuzz input and checks the parser's promises: no
// panic, a bounded run, a deterministic result, a printable dump and a
// keepalived -t exit code.
func fuzzParse(t *testing.T, data []byte) {
	main, jail := splitFuzzInput(data)
	// A hang is a bug: crash the worker so the fuzzer keeps the input.
	// The bound is far above any real run (the 10 000 virtual server
	// benchmark parses in well under this) so it cannot flake.
	watchdog := time.AfterFunc(60*time.Second, func() {
		panic(fmt.Sprintf("parse of %d bytes did not finish in 60s: %q", len(data), data))
	})
	defer watchdog.Stop()

	name := jailRoot + "/keepalived.conf"
	cfg, diags, err := ParseBytes(name, main, fuzzOptions(jail))
	if err != nil && !errors.Is(err, ErrNoConfig) && !diags.Aborted() {
		t.Fatalf("unexpected error %v", err)
	}
	switch code := diags.ExitCode(); code {
	case ExitOK, ExitAborted, ExitCannot, ExitConfig, ExitSecurity:
	default:
		t.Fatalf("exit code %d is not one keepalived -t uses", code)
	}
	for _, d := range diags {
		if strings.Contains(d.Msg, "%!") {
			t.Fatalf("badly formatted diagnostic %q", d.Msg)
		}
	}
	var dump string
	if cfg != nil {
		dump = Dump(cfg)
	}
	cfg2, diags2, _ := ParseBytes(name, main, fuzzOptions(jail))
	if a, b := diags.String(), diags2.String(); a != b {
		t.Fatalf("diagnostics differ between two parses:\n%s\n---\n%s", a, b)
	}
	if cfg2 != nil && Dump(cfg2) != dump {
		t.Fatalf("dump differs between two parses")
	}
}

// fuzzSeeds are hand-written inputs for the lexical layer, where the
// fuzzer is most likely to find blow-ups.
var fuzzSeeds = []string{
	"global_defs {\n router_id r1\n}\n",
	"include inc/*.conf\n#=== inc/a.conf\nvrrp_instance V { interface eth0\nvirtual_router_id 1\npriority 100\nvirtual_ipaddress { 10.0.0.1 } }\n#=== inc/b.conf\nglobal_defs { router_id b }\n",
	"include {a,b}.conf\n#=== a.conf\ninclude b.conf\n#=== b.conf\n$X=1\n",
	"include self.conf\n#=== self.conf\ninclude self.conf\n",
	"includea missing{x,y}.conf\n",
	"@high global_defs {\n@^high router_id x\n@low router_id y\n}\n",
	"$A=10.0.0\n$B=${A}.1\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n $B/24\n }\n}\n",
	"$ML=vrrp_instance V { \\\n interface eth0 \\\n virtual_router_id 2 \\\n}\n$ML\n",
	"$F=$F$F\n$F\n",
	"$A=$B\n$B=$A\n$A\n",
	"~SEQ(i,1,3) vrrp_instance V$i { interface eth0\nvirtual_router_id $i\n}\n",
	"~SEQx(i,0,0x10,0xff) $i\n",
	"~SEQ(i,1,1000000000) x$i\n",
	"~LST({A,B},{1,2},{3,4}) ~SEQ(C,1,2) ${A}${B}${C}\n",
	"~LST(A,1,2,3) ~LST(B,4,5) ~LST(C,6,7) $A$B$C\n",
	"virtual_server 10.0.0.1 80 { real_server 10.0.0.2 80 { HTTP_GET { url { path / status_code 200-299 } } } }\n",
	"vrrp_script s {\n script \"/bin/echo \\\"a b\\\" \\x41\"\n}\n",
	"global_defs {\n notification_email {\n a@b c@d\n }\n}\n}\n}\n{\n",
	"vrrp_instance V {\n interface \\\neth0\n}\n",
	"unknown_block {\n nested {\n x\n }\n}\n",
	"\"unterminated { quote\n",
	"include " + strings.Repeat("{a,b}", 20) + "\n",
	"${_RANDOM 1 18446744073709551615} ${_PWD} ${_INSTANCE}\n",
}

// fuzzCorpusSeeds returns the files under testdata and, when ../shared is
// present, the keepalived corpus, each with the files it includes from
// the same directory appended as jail files.
func fuzzCorpusSeeds(f *testing.F) [][]byte {
	var out [][]byte
	add := func(pattern string) {
		files, _ := filepath.Glob(pattern)
		for _, fn := range files {
			b, err := os.ReadFile(fn)
			if err == nil && len(b) < 64<<10 {
				out = append(out, b)
			}
		}
	}
	add("testdata/*.conf")
	add("testdata/*/*.conf")
	if dir := sharedCorpusDir(); dir != "" {
		add(filepath.Join(dir, "*.conf"))
	} else {
		f.Log("../shared/corpus/keepalived absent: fuzzing without the keepalived corpus seeds")
	}
	return out
}

// sharedCorpusDir is sharedDir without skipping: the fuzzer can still run
// on its own seeds when ../shared is absent.
func sharedCorpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	c := filepath.Join(filepath.Dir(dir), "shared", "corpus", "keepalived")
	if _, err := os.Stat(filepath.Join(c, "SOURCES.tsv")); err != nil {
		return ""
	}
	return c
}

// FuzzParse parses arbitrary bytes as a configuration (plus the files it
// includes, see splitFuzzInput). Run: make fuzz, or
// go test -run '^$' -fuzz FuzzParse -parallel 1 ./parser/
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range fuzzCorpusSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(fuzzParse)
}
