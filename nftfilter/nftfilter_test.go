package nftfilter

import (
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// fake records the nf_tables message types each batch carries and acks
// everything, as nftables' own tests do.
type fake struct {
	mu   sync.Mutex
	msgs []string
}

var msgNames = map[int]string{
	unix.NFT_MSG_NEWTABLE: "newtable", unix.NFT_MSG_GETTABLE: "gettable", unix.NFT_MSG_DELTABLE: "deltable",
	unix.NFT_MSG_NEWCHAIN: "newchain", unix.NFT_MSG_NEWSET: "newset", unix.NFT_MSG_NEWRULE: "newrule",
	unix.NFT_MSG_NEWSETELEM: "newsetelem", unix.NFT_MSG_DELSETELEM: "delsetelem",
}

func (f *fake) dial(req []netlink.Message) ([]netlink.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range req {
		if n, ok := msgNames[int(m.Header.Type)&0xff]; ok && int(m.Header.Type)>>8 == unix.NFNL_SUBSYS_NFTABLES {
			f.msgs = append(f.msgs, n)
		}
	}
	if len(req) == 1 && int(req[0].Header.Type)&0xff == unix.NFT_MSG_GETTABLE {
		// An empty dump: no stale table.
		return []netlink.Message{{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi}, Data: make([]byte, 4)}}, nil
	}
	return req, nil
}

func (f *fake) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.msgs
	f.msgs = nil
	return m
}

// TestMessages: what each call sends, without a kernel — table built once
// per family, elements counted so a shared VIP is lifted by its last Del,
// Dels of addresses never added send nothing, Close deletes the tables.
func TestMessages(t *testing.T) {
	fk := &fake{}
	f, err := New(DefaultConfig(), nftables.WithTestDial(fk.dial))
	if err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddr("192.0.2.1")
	v6 := netip.MustParseAddr("2001:db8::1")
	ll := netip.MustParseAddr("fe80::1")
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"del before any add", func() error { return f.Del(v4, 0) }, nil},
		{"first ipv4", func() error { return f.Add(v4, 0) }, []string{"gettable", "gettable",
			"newtable", "newchain", "newchain", "newset", "newrule", "newrule", "newsetelem"}},
		{"same ipv4 again", func() error { return f.Add(v4, 0) }, nil},
		{"first del of two", func() error { return f.Del(v4, 0) }, nil},
		{"last del", func() error { return f.Del(v4, 0) }, []string{"delsetelem"}},
		{"first ipv6", func() error { return f.Add(v6, 0) }, []string{
			"newtable", "newchain", "newchain", "newchain", "newchain", "newset", "newset", "newsetelem",
			"newrule", "newrule", "newrule", "newrule", "newrule", "newrule", "newsetelem"}},
		{"link-local", func() error { return f.Add(ll, 2) }, []string{"newset", "newrule", "newrule", "newsetelem"}},
		{"ipv4 again: table kept", func() error { return f.Add(v4, 0) }, []string{"newsetelem"}},
		{"close", f.Close, []string{"deltable", "deltable"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := fk.take(); !slices.Equal(got, s.want) {
			t.Errorf("%s sent %v, want %v", s.name, got, s.want)
		}
	}
}

func TestElemKey(t *testing.T) {
	for _, c := range []struct {
		ip      string
		ifindex int
		n       int
	}{{"192.0.2.1", 3, 4}, {"::ffff:192.0.2.1", 0, 4}, {"2001:db8::1", 3, 16}, {"fe80::1", 3, 20}, {"fe80::1%eth0", 0, 16}} {
		if got := len(elemKey(key(netip.MustParseAddr(c.ip), c.ifindex))); got != c.n {
			t.Errorf("%s ifindex %d: key of %d bytes, want %d", c.ip, c.ifindex, got, c.n)
		}
	}
}
