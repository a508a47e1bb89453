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
