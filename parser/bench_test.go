package parser

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// Size of the benchmark configuration: 10 000 virtual servers with 4 real
// servers each, every real server with a checker.
const (
	benchVS = 10_000
	benchRS = 4
)

// writeBenchConfig writes a configuration with nVS virtual servers of nRS
// real servers each. The real servers cycle through HTTP_GET, TCP_CHECK,
// SSL_GET and DNS_CHECK. A global_defs and an SSL block make it a whole
// file; there is no VRRP instance so that the verdict (clean for
// keepalived -t and ours) does not depend on the host's interfaces.
func writeBenchConfig(w io.Writer, nVS, nRS int) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `global_defs {
  router_id bench
  enable_script_security
}

SSL {
}
`)
	for v := 0; v < nVS; v++ {
		fmt.Fprintf(b, `
virtual_server 10.%d.%d.%d %d {
  delay_loop 6
  lb_algo wlc
  lb_kind DR
  persistence_timeout 50
  protocol TCP
  sorry_server 10.254.0.1 %d
`, v/62500, v/250%250, v%250+1, 80+v%3, 80+v%3)
		for r := 0; r < nRS; r++ {
			ip := fmt.Sprintf("172.%d.%d.%d", 16+r, v/250%250, v%250+1)
			fmt.Fprintf(b, "  real_server %s %d {\n    weight %d\n", ip, 80+v%3, r+1)
			switch r % 4 {
			case 0:
				fmt.Fprintf(b, `    HTTP_GET {
      url {
        path /health
        status_code 200-299
      }
      url {
        path /ready
        digest 9b3a0c85a887a256d6939da88aabd8cd
      }
      connect_timeout 3
      retry 3
      delay_before_retry 2
    }
`)
			case 1:
				fmt.Fprintf(b, `    TCP_CHECK {
      connect_port %d
      connect_timeout 3
    }
`, 80+v%3)
			case 2:
				fmt.Fprintf(b, `    SSL_GET {
      url {
        path /
        status_code 200
      }
      connect_port 443
      connect_timeout 5
    }
`)
			case 3:
				fmt.Fprintf(b, `    DNS_CHECK {
      type A
      name www.example.com
      connect_timeout 2
    }
`)
			}
			fmt.Fprintf(b, "  }\n")
		}
		fmt.Fprintf(b, "}\n")
	}
	return b.Flush()
}

// benchOptions is a -t parse on a faked host (no interface or user look-ups
// in the timed loop).
func benchOptions() Options {
	o := recordedHost("bench")
	o.InterfaceExists = func(string) bool { return true }
	return o
}

// BenchmarkParse10k parses (and validates) the 10 000 × 4 configuration,
// read from memory. scripts/bench-parse.sh sets it beside keepalived -t.
func BenchmarkParse10k(b *testing.B) {
	f, err := os.CreateTemp(b.TempDir(), "bench-*.conf")
	if err != nil {
		b.Fatal(err)
	}
	if err := writeBenchConfig(f, benchVS, benchRS); err != nil {
		b.Fatal(err)
	}
	f.Close()
	data, err := os.ReadFile(f.Name())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	noKindChecks(b)
	b.ResetTimer()
	for b.Loop() {
		cfg, diags, err := ParseBytes(f.Name(), data, benchOptions())
		if err != nil || diags.ExitCode() != ExitOK || len(cfg.LVS.VirtualServers) != benchVS {
			b.Fatalf("bench config: err %v, exit %d, %d virtual servers\n%s", err, diags.ExitCode(), len(cfg.LVS.VirtualServers), diags)
		}
	}
}

// benchCases are the configurations scripts/bench-parse.sh times, by
// KA_BENCH_CASE ("" is the 10 000 x 4 file).
var benchCases = map[string]func(io.Writer) error{
	"":         func(w io.Writer) error { return writeBenchConfig(w, benchVS, benchRS) },
	"line1m":   func(w io.Writer) error { return writeLongLine(w, 1<<20) },
	"line10m":  func(w io.Writer) error { return writeLongLine(w, 10<<20) },
	"vips8k":   func(w io.Writer) error { return writeManyVIPs(w, 8191) },
	"vips64k":  func(w io.Writer) error { return writeManyVIPs(w, 65535) },
	"comments": func(w io.Writer) error { return writeComments(w, 200_000_000) },
}

// writeComments writes a global_defs and then about size bytes of comment
// lines: what reading costs when nothing is kept.
func writeComments(w io.Writer, size int) error {
	b := bufio.NewWriter(w)
	fmt.Fprint(b, "global_defs {\n  router_id big\n}\n")
	line := "# " + strings.Repeat("x", 60) + "\n"
	for n := 0; n < size; n += len(line) {
		b.WriteString(line)
	}
	return b.Flush()
}

// TestWriteBenchConfig writes the benchmark configuration KA_BENCH_CASE to
// $KA_BENCH_CONF for scripts/bench-parse.sh, and otherwise checks that a
// small instance of it is clean for our -t.
func TestWriteBenchConfig(t *testing.T) {
	if path := os.Getenv("KA_BENCH_CONF"); path != "" {
		gen, ok := benchCases[os.Getenv("KA_BENCH_CASE")]
		if !ok {
			t.Fatalf("KA_BENCH_CASE %q: no such case", os.Getenv("KA_BENCH_CASE"))
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := gen(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.CreateTemp(t.TempDir(), "bench-*.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeBenchConfig(f, 20, benchRS); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg, diags, err := Parse(f.Name(), benchOptions())
	if err != nil || diags.ExitCode() != ExitOK {
		t.Fatalf("err %v, exit %d:\n%s", err, diags.ExitCode(), diags)
	}
	if n := len(cfg.LVS.VirtualServers); n != 20 {
		t.Fatalf("%d virtual servers, want 20", n)
	}
	for _, vs := range cfg.LVS.VirtualServers {
		if len(vs.RealServers) != benchRS {
			t.Fatalf("%d real servers, want %d", len(vs.RealServers), benchRS)
		}
	}
}

// writeLongLine writes a configuration whose second line is n bytes long.
func writeLongLine(w io.Writer, n int) error {
	b := bufio.NewWriter(w)
	fmt.Fprint(b, "global_defs {\n  router_id ")
	for range n {
		b.WriteByte('a')
	}
	fmt.Fprint(b, "\n}\n")
	return b.Flush()
}

// writeManyVIPs writes one VRRP instance with n virtual addresses.
func writeManyVIPs(w io.Writer, n int) error {
	b := bufio.NewWriter(w)
	fmt.Fprint(b, "vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(b, "    10.%d.%d.%d/32\n", i>>16, i>>8&255, i&255)
	}
	fmt.Fprint(b, "  }\n}\n")
	return b.Flush()
}

// benchParseGenerated parses what gen writes, once per iteration.
func benchParseGenerated(b *testing.B, gen func(io.Writer) error) {
	var buf bytes.Buffer
	if err := gen(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	noKindChecks(b)
	for b.Loop() {
		if _, _, err := ParseBytes("bench.conf", data, benchOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// The scaling benchmarks: each pair differs by a factor in size, so a
// super-linear path shows as a larger factor in ns/op.
func BenchmarkParseLine100k(b *testing.B) {
	benchParseGenerated(b, func(w io.Writer) error { return writeLongLine(w, 100_000) })
}

func BenchmarkParseLine1M(b *testing.B) {
	benchParseGenerated(b, func(w io.Writer) error { return writeLongLine(w, 1<<20) })
}

func BenchmarkParseVIPs4k(b *testing.B) {
	benchParseGenerated(b, func(w io.Writer) error { return writeManyVIPs(w, 4096) })
}

func BenchmarkParseVIPs64k(b *testing.B) {
	benchParseGenerated(b, func(w io.Writer) error { return writeManyVIPs(w, 65535) })
}

// BenchmarkParseFile parses $KA_BENCH_FILE from disk (Parse, so a large
// file is streamed), for profiling a given configuration.
func BenchmarkParseFile(b *testing.B) {
	path := os.Getenv("KA_BENCH_FILE")
	if path == "" {
		b.Skip("KA_BENCH_FILE not set")
	}
	b.ReportAllocs()
	noKindChecks(b)
	for b.Loop() {
		if _, _, err := Parse(path, benchOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// noKindChecks turns off, for a benchmark, the check of every line's kind
// that the tests run.
func noKindChecks(b *testing.B) {
	old := checkKinds
	checkKinds = false
	b.Cleanup(func() { checkKinds = old })
}
