package vrrpsock_test

import (
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/vrrpsock"
)

// BenchmarkAdvert measures one multicast advert from one lab host to
// another: WriteTo, the kernel path through veth and bridge, and ReadFrom.
func BenchmarkAdvert(b *testing.B) {
	for _, network := range []string{"ip4", "ip6"} {
		b.Run(network, func(b *testing.B) {
			l := lab.New(b, 2)
			var c1, c2 *vrrpsock.Conn
			l.Host(1).NS.MustDo(b, func() (err error) { c1, err = vrrpsock.Listen(network, lab.Link, nil); return err })
			l.Host(2).NS.MustDo(b, func() (err error) { c2, err = vrrpsock.Listen(network, lab.Link, nil); return err })
			defer c1.Close()
			defer c2.Close()
			vip, group := netip.MustParseAddr("10.213.0.100"), vrrpsock.GroupIPv4
			if network == "ip6" {
				vip, group = netip.MustParseAddr("fd0b:213::100"), vrrpsock.GroupIPv6
			}
			adv := advert(51, 150, vip)
			buf := make([]byte, 1500)
			b.ReportAllocs()
			for b.Loop() {
				if err := c1.WriteTo(adv, netip.Addr{}, group); err != nil {
					b.Fatal(err)
				}
				if _, _, _, _, err := c2.ReadFrom(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
