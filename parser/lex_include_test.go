package parser

import (
	"strconv"
	"strings"
	"testing"
)

// TestIncludes parses in an in-memory jail (see fuzz_test.go): include
// globs sorted per brace alternative, paths relative to the including
// file, keepalived's strictness letters, and our depth and size bounds.
// Each included file adds one static address, so the order of
// StaticAddresses is the order the files were read.
func TestIncludes(t *testing.T) {
	files := map[string]string{
		"inc/a.conf":     "static_ipaddress {\n 10.0.0.1/32 dev eth0\n}\ninclude sub/x.conf\n",
		"inc/b.conf":     "static_ipaddress {\n 10.0.0.2/32 dev eth0\n}\n",
		"inc/c.txt":      "static_ipaddress {\n 10.0.0.3/32 dev eth0\n}\n",
		"inc/sub/x.conf": "static_ipaddress {\n 10.0.0.9/32 dev eth0\n}\n",
		"self.conf":      "include self.conf\n",
	}
	var in strings.Builder
	for _, name := range []string{"inc/a.conf", "inc/b.conf", "inc/c.txt", "inc/sub/x.conf", "self.conf"} {
		in.WriteString(fileMarker + name + "\n" + files[name])
	}
	tests := []struct {
		name  string
		main  string
		addrs string // static addresses in order
		code  int
		diags []string
	}{
		{name: "glob, sorted", main: "include inc/*.conf\n", addrs: "10.0.0.1 10.0.0.9 10.0.0.2"},
		{name: "brace alternatives in order", main: "include inc/{b.conf,a.conf}\n", addrs: "10.0.0.2 10.0.0.1 10.0.0.9"},
		{name: "character class", main: "include inc/[bc].*\n", addrs: "10.0.0.2 10.0.0.3"},
		{
			// keepalived's VRRP child reads the parent's flattened copy and
			// then expands $INC itself: the file is read twice (checked
			// with keepalived 2.2.7 -d, which lists the address twice).
			name:  "include computed by a definition is read twice",
			main:  "$INC=include inc/b.conf\n$INC\n",
			addrs: "10.0.0.2 10.0.0.2",
		},
		{
			// The same with a glob and a nested relative include, each
			// resolved from its including file's directory (2.2.7 -d).
			name:  "computed glob include with nested include",
			main:  "$INC=include inc/*.conf\n$INC\n",
			addrs: "10.0.0.1 10.0.0.9 10.0.0.2 10.0.0.1 10.0.0.9 10.0.0.2",
		},
		{
			name:  "missing file: not strict by default",
			main:  "include nothere.conf\n",
			diags: []string{"1:1: info: Config files missing 'nothere.conf'."},
		},
		{
			name:  "includem: a missing file is fatal",
			main:  "includem nothere.conf\n",
			code:  ExitNoConfig,
			diags: []string{"1:1: error: Config files missing 'nothere.conf'.", "info: configuration file error - exiting"},
		},
		{
			name: "wildcard matching nothing: only includew/includea complain",
			main: "include none*.conf\nincludew none*.conf\n",
			code: ExitNoConfig,
			diags: []string{"2:1: error: No config files matched 'none*.conf'.",
				"info: configuration file error - exiting"},
		},
		{
			name:  "include loop stops at the depth bound",
			main:  "include self.conf\n",
			diags: []string{"self.conf:1:1: info: Configuration file 'self.conf' open problem (Too many open files) - skipping"},
		},
		{
			name:  "brace bomb",
			main:  "include " + strings.Repeat("{a,b}", 13) + "\n",
			code:  ExitConfig,
			diags: []string{"1:1: error: include '" + strings.Repeat("{a,b}", 13) + "' has more than 4096 brace alternatives - skipping"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			main, jail := splitFuzzInput([]byte(tt.main + in.String()))
			o := recordedHost("high")
			o.InterfaceExists = func(string) bool { return true }
			o.fs = jail
			cfg, diags, _ := ParseBytes(jailRoot+"/keepalived.conf", main, o)
			var addrs []string
			if cfg != nil {
				for _, a := range cfg.VRRP.StaticAddresses {
					addrs = append(addrs, a.Prefix.Addr().String())
				}
			}
			if got := strings.Join(addrs, " "); got != tt.addrs {
				t.Errorf("addresses %q, want %q", got, tt.addrs)
			}
			var ds []string
			for _, d := range diags {
				s := d.String()
				s = strings.TrimPrefix(s, jailRoot+"/keepalived.conf:")
				s = strings.TrimPrefix(strings.TrimPrefix(s, jailRoot+"/"), " ")
				ds = append(ds, s)
			}
			equalLines(t, "diagnostics", dedupe(ds), tt.diags)
			if c := diags.ExitCode(); c != tt.code {
				t.Errorf("exit %d, want %d", c, tt.code)
			}
		})
	}
}

// dedupe drops repeats (the depth bound is hit once per pass).
func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestIncludeDepthLimit: keepalived 2.2.7 reads 1016 nested includes under
// ulimit -n 1024 and then logs "Configuration file 'c1017.conf' open problem
// (Too many open files) - skipping" at the including line; plain include
// makes that informational, includer makes it a file error. Our bound is a
// fixed 1000 levels below the main file with the same message.
func TestIncludeDepthLimit(t *testing.T) {
	chain := func(levels int, inc string) string {
		var b strings.Builder
		b.WriteString(inc + " c1.conf\n")
		for i := 1; i <= levels; i++ {
			b.WriteString(fileMarker + "c" + strconv.Itoa(i) + ".conf\n")
			if i < levels {
				b.WriteString(inc + " c" + strconv.Itoa(i+1) + ".conf\n")
			} else {
				b.WriteString("static_ipaddress {\n 10.0.0.1/32 dev eth0\n}\n")
			}
		}
		return b.String()
	}
	tests := []struct {
		name   string
		levels int
		inc    string
		addrs  int
		code   int
		diags  []string
	}{
		{name: "at the limit", levels: maxIncludeDepth, inc: "include", addrs: 1},
		{name: "over the limit", levels: maxIncludeDepth + 1, inc: "include",
			diags: []string{"c1000.conf:1:1: info: Configuration file 'c1001.conf' open problem (Too many open files) - skipping"}},
		{name: "over the limit, includer", levels: maxIncludeDepth + 1, inc: "includer", code: ExitNoConfig,
			diags: []string{"c1000.conf:1:1: error: Configuration file 'c1001.conf' open problem (Too many open files) - skipping",
				"info: configuration file error - exiting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			main, jail := splitFuzzInput([]byte(chain(tt.levels, tt.inc)))
			o := recordedHost("high")
			o.InterfaceExists = func(string) bool { return true }
			o.fs = jail
			cfg, diags, _ := ParseBytes(jailRoot+"/keepalived.conf", main, o)
			if n := len(cfg.VRRP.StaticAddresses); n != tt.addrs {
				t.Errorf("%d static addresses, want %d", n, tt.addrs)
			}
			var ds []string
			for _, d := range diags {
				s := strings.TrimPrefix(d.String(), jailRoot+"/keepalived.conf:")
				ds = append(ds, strings.TrimPrefix(strings.TrimPrefix(s, jailRoot+"/"), " "))
			}
			equalLines(t, "diagnostics", ds, tt.diags)
			if c := diags.ExitCode(); c != tt.code {
				t.Errorf("exit %d, want %d", c, tt.code)
			}
		})
	}
}
