package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// cliRun runs the command line with stdin and returns stdout and stderr.
func cliRun(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestCLIHashPassword(t *testing.T) {
	out, _, err := cliRun(t, "s3cret\n", "hash-password")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("output %q is not one line", out)
	}
	hash := []byte(strings.TrimSuffix(out, "\n"))
	if err := bcrypt.CompareHashAndPassword(hash, []byte("s3cret")); err != nil {
		t.Errorf("hash %q does not match the password: %v", hash, err)
	}
	if cost, err := bcrypt.Cost(hash); err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("cost = %d, %v; want %d", cost, err, bcrypt.DefaultCost)
	}
}

func TestCLIHashPasswordErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"empty stdin", "", nil},
		{"empty line", "\n", nil},
		{"empty line, CRLF", "\r\n", nil},
		{"cost below 10", "s3cret\n", []string{"--cost", "4"}},
		{"cost not a number", "s3cret\n", []string{"--cost", "ten"}},
		{"cost out of range", "s3cret\n", []string{"--cost", "32"}},
		{"unknown flag", "s3cret\n", []string{"--salt", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := cliRun(t, tt.stdin, append([]string{"hash-password"}, tt.args...)...)
			if err == nil {
				t.Fatalf("succeeded, printed %q", out)
			}
			if out != "" {
				t.Errorf("printed %q on error", out)
			}
		})
	}
}

func TestCLIKeygen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	out, _, err := cliRun(t, "", "keygen", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{tokenauth.RootCertFile, tokenauth.RootKeyFile, tokenauth.SigningKeyFile, tokenauth.SigningCertFile, tokenauth.JWKSFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(out, filepath.Join(dir, tokenauth.RootCertFile)) {
		t.Errorf("output %q does not name the root certificate for the registry", out)
	}
	k, err := tokenauth.LoadKeys(filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if k.Alg() != tokenauth.AlgES256 {
		t.Errorf("default alg %s, want ES256", k.Alg())
	}

	key, err := os.ReadFile(filepath.Join(dir, tokenauth.SigningKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cliRun(t, "", "keygen", "--out", dir); err == nil {
		t.Fatal("a second keygen into the same directory succeeded")
	}
	if again, _ := os.ReadFile(filepath.Join(dir, tokenauth.SigningKeyFile)); !bytes.Equal(again, key) {
		t.Error("the failed keygen changed the signing key")
	}

	ed := filepath.Join(t.TempDir(), "ed")
	if _, _, err := cliRun(t, "", "keygen", "--out", ed, "--alg", tokenauth.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	if k, err := tokenauth.LoadKeys(filepath.Join(ed, tokenauth.SigningKeyFile), filepath.Join(ed, tokenauth.SigningCertFile)); err != nil || k.Alg() != tokenauth.AlgEdDSA {
		t.Errorf("keygen --alg EdDSA: %v", err)
	}
	if _, _, err := cliRun(t, "", "keygen", "--out", filepath.Join(t.TempDir(), "hs"), "--alg", "HS256"); err == nil {
		t.Error("keygen --alg HS256 succeeded")
	}
}

func TestCLICommands(t *testing.T) {
	if _, stderr, err := cliRun(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: err = %v", err)
	} else if !strings.Contains(stderr, "Usage") {
		t.Errorf("unknown command: no usage on stderr (%q)", stderr)
	}
	if _, _, err := cliRun(t, ""); err == nil {
		t.Error("no command: no error")
	}
	for _, help := range []string{"help", "-h", "--help"} {
		out, _, err := cliRun(t, "", help)
		if err != nil || !strings.Contains(out, "Usage") {
			t.Errorf("%s: %q, %v", help, out, err)
		}
	}
	if _, _, err := cliRun(t, "", "serve", "--config", filepath.Join(t.TempDir(), "missing.yml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve with a missing config: err = %v, want fs.ErrNotExist", err)
	}
	if _, _, err := cliRun(t, "", "serve", "--log-level", "loud"); err == nil {
		t.Error("serve --log-level loud: no error")
	}
}

// cliConfigDir makes dir/etc with keys made by keygen and returns the etc
// directory and a bcrypt hash (MinCost) for the directory's users.
func cliConfigDir(t *testing.T) (string, string) {
	t.Helper()
	etc := filepath.Join(t.TempDir(), "etc")
	if _, _, err := cliRun(t, "", "keygen", "--out", filepath.Join(etc, "keys")); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return etc, string(hash)
}

func cliWriteConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "regshare.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const cliConfig = `listen: 127.0.0.1:0
token:
  service: registry.test
  issuer: regshare
  ttl: 10m
  registry_leeway: 90s
  realm: example
  max_scopes: 16
keys:
  signing_key: keys/signing.key
  signing_cert: keys/signing.crt
store:
  type: bolt
  path: data/shares.db
superusers: [root]
domains:
  acme:
    namespaces: [acme, acme-labs]
    users:
      alice: {password_hash: "HASH", role: manage}
      bob: {password_hash: "HASH", role: write}
  globex:
    namespaces: [globex]
    users:
      gina: {password_hash: "HASH", role: read}
      root: {password_hash: "HASH", role: read}
`

func TestLoadConfig(t *testing.T) {
	etc, hash := cliConfigDir(t)
	path := cliWriteConfig(t, etc, strings.ReplaceAll(cliConfig, "HASH", hash))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:0" {
		t.Errorf("listen = %q", cfg.Listen)
	}
	wantToken := TokenConfig{Service: "registry.test", Issuer: "regshare", TTL: 10 * time.Minute, RegistryLeeway: 90 * time.Second, Realm: "example", MaxScopes: 16}
	if cfg.Token != wantToken {
		t.Errorf("token = %+v, want %+v", cfg.Token, wantToken)
	}
	// Relative paths are relative to the file's directory.
	if want := filepath.Join(etc, "keys", "signing.key"); cfg.Keys.SigningKey != want {
		t.Errorf("signing_key = %q, want %q", cfg.Keys.SigningKey, want)
	}
	if want := filepath.Join(etc, "keys", "signing.crt"); cfg.Keys.SigningCert != want {
		t.Errorf("signing_cert = %q, want %q", cfg.Keys.SigningCert, want)
	}
	if want := (StoreConfig{Type: "bolt", Path: filepath.Join(etc, "data", "shares.db")}); cfg.Store != want {
		t.Errorf("store = %+v, want %+v", cfg.Store, want)
	}
	if _, err := tokenauth.LoadKeys(cfg.Keys.SigningKey, cfg.Keys.SigningCert); err != nil {
		t.Errorf("the configured keys do not load: %v", err)
	}
	dir, err := grants.NewDirectory(cfg.DirectoryConfig)
	if err != nil {
		t.Fatalf("directory: %v", err)
	}
	if u, ok := dir.User("root"); !ok || !u.Superuser || u.Domain != "globex" {
		t.Errorf("root = %+v, %v", u, ok)
	}
	if u, ok := dir.User("alice"); !ok || u.Role != grants.RoleManage || u.Domain != "acme" {
		t.Errorf("alice = %+v, %v", u, ok)
	}
	if owner, ok := dir.NamespaceOwner("acme-labs"); !ok || owner != "acme" {
		t.Errorf("acme-labs is owned by %q, %v", owner, ok)
	}
}

func TestLoadConfigPaths(t *testing.T) {
	etc, hash := cliConfigDir(t)
	keysDir := filepath.Join(etc, "keys")
	tests := []struct {
		name      string
		keys      string // the keys section
		store     string // the store section
		wantKey   string
		wantStore StoreConfig
	}{
		{
			"absolute paths are kept",
			"keys:\n  signing_key: " + filepath.Join(keysDir, "signing.key") + "\n  signing_cert: " + filepath.Join(keysDir, "signing.crt") + "\n",
			"store:\n  type: bolt\n  path: /var/lib/regshare/shares.db\n",
			filepath.Join(keysDir, "signing.key"),
			StoreConfig{Type: "bolt", Path: "/var/lib/regshare/shares.db"},
		},
		{
			"default store is a bolt file next to the config",
			"keys:\n  signing_key: keys/signing.key\n  signing_cert: ./keys/signing.crt\n",
			"",
			filepath.Join(keysDir, "signing.key"),
			StoreConfig{Type: "bolt", Path: filepath.Join(etc, "regshare.db")},
		},
		{
			"memory store",
			"keys:\n  signing_key: keys/signing.key\n  signing_cert: keys/signing.crt\n",
			"store:\n  type: memory\n",
			filepath.Join(keysDir, "signing.key"),
			StoreConfig{Type: "memory", Path: filepath.Join(etc, "regshare.db")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "token: {service: s, issuer: i}\n" + tt.keys + tt.store +
				"domains:\n  acme:\n    namespaces: [acme]\n    users:\n      alice: {password_hash: \"" + hash + "\", role: manage}\n"
			cfg, err := loadConfig(cliWriteConfig(t, etc, body))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Keys.SigningKey != tt.wantKey {
				t.Errorf("signing_key = %q, want %q", cfg.Keys.SigningKey, tt.wantKey)
			}
			if cfg.Store != tt.wantStore {
				t.Errorf("store = %+v, want %+v", cfg.Store, tt.wantStore)
			}
		})
	}

	// A relative path to the file, from another working directory.
	t.Run("relative config path", func(t *testing.T) {
		t.Chdir(filepath.Dir(etc))
		path := cliWriteConfig(t, etc, strings.ReplaceAll(cliConfig, "HASH", hash))
		rel, err := filepath.Rel(filepath.Dir(etc), path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tokenauth.LoadKeys(cfg.Keys.SigningKey, cfg.Keys.SigningCert); err != nil {
			t.Errorf("keys from %s: %v", rel, err)
		}
	})
}

func TestLoadConfigErrors(t *testing.T) {
	etc, hash := cliConfigDir(t)
	good := strings.ReplaceAll(cliConfig, "HASH", hash)
	tests := []struct {
		name string
		body string
		want string // in the error
	}{
		{"typo at the top", strings.Replace(good, "token:", "tokne:", 1), "tokne"},
		{"typo in token", strings.Replace(good, "  issuer:", "  isuer:", 1), "isuer"},
		{"typo in a user", strings.Replace(good, "alice: {password_hash:", "alice: {pasword_hash:", 1), "pasword_hash"},
		{"typo in a domain", strings.Replace(good, "    namespaces: [globex]", "    namespace: [globex]", 1), "namespace"},
		{"bad store type", strings.Replace(good, "type: bolt", "type: etcd", 1), "store.type"},
		{"bolt without a path", strings.Replace(good, "path: data/shares.db", `path: ""`, 1), "store.path"},
		{"missing keys", strings.Replace(good, "keys:\n  signing_key: keys/signing.key\n  signing_cert: keys/signing.crt\n", "", 1), "signing_key"},
		{"missing signing cert", strings.Replace(good, "  signing_cert: keys/signing.crt\n", "", 1), "signing_cert"},
		{"ttl without a unit", strings.Replace(good, "ttl: 10m", "ttl: 600", 1), "time.Duration"},
		{"leeway without a unit", strings.Replace(good, "registry_leeway: 90s", "registry_leeway: 60", 1), "time.Duration"},
		{"not YAML", "token: [\n", ""},
		{"empty file", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.body == good {
				t.Fatal("test case does not change the good config")
			}
			path := cliWriteConfig(t, etc, tt.body)
			cfg, err := loadConfig(path)
			if err == nil {
				t.Fatalf("loaded %+v", cfg)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if _, err := loadConfig(filepath.Join(etc, "missing.yml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}
