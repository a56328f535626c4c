package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultPrefix         = "/regshare/"
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultSyncTimeout    = time.Second
	DefaultResolveTimeout = time.Second
	// DefaultMaxTxnOps and DefaultMaxRequestBytes are etcd's own defaults
	// of --max-txn-ops and --max-request-bytes.
	DefaultMaxTxnOps       = 128
	DefaultMaxRequestBytes = 1536 * 1024
)

// Config says how to reach etcd and where regshare's keys live in it.
type Config struct {
	// Endpoints of the etcd cluster, e.g. https://etcd-0.etcd:2379.
	Endpoints []string `yaml:"endpoints"`
	// Prefix of every key regshare writes; several regshare deployments can
	// share one etcd cluster under different prefixes. Default /regshare/.
	Prefix string `yaml:"prefix"`
	// TLS: the CA that signed etcd's certificate, and a client certificate
	// and key when etcd asks for one. Relative paths are relative to the
	// configuration file.
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Username and password when etcd has authentication enabled; the
	// password may instead be read from PasswordFile (a mounted secret).
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// DialTimeout bounds connecting. RequestTimeout bounds each request and
	// each share change, its retries included. A change whose answer is
	// lost then spends up to ResolveTimeout learning whether it was made
	// (see change.go), and a change made waits up to SyncTimeout for this
	// replica's index to apply it (the answer is a success either way): a
	// change's talk with etcd ends within the sum of the three (a retried
	// create first reads its history: one more request).
	DialTimeout    time.Duration `yaml:"dial_timeout"`
	RequestTimeout time.Duration `yaml:"request_timeout"`
	ResolveTimeout time.Duration `yaml:"resolve_timeout"`
	SyncTimeout    time.Duration `yaml:"sync_timeout"`
	// ProgressInterval is how often the watch asks etcd for its progress,
	// which keeps the reported lag true while no share changes. Default 5s.
	ProgressInterval time.Duration `yaml:"progress_interval"`
	// StaleAfter is how long a replica that hears nothing from etcd keeps
	// granting through shares; then it fails closed. Default 3 × the
	// progress interval.
	StaleAfter time.Duration `yaml:"stale_after"`
	// MaxTxnOps and MaxRequestBytes are what etcd's --max-txn-ops and
	// --max-request-bytes allow one transaction (default: etcd's defaults,
	// 128 and 1.5 MiB). A change of several shares at once is one
	// transaction of 2 operations per share and a few more; one that does
	// not fit is refused whole. Raise them together with etcd's flags
	// (e.g. 4096 and 8 MiB), never above them.
	MaxTxnOps       int `yaml:"max_txn_ops"`
	MaxRequestBytes int `yaml:"max_request_bytes"`
}

// The least max_txn_ops and max_request_bytes: a directory change and a
// share change of one share each need this much.
const (
	minTxnOps       = 8
	minRequestBytes = 64 << 10
)

// Secret is a string that never prints.
type Secret string

func (Secret) String() string   { return "***" }
func (Secret) GoString() string { return `"***"` }

// withDefaults fills in the zero settings.
func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(c.Prefix, "/") {
		c.Prefix += "/"
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{
		{&c.DialTimeout, DefaultDialTimeout},
		{&c.RequestTimeout, DefaultRequestTimeout},
		{&c.SyncTimeout, DefaultSyncTimeout},
		{&c.ResolveTimeout, DefaultResolveTimeout},
		{&c.ProgressInterval, 5 * time.Second},
	} {
		if *d.p <= 0 {
			*d.p = d.def
		}
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = 3 * c.ProgressInterval
	}
	if c.MaxTxnOps <= 0 {
		c.MaxTxnOps = DefaultMaxTxnOps
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	return c
}

// Validate checks the settings without connecting.
func (c Config) Validate() error {
	var errs []error
	if len(c.Endpoints) == 0 {
		errs = append(errs, errors.New("etcd.endpoints: at least one is required"))
	}
	for _, e := range c.Endpoints {
		if e == "" || strings.ContainsAny(e, " ,") {
			errs = append(errs, fmt.Errorf("etcd.endpoints: %q is not an address", e))
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("etcd.cert_file and etcd.key_file go together"))
	}
	if c.Password != "" && c.PasswordFile != "" {
		errs = append(errs, errors.New("etcd.password and etcd.password_file exclude each other"))
	}
	if c.MaxTxnOps != 0 && c.MaxTxnOps < minTxnOps {
		errs = append(errs, fmt.Errorf("etcd.max_txn_ops: %d, want at least %d (etcd's default is %d)", c.MaxTxnOps, minTxnOps, DefaultMaxTxnOps))
	}
	if c.MaxRequestBytes != 0 && c.MaxRequestBytes < minRequestBytes {
		errs = append(errs, fmt.Errorf("etcd.max_request_bytes: %d, want at least %d (etcd's default is %d)", c.MaxRequestBytes, minRequestBytes, DefaultMaxRequestBytes))
	}
	if (c.Password != "" || c.PasswordFile != "") && c.Username == "" {
		errs = append(errs, errors.New("etcd.username is required with a password"))
	}
	return errors.Join(errs...)
}

// tlsConfig is nil when no TLS setting is given and no endpoint is https.
func (c Config) tlsConfig() (*tls.Config, error) {
	https := false
	for _, e := range c.Endpoints {
		https = https || strings.HasPrefix(e, "https://")
	}
	if c.CAFile == "" && c.CertFile == "" && !https {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12} // system roots unless ca_file
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("etcd.ca_file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd.ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	if c.CertFile != "" {
		// Read at every handshake, so that a renewed certificate is used
		// without a restart.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("etcd client certificate: %w", err)
			}
			return &cert, nil
		}
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return nil, fmt.Errorf("etcd.cert_file, etcd.key_file: %w", err)
		}
	}
	return cfg, nil
}

func (c Config) password() (string, error) {
	if c.PasswordFile == "" {
		return string(c.Password), nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("etcd.password_file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
