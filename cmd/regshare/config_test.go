package main

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/identity"

	"github.com/regshare/regshare/tokenauth"
)

// validConfig is a configuration Validate accepts: the defaults, with
// what a file must set.
func validConfig() *Config {
	cfg := defaultConfig()
	cfg.Token = TokenConfig{Service: "registry.test", Issuer: "regshare"}
	cfg.Keys = KeysConfig{SigningKey: "keys/signing.key", SigningCert: "keys/signing.crt"}
	cfg.applyDefaults()
	return cfg
}

// TestValidate: each bad key gives one message, naming the key.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // one message each, in this order
	}{
		{"valid", func(*Config) {}, nil},
		{"no signing key", func(c *Config) { c.Keys.SigningKey = "" }, []string{"keys.signing_key"}},
		{"no signing cert", func(c *Config) { c.Keys.SigningCert = "" }, []string{"keys.signing_cert"}},
		{"no keys", func(c *Config) { c.Keys = KeysConfig{} }, []string{"keys.signing_key", "keys.signing_cert"}},
		{"unknown store type", func(c *Config) { c.Store.Type = "sqlite" }, []string{`store.type "sqlite"`}},
		{"bolt without a path", func(c *Config) { c.Store.Path = "" }, []string{"store.path"}},
		{"memory without a path", func(c *Config) { c.Store = StoreConfig{Type: "memory"} }, nil},
		{"etcd without its section", func(c *Config) { c.Store.Type = "etcd" }, []string{"store.etcd"}},
		{"etcd without endpoints", func(c *Config) {
			c.Store = StoreConfig{Type: "etcd", Etcd: &etcd.Config{}}
		}, []string{"store.etcd.endpoints"}},
		{"etcd, two problems", func(c *Config) {
			c.Store = StoreConfig{Type: "etcd", Etcd: &etcd.Config{Endpoints: []string{"http://etcd:2379"}, CertFile: "c.crt", Password: "pw"}}
		}, []string{"store.etcd.cert_file", "store.etcd.username"}},
		{"tls.cert without tls.key", func(c *Config) { c.TLS.Cert = "tls.crt" }, []string{"tls.key is missing"}},
		{"tls.key without tls.cert", func(c *Config) { c.TLS.Key = "tls.key" }, []string{"tls.cert is missing"}},
		{"plain HTTP on all interfaces", func(c *Config) { c.Listen = "0.0.0.0:5001" }, []string{`listen "0.0.0.0:5001"`}},
		{"plain HTTP behind a proxy", func(c *Config) { c.Listen, c.InsecureHTTP = "0.0.0.0:5001", true }, nil},
		{"TLS on all interfaces", func(c *Config) { c.Listen, c.TLS = "0.0.0.0:5001", TLSConfig{Cert: "c", Key: "k"} }, nil},
		{"bad trusted proxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "proxy.example", "10.0.0.0/33"} },
			[]string{`trusted_proxies[1]: "proxy.example"`, `trusted_proxies[2]: "10.0.0.0/33"`}},
		{"no login failures per minute", func(c *Config) { c.LoginLimit.FailuresPerMinute = 0 }, []string{"login_limit.failures_per_minute"}},
		{"negative login failures per minute", func(c *Config) { c.LoginLimit.FailuresPerMinute = -1 }, []string{"login_limit.failures_per_minute"}},
		{"no login burst", func(c *Config) { c.LoginLimit.Burst = 0 }, []string{"login_limit.burst"}},
		{"idle timeout within its warning", func(c *Config) { c.Console.IdleTimeout = time.Minute }, []string{"console.idle_timeout"}},
		{"session shorter than a token", func(c *Config) { c.Token.TTL = 10 * time.Minute; c.Console.SessionMax = 5 * time.Minute }, []string{"console.session_max"}},
		{"registry.url without a scheme", func(c *Config) { c.Registry.URL = "registry:5000" }, []string{`registry.url "registry:5000"`}},
		{"registry.url without a host", func(c *Config) { c.Registry.URL = "https://" }, []string{"registry.url"}},
		{"registry.url of another scheme", func(c *Config) { c.Registry.URL = "ftp://registry" }, []string{"registry.url"}},
		{"webhook leads of zero and below", func(c *Config) { c.Webhooks.Leads = []time.Duration{time.Hour, 0, -time.Hour} },
			[]string{"webhooks.leads[1]", "webhooks.leads[2]"}},
		{"six webhook leads", func(c *Config) { c.Webhooks.Leads = slices.Repeat([]time.Duration{time.Hour}, 6) }, []string{"webhooks.leads: 6 leads, at most 5"}},
		{"five webhook leads", func(c *Config) { c.Webhooks.Leads = slices.Repeat([]time.Duration{time.Hour}, 5) }, nil},
		{"no webhook leads", func(c *Config) { c.Webhooks.Leads = nil }, nil},
		{"webhook retries of zero", func(c *Config) { c.Webhooks.Retry = WebhookRetryConfig{Max: -time.Second} },
			[]string{"webhooks.retry.initial", "webhooks.retry.max", "webhooks.retry.give"}},
		{"a rule without a group", func(c *Config) { c.Identity.Rules = identity.Rules{{Domain: "acme", Role: grants.RoleRead}} },
			[]string{"identity.rules[0]: group is required"}},
		{"rules of a bad role and no domain", func(c *Config) {
			c.Identity.Rules = identity.Rules{{Group: "a", Domain: "acme", Role: "admin"}, {Group: "b", Role: grants.RoleRead}}
		}, []string{`identity.rules[0]: role "admin"`, "identity.rules[1]: domain is required"}},
		{"a negative token lifetime", func(c *Config) { c.Identity.TokenMaxLifetime = -time.Hour }, []string{"identity.token_max_lifetime"}},
		{"every problem at once", func(c *Config) {
			c.Keys.SigningCert = ""
			c.Store.Type = "sqlite"
			c.TLS.Key = "tls.key"
			c.TrustedProxies = []string{"x"}
			c.LoginLimit = LoginLimitConfig{}
			c.Registry.URL = "registry:5000"
		}, []string{"keys.signing_cert", "store.type", "tls.cert", "trusted_proxies[0]",
			"login_limit.failures_per_minute", "login_limit.burst", "login_limit.familiar_for", "registry.url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(cfg)
			before := *cfg
			err := cfg.Validate()
			if !reflect.DeepEqual(*cfg, before) {
				t.Errorf("Validate changed the configuration: %+v, was %+v", *cfg, before)
			}
			got := splitErrors(err)
			if len(got) != len(tt.want) {
				t.Fatalf("Validate = %d problems %q, want %d about %q", len(got), err, len(tt.want), tt.want)
			}
			for i, want := range tt.want {
				if !strings.Contains(got[i].Error(), want) {
					t.Errorf("problem %d is %q, want it to name %q", i, got[i], want)
				}
			}
		})
	}
}

// TestApplyDefaults: the defaults that follow from other keys.
func TestApplyDefaults(t *testing.T) {
	for _, tt := range []struct {
		name     string
		registry RegistryConfig
		wantHost string
	}{
		{"nothing set", RegistryConfig{}, "localhost:5000"},
		{"host of the url", RegistryConfig{URL: "http://registry:5000"}, "registry:5000"},
		{"host kept", RegistryConfig{URL: "http://registry:5000", Host: "registry.example"}, "registry.example"},
		{"host without url", RegistryConfig{Host: "registry.example"}, "registry.example"},
		{"bad url (Validate refuses it)", RegistryConfig{URL: "registry:5000"}, "localhost:5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Registry = tt.registry
			cfg.applyDefaults()
			if cfg.Registry.Host != tt.wantHost {
				t.Errorf("registry.host = %q, want %q", cfg.Registry.Host, tt.wantHost)
			}
		})
	}
}

// TestDecodeConfig: a key set to its zero value keeps it (the defaults
// are what the file is decoded onto); a key left out gets its default.
func TestDecodeConfig(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		get        func(*Config) any
		want       any
	}{
		{"metrics_listen left out", "listen: 127.0.0.1:1\n", func(c *Config) any { return c.MetricsListen }, "127.0.0.1:9101"},
		{"metrics_listen empty: off", "metrics_listen: \"\"\n", func(c *Config) any { return c.MetricsListen }, ""},
		{"store.path alone", "store: {path: x.db}\n", func(c *Config) any { return c.Store }, StoreConfig{Type: "bolt", Path: "x.db"}},
		{"store.path empty", "store: {path: \"\"}\n", func(c *Config) any { return c.Store }, StoreConfig{Type: "bolt"}},
		{"login_limit.burst alone", "login_limit: {burst: 3}\n", func(c *Config) any { return c.LoginLimit }, LoginLimitConfig{FailuresPerMinute: 10, Burst: 3, FamiliarFor: tokenauth.DefaultFamiliarFor}},
		{"webhooks left out", "listen: 127.0.0.1:1\n", func(c *Config) any { return c.Webhooks }, WebhooksConfig{
			Leads: []time.Duration{168 * time.Hour, 24 * time.Hour}, Retry: WebhookRetryConfig{Initial: 5 * time.Second, Max: time.Hour, Give: 24 * time.Hour}}},
		{"webhooks.leads replaced", "webhooks: {leads: [72h]}\n", func(c *Config) any { return c.Webhooks.Leads }, []time.Duration{72 * time.Hour}},
		{"webhooks.leads empty: none", "webhooks: {leads: []}\n", func(c *Config) any { return c.Webhooks.Leads }, []time.Duration{}},
		{"webhooks.retry.give alone", "webhooks: {allow_private: true, retry: {give: 2h}}\n", func(c *Config) any { return c.Webhooks }, WebhooksConfig{AllowPrivate: true,
			Leads: []time.Duration{168 * time.Hour, 24 * time.Hour}, Retry: WebhookRetryConfig{Initial: 5 * time.Second, Max: time.Hour, Give: 2 * time.Hour}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := decodeConfig([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := decodeConfig([]byte("listne: x\n")); err == nil || !strings.Contains(err.Error(), "listne") {
		t.Errorf("unknown key: err = %v", err)
	}
}

// TestDevDefaults: `regshare dev` and a serve file that sets only what it
// must get the same defaults, for everything dev does not set on purpose.
func TestDevDefaults(t *testing.T) {
	etc := t.TempDir()
	serveCfg, err := loadConfig(cliWriteConfig(t, etc, "token: {service: s, issuer: i}\nkeys: {signing_key: k, signing_cert: c}\n"))
	if err != nil {
		t.Fatal(err)
	}
	lns, err := devListenAll(devOptions{registryAddr: "127.0.0.1:0", addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer lns.Close()
	devCfg, err := devConfig(filepath.Join(t.TempDir(), "data"), lns, grants.DirectoryConfig{})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		key  string
		get  func(*Config) any
		want any // serve's default
		// dev, when set, copies a key dev sets on purpose from src to dst.
		dev func(dst, src *Config)
	}{
		{"listen", func(c *Config) any { return c.Listen }, "127.0.0.1:5001", func(d, s *Config) { d.Listen = s.Listen }},
		{"metrics_listen", func(c *Config) any { return c.MetricsListen }, "127.0.0.1:9101", func(d, s *Config) { d.MetricsListen = s.MetricsListen }},
		{"token.service", func(c *Config) any { return c.Token.Service }, "s", func(d, s *Config) { d.Token.Service = s.Token.Service }},
		{"token.issuer", func(c *Config) any { return c.Token.Issuer }, "i", func(d, s *Config) { d.Token.Issuer = s.Token.Issuer }},
		{"token.ttl", func(c *Config) any { return c.Token.TTL }, time.Duration(0), nil},
		{"token.registry_leeway", func(c *Config) any { return c.Token.RegistryLeeway }, time.Duration(0), nil},
		{"token.realm", func(c *Config) any { return c.Token.Realm }, "", nil},
		{"token.max_scopes", func(c *Config) any { return c.Token.MaxScopes }, 0, nil},
		{"token.refresh_ttl", func(c *Config) any { return c.Token.RefreshTTL }, time.Duration(0), nil},
		{"token.api_service", func(c *Config) any { return c.Token.APIService }, "", nil},
		{"keys.signing_key", func(c *Config) any { return c.Keys.SigningKey }, filepath.Join(etc, "k"), func(d, s *Config) { d.Keys.SigningKey = s.Keys.SigningKey }},
		{"keys.signing_cert", func(c *Config) any { return c.Keys.SigningCert }, filepath.Join(etc, "c"), func(d, s *Config) { d.Keys.SigningCert = s.Keys.SigningCert }},
		{"keys.x5c", func(c *Config) any { return c.Keys.X5C }, (*bool)(nil), nil},
		{"store.type", func(c *Config) any { return c.Store.Type }, "bolt", nil},
		{"store.path", func(c *Config) any { return c.Store.Path }, filepath.Join(etc, "regshare.db"), func(d, s *Config) { d.Store.Path = s.Store.Path }},
		{"store.etcd", func(c *Config) any { return c.Store.Etcd }, (*etcd.Config)(nil), nil},
		{"tls", func(c *Config) any { return c.TLS }, TLSConfig{}, nil},
		{"insecure_http", func(c *Config) any { return c.InsecureHTTP }, false, nil},
		{"trusted_proxies", func(c *Config) any { return c.TrustedProxies }, []string(nil), nil},
		{"login_limit", func(c *Config) any { return c.LoginLimit }, LoginLimitConfig{FailuresPerMinute: 10, Burst: 10, FamiliarFor: tokenauth.DefaultFamiliarFor}, nil},
		{"audit_log", func(c *Config) any { return c.AuditLog }, "", nil},
		{"auth_cache", func(c *Config) any { return c.AuthCache }, AuthCacheConfig{}, nil},
		{"registry.url", func(c *Config) any { return c.Registry.URL }, "", func(d, s *Config) { d.Registry.URL = s.Registry.URL }},
		{"registry.host", func(c *Config) any { return c.Registry.Host }, "localhost:5000", func(d, s *Config) { d.Registry.Host = s.Registry.Host }},
		{"directory", func(c *Config) any { return c.DirectoryConfig }, grants.DirectoryConfig{}, func(d, s *Config) { d.DirectoryConfig = s.DirectoryConfig }},
	}
	merged := *serveCfg
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := tt.get(serveCfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("serve: %s = %#v, want %#v", tt.key, got, tt.want)
			}
			if tt.dev != nil {
				tt.dev(&merged, devCfg)
				return
			}
			if got := tt.get(devCfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dev: %s = %#v, want serve's %#v", tt.key, got, tt.want)
			}
		})
	}
	// A key missing from the table above still has to agree.
	if !reflect.DeepEqual(&merged, devCfg) {
		t.Errorf("dev differs from serve beyond the keys it sets on purpose:\ndev   %+v\nserve %+v", devCfg, &merged)
	}
}
