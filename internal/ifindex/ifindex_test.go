package ifindex

import (
	"net"
	"testing"
)

// TestByName: the ioctl gives the standard library's index, and an
// unknown name its error.
func TestByName(t *testing.T) {
	want, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip("no lo here")
	}
	got, err := ByName("lo")
	if err != nil || got.Index != want.Index || got.Name != "lo" {
		t.Fatalf("ByName(lo) = %+v, %v; want index %d", got, err, want.Index)
	}
	if _, err := ByName("no-such-if0"); err == nil {
		t.Fatal("an unknown interface was found")
	}
}

// TestMTU: the ioctl gives the standard library's MTU, and an unknown
// name an error.
func TestMTU(t *testing.T) {
	want, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip("no lo here")
	}
	if got, err := MTU("lo"); err != nil || got != want.MTU {
		t.Fatalf("MTU(lo) = %d, %v; want %d", got, err, want.MTU)
	}
	if _, err := MTU("no-such-if0"); err == nil {
		t.Fatal("an unknown interface has an MTU")
	}
}
