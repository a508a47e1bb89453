package lvs

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestNFTablesIPVSGroup: with nftables_ipvs, keepalived marks a group's
// traffic through nftables and programs one fwmark service; keepalived-go
// programs each group entry as its own service (docs/compat.md) and says
// so at start rather than silently.
func TestNFTablesIPVSGroup(t *testing.T) {
	conf := `global_defs {
  nftables_ipvs
}
virtual_server_group G {
  10.9.9.1-3 80
}
virtual_server group G {
  protocol TCP
  real_server 10.1.1.1 80 {
  }
}
`
	var log bytes.Buffer
	p, err := translate(parse(t, conf), slog.New(slog.NewTextHandler(&log, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.byID[p.order[0]].services); n != 3 {
		t.Errorf("%d services for a 3-address group, want one per entry", n)
	}
	if !strings.Contains(log.String(), "nftables_ipvs: group entries are programmed as IPVS services one by one") {
		t.Errorf("no start-up warning for nftables_ipvs:\n%s", log.String())
	}
}
