// Package tlskey loads SSL_GET's client certificate and key, decrypting a
// key protected by the SSL block's `password` as OpenSSL's PEM reader does
// for keepalived: PKCS#8 "ENCRYPTED PRIVATE KEY" (PBES2 with PBKDF2 and
// AES-CBC or 3DES-CBC, what `openssl genpkey -aes256` and `openssl pkcs8
// -topk8` write) and the traditional "Proc-Type: 4,ENCRYPTED" PEM headers
// (`openssl genrsa -aes256` before OpenSSL 3, `-traditional`).
package tlskey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
)

// Load reads the certificate chain from certFile and the key from keyFile,
// decrypting the key with password when it is encrypted.
func Load(certFile, keyFile, password string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("key: %w", err)
	}
	if password != "" {
		if keyPEM, err = decryptPEM(keyPEM, []byte(password)); err != nil {
			return tls.Certificate{}, fmt.Errorf("key %s: %w", keyFile, err)
		}
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// decryptPEM returns the key blocks of data in clear, leaving the
// certificates and unencrypted keys as they are.
func decryptPEM(data, password []byte) ([]byte, error) {
	var out []byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			der, err := DecryptPKCS8(b.Bytes, password)
			if err != nil {
				return nil, err
			}
			b = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		case b.Headers["Proc-Type"] == "4,ENCRYPTED":
			//lint:ignore SA1019 legacy PEM encryption is what OpenSSL still reads and keepalived accepts; no alternative exists in the standard library
			der, err := x509.DecryptPEMBlock(b, password) //nolint:staticcheck
			if err != nil {
				return nil, fmt.Errorf("traditional PEM: %w", err)
			}
			b = &pem.Block{Type: b.Type, Bytes: der}
		}
		out = append(out, pem.EncodeToMemory(b)...)
	}
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type encryptedKeyInfo struct {
	Algorithm algorithm
	Data      []byte
}

type pbes2Params struct {
	KDF    algorithm
	Scheme algorithm
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int       `asn1:"optional"`
	PRF        algorithm `asn1:"optional"`
}

// DecryptPKCS8 decrypts a DER EncryptedPrivateKeyInfo (RFC 5958, PBES2 of
// RFC 8018) into a DER PKCS#8 PrivateKeyInfo.
func DecryptPKCS8(der, password []byte) ([]byte, error) {
	var info encryptedKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("PKCS#8: %w", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("PKCS#8: encryption %v is not PBES2 (re-encrypt with openssl pkcs8 -topk8 -v2 aes256)", info.Algorithm.Algorithm)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("PBES2 parameters: %w", err)
	}
	block, iv, keyLen, err := schemeCipher(p.Scheme)
	if err != nil {
		return nil, err
	}
	key, err := deriveKey(p.KDF, password, keyLen)
	if err != nil {
		return nil, err
	}
	c, err := block(key)
	if err != nil {
		return nil, err
	}
	data := info.Data
	if len(data) == 0 || len(data)%c.BlockSize() != 0 || len(iv) != c.BlockSize() {
		return nil, errors.New("PKCS#8: encrypted data is not a whole number of blocks")
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(plain, data)
	plain, ok := unpad(plain, c.BlockSize())
	if !ok {
		return nil, errors.New("PKCS#8: wrong password or corrupt key")
	}
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		return nil, errors.New("PKCS#8: wrong password or corrupt key")
	}
	return plain, nil
}

func schemeCipher(s algorithm) (func([]byte) (cipher.Block, error), []byte, int, error) {
	var iv []byte
	if _, err := asn1.Unmarshal(s.Parameters.FullBytes, &iv); err != nil {
		return nil, nil, 0, fmt.Errorf("PBES2 cipher IV: %w", err)
	}
	switch {
	case s.Algorithm.Equal(oidAES128CBC):
		return aes.NewCipher, iv, 16, nil
	case s.Algorithm.Equal(oidAES192CBC):
		return aes.NewCipher, iv, 24, nil
	case s.Algorithm.Equal(oidAES256CBC):
		return aes.NewCipher, iv, 32, nil
	case s.Algorithm.Equal(oidDESEDE3CBC):
		return des.NewTripleDESCipher, iv, 24, nil
	}
	return nil, nil, 0, fmt.Errorf("PBES2: cipher %v not supported (use AES-CBC or DES-EDE3-CBC)", s.Algorithm)
}

func deriveKey(kdf algorithm, password []byte, keyLen int) ([]byte, error) {
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("PBES2: key derivation %v not supported (only PBKDF2; scrypt keys must be re-encrypted)", kdf.Algorithm)
	}
	var p pbkdf2Params
	if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("PBKDF2 parameters: %w", err)
	}
	if p.Iterations <= 0 || p.Iterations > 10_000_000 {
		return nil, fmt.Errorf("PBKDF2: %d iterations", p.Iterations)
	}
	if p.KeyLength != 0 && p.KeyLength != keyLen {
		return nil, fmt.Errorf("PBKDF2: key length %d does not fit the cipher (%d)", p.KeyLength, keyLen)
	}
	var h func() hash.Hash
	switch prf := p.PRF.Algorithm; {
	case len(prf) == 0 || prf.Equal(oidHMACSHA1):
		h = sha1.New
	case prf.Equal(oidHMACSHA224):
		h = sha256.New224
	case prf.Equal(oidHMACSHA256):
		h = sha256.New
	case prf.Equal(oidHMACSHA384):
		h = sha512.New384
	case prf.Equal(oidHMACSHA512):
		h = sha512.New
	default:
		return nil, fmt.Errorf("PBKDF2: PRF %v not supported", prf)
	}
	return pbkdf2.Key(h, string(password), p.Salt, p.Iterations, keyLen)
}

// unpad strips PKCS#7 padding.
func unpad(b []byte, size int) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > size || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
