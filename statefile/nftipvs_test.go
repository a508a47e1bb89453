package statefile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/parser"
)

// TestGlobalNFTablesIPVS: the nftables_ipvs and nftables_counters lines of
// the global section, as keepalived 2.2.7 writes them (captured from
// Debian's keepalived on the same global_defs).
func TestGlobalNFTablesIPVS(t *testing.T) {
	cfg, _, err := parser.ParseBytes("k.conf", []byte(`global_defs {
  nftables_ipvs
  nftables_ipvs_priority 7
  nftables_ipvs_start_fwmark 4000
  nftables_counters
}
`), parser.Options{NoConfigID: true})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	dumpGlobal(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }, &cfg.Global, cfg.VRRP.Instances, "r")
	got := strings.Join(lines, "\n")
	want := ` ipvs nftables table name = keepalived_ipvs
 ipvs nftables base chain priority = 7
 ipvs nftables start fwmark = 4000
 nftables with counters
 libnftnl version 1.2.3`
	if !strings.Contains(got, want) {
		t.Errorf("global section:\n%s\nwant keepalived's lines:\n%s", got, want)
	}
}
