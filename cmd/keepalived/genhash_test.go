package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
)

// TestGenhashMode: `keepalived -T`/`--genhash` and a keepalived called
// genhash run genhash as keepalived 2.2.7 does — same usage line (naming
// --genhash), same warning when -T is not the first option, same digest
// from a loopback server. check/genhash's TestDifferential covers the rest.
func TestGenhashMode(t *testing.T) {
	const ka = "/usr/sbin/keepalived"
	if _, err := os.Stat(ka); err != nil {
		t.Skipf("%s not installed", ka)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1024)
				for got := ""; !bytes.Contains([]byte(got), []byte("\r\n\r\n")); {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					got += string(buf[:n])
				}
				_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\nhello\n")
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, args := range [][]string{
		{"-T"},
		{"--genhash", "-h"},
		{"-T", "-s", "127.0.0.1", "-p", port, "-u", "/"},
		{"-l", "--genh", "-s", "127.0.0.1", "-p", port, "-u", "/"},
		{"-D", "-T", "-s", "127.0.0.1"},
	} {
		cmd := exec.Command(ka, args...)
		var wantOut, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
		status := 0
		var ee *exec.ExitError
		if err := cmd.Run(); errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		got := run(append([]string{ka}, args...), &out, &errb)
		if got != status || out.String() != wantOut.String() || errb.String() != wantErr.String() {
			t.Errorf("keepalived %q\nkeepalived: %d %q %q\nours:       %d %q %q", args, status, wantOut.String(), wantErr.String(), got, out.String(), errb.String())
		}
	}
	var out bytes.Buffer
	if run([]string{"/usr/bin/genhash", "-s", "127.0.0.1", "-p", port, "-u", "/"}, &out, io.Discard) != 0 || out.String() != "b1946ac92492d2347c6235b4d2611184\n" {
		t.Errorf("as genhash: %q", out.String())
	}
}

// TestVersionClaims: -v lists only build options that work here.
func TestVersionClaims(t *testing.T) {
	var b bytes.Buffer
	printVersion(&b)
	line := ""
	for _, l := range bytes.Split(b.Bytes(), []byte("\n")) {
		if bytes.HasPrefix(l, []byte("Config options:")) {
			line = string(l)
		}
	}
	for _, want := range []string{" LVS", " REGEX", " VRRP", " VRRP_AUTH", " VRRP_VMAC", " JSON", " NFTABLES", " BFD",
		" SNMP_V3_FOR_V2", " SNMP_VRRP", " SNMP_CHECKER", " SNMP_RFCV2", " SNMP_RFCV3", " DBUS"} {
		if !bytes.Contains([]byte(line+" "), []byte(want+" ")) {
			t.Errorf("%q lacks%s", line, want)
		}
	}
	for _, not := range []string{" SNMP"} {
		if bytes.Contains([]byte(line+" "), []byte(not+" ")) {
			t.Errorf("%q claims%s, which keepalived-go does not do", line, not)
		}
	}
}
