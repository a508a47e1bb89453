package nftfilter

import (
	"encoding/binary"
	"maps"
	"slices"
	"testing"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// fakeRaw records the NEWSET messages sent outside the nftables module.
type fakeRaw struct{ sets []netlink.Message }

func (f *fakeRaw) SendMessages(m []netlink.Message) ([]netlink.Message, error) {
	for _, msg := range m {
		if int(msg.Header.Type)&0xff == unix.NFT_MSG_NEWSET {
			f.sets = append(f.sets, msg)
		}
	}
	return m, nil
}
func (f *fakeRaw) Receive() ([]netlink.Message, error) { return nil, nil }
func (f *fakeRaw) Close() error                        { return nil }

func fakeIPVS(t *testing.T, cfg IPVSConfig) (*IPVSMarks, *fake, *fakeRaw) {
	t.Helper()
	fk := &fake{}
	m, err := NewIPVS(cfg, nftables.WithTestDial(fk.dial))
	if err != nil {
		t.Fatal(err)
	}
	if m.raw != nil {
		m.raw.Close() // a real socket: never used here
	}
	raw := &fakeRaw{}
	m.raw = raw
	return m, fk, raw
}

// TestIPVSMessages: what each Set sends — table and chain once per family
// (after a purge of a stale table), a map and its rule once per family
// and protocol, one batch per element, deletions before additions; Close
// deletes both tables.
func TestIPVSMessages(t *testing.T) {
	m, fk, raw := fakeIPVS(t, IPVSConfig{Priority: -1})
	tcp4, udp4, tcp6 := ipvsEntries[0], ipvsEntries[3], ipvsEntries[2]
	steps := []struct {
		name string
		set  []IPVSEntry
		want []string
		maps int
	}{
		{"first ipv4 tcp", []IPVSEntry{tcp4}, []string{"gettable", "gettable",
			"newtable", "newchain", "newrule", "newsetelem"}, 1},
		{"same again", []IPVSEntry{tcp4}, nil, 0},
		{"udp map", []IPVSEntry{tcp4, udp4}, []string{"newrule", "newsetelem"}, 1},
		{"ipv6 table", []IPVSEntry{tcp4, udp4, tcp6}, []string{"newtable", "newchain", "newrule", "newsetelem"}, 1},
		{"tcp4 goes", []IPVSEntry{udp4, tcp6}, []string{"delsetelem"}, 0},
		{"close", nil, nil, 0},
	}
	for _, s := range steps {
		raw.sets = nil
		if s.name == "close" {
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if got := fk.take(); !slices.Equal(got, []string{"deltable", "deltable"}) {
				t.Errorf("close sent %v", got)
			}
			continue
		}
		if err := m.Set(s.set); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := fk.take(); !slices.Equal(got, s.want) {
			t.Errorf("%s sent %v, want %v", s.name, got, s.want)
		}
		if len(raw.sets) != s.maps {
			t.Errorf("%s created %d maps, want %d", s.name, len(raw.sets), s.maps)
		}
	}
}

// TestIPVSMapAttributes: the map is keepalived's setup_set: concatenated
// interval map, key type 7<<6|13 (ipv4_addr . inet_service) of 8 bytes or
// 8<<6|13 of 20, mark data of 4, field lengths 4 (16) and 2, host byte
// order user data, and a counter expression with nftables_counters.
func TestIPVSMapAttributes(t *testing.T) {
	for _, c := range []struct {
		e        IPVSEntry
		counters bool
		keyType  uint32
		keyLen   uint32
		fields   []uint32
	}{
		{ipvsEntries[0], false, 7<<6 | 13, 8, []uint32{4, 2}},
		{ipvsEntries[2], true, 8<<6 | 13, 20, []uint32{16, 2}},
	} {
		m, _, raw := fakeIPVS(t, IPVSConfig{Counters: c.counters})
		if err := m.Set([]IPVSEntry{c.e}); err != nil {
			t.Fatal(err)
		}
		if len(raw.sets) != 1 {
			t.Fatalf("%d maps", len(raw.sets))
		}
		ad, err := netlink.NewAttributeDecoder(raw.sets[0].Data[4:])
		if err != nil {
			t.Fatal(err)
		}
		ad.ByteOrder = binary.BigEndian
		got := map[uint16]uint32{}
		var fields []uint32
		var name, expr string
		var udata []byte
		for ad.Next() {
			switch ad.Type() {
			case unix.NFTA_SET_NAME:
				name = ad.String()
			case unix.NFTA_SET_FLAGS, unix.NFTA_SET_KEY_TYPE, unix.NFTA_SET_KEY_LEN, unix.NFTA_SET_DATA_TYPE, unix.NFTA_SET_DATA_LEN:
				got[ad.Type()] = ad.Uint32()
			case unix.NFTA_SET_DESC:
				ad.Nested(func(d *netlink.AttributeDecoder) error {
					for d.Next() {
						d.Nested(func(l *netlink.AttributeDecoder) error {
							for l.Next() {
								l.Nested(func(f *netlink.AttributeDecoder) error {
									for f.Next() {
										fields = append(fields, binary.BigEndian.Uint32(f.Bytes()))
									}
									return nil
								})
							}
							return nil
						})
					}
					return nil
				})
			case unix.NFTA_SET_USERDATA:
				udata = ad.Bytes()
			case nftaSetExpr:
				ad.Nested(func(x *netlink.AttributeDecoder) error {
					for x.Next() {
						if x.Type() == unix.NFTA_EXPR_NAME {
							expr = x.String()
						}
					}
					return nil
				})
			}
		}
		if err := ad.Err(); err != nil {
			t.Fatal(err)
		}
		want := map[uint16]uint32{
			unix.NFTA_SET_FLAGS:     unix.NFT_SET_MAP | unix.NFT_SET_INTERVAL | nftSetConcat,
			unix.NFTA_SET_KEY_TYPE:  c.keyType,
			unix.NFTA_SET_KEY_LEN:   c.keyLen,
			unix.NFTA_SET_DATA_TYPE: markType,
			unix.NFTA_SET_DATA_LEN:  4,
		}
		if name != "tcp_map" || !maps.Equal(got, want) || !slices.Equal(fields, c.fields) || !slices.Equal(udata, hostOrderUserData()) {
			t.Errorf("%s: map %q %v fields %v udata %x, want tcp_map %v fields %v", c.e, name, got, fields, udata, want, c.fields)
		}
		if (expr == "counter") != c.counters {
			t.Errorf("%s: set expression %q with counters %v", c.e, expr, c.counters)
		}
	}
}

func TestIPVSKey(t *testing.T) {
	if got := ipvsKey(mustAddr("10.0.0.1"), 80); !slices.Equal(got, []byte{10, 0, 0, 1, 0, 80, 0, 0}) {
		t.Errorf("ipv4 key %v", got)
	}
	if got := len(ipvsKey(mustAddr("fd00::1"), 443)); got != 20 {
		t.Errorf("ipv6 key of %d bytes", got)
	}
}
