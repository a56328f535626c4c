package tokenauth_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/regshare/regshare/tokenauth"
)

var keyFiles = []string{
	tokenauth.RootCertFile,
	tokenauth.RootKeyFile,
	tokenauth.SigningKeyFile,
	tokenauth.SigningCertFile,
	tokenauth.JWKSFile,
}

// readDir returns every file of dir with its contents.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// verifyChain checks that the signing certificate in dir chains to root
// at the given time.
func verifyChain(t *testing.T, dir string, root *x509.Certificate, at time.Time) *x509.Certificate {
	t.Helper()
	leaf := readCert(t, filepath.Join(dir, tokenauth.SigningCertFile))
	roots := x509.NewCertPool()
	roots.AddCert(root)
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: at,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		t.Errorf("%s does not verify against the root: %v", tokenauth.SigningCertFile, err)
	}
	return leaf
}

func loadKeys(t *testing.T, dir string) (*tokenauth.Keys, error) {
	t.Helper()
	return tokenauth.LoadKeys(filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile))
}

func TestGenerateKeys(t *testing.T) {
	for _, alg := range []string{tokenauth.AlgES256, tokenauth.AlgRS256, tokenauth.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "keys") // created by GenerateKeys
			if err := tokenauth.GenerateKeys(dir, alg, testNow); err != nil {
				t.Fatal(err)
			}
			files := readDir(t, dir)
			for _, name := range keyFiles {
				if len(files[name]) == 0 {
					t.Errorf("%s is missing or empty", name)
				}
			}
			if len(files) != len(keyFiles) {
				t.Errorf("files written: %v, want %v", slices.Sorted(maps.Keys(files)), keyFiles)
			}
			for _, name := range []string{tokenauth.RootKeyFile, tokenauth.SigningKeyFile} {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
				}
			}

			root := readCert(t, filepath.Join(dir, tokenauth.RootCertFile))
			if !root.IsCA {
				t.Errorf("%s is not a CA certificate", tokenauth.RootCertFile)
			}
			leaf := verifyChain(t, dir, root, testNow)
			if leaf.IsCA {
				t.Errorf("%s is a CA certificate", tokenauth.SigningCertFile)
			}
			if !leaf.NotAfter.After(testNow.Add(30 * 24 * time.Hour)) {
				t.Errorf("signing certificate expires at %v, too soon", leaf.NotAfter)
			}
			if root.NotAfter.Before(leaf.NotAfter) {
				t.Errorf("root expires (%v) before the signing certificate (%v)", root.NotAfter, leaf.NotAfter)
			}

			k, err := loadKeys(t, dir)
			if err != nil {
				t.Fatalf("LoadKeys: %v", err)
			}
			if k.Alg() != alg {
				t.Errorf("Alg() = %s, want %s", k.Alg(), alg)
			}
			if !k.NotAfter.Equal(leaf.NotAfter) {
				t.Errorf("NotAfter = %v, want %v", k.NotAfter, leaf.NotAfter)
			}
			if want := thumbprint(t, leaf.PublicKey); k.KeyID() != want {
				t.Errorf("KeyID() = %s, want %s", k.KeyID(), want)
			}
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(files[tokenauth.JWKSFile], &set); err != nil {
				t.Fatalf("%s: %v", tokenauth.JWKSFile, err)
			}
			if len(set.Keys) != 1 || set.Keys[0].KeyID != k.KeyID() || !set.Keys[0].IsPublic() || set.Keys[0].Algorithm != alg {
				t.Errorf("%s = %s, want the public key %s for %s", tokenauth.JWKSFile, files[tokenauth.JWKSFile], k.KeyID(), alg)
			}
			if bytes.Contains(files[tokenauth.JWKSFile], []byte(`"d"`)) {
				t.Errorf("%s holds a private key member", tokenauth.JWKSFile)
			}
		})
	}
}

func TestGenerateKeysTwice(t *testing.T) {
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
		t.Fatal(err)
	}
	before := readDir(t, dir)
	for _, alg := range []string{tokenauth.AlgES256, tokenauth.AlgEdDSA} {
		if err := tokenauth.GenerateKeys(dir, alg, testNow.Add(time.Hour)); err == nil {
			t.Fatalf("a second GenerateKeys(%s) into the same directory succeeded", alg)
		}
		after := readDir(t, dir)
		if len(after) != len(before) {
			t.Errorf("files after the failed run: %v, before: %v", slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)))
		}
		for name, data := range before {
			if !bytes.Equal(after[name], data) {
				t.Errorf("the failed run changed %s", name)
			}
		}
	}
}

// TestGenerateKeysEachSigningFileBlocks checks that any one signing file
// left in place stops a new generation.
func TestGenerateKeysEachSigningFileBlocks(t *testing.T) {
	for _, name := range []string{tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
				t.Fatal(err)
			}
			for _, other := range []string{tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
				if other != name {
					if err := os.Remove(filepath.Join(dir, other)); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := readDir(t, dir)
			if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err == nil {
				t.Fatalf("GenerateKeys succeeded with %s in place", name)
			}
			after := readDir(t, dir)
			if len(after) != len(before) {
				t.Errorf("files after the failed run: %v", slices.Sorted(maps.Keys(after)))
			}
			for n, data := range before {
				if !bytes.Equal(after[n], data) {
					t.Errorf("the failed run changed %s", n)
				}
			}
		})
	}
}

func TestGenerateKeysReusesRoot(t *testing.T) {
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
		t.Fatal(err)
	}
	before := readDir(t, dir)
	oldKeys, err := loadKeys(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// Rotate, to another algorithm even: the root stays.
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgEdDSA, testNow.Add(24*time.Hour)); err != nil {
		t.Fatalf("rotation: %v", err)
	}
	after := readDir(t, dir)
	for _, name := range []string{tokenauth.RootCertFile, tokenauth.RootKeyFile} {
		if !bytes.Equal(after[name], before[name]) {
			t.Errorf("rotation changed %s", name)
		}
	}
	for _, name := range []string{tokenauth.SigningKeyFile, tokenauth.SigningCertFile} {
		if bytes.Equal(after[name], before[name]) {
			t.Errorf("rotation kept %s", name)
		}
	}
	verifyChain(t, dir, readCert(t, filepath.Join(dir, tokenauth.RootCertFile)), testNow.Add(24*time.Hour))
	newKeys, err := loadKeys(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if newKeys.KeyID() == oldKeys.KeyID() || newKeys.Alg() != tokenauth.AlgEdDSA {
		t.Errorf("after rotation: kid %s alg %s; before: kid %s", newKeys.KeyID(), newKeys.Alg(), oldKeys.KeyID())
	}
}

func TestLoadKeysWorldReadable(t *testing.T) {
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, tokenauth.SigningKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := loadKeys(t, dir)
	if err == nil {
		t.Fatal("LoadKeys accepted a world-readable private key")
	}
	if !strings.Contains(err.Error(), "chmod") {
		t.Errorf("error %q does not say to chmod the file", err)
	}
}

func TestLoadKeysMismatch(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, key, cert string }{
		{"cert of another key", filepath.Join(a, tokenauth.SigningKeyFile), filepath.Join(b, tokenauth.SigningCertFile)},
		{"root cert for the signing key", filepath.Join(a, tokenauth.SigningKeyFile), filepath.Join(a, tokenauth.RootCertFile)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tokenauth.LoadKeys(tt.key, tt.cert); err == nil {
				t.Error("LoadKeys accepted a certificate that does not certify the key")
			}
		})
	}
}

func TestLoadKeysBadFiles(t *testing.T) {
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
		t.Fatal(err)
	}
	key, cert := filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile)
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, cert string
		notExist        bool
	}{
		{"missing key", filepath.Join(dir, "nope.key"), cert, true},
		{"missing cert", key, filepath.Join(dir, "nope.crt"), true},
		{"key not PEM", garbage, cert, false},
		{"cert not PEM", key, garbage, false},
		{"key file given as cert", key, key, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokenauth.LoadKeys(tt.key, tt.cert)
			if err == nil {
				t.Fatal("LoadKeys succeeded")
			}
			if tt.notExist && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
}

func TestGenerateKeysUnknownAlg(t *testing.T) {
	for _, alg := range []string{"HS256", "es256", "PS256", ""} {
		t.Run(alg, func(t *testing.T) {
			dir := t.TempDir()
			err := tokenauth.GenerateKeys(dir, alg, testNow)
			if err == nil {
				t.Fatalf("GenerateKeys(%q) succeeded", alg)
			}
			if !strings.Contains(err.Error(), "algorithm") {
				t.Errorf("error %q does not name the algorithm problem", err)
			}
			files := readDir(t, dir)
			for _, name := range []string{tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
				if _, ok := files[name]; ok {
					t.Errorf("the failed run wrote %s", name)
				}
			}
		})
	}
}

// TestGenerateKeysRootWithoutKey: a root.crt whose root.key was taken away
// (kept offline, say) must be an error that writes nothing.
func TestGenerateKeysRootWithoutKey(t *testing.T) {
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{tokenauth.RootKeyFile, tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	before := readDir(t, dir)
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, testNow); err == nil {
		t.Fatal("GenerateKeys succeeded without root.key")
	}
	after := readDir(t, dir)
	if len(after) != len(before) || !bytes.Equal(after[tokenauth.RootCertFile], before[tokenauth.RootCertFile]) {
		t.Errorf("the failed run left %v, want only %s unchanged", slices.Sorted(maps.Keys(after)), tokenauth.RootCertFile)
	}
}
