package parser

import (
	"strings"
	"testing"
)

func regexConf(url string) []byte {
	return []byte("virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      url {\n        path /\n        " +
		url + "\n      }\n    }\n  }\n}\n")
}

// TestRegexRefusedAtTest: a url regex RE2 cannot run is an error at -t,
// positioned at the regex keyword and naming the construct.
func TestRegexRefusedAtTest(t *testing.T) {
	for _, tc := range []struct {
		url, want string
	}{
		{`regex "(up)\\1"`, `test.conf:7:9: error: regex '(up)\1' cannot be run by keepalived-go: backreference \1 at offset 4`},
		{`regex "up(?=x)"`, `lookahead (?= at offset 2`},
		{`regex "(?<!x)up"`, `lookbehind (?<! at offset 0`},
		{`regex "a++"`, `possessive quantifier ++ at offset 1`},
		{`regex "(?>a)"`, `atomic group (?> at offset 0`},
		{"regex \"up\"\n        regex_options extended", `regex_options extended: RE2 has no extended`},
		{"regex \"up\"\n        regex_options ucp", `regex_options ucp: RE2's \d, \w, \s and \b are ASCII only`},
	} {
		_, diags, _ := ParseBytes("test.conf", regexConf(tc.url), Options{NoConfigID: true})
		if !strings.Contains(diags.String(), tc.want) || diags.ExitCode() == ExitOK {
			t.Errorf("%s: status %d, diagnostics\n%s\nwant %q", tc.url, diags.ExitCode(), diags, tc.want)
		}
	}
	ok := regexConf("regex \"BUILD: rpm-.{3,50} :: DATE: [0-9]{2}/[0-9]{2}/[0-9]{4} .{12}$\"\n        regex_options caseless multiline no_auto_capture")
	if _, diags, _ := ParseBytes("test.conf", ok, Options{NoConfigID: true}); strings.Contains(diags.String(), "regex") {
		t.Errorf("a pattern RE2 runs was refused:\n%s", diags)
	}
}
