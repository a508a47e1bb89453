package main

import (
	"io"
	"testing"
	"time"
)

// TestDriftCheckOption: --ipvs-drift-check reaches the options and reads
// as a duration or seconds; nothing or 0 is none (keepalived's behaviour).
func TestDriftCheckOption(t *testing.T) {
	o, bad := parseArgs([]string{"-n", "--ipvs-drift-check=30s"}, io.Discard)
	if bad || o.IPVSDriftCheck != "30s" {
		t.Fatalf("parseArgs: %q, bad %v", o.IPVSDriftCheck, bad)
	}
	for v, want := range map[string]time.Duration{"": 0, "0": 0, "30s": 30 * time.Second, "10": 10 * time.Second, "2m": 2 * time.Minute} {
		if got, ok := driftCheckPeriod(v); !ok || got != want {
			t.Errorf("driftCheckPeriod(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"-1s", "soon", "1x"} {
		if _, ok := driftCheckPeriod(v); ok {
			t.Errorf("driftCheckPeriod(%q) accepted", v)
		}
	}
}
