package statefile

import (
	"fmt"
	"io"

	"github.com/dsas/keepalived-go/status"
)

// FormatStats writes the SIGUSR2 stats file (keepalived's vrrp_print_stats).
func FormatStats(w io.Writer, src status.Sources) {
	for _, in := range status.Instances(src.VRRP) {
		s := &in.Stats
		fmt.Fprintf(w, "VRRP Instance: %s\n", in.Name)
		fmt.Fprintf(w, "  Advertisements:\n")
		fmt.Fprintf(w, "    Received: %d\n", s.AdvertRcvd)
		fmt.Fprintf(w, "    Sent: %d\n", s.AdvertSent)
		fmt.Fprintf(w, "  Became master: %d\n", s.BecomeMaster)
		fmt.Fprintf(w, "  Released master: %d\n", s.ReleaseMaster)
		fmt.Fprintf(w, "  Packet Errors:\n")
		fmt.Fprintf(w, "    Length: %d\n", s.PacketLenErr)
		fmt.Fprintf(w, "    TTL: %d\n", s.IPTTLErr)
		fmt.Fprintf(w, "    Invalid Type: %d\n", s.InvalidTypeRcvd)
		fmt.Fprintf(w, "    Advertisement Interval: %d\n", s.AdvertIntervalErr)
		fmt.Fprintf(w, "    Address List: %d\n", s.AddrListErr)
		fmt.Fprintf(w, "  Authentication Errors:\n")
		fmt.Fprintf(w, "    Invalid Type: %d\n", s.InvalidAuthType)
		fmt.Fprintf(w, "    Type Mismatch: %d\n", s.AuthTypeMismatch)
		fmt.Fprintf(w, "    Failure: %d\n", s.AuthFailure)
		fmt.Fprintf(w, "  Priority Zero:\n")
		fmt.Fprintf(w, "    Received: %d\n", s.PriZeroRcvd)
		fmt.Fprintf(w, "    Sent: %d\n", s.PriZeroSent)
	}
}
