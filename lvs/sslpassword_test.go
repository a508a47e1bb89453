package lvs

import (
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSSLPassword: the SSL block's password unlocks an encrypted client
// key for SSL_GET, as keepalived's OpenSSL callback does; a wrong one is
// an error naming the key instead of a checker without its certificate.
func TestSSLPassword(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "client.key"), filepath.Join(dir, "client.crt")
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:s3cret", "-out", key},
		{"req", "-x509", "-key", key, "-passin", "pass:s3cret", "-subj", "/CN=client", "-days", "1", "-out", cert},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	conf := func(pw string) string {
		return fmt.Sprintf(`SSL {
  certificate %s
  key %s
  password %s
}
virtual_server 10.9.9.9 443 {
  protocol TCP
  real_server 127.0.0.1 443 {
    SSL_GET {
      url {
        path /
      }
    }
  }
}
`, cert, key, pw)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr := &translator{cfg: parse(t, conf("s3cret")), log: log}
	tc, err := tr.tlsConfig()
	if err != nil || len(tc.Certificates) != 1 {
		t.Fatalf("right password: %v", err)
	}
	tr = &translator{cfg: parse(t, conf("wrong")), log: log}
	if _, err := tr.tlsConfig(); err == nil {
		t.Fatal("wrong password: no error")
	}
}
