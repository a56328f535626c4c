package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants/etcd"
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
		{"registry.url without a scheme", func(c *Config) { c.Registry.URL = "registry:5000" }, []string{`registry.url "registry:5000"`}},
		{"registry.url without a host", func(c *Config) { c.Registry.URL = "https://" }, []string{"registry.url"}},
		{"registry.url of another scheme", func(c *Config) { c.Registry.URL = "ftp://registry" }, []string{"registry.url"}},
		{"every problem at once", func(c *Config) {
			c.Keys.SigningCert = ""
			c.Store.Type = "sqlite"
			c.TLS.Key = "tls.key"
			c.TrustedProxies = []string{"x"}
			c.LoginLimit = LoginLimitConfig{}
			c.Registry.URL = "registry:5000"
		}, []string{"keys.signing_cert", "store.type", "tls.cert", "trusted_proxies[0]",
			"login_limit.failures_per_minute", "login_limit.burst", "registry.url"}},
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
		{"login_limit.burst alone", "login_limit: {burst: 3}\n", func(c *Config) any { return c.LoginLimit }, LoginLimitConfig{FailuresPerMinute: 10, Burst: 3}},
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
