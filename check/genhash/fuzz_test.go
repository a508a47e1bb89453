package genhash

import (
	"bytes"
	"crypto/md5"
	"io"
	"strings"
	"testing"
)

// FuzzParseArgs: the getopt-like scanner never panics on any word list.
func FuzzParseArgs(f *testing.F) {
	f.Add("-s 127.0.0.1 -p 80 -u /")
	f.Add("--server=::1 --po 8 -vSIu/ --timeout= -m")
	f.Add("-- -x extra")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		_, _ = parseArgs(args, len(args)+1, io.Discard)
	})
}

// FuzzResponse: the response reader never panics, never hashes more than
// the body, and hashes the whole body when there is no Content-Length.
func FuzzResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"), 4)
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nbody"), 1)
	f.Add([]byte("Content-Length:\r\n\r\n\r\nx"), 2)
	f.Fuzz(func(t *testing.T, resp []byte, split int) {
		if split < 1 {
			split = 1
		}
		r := reader{o: Options{Verbose: true}, out: io.Discard, sum: md5.New(), contentLen: -1}
		for p := resp; len(p) > 0; {
			n := min(split, len(p))
			r.process(p[:n])
			p = p[n:]
		}
		end := bytes.Index(resp, []byte("\r\n\r\n"))
		if r.header == nil {
			if end >= 0 && end+4 <= len(resp) {
				t.Fatalf("header not found in %q", resp)
			}
			return
		}
		if r.contentLen < 0 && r.sum.Sum(nil) != nil {
			want := md5.Sum(resp[end+4:])
			if !bytes.Equal(r.sum.Sum(nil), want[:]) {
				t.Fatalf("digest of %q differs", resp)
			}
		}
	})
}
