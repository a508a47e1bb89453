package differential

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// summariseWire turns the frames seen on one interface into comparable
// lines: one per distinct advert (every field an operator or a peer
// checks, not the count, which depends on where the window ends) and one
// line per announced address and kind with the sizes of its bursts. The
// GARP/NA of a burst are sent back to back, so a burst's size does not
// depend on timing, but whether the window ends before or after
// garp_master_delay's second burst does: the distinct sizes are compared,
// not the number of bursts.
func summariseWire(dev string, frames []vrrplab.Frame) []string {
	adverts := map[string]bool{}
	last := map[string]time.Time{}
	bursts := map[string][]int{}
	for _, f := range frames {
		switch f.Kind {
		case vrrplab.Advert:
			adverts[dev+" "+describeAdvert(f)] = true
		case vrrplab.GARP, vrrplab.UNA:
			k := fmt.Sprintf("%s %s %s from %s", dev, f.Kind, f.Target, macKind(f.SrcMAC.String()))
			if b := bursts[k]; len(b) > 0 && f.Time.Sub(last[k]) < burstGap {
				b[len(b)-1]++
			} else {
				bursts[k] = append(b, 1)
			}
			last[k] = f.Time
		}
	}
	var out []string
	for a := range adverts {
		out = append(out, a)
	}
	for k, b := range bursts {
		sizes := map[int]bool{}
		for _, n := range b {
			sizes[n] = true
		}
		var l []string
		for n := range sizes {
			l = append(l, fmt.Sprint(n))
		}
		sort.Strings(l)
		out = append(out, fmt.Sprintf("%s bursts of %s", k, strings.Join(l, ",")))
	}
	sort.Strings(out)
	return out
}

// burstGap separates two bursts: frames of one burst are sent back to
// back (vrrp_garp_interval 0) or at most vrrp_garp_interval apart, bursts
// are garp_master_delay (5 s by default) or a refresh apart.
const burstGap = time.Second

// macKind keeps a VRRP virtual MAC (it is what use_vmac is about) and
// hides the lab's random ones.
func macKind(mac string) string {
	if strings.HasPrefix(mac, "00:00:5e:00:01:") || strings.HasPrefix(mac, "00:00:5e:00:02:") {
		return mac
	}
	return "MAC"
}

// describeAdvert decodes the fields vrrplab.Frame leaves in Raw: TTL or
// hop limit, interval, auth, and the address list.
func describeAdvert(f vrrplab.Frame) string {
	b := f.Raw
	if len(b) < 14 {
		return "short frame"
	}
	eth := binary.BigEndian.Uint16(b[12:14])
	b = b[14:]
	var ttl int
	var v []byte
	alen := 4
	switch eth {
	case 0x0800:
		if len(b) < 20 {
			return "short ipv4"
		}
		ihl := int(b[0]&0x0f) * 4
		ttl = int(b[8])
		if len(b) < ihl {
			return "short ipv4"
		}
		v = b[ihl:]
	case 0x86dd:
		if len(b) < 40 {
			return "short ipv6"
		}
		ttl = int(b[7])
		v = b[40:]
		alen = 16
	default:
		return fmt.Sprintf("ethertype %#x", eth)
	}
	if len(v) < 8 {
		return "short vrrp"
	}
	count := int(v[3])
	var interval, auth string
	if f.Version == 2 {
		interval = fmt.Sprintf("%ds", v[5])
		switch v[4] {
		case 0:
			auth = "none"
		case 1:
			auth = "pass"
			if end := 8 + count*alen; len(v) >= end+8 {
				auth += ":" + strings.TrimRight(string(v[end:end+8]), "\x00")
			}
		default:
			auth = fmt.Sprintf("type%d", v[4])
		}
	} else {
		interval = fmt.Sprintf("%dcs", int(binary.BigEndian.Uint16(v[4:6])&0x0fff))
		auth = "none"
	}
	var addrs []string
	for i := 0; i < count && 8+(i+1)*alen <= len(v); i++ {
		a, _ := netip.AddrFromSlice(v[8+i*alen : 8+(i+1)*alen])
		addrs = append(addrs, a.String())
	}
	return fmt.Sprintf("advert v%d vrid %d prio %d int %s auth %s ttl %d %s > %s from %s addrs [%s]",
		f.Version, f.VRID, f.Prio, interval, auth, ttl, normAddr(f.Src.String()), f.Dst, macKind(f.SrcMAC.String()), strings.Join(addrs, " "))
}
