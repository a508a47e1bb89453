package parser

import (
	"errors"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// Policy bits, as keepalived accumulates them over every
// vrrp_rx_bufs_policy line before it resolves conflicts.
const (
	rxBitMTU = 1 << iota
	rxBitAdvert
	rxBitSize
)

// rxBufsPolicy is keepalived's vrrp_rx_bufs_policy_handler: MTU and ADVERT
// in any case; any other word is a size, read (a quirk kept) from the
// first argument whatever its position, in [0, UINT_MAX] with leading
// white space allowed, so that 0 is a size too. A size beats a policy, MTU
// beats ADVERT.
func rxBufsPolicy(c *ctx, kw token, args []token) {
	if len(args) == 0 {
		c.Report(kw.Pos, generalError, "vrrp_rx_bufs_policy missing")
		return
	}
	g := c.vg()
	bits := map[config.RxBufsPolicy]int{config.RxBufsMTU: rxBitMTU, config.RxBufsAdvert: rxBitAdvert, config.RxBufsSizePolicy: rxBitSize}[g.RxBufsPolicy]
	for _, a := range args {
		switch {
		case strings.EqualFold(a.Text, "MTU"):
			bits |= rxBitMTU
		case strings.EqualFold(a.Text, "ADVERT"):
			bits |= rxBitAdvert
		default:
			n, bad := kaUnsigned(args[0].Text, 1<<32-1)
			if bad != "" {
				c.Report(a.Pos, invalidNumber, bad, args[0].Text)
				c.Report(a.Pos, generalError, "Invalid vrrp_rx_bufs_policy %s", a.Text)
				continue
			}
			g.RxBufsSize = uint32(n)
			bits |= rxBitSize
		}
	}
	if bits&rxBitSize != 0 && bits&(rxBitMTU|rxBitAdvert) != 0 {
		c.Report(kw.Pos, generalError, "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy")
		bits = rxBitSize
	} else if bits&rxBitMTU != 0 && bits&rxBitAdvert != 0 {
		c.Report(kw.Pos, generalError, "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT")
		bits = rxBitMTU
	}
	switch {
	case bits&rxBitMTU != 0:
		g.RxBufsPolicy = config.RxBufsMTU
	case bits&rxBitAdvert != 0:
		g.RxBufsPolicy = config.RxBufsAdvert
	case bits&rxBitSize != 0:
		g.RxBufsPolicy = config.RxBufsSizePolicy
	}
}

// kaUnsigned is keepalived's read_unsigned_func in base 10: leading white
// space is skipped (a quoted "  64"), a sign refused, and the rest must be
// a number up to hi. bad is keepalived's message (taking the value) when
// it is not.
func kaUnsigned(s string, hi uint64) (n uint64, bad string) {
	t := strings.TrimLeft(s, whitespace)
	if strings.HasPrefix(t, "-") {
		return 0, "negative number '%s'"
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(t, "+"), 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) || err == nil && n > hi:
		return 0, "number '%s' outside unsigned integer range"
	case err != nil:
		return 0, "invalid number '%s'"
	}
	return n, ""
}
