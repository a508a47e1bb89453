package lvs

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/nftfilter"
	"github.com/google/go-cmp/cmp"
)

const nftConf = `global_defs {
  nftables_ipvs
  nftables_ipvs_start_fwmark 2000
}
virtual_server_group G {
  10.9.9.1-3 80
  10.9.8.1 443
}
virtual_server_group H {
  fd00:9::1-3 80
}
virtual_server_group F {
  10.9.7.1 80
  fwmark 7
}
virtual_server group G {
  protocol TCP
  lb_kind NAT
  real_server 10.1.1.1 80 {
  }
}
virtual_server group G {
  protocol UDP
  lb_kind DR
  real_server 10.1.1.1 80 {
  }
}
virtual_server group H {
  protocol TCP
  lb_kind DR
  real_server fd00:1::1 80 {
  }
}
virtual_server group F {
  protocol TCP
  lb_kind DR
  real_server 10.1.1.2 80 {
  }
}
`

// TestNFTablesIPVSGroup: with nftables_ipvs, a group of addresses is one
// fwmark service per group and protocol, marks counted from
// nftables_ipvs_start_fwmark in virtual server order, its entries map
// elements; a group with a fwmark entry stays one service per entry, as
// in keepalived's ipvs_cmd.
func TestNFTablesIPVSGroup(t *testing.T) {
	var log bytes.Buffer
	p, err := translate(parse(t, nftConf), slog.New(slog.NewTextHandler(&log, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range p.order {
		for _, s := range p.byID[id].services {
			got = append(got, id+" "+s.ServiceKey.Normalize().String())
		}
	}
	want := []string{
		"[G]:0 FWM 2000 IPv4", "[G]:1 FWM 2001 IPv4", "[H]:0 FWM 2002 IPv6",
		"[F]:0 TCP 10.9.7.1:80", "[F]:0 FWM 7 IPv4",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	var elems []string
	for _, e := range p.nft.entries {
		elems = append(elems, e.String())
	}
	wantElems := []string{
		"tcp_map 10.9.9.1-10.9.9.3 . 80 : 2000", "tcp_map 10.9.8.1-10.9.8.1 . 443 : 2000",
		"udp_map 10.9.9.1-10.9.9.3 . 80 : 2001", "udp_map 10.9.8.1-10.9.8.1 . 443 : 2001",
		"tcp_map fd00:9::1-fd00:9::3 . 80 : 2002",
	}
	if diff := cmp.Diff(wantElems, elems); diff != "" {
		t.Errorf("map elements (-want +got):\n%s", diff)
	}
	if (p.nft.cfg != nftfilter.IPVSConfig{Table: "keepalived_ipvs", Priority: -1}) {
		t.Errorf("table config %+v", p.nft.cfg)
	}
	if strings.Contains(log.String(), "level=WARN") {
		t.Errorf("warnings:\n%s", log.String())
	}
}

// fakeMarks records what a Manager asks of the nftables_ipvs table.
type fakeMarks struct {
	mu     sync.Mutex
	cfg    nftfilter.IPVSConfig
	elems  []nftfilter.IPVSEntry
	closed string
}

func (f *fakeMarks) Set(e []nftfilter.IPVSEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.elems = slices.Clone(e)
	return nil
}
func (f *fakeMarks) Close() error   { f.mu.Lock(); f.closed = "close"; f.mu.Unlock(); return nil }
func (f *fakeMarks) Release() error { f.mu.Lock(); f.closed = "release"; f.mu.Unlock(); return nil }

func (f *fakeMarks) marks() []uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint32
	for _, e := range f.elems {
		if !slices.Contains(out, e.Mark) {
			out = append(out, e.Mark)
		}
	}
	return out
}

// TestNFTablesIPVSManager: the Manager opens the table with the first
// group, a reload keeps the marks of groups that stay and gives a new
// group the next one, and the table goes at shutdown.
func TestNFTablesIPVSManager(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := &ipvs.Memory{}
		var tables []*fakeMarks
		open := func(c nftfilter.IPVSConfig) (MarkTable, error) {
			f := &fakeMarks{cfg: c}
			tables = append(tables, f)
			return f, nil
		}
		// Registered before started's, so it runs after the Manager stopped.
		t.Cleanup(func() {
			if len(tables) != 1 || tables[0].closed != "close" {
				t.Errorf("table at shutdown: %d opened, want one closed", len(tables))
			}
		})
		m := started(t, k, nftConf, Options{Marks: open})
		if len(tables) != 1 {
			t.Fatalf("%d tables opened", len(tables))
		}
		f := tables[0]
		if got := f.marks(); !slices.Equal(got, []uint32{2000, 2001, 2002}) {
			t.Errorf("marks %v", got)
		}
		want := []string{
			"-A FWM 2000 IPv4 -s wlc",
			"-A FWM 2001 IPv4 -s wlc",
			"-A FWM 2002 IPv6 -s wlc",
			"-A FWM 7 IPv4 -s wlc",
			"-A TCP 10.9.7.1:80 -s wlc",
			// NAT keeps the real server's port; DR to a fwmark service has none.
			"-a FWM 2000 IPv4 -r 10.1.1.1:80 NAT weight 1",
			"-a FWM 2001 IPv4 -r 10.1.1.1:0 DR weight 1",
			"-a FWM 2002 IPv6 -r [fd00:1::1]:0 DR weight 1",
			"-a FWM 7 IPv4 -r 10.1.1.2:0 DR weight 1",
			"-a TCP 10.9.7.1:80 -r 10.1.1.2:80 DR weight 1",
		}
		if diff := cmp.Diff(want, table(t, k)); diff != "" {
			t.Errorf("IPVS (-want +got):\n%s", diff)
		}

		// G's UDP server goes; group J comes and gets the next mark.
		conf := strings.Replace(nftConf, `virtual_server group G {
  protocol UDP`, `virtual_server_group J {
  10.9.6.1 80
}
virtual_server group J {
  protocol UDP`, 1)
		if err := m.Reload(parse(t, conf)); err != nil {
			t.Fatal(err)
		}
		waitMembers(t, m)
		if got := f.marks(); !slices.Equal(got, []uint32{2000, 2003, 2002}) {
			t.Errorf("marks after reload %v", got)
		}
		if got := table(t, k); slices.Contains(got, "-A FWM 2001 IPv4 -s wlc") || !slices.Contains(got, "-A FWM 2003 IPv4 -s wlc") {
			t.Errorf("IPVS after reload:\n%s", strings.Join(got, "\n"))
		}
	})
}
