package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
)

// Config is the configuration file. Relative paths in it are relative to
// the file's own directory.
type Config struct {
	// Listen is the address of the token endpoint and the share API.
	Listen string `yaml:"listen"`
	// MetricsListen serves /metrics apart from the public endpoints; empty
	// turns it off.
	MetricsListen string      `yaml:"metrics_listen"`
	Token         TokenConfig `yaml:"token"`
	Keys          KeysConfig  `yaml:"keys"`
	Store         StoreConfig `yaml:"store"`
	// TLS serves Listen over TLS (1.2 at least) when both are set; the
	// files are re-read on SIGHUP.
	TLS TLSConfig `yaml:"tls"`
	// InsecureHTTP allows plain HTTP on a non-loopback Listen, for a
	// TLS-terminating proxy in front.
	InsecureHTTP bool `yaml:"insecure_http"`
	// TrustedProxies (CIDRs) may name the client in X-Forwarded-For.
	TrustedProxies []string `yaml:"trusted_proxies"`
	trustedProxies []netip.Prefix
	// LoginLimit bounds failed logins per user and per client address.
	LoginLimit LoginLimitConfig `yaml:"login_limit"`
	// AuditLog is a file of JSON audit events (share changes, failed
	// logins); empty: the main log, with log=audit.
	AuditLog string `yaml:"audit_log"`
	// AuthCache remembers verified passwords so that bcrypt runs once per
	// client and TTL, not once per request.
	AuthCache AuthCacheConfig `yaml:"auth_cache"`
	// Registry is where regshare reads tags, and how users name it.
	Registry RegistryConfig `yaml:"registry"`
	// The directory: domains, their namespaces and users, superusers.
	grants.DirectoryConfig `yaml:",inline"`
}

// TokenConfig must agree with the registry's auth.token section.
type TokenConfig struct {
	Service        string        `yaml:"service"`
	Issuer         string        `yaml:"issuer"`
	TTL            time.Duration `yaml:"ttl"`
	RegistryLeeway time.Duration `yaml:"registry_leeway"`
	Realm          string        `yaml:"realm"`
	MaxScopes      int           `yaml:"max_scopes"`
	// RefreshTTL is the lifetime of refresh (identity) tokens.
	RefreshTTL time.Duration `yaml:"refresh_ttl"`
	// APIService names regshare's own API in token requests.
	APIService string `yaml:"api_service"`
}

// KeysConfig names the signing key and its certificate chain.
type KeysConfig struct {
	SigningKey  string `yaml:"signing_key"`
	SigningCert string `yaml:"signing_cert"`
	// X5C sends the certificate chain in the tokens' header (the default),
	// for a registry with auth.token.rootcertbundle. Set it to false for a
	// registry that trusts only a JWK Set (auth.token.jwks): it then finds
	// the key by kid.
	X5C *bool `yaml:"x5c"`
}

// TLSConfig names the serving certificate (chain) and key.
type TLSConfig struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// defaultLoginLimit is login_limit when the file does not set it.
var defaultLoginLimit = LoginLimitConfig{FailuresPerMinute: 10, Burst: 10}

// LoginLimitConfig: past Burst failures in a row, FailuresPerMinute more.
type LoginLimitConfig struct {
	FailuresPerMinute float64 `yaml:"failures_per_minute"`
	Burst             int     `yaml:"burst"`
}

// AuthCacheConfig bounds the cache of verified credentials.
type AuthCacheConfig struct {
	TTL  time.Duration `yaml:"ttl"`  // default 5m
	Size int           `yaml:"size"` // default 100000; -1 turns the cache off
}

// RegistryConfig tells regshare about its registry.
type RegistryConfig struct {
	// URL is the registry's address as regshare reaches it; when set, tags
	// are listed and a share of a repository the registry lacks is refused.
	URL string `yaml:"url"`
	// Host is the registry as users name it in docker pull (host[:port]);
	// by default the host of URL.
	Host string `yaml:"host"`
}

// StoreConfig selects the durable share store.
type StoreConfig struct {
	// Type is "bolt" (the default: one file), "etcd" (several replicas
	// share the shares; see Etcd) or "memory" (nothing survives a restart;
	// for trying things out).
	Type string `yaml:"type"`
	Path string `yaml:"path"`
	// Etcd is required with type etcd.
	Etcd *etcd.Config `yaml:"etcd"`
}

// loadConfig reads and checks the file. Unknown keys are errors, so a typo
// does not silently fall back to a default.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Listen: "127.0.0.1:5001", MetricsListen: "127.0.0.1:9101",
		LoginLimit: defaultLoginLimit, Store: StoreConfig{Type: "bolt", Path: "regshare.db"}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	for _, p := range []*string{&cfg.Keys.SigningKey, &cfg.Keys.SigningCert, &cfg.Store.Path, &cfg.TLS.Cert, &cfg.TLS.Key, &cfg.AuditLog} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	var errs []error
	if cfg.Keys.SigningKey == "" || cfg.Keys.SigningCert == "" {
		errs = append(errs, errors.New("keys.signing_key and keys.signing_cert are required (make them with `regshare keygen`)"))
	}
	switch cfg.Store.Type {
	case "bolt":
		if cfg.Store.Path == "" {
			errs = append(errs, errors.New("store.path is required for the bolt store"))
		}
	case "etcd":
		if e := cfg.Store.Etcd; e == nil {
			errs = append(errs, errors.New("store.type etcd: the store.etcd section (endpoints, prefix, TLS, ...) is required"))
		} else if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("store.%w", err))
		} else {
			for _, p := range []*string{&e.CAFile, &e.CertFile, &e.KeyFile, &e.PasswordFile} {
				if *p != "" && !filepath.IsAbs(*p) {
					*p = filepath.Join(base, *p)
				}
			}
		}
	case "memory":
	default:
		errs = append(errs, fmt.Errorf("store.type %q: want bolt, etcd or memory", cfg.Store.Type))
	}
	switch {
	case (cfg.TLS.Cert == "") != (cfg.TLS.Key == ""):
		errs = append(errs, errors.New("tls.cert and tls.key go together"))
	case cfg.TLS.Cert == "" && !isLoopback(cfg.Listen) && !cfg.InsecureHTTP:
		errs = append(errs, fmt.Errorf("listen %q is not a loopback address and tls.cert/tls.key are not set: passwords would travel in clear; set them, or insecure_http: true when a TLS-terminating proxy is in front", cfg.Listen))
	}
	for _, p := range cfg.TrustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			if a, aerr := netip.ParseAddr(p); aerr == nil {
				prefix, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("trusted_proxies: %q is not an address or CIDR", p))
			continue
		}
		cfg.trustedProxies = append(cfg.trustedProxies, prefix)
	}
	if cfg.LoginLimit.FailuresPerMinute <= 0 || cfg.LoginLimit.Burst < 1 {
		errs = append(errs, errors.New("login_limit: failures_per_minute and burst must be positive"))
	}
	if cfg.Registry.URL != "" {
		u, err := url.Parse(cfg.Registry.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("registry.url %q: want http(s)://host[:port]", cfg.Registry.URL))
		} else if cfg.Registry.Host == "" {
			cfg.Registry.Host = u.Host
		}
	}
	if cfg.Registry.Host == "" {
		cfg.Registry.Host = "localhost:5000"
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}
