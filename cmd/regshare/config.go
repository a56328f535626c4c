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
	"github.com/regshare/regshare/tokenauth"
)

// Config is the configuration file. Relative paths in it are relative to
// the file's own directory.
//
// A Config is made in four steps, each its own function: decodeConfig
// (YAML onto defaultConfig, known keys only), applyDefaults (the defaults
// that follow from other keys), resolvePaths (relative paths) and Validate
// (every problem at once). loadConfig runs them on a file; `regshare dev`
// starts from defaultConfig too and runs the last three, so that both get
// the same defaults and checks. Zero token and auth_cache settings are
// tokenauth's defaults.
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
	// Console is how long the web console's sessions last.
	Console ConsoleConfig `yaml:"console"`
	// Notifications is the registry's notification endpoint (pull counts).
	Notifications NotificationsConfig `yaml:"notifications"`
	// Webhooks is how the domains' webhooks are sent.
	Webhooks WebhooksConfig `yaml:"webhooks"`
	// Identity is single sign-on: OIDC providers, LDAP, and their rules.
	Identity IdentityConfig `yaml:"identity"`
	// The directory: domains, their namespaces and users, superusers.
	grants.DirectoryConfig `yaml:",inline"`
}

// ConsoleConfig bounds the web console's sessions. While a tab is in
// use, the console renews its API token before it expires; it ends the
// session after IdleTimeout without use (default 30m), and no session is
// renewed past SessionMax from its login (default 12h).
type ConsoleConfig struct {
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	SessionMax  time.Duration `yaml:"session_max"`
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

// LoginLimitConfig: past Burst failures in a row, FailuresPerMinute more.
type LoginLimitConfig struct {
	FailuresPerMinute float64 `yaml:"failures_per_minute"`
	Burst             int     `yaml:"burst"`
	// FamiliarFor is how long a successful login keeps its client apart
	// from other clients' failures for that user (smart lockout).
	FamiliarFor time.Duration `yaml:"familiar_for"`
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
	// ReadyWhenUntrusted keeps /readyz at 200 while the share index is cut
	// off from the store (etcd) past stale_after. By default such a replica
	// is not ready, so that a load balancer sends recipients' pulls to one
	// that grants them; when every replica is cut off, none is ready and
	// the domains' own pulls fail too: set this to keep them served.
	ReadyWhenUntrusted bool `yaml:"ready_when_untrusted"`
}

// defaultConfig is the configuration of a file that sets nothing. A file is
// decoded onto it, so that a key the file sets to its zero value keeps that
// value: metrics_listen: "" turns metrics off, and a bolt store.path: "" or
// a login_limit of zero is refused rather than replaced.
func defaultConfig() *Config {
	return &Config{
		Listen:        "127.0.0.1:5001",
		MetricsListen: "127.0.0.1:9101",
		LoginLimit:    LoginLimitConfig{FailuresPerMinute: 10, Burst: 10, FamiliarFor: tokenauth.DefaultFamiliarFor},
		Store:         StoreConfig{Type: "bolt", Path: "regshare.db"},
		Webhooks:      defaultWebhooks(),
	}
}

// defaultRegistryHost is registry.host when neither it nor registry.url
// is set.
const defaultRegistryHost = "localhost:5000"

// loadConfig reads the file at path and makes a checked Config of it.
// Every error names the file.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(data)
	if err == nil {
		err = cfg.complete(filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// decodeConfig decodes YAML onto defaultConfig. Unknown keys are errors,
// so that a typo does not silently fall back to a default.
func decodeConfig(data []byte) (*Config, error) {
	cfg := defaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// complete runs the steps after decoding: defaults, paths relative to base
// (the file's directory), validation.
func (c *Config) complete(base string) error {
	c.applyDefaults()
	c.resolvePaths(base)
	return c.Validate()
}

// applyDefaults fills the defaults that follow from other keys:
// registry.host is the host of a valid registry.url, else localhost:5000.
func (c *Config) applyDefaults() {
	if c.Registry.Host != "" {
		return
	}
	c.Registry.Host = defaultRegistryHost
	if c.Registry.URL == "" {
		return
	}
	if u, err := parseRegistryURL(c.Registry.URL); err == nil {
		c.Registry.Host = u.Host
	}
}

// resolvePaths makes every relative path relative to base.
func (c *Config) resolvePaths(base string) {
	paths := []*string{&c.Keys.SigningKey, &c.Keys.SigningCert, &c.Store.Path, &c.TLS.Cert, &c.TLS.Key, &c.AuditLog, &c.Notifications.SecretFile}
	if e := c.Store.Etcd; e != nil {
		paths = append(paths, &e.CAFile, &e.CertFile, &e.KeyFile, &e.PasswordFile)
	}
	for _, p := range append(paths, c.identityPaths()...) {
		resolveIn(base, p)
	}
}

// Validate reports every problem at once, each naming its key. It changes
// nothing; the directory is checked when it is built (grants.NewDirectory).
func (c *Config) Validate() error {
	var errs []error
	for _, check := range []func() []error{
		c.validateKeys, c.validateStore, c.validateListen,
		c.validateTrustedProxies, c.validateLoginLimit, c.validateRegistry, c.validateConsole, c.validateNotifications,
		c.validateWebhooks, c.validateIdentity,
	} {
		errs = append(errs, check()...)
	}
	return errors.Join(errs...)
}

func (c *Config) validateKeys() []error {
	var errs []error
	if c.Keys.SigningKey == "" {
		errs = append(errs, errors.New("keys.signing_key is required (make it with `regshare keygen`)"))
	}
	if c.Keys.SigningCert == "" {
		errs = append(errs, errors.New("keys.signing_cert is required (make it with `regshare keygen`)"))
	}
	return errs
}

func (c *Config) validateStore() []error {
	switch c.Store.Type {
	case "bolt":
		if c.Store.Path == "" {
			return []error{errors.New("store.path is required for the bolt store")}
		}
	case "etcd":
		if c.Store.Etcd == nil {
			return []error{errors.New("store.type etcd: the store.etcd section (endpoints, prefix, TLS, ...) is required")}
		}
		var errs []error
		for _, err := range splitErrors(c.Store.Etcd.Validate()) {
			errs = append(errs, fmt.Errorf("store.%w", err))
		}
		return errs
	case "memory":
	default:
		return []error{fmt.Errorf("store.type %q: want bolt, etcd or memory", c.Store.Type)}
	}
	return nil
}

// validateListen: TLS files in pairs, and plain HTTP only on loopback
// unless a TLS-terminating proxy is said to be in front.
func (c *Config) validateListen() []error {
	switch {
	case c.TLS.Cert != "" && c.TLS.Key == "":
		return []error{errors.New("tls.cert and tls.key go together: tls.key is missing")}
	case c.TLS.Cert == "" && c.TLS.Key != "":
		return []error{errors.New("tls.cert and tls.key go together: tls.cert is missing")}
	case c.TLS.Cert == "" && !isLoopback(c.Listen) && !c.InsecureHTTP:
		return []error{fmt.Errorf("listen %q is not a loopback address and tls.cert/tls.key are not set: passwords would travel in clear; set them, or insecure_http: true when a TLS-terminating proxy is in front", c.Listen)}
	}
	return nil
}

func (c *Config) validateTrustedProxies() []error {
	_, errs := c.trustedPrefixes()
	return errs
}

// trustedPrefixes parses trusted_proxies: each a CIDR, or an address for
// one host.
func (c *Config) trustedPrefixes() ([]netip.Prefix, []error) {
	var prefixes []netip.Prefix
	var errs []error
	for i, p := range c.TrustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			if a, aerr := netip.ParseAddr(p); aerr == nil {
				prefix, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("trusted_proxies[%d]: %q is not an address or CIDR", i, p))
			continue
		}
		prefixes = append(prefixes, prefix)
	}
	return prefixes, errs
}

func (c *Config) validateLoginLimit() []error {
	var errs []error
	if l := c.LoginLimit.FailuresPerMinute; l <= 0 {
		errs = append(errs, fmt.Errorf("login_limit.failures_per_minute %v: must be positive", l))
	}
	if b := c.LoginLimit.Burst; b < 1 {
		errs = append(errs, fmt.Errorf("login_limit.burst %d: must be at least 1", b))
	}
	if f := c.LoginLimit.FamiliarFor; f <= 0 {
		errs = append(errs, fmt.Errorf("login_limit.familiar_for %v: must be positive", f))
	}
	return errs
}

// validateConsole bounds the console's session settings: an idle timeout
// shorter than a minute would end a session during its own warning.
func (c *Config) validateConsole() []error {
	var errs []error
	if d := c.Console.IdleTimeout; d != 0 && d < 2*time.Minute {
		errs = append(errs, fmt.Errorf("console.idle_timeout %v: must be at least 2m (the console warns a minute before)", d))
	}
	if d := c.Console.SessionMax; d != 0 && (d < time.Minute || (c.Token.TTL != 0 && d < c.Token.TTL)) {
		errs = append(errs, fmt.Errorf("console.session_max %v: must be at least a minute and at least token.ttl", d))
	}
	return errs
}

func (c *Config) validateRegistry() []error {
	if c.Registry.URL == "" {
		return nil
	}
	if _, err := parseRegistryURL(c.Registry.URL); err != nil {
		return []error{fmt.Errorf("registry.url %q: %w", c.Registry.URL, err)}
	}
	return nil
}

// parseRegistryURL parses registry.url: http(s)://host[:port].
func parseRegistryURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want http(s)://host[:port]")
	}
	return u, nil
}

// splitErrors is the errors an errors.Join holds, or err alone.
func splitErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
