package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/regshare/regshare/grants"
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
	// Type is "bolt" (the default: one file) or "memory" (nothing survives
	// a restart; for trying things out).
	Type string `yaml:"type"`
	Path string `yaml:"path"`
}

// loadConfig reads and checks the file. Unknown keys are errors, so a typo
// does not silently fall back to a default.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Listen: "127.0.0.1:5001", MetricsListen: "127.0.0.1:9101", Store: StoreConfig{Type: "bolt", Path: "regshare.db"}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	for _, p := range []*string{&cfg.Keys.SigningKey, &cfg.Keys.SigningCert, &cfg.Store.Path} {
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
	case "memory":
	default:
		errs = append(errs, fmt.Errorf("store.type %q: want bolt or memory", cfg.Store.Type))
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
