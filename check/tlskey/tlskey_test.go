package tlskey

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openssl runs the openssl command (scripts/deps.sh installs it), which
// writes the keys keepalived's users have: the test checks we read what
// OpenSSL writes, not what we write ourselves.
func openssl(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestLoadEncrypted loads keys encrypted by OpenSSL in each format
// keepalived's `password` unlocks, with the right and a wrong password.
func TestLoadEncrypted(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	keys := map[string][]string{
		"pkcs8-aes256-sha256": {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:s3cret"},
		"pkcs8-3des-sha1":     {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-des3", "-pass", "pass:s3cret"},
		"traditional-aes128":  {"genrsa", "-traditional", "-aes128", "-passout", "pass:s3cret"},
	}
	for name, gen := range keys {
		t.Run(name, func(t *testing.T) {
			key := filepath.Join(dir, name+".key")
			cert := filepath.Join(dir, name+".crt")
			args := append(gen, "-out", key)
			if gen[0] == "genrsa" {
				args = append(args, "1024") // the bit count comes last
			}
			openssl(t, dir, args...)
			if name == "pkcs8-3des-sha1" { // re-encrypt with PBKDF2's default PRF
				openssl(t, dir, "pkcs8", "-topk8", "-v2", "des3", "-v2prf", "hmacWithSHA1", "-in", key, "-passin", "pass:s3cret", "-passout", "pass:s3cret", "-out", key+".2")
				if err := os.Rename(key+".2", key); err != nil {
					t.Fatal(err)
				}
			}
			openssl(t, dir, "req", "-x509", "-key", key, "-passin", "pass:s3cret", "-subj", "/CN=keepalived-go", "-days", "1", "-out", cert)
			if _, err := Load(cert, key, "s3cret"); err != nil {
				t.Fatalf("right password: %v", err)
			}
			if _, err := Load(cert, key, "wrong"); err == nil {
				t.Fatal("wrong password accepted")
			}
			if _, err := Load(cert, key, ""); err == nil {
				t.Fatal("encrypted key loaded without a password")
			}
		})
	}
	plainKey := filepath.Join(dir, "plain.key")
	openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plainKey)
	openssl(t, dir, "req", "-x509", "-key", plainKey, "-subj", "/CN=x", "-days", "1", "-out", "plain.crt")
	if _, err := Load(filepath.Join(dir, "plain.crt"), plainKey, "unused"); err != nil {
		t.Errorf("clear key with a password configured: %v", err)
	}
}

// FuzzDecryptPKCS8: the hand-written PBES2 decoder never panics.
func FuzzDecryptPKCS8(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00}, []byte("pw"))
	f.Fuzz(func(t *testing.T, der, pw []byte) {
		_, _ = DecryptPKCS8(der, pw)
	})
}
