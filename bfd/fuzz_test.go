package bfd

import (
	"testing"

	"github.com/dsas/keepalived-go/bfd/wire"
)

// FuzzEngineInput: whatever arrives, the engine neither panics nor loses
// count: every datagram is accepted or counted as one kind of drop.
func FuzzEngineInput(f *testing.F) {
	good := wire.Packet{State: wire.Down, DetectMult: 3, MyDiscr: 77, DesiredMinTx: 1000000, RequiredMinRx: 50000}
	f.Add(good.Append(nil), uint8(255))
	f.Add([]byte{0x20, 0xc0, 3, 24, 0, 0, 0, 1, 0, 0, 0, 2}, uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, ttl uint8) {
		e, _, _ := testEngine(t)
		e.Apply([]Spec{testSpec("B1")})
		for range 3 {
			e.Input(b, peer, local, int(ttl))
		}
		c := e.Counters()
		if n := c.Received + c.Malformed + c.NoSession + c.BadTTL + c.Refused; n != 3 {
			t.Fatalf("3 datagrams, %d counted: %+v", n, c)
		}
	})
}
