package tokenauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names written by GenerateKeys and read by LoadKeys.
const (
	RootCertFile    = "root.crt"    // for the registry's auth.token.rootcertbundle
	RootKeyFile     = "root.key"    // kept to issue the next signing certificate
	SigningKeyFile  = "signing.key" // regshare's token signing key
	SigningCertFile = "signing.crt" // its certificate, chained to the root
	JWKSFile        = "jwks.json"   // for registries configured with auth.token.jwks
)

// Signing algorithms.
const (
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
	AlgEdDSA = "EdDSA"
)

// Lifetimes of generated certificates. The root outlives many signing keys,
// which rotate without touching the registry.
const (
	rootLifetime    = 10 * 365 * 24 * time.Hour
	signingLifetime = 365 * 24 * time.Hour
)

func newKey(alg string) (crypto.Signer, error) {
	switch alg {
	case AlgES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgRS256:
		return rsa.GenerateKey(rand.Reader, 3072)
	case AlgEdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown signing algorithm %q (want %s, %s or %s)", alg, AlgES256, AlgRS256, AlgEdDSA)
}

// GenerateKeys writes into dir a signing key for alg and its certificate,
// chained to a root CA. An existing root (root.crt and root.key) is reused,
// so running it again after removing the signing files rotates the signing
// key without touching the registry. Existing files are never overwritten,
// and a failure leaves none of the new files: they are written aside and
// linked into dir at the end.
func GenerateKeys(dir, alg string, now time.Time) error {
	for _, f := range []string{SigningKeyFile, SigningCertFile, JWKSFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already exists; move it away to generate a new signing key", filepath.Join(dir, f))
		}
	}
	key, err := newKey(alg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(dir, ".keygen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	rootCert, rootKey, err := loadRoot(dir)
	if errors.Is(err, errNoRoot) {
		rootCert, rootKey, err = newRoot(stage, now)
	}
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "regshare token signing"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(signingLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, rootCert, key.Public(), rootKey)
	if err != nil {
		return fmt.Errorf("sign certificate: %w", err)
	}
	if err := writeKey(filepath.Join(stage, SigningKeyFile), key); err != nil {
		return err
	}
	if err := writePEM(filepath.Join(stage, SigningCertFile), 0o644, "CERTIFICATE", der); err != nil {
		return err
	}
	k, err := LoadKeys(filepath.Join(stage, SigningKeyFile), filepath.Join(stage, SigningCertFile))
	if err != nil {
		return err
	}
	jwks, err := json.MarshalIndent(k.JWKS(), "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, JWKSFile), 0o644, append(jwks, '\n')); err != nil {
		return err
	}
	return publish(stage, dir)
}

// publish links every file of stage into dir, refusing to replace any; on
// failure it removes those it linked.
func publish(stage, dir string) error {
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	var linked []string
	for _, e := range entries {
		dst := filepath.Join(dir, e.Name())
		if err := os.Link(filepath.Join(stage, e.Name()), dst); err != nil {
			for _, l := range linked {
				os.Remove(l)
			}
			return err
		}
		linked = append(linked, dst)
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync() // the new names, durable
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func newRoot(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := newKey(AlgES256)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "regshare token root CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	if err := writeKey(filepath.Join(dir, RootKeyFile), key); err != nil {
		return nil, nil, err
	}
	if err := writePEM(filepath.Join(dir, RootCertFile), 0o644, "CERTIFICATE", der); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

var errNoRoot = errors.New("no root CA")

// loadRoot reads the root CA; errNoRoot when neither of its files exists.
// One without the other is an error: a new root would not match the
// certificate the registry already trusts.
func loadRoot(dir string) (*x509.Certificate, crypto.Signer, error) {
	_, certErr := os.Stat(filepath.Join(dir, RootCertFile))
	_, keyErr := os.Stat(filepath.Join(dir, RootKeyFile))
	switch {
	case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
		return nil, nil, errNoRoot
	case errors.Is(keyErr, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("%s exists without %s: bring the root key back to issue a signing certificate, or generate into an empty directory (and give the registry the new root)", RootCertFile, RootKeyFile)
	case errors.Is(certErr, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("%s exists without %s", RootKeyFile, RootCertFile)
	}
	certs, err := readCerts(filepath.Join(dir, RootCertFile))
	if err != nil {
		return nil, nil, err
	}
	key, err := readKey(filepath.Join(dir, RootKeyFile))
	if err != nil {
		return nil, nil, err
	}
	return certs[0], key, nil
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, 0o600, "PRIVATE KEY", der)
}

func writePEM(path string, mode fs.FileMode, typ string, der []byte) error {
	return writeFile(path, mode, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// writeFile creates path exclusively: an existing file is an error.
func writeFile(path string, mode fs.FileMode, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readKey reads a PEM private key (PKCS#8, or the older EC and PKCS#1
// forms), refusing a file that other users can read.
func readKey(path string) (crypto.Signer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o004 != 0 {
		return nil, fmt.Errorf("private key %s is readable by every user (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported key type %T", path, key)
	}
	return s, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate", path)
	}
	return certs, nil
}
