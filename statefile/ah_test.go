package statefile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/status/statustest"
)

// TestDataAH: keepalived's data dump names IPSEC_AH and leaves the key out.
func TestDataAH(t *testing.T) {
	src := statustest.Sources()
	v := src.VRRP.(*statustest.VRRP)
	v.Cfg.Instances[0].AuthType = 2
	var b bytes.Buffer
	FormatData(&b, src, time.UTC)
	out := b.String()
	if !strings.Contains(out, "   Authentication type = IPSEC_AH\n") || strings.Contains(out, "Password = secret") {
		t.Fatalf("data dump of an AH instance:\n%s", out)
	}
}
