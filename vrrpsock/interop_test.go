package vrrpsock_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/vrrpsock"
)

// header is the part of a VRRP advert this package's tests look at; the
// full codec is the engine's.
type header struct {
	version, typ, vrid, prio, count int
	authType, advInt                int // v2: auth type and seconds; v3: 0 and centiseconds
	addrs                           []netip.Addr
}

func decode(b []byte, v6 bool) (header, error) {
	if len(b) < 8 {
		return header{}, fmt.Errorf("%d bytes", len(b))
	}
	h := header{version: int(b[0] >> 4), typ: int(b[0] & 0xf), vrid: int(b[1]), prio: int(b[2]), count: int(b[3])}
	alen := 4
	if v6 {
		alen = 16
	}
	switch h.version {
	case 2:
		h.authType, h.advInt = int(b[4]), int(b[5])
	case 3:
		h.advInt = int(binary.BigEndian.Uint16(b[4:]) & 0x0fff)
	default:
		return h, fmt.Errorf("version %d", h.version)
	}
	if len(b) < 8+h.count*alen {
		return h, fmt.Errorf("%d bytes for %d addresses", len(b), h.count)
	}
	for i := 0; i < h.count; i++ {
		a, _ := netip.AddrFromSlice(b[8+i*alen : 8+(i+1)*alen])
		h.addrs = append(h.addrs, a)
	}
	return h, nil
}

// TestKeepalivedInterop starts the real keepalived as master in one lab
// host and checks, with this package's sockets in another, that its
// adverts arrive with TTL / hop limit 255 and decode as VRRP.
func TestKeepalivedInterop(t *testing.T) {
	ka, err := exec.LookPath("keepalived")
	if err != nil {
		t.Skip("keepalived is not installed (apt-get install keepalived)")
	}
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	c4 := listen(t, h2, "ip4", nil)
	c6 := listen(t, h2, "ip6", nil)

	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	vip4, vip6 := "10.213.0.100", "fd0b:213::100"
	err = os.WriteFile(conf, fmt.Appendf(nil, `global_defs {
	router_id kgo-%s
}
vrrp_instance VI_51 {
	state MASTER
	interface %s
	virtual_router_id 51
	priority 150
	advert_int 1
	version 2
	virtual_ipaddress {
		%s/24
	}
}
vrrp_instance VI_52 {
	state MASTER
	interface %s
	virtual_router_id 52
	priority 150
	advert_int 1
	version 3
	virtual_ipaddress {
		%s/64
	}
}
`, h1.NS.Name, h1.Link, vip4, h1.Link, vip6), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p := h1.Start(t, ka, "--vrrp", "-n", "-l", "-D", "-G", "-f", conf,
		"-p", filepath.Join(dir, "ka.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "chk.pid"))
	defer func() {
		if t.Failed() {
			t.Logf("keepalived output:\n%s", p.Output())
		}
	}()
	defer p.Signal(syscall.SIGTERM)

	check := func(c *vrrpsock.Conn, v6 bool, want header, src, dst netip.Addr) {
		t.Helper()
		// keepalived waits up to its Master_Down_Interval before its
		// first advert.
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		b := make([]byte, 1500)
		for {
			n, from, to, ttl, err := c.ReadFrom(b)
			if err != nil {
				t.Fatalf("no advert from keepalived: %v", err)
			}
			h, err := decode(b[:n], v6)
			if err != nil {
				t.Fatalf("undecodable advert %x: %v", b[:n], err)
			}
			if h.vrid != want.vrid {
				continue
			}
			if ttl != 255 || from != src || to != dst {
				t.Errorf("VRID %d: from %s to %s ttl %d; want from %s to %s ttl 255", h.vrid, from, to, ttl, src, dst)
			}
			if fmt.Sprint(h) != fmt.Sprint(want) {
				t.Errorf("VRID %d: header %+v, want %+v", h.vrid, h, want)
			}
			return
		}
	}
	check(c4, false, header{version: 2, typ: 1, vrid: 51, prio: 150, count: 1, advInt: 1, addrs: []netip.Addr{netip.MustParseAddr(vip4)}},
		h1.IPv4.Addr(), vrrpsock.GroupIPv4)
	check(c6, true, header{version: 3, typ: 1, vrid: 52, prio: 150, count: 1, advInt: 100, addrs: []netip.Addr{netip.MustParseAddr(vip6)}},
		h1.LinkLocal, vrrpsock.GroupIPv6)
}
