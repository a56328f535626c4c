package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/oidclogin"
	"github.com/regshare/regshare/tokenauth"
)

// oidcTimeout bounds each request to an OpenID provider.
const oidcTimeout = 10 * time.Second

// registerOIDC puts the console's OpenID Connect login on mux: the public
// list of providers (empty without any), and each one's login and
// callback. A provider is first asked at its first login, so one that is
// down does not stop regshare.
func registerOIDC(mux *http.ServeMux, cfg *Config, keys *tokenauth.Keys, tokens *tokenauth.Server, prov *identity.Provisioner,
	audit *slog.Logger, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) error {
	providers, err := cfg.Identity.oidcProviders()
	if err != nil {
		return err
	}
	h, err := oidclogin.New(oidclogin.Config{
		Providers: providers, Provisioner: prov, Sessions: tokens,
		// The signing keys are every replica's: any of them checks a
		// login cookie another one set.
		Keys: keys, Issuer: cfg.Token.Issuer,
		Client: tokens.Credentials().Client, Audit: audit, Metrics: reg,
	}, now, log)
	if err != nil {
		return err
	}
	h.Register(mux)
	return nil
}

// oidcProviders are the providers' settings with their secrets and CAs
// read.
func (c IdentityConfig) oidcProviders() ([]oidclogin.ProviderConfig, error) {
	var out []oidclogin.ProviderConfig
	for i, p := range c.OIDC {
		key := fmt.Sprintf("identity.oidc[%d] (%s)", i, p.Name)
		var secret string
		if p.ClientSecretFile != "" {
			b, err := os.ReadFile(p.ClientSecretFile)
			if err != nil {
				return nil, fmt.Errorf("%s.client_secret_file: %w", key, err)
			}
			if secret = strings.TrimSpace(string(b)); secret == "" {
				return nil, fmt.Errorf("%s.client_secret_file %s is empty", key, p.ClientSecretFile)
			}
		}
		client, err := oidcClient(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s.ca_file: %w", key, err)
		}
		out = append(out, oidclogin.ProviderConfig{
			Name: p.Name, DisplayName: p.DisplayName, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: secret,
			RedirectURL: p.RedirectURL, Scopes: p.Scopes, UsernameClaim: p.UsernameClaim, GroupsClaim: p.GroupsClaim,
			HTTPClient: client,
		})
	}
	return out, nil
}

// oidcClient is the HTTP client of a provider: bounded in time, and
// trusting the CAs of caFile besides the system's.
func oidcClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("no PEM certificate in " + caFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: t, Timeout: oidcTimeout}, nil
}
