package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/regshare/regshare/tokenauth"
)

const (
	deployDir             = "../../deploy"
	deployRegistryConfig  = deployDir + "/registry/config.yml"
	deployRegshareExample = deployDir + "/regshare.example.yaml"
)

// examplePassword is the password regshare.example.yaml documents for its
// example users.
func examplePassword(user string) string { return user + "-example" }

// parseRegistryConfig parses a registry configuration with the registry's
// own parser and returns it with its token service and issuer.
func parseRegistryConfig(t *testing.T, what string, data []byte) (*configuration.Configuration, string, string) {
	t.Helper()
	cfg, err := configuration.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if cfg.Auth.Type() != "token" {
		t.Fatalf("%s: auth is %q, want token", what, cfg.Auth.Type())
	}
	p := cfg.Auth.Parameters()
	service, _ := p["service"].(string)
	issuer, _ := p["issuer"].(string)
	if service == "" || issuer == "" {
		t.Fatalf("%s: auth.token.service %q, issuer %q: both are required", what, service, issuer)
	}
	return cfg, service, issuer
}

// TestDeployFiles starts the registry from deploy/registry/config.yml and
// regshare from deploy/regshare.example.yaml, both with their paths and
// addresses moved into a temporary directory and nothing else changed, and
// shares an image through them.
func TestDeployFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	logrus.SetLevel(logrus.ErrorLevel)
	dir := t.TempDir()

	// regshare's example, with its absolute paths moved under dir.
	keys := filepath.Join(dir, "keys")
	if err := tokenauth.GenerateKeys(keys, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "state"), 0o700); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(deployRegshareExample)
	if err != nil {
		t.Fatal(err)
	}
	text := string(example)
	for _, r := range [][2]string{
		{"/etc/regshare/keys/", keys + string(filepath.Separator)},
		{"/var/lib/regshare/", filepath.Join(dir, "state") + string(filepath.Separator)},
	} {
		if !strings.Contains(text, r[0]) {
			t.Fatalf("%s no longer mentions %s; update this test", deployRegshareExample, r[0])
		}
		text = strings.ReplaceAll(text, r[0], r[1])
	}
	cfgPath := filepath.Join(dir, "regshare.yaml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Store.Path, dir) || !strings.HasPrefix(cfg.Keys.SigningKey, keys) {
		t.Fatalf("paths not moved: store %s, key %s", cfg.Store.Path, cfg.Keys.SigningKey)
	}

	// The registry's file, as written, must agree with regshare's.
	regFile, err := os.ReadFile(deployRegistryConfig)
	if err != nil {
		t.Fatal(err)
	}
	regCfg, service, issuer := parseRegistryConfig(t, deployRegistryConfig, regFile)
	if service != cfg.Token.Service || issuer != cfg.Token.Issuer {
		t.Fatalf("registry service/issuer %q/%q, regshare's %q/%q: they must match", service, issuer, cfg.Token.Service, cfg.Token.Issuer)
	}
	if got := regCfg.Auth.Parameters()["rootcertbundle"]; got != "/etc/regshare/keys/"+tokenauth.RootCertFile {
		t.Errorf("registry rootcertbundle %v is not in the folder of regshare's keys", got)
	}

	// Both servers get their ports now, so each can name the other.
	rs := httptest.NewUnstartedServer(nil)
	reg := httptest.NewUnstartedServer(nil)
	_, rsPort, _ := strings.Cut(rs.Listener.Addr().String(), ":")
	regHost := reg.Listener.Addr().String()

	regCfg.Storage.Parameters()["rootdirectory"] = filepath.Join(dir, "registry")
	regCfg.HTTP.Addr = regHost
	regCfg.Auth.Parameters()["realm"] = "http://localhost:" + rsPort + "/token"
	regCfg.Auth.Parameters()["rootcertbundle"] = filepath.Join(keys, tokenauth.RootCertFile)
	regApp := handlers.NewApp(context.Background(), regCfg)
	reg.Config.Handler = regApp
	reg.Start()
	t.Cleanup(func() { reg.Close(); regApp.Shutdown() })

	cfg.Registry = RegistryConfig{URL: reg.URL, Host: regHost}
	a, err := newApp(context.Background(), cfg, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	rs.Config.Handler = a.handler
	rs.Start()
	t.Cleanup(rs.Close)
	api := "http://localhost:" + rsPort

	// acme's write user pushes, its manage user pulls and shares with
	// globex, whose read user then pulls, and only pulls.
	digest, err := pushAs(t, regHost, "acme/web:1", "walt", examplePassword("walt"))
	if err != nil {
		t.Fatalf("push as walt (acme, write): %v", err)
	}
	if got, err := pullAs(t, regHost, "acme/web:1", "alice", examplePassword("alice")); err != nil || got != digest {
		t.Fatalf("pull as alice: %v %v, want %v", got, err, digest)
	}
	_, err = pullAs(t, regHost, "acme/web:1", "gina", examplePassword("gina"))
	wantRefused(t, "globex pull before the share", err)
	shareVia(t, api, "acme/web", "globex", "alice", examplePassword("alice"))
	if got, err := pullAs(t, regHost, "acme/web:1", "gina", examplePassword("gina")); err != nil || got != digest {
		t.Fatalf("pull as gina (globex, read) after the share: %v %v, want %v", got, err, digest)
	}
	_, err = pushAs(t, regHost, "acme/web:evil", "gus", examplePassword("gus"))
	wantRefused(t, "globex manage user pushing to the shared repository", err)
}

// TestDeployFilesAgree checks the copies of the configuration in
// compose.yaml and kubernetes/: files that exist, and one service and
// issuer everywhere.
func TestDeployFilesAgree(t *testing.T) {
	example, err := loadConfig(deployRegshareExample)
	if err != nil {
		t.Fatal(err)
	}
	regFile, err := os.ReadFile(deployRegistryConfig)
	if err != nil {
		t.Fatal(err)
	}
	_, service, issuer := parseRegistryConfig(t, deployRegistryConfig, regFile)

	// Kubernetes: the ConfigMaps hold their own copies.
	configMaps := map[string]map[string]string{}
	for _, f := range []string{"regshare.yaml", "registry.yaml"} {
		data, err := os.ReadFile(filepath.Join(deployDir, "kubernetes", f))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var obj struct {
				Kind     string `yaml:"kind"`
				Metadata struct{ Name string }
				Data     map[string]string `yaml:"data"`
			}
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("kubernetes/%s: %v", f, err)
			}
			if obj.Kind == "ConfigMap" {
				configMaps[obj.Metadata.Name] = obj.Data
			}
		}
	}
	k8sRegshare := filepath.Join(t.TempDir(), "regshare.yaml")
	if err := os.WriteFile(k8sRegshare, []byte(configMaps["regshare-config"]["regshare.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	k8sCfg, err := loadConfig(k8sRegshare)
	if err != nil {
		t.Fatalf("kubernetes regshare-config: %v", err)
	}
	_, k8sService, k8sIssuer := parseRegistryConfig(t, "kubernetes registry-config", []byte(configMaps["registry-config"]["config.yml"]))
	for what, got := range map[string][2]string{
		"regshare.example.yaml":      {example.Token.Service, example.Token.Issuer},
		"kubernetes regshare-config": {k8sCfg.Token.Service, k8sCfg.Token.Issuer},
		"kubernetes registry-config": {k8sService, k8sIssuer},
	} {
		if got != [2]string{service, issuer} {
			t.Errorf("%s: service/issuer %q, registry/config.yml has %q/%q", what, got, service, issuer)
		}
	}
	// The registry's notifications carry regshare's secret.
	var notif struct {
		Notifications struct {
			Endpoints []struct {
				URL     string              `yaml:"url"`
				Headers map[string][]string `yaml:"headers"`
			} `yaml:"endpoints"`
		} `yaml:"notifications"`
	}
	if err := yaml.Unmarshal(regFile, &notif); err != nil {
		t.Fatal(err)
	}
	if eps := notif.Notifications.Endpoints; len(eps) != 1 || !strings.HasSuffix(eps[0].URL, notificationsPath) ||
		len(eps[0].Headers["Authorization"]) != 1 || eps[0].Headers["Authorization"][0] != "Bearer "+example.Notifications.Secret || example.Notifications.Secret == "" {
		t.Errorf("registry/config.yml's notifications %+v do not send regshare.example.yaml's secret to %s", eps, notificationsPath)
	}
	if !reflect.DeepEqual(k8sCfg.DirectoryConfig, example.DirectoryConfig) {
		t.Errorf("kubernetes regshare-config: the directory differs from regshare.example.yaml's")
	}

	// compose.yaml mounts files that exist.
	data, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Build   struct{ Context, Dockerfile string }
			Volumes []string
		}
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	for svc, s := range compose.Services {
		for _, v := range s.Volumes {
			if src, _, _ := strings.Cut(v, ":"); strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(deployDir, src)); err != nil {
					t.Errorf("compose service %s mounts %s: %v", svc, src, err)
				}
			}
		}
		if s.Build.Dockerfile != "" {
			if _, err := os.Stat(filepath.Join(deployDir, s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("compose service %s builds %s: %v", svc, s.Build.Dockerfile, err)
			}
		}
	}
}
