package vrrp

import (
	"errors"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/vrrp/wire"
)

// keepalived logs every advert it drops. A flood of bad adverts (a
// misconfigured peer at advert_int 0.01, or an attacker) would then write
// lines as fast as packets arrive, so each instance logs at most
// dropLogBurst of them per dropLogWindow and then one summary line for the
// rest; a peer misconfigured at the usual one advert a second is logged
// exactly as keepalived logs it.
const (
	dropLogBurst  = 10
	dropLogWindow = time.Second
)

// dropLog is one instance's rate limit for dropped-advert lines.
type dropLog struct {
	start      time.Time // of the current window
	logged     int       // lines in the current window
	suppressed int       // lines not logged in the current window
}

// dropf logs a dropped advert in keepalived's words, within the rate limit.
func (in *instance) dropf(format string, args ...any) {
	if in.dropAllowed() {
		in.logf(format, args...)
	}
}

// dropAllowed counts one dropped-advert line against the rate limit and
// reports whether it may be logged.
func (in *instance) dropAllowed() bool {
	d := &in.drops
	now := in.now()
	in.flushDrops(now)
	if d.start.IsZero() {
		d.start = now
	}
	if d.logged >= dropLogBurst {
		d.suppressed++
		return false
	}
	d.logged++
	return true
}

// flushDrops closes a window that has run out, logging how many lines it
// held back. It runs on every received packet and sent advert, so the
// summary comes at most an advert interval after a flood ends.
func (in *instance) flushDrops(now time.Time) {
	d := &in.drops
	if d.start.IsZero() || now.Sub(d.start) < dropLogWindow {
		return
	}
	if d.suppressed > 0 {
		in.logf("suppressed %d similar messages about dropped adverts", d.suppressed)
	}
	*d = dropLog{}
}

// ipv4HeaderLen is added to VRRP lengths in keepalived's length messages,
// which count the IP header (always 20 bytes: VRRP senders use no options).
const ipv4HeaderLen = 20

// logDecodeError logs a packet the decoder refused, with keepalived's
// message for the same check (vrrp_check_packet).
func (in *instance) logDecodeError(err error, b []byte, src netip.Addr) {
	var we *wire.Error
	if !errors.As(err, &we) || len(b) < 8 {
		// keepalived drops a packet too short for a VRRP header silently.
		return
	}
	ver, typ := int(b[0]>>4), int(b[0]&0x0f)
	switch we.Kind {
	case wire.KindPacketLen, wire.KindAddrList:
		got, want := len(b), in.expectedLen(b, src)
		if !src.Is6() || src.Is4In6() {
			got, want = got+ipv4HeaderLen, want+ipv4HeaderLen
		}
		size := "short"
		if got > want {
			size = "long"
		}
		in.dropf("vrrp packet too %s, length %d and expect %d", size, got, want)
	case wire.KindVersion:
		in.dropf("wrong version. Received %d and expect %d", ver, in.cfg.Version)
	case wire.KindType:
		in.dropf("Invalid packet type. %d and expect %d", typ, wire.TypeAdvertisement)
	case wire.KindChecksum:
		in.dropf("Invalid VRRPv%d checksum", ver)
	case wire.KindAuthType:
		in.dropf("Invalid auth type: %d", b[4])
	case wire.KindAuthUnsupported:
		// keepalived knows AH: an AH advert to a non-AH instance is an
		// auth type mismatch there.
		in.dropf("received a %d auth, expecting %d!", b[4], in.cfg.AuthType)
	}
}

// expectedLen is the VRRP length the header's address count calls for.
func (in *instance) expectedLen(b []byte, src netip.Addr) int {
	al := 4
	if src.Is6() && !src.Is4In6() {
		al = 16
	}
	n := 8 + al*int(b[3])
	if b[0]>>4 == 2 {
		n += wire.AuthLen
	}
	return n
}

// logAddrMismatch is keepalived's pair of address-list messages: the
// count first, then the first of our addresses missing from the advert.
func (in *instance) logAddrMismatch(got []netip.Addr) {
	want := in.tx.Addrs
	if len(got) != len(want) {
		in.dropf("received an unexpected ip number count %d, expected %d!", len(got), len(want))
		return
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			in.dropf("ip address associated with VRID %d not present in MASTER advert: %s", in.cfg.VRID, w)
			return
		}
	}
}
