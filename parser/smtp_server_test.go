package parser

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestSMTPServerAddress: smtp_server keeps an address, resolves a name at
// parse time and refuses what does not resolve ("Invalid smtp server **
// 25", corpus 080), as keepalived's smtpserver_handler; a server gets the
// default 30 s connection timeout (corpus 082's keepalived.data).
func TestSMTPServerAddress(t *testing.T) {
	old := lookupNetIP
	defer func() { lookupNetIP = old }()
	lookupNetIP = func(_ context.Context, network, host string) ([]netip.Addr, error) {
		if host == "mail.lan" && network == "ip4" {
			return []netip.Addr{netip.MustParseAddr("192.0.2.25")}, nil
		}
		return nil, errors.New("no such host")
	}
	for in, want := range map[string]string{"127.0.0.1": "127.0.0.1", "mail.lan": "192.0.2.25", "**": "", "nowhere.lan": ""} {
		src := []byte("global_defs {\n smtp_server " + in + "\n}\n")
		cfg, ds, err := ParseBytes("smtp.conf", src, labOptions())
		if err != nil {
			t.Fatal(err)
		}
		g := cfg.Global
		if g.SMTPServer != want || (want == "") != (ds.ExitCode() == ExitConfig) {
			t.Errorf("%s: server %q, exit %d", in, g.SMTPServer, ds.ExitCode())
		}
		if want != "" && g.SMTPConnectTimeout != 30*time.Second {
			t.Errorf("%s: timeout %v", in, g.SMTPConnectTimeout)
		}
	}
}
