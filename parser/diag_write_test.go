package parser

import (
	"strings"
	"testing"
)

// TestDiagnosticsWriteTo: WriteTo writes what String returns.
func TestDiagnosticsWriteTo(t *testing.T) {
	_, diags, _ := ParseBytes("w.conf", []byte("global_defs {\n nosuch 1\n}\nbad_top\n}\n"), fuzzOptions(jailFS{}))
	if len(diags) < 2 {
		t.Fatalf("want several diagnostics, got %v", diags)
	}
	var b strings.Builder
	if _, err := diags.WriteTo(&b); err != nil || b.String() != diags.String() {
		t.Fatalf("WriteTo: %v\n%q\nString:\n%q", err, b.String(), diags.String())
	}
}
