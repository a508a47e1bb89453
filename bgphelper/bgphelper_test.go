package bgphelper

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun: the helper refuses arguments (it is not run by hand) and
// answers a start whose configuration gobgp refuses with the speaker's
// error, then a stop; its stdout carries only protocol lines.
func TestRun(t *testing.T) {
	var out, errw bytes.Buffer
	if rc := run([]string{"keepalived-bgp", "-h"}, strings.NewReader(""), &out, &errw); rc != 2 || out.Len() != 0 {
		t.Errorf("with an argument: %d, stdout %q", rc, out.String())
	}
	in := `{"id":1,"op":"start","config":{"local_as":65001,"router_id":"2001:db8::1"}}` + "\n" + `{"id":2,"op":"stop"}` + "\n"
	errw.Reset()
	if rc := run([]string{"keepalived-bgp"}, strings.NewReader(in), &out, &errw); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errw.String())
	}
	want := `{"id":1,"error":"bgp: router id must be an IPv4 address"}` + "\n" + `{"id":2}` + "\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}
