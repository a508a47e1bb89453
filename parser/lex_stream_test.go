package parser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestStreamedFileReadsAsWhole: a file large enough to be streamed gives
// the same configuration and diagnostics as the same bytes read whole,
// with long lines and comments straddling the block boundaries.
func TestStreamedFileReadsAsWhole(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("global_defs {\n  router_id stream\n}\n")
	for i := 0; b.Len() < streamMin+3*streamBlock; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "# comment %d %s\n", i, bytes.Repeat([]byte{'c'}, i%2000))
		case 1:
			fmt.Fprintf(&b, "  %s\n", bytes.Repeat([]byte{'w'}, 1000+i%1500))
		default:
			fmt.Fprintf(&b, "vrrp_instance V%d {\n interface eth0\n virtual_router_id %d\n priority 100\n virtual_ipaddress {\n  10.0.%d.%d/32\n }\n}\n", i, i%255+1, i/250%250, i%250+1)
		}
	}
	if b.Len() < streamMin {
		t.Fatalf("test file of %d bytes is not streamed", b.Len())
	}
	path := filepath.Join(t.TempDir(), "big.conf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := benchOptions()
	streamed, sd, err1 := Parse(path, opts)
	whole, wd, err2 := ParseBytes(path, b.Bytes(), opts)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("errors differ: %v / %v", err1, err2)
	}
	if sd.String() != wd.String() || sd.ExitCode() != wd.ExitCode() {
		t.Fatalf("diagnostics differ:\nstreamed:\n%.2000s\nwhole:\n%.2000s", sd, wd)
	}
	if len(streamed.VRRP.Instances) != len(whole.VRRP.Instances) || len(whole.VRRP.Instances) == 0 {
		t.Fatalf("%d instances streamed, %d whole", len(streamed.VRRP.Instances), len(whole.VRRP.Instances))
	}
}
