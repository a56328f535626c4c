package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// OIDCProviderConfig is one OpenID Connect provider of the console's
// login (identity.oidc[]). Its users' identity source is "oidc:<name>",
// which rules may name.
type OIDCProviderConfig struct {
	// Name is a short slug (lower-case letters, digits, '-'): it is in
	// the login and callback paths and in the users' source.
	Name string `yaml:"name"`
	// DisplayName is what the login button says: "Log in with <it>"
	// (default: name).
	DisplayName string `yaml:"display_name"`
	// Issuer is the provider's issuer URL (https; http only on loopback),
	// where /.well-known/openid-configuration is found.
	Issuer   string `yaml:"issuer"`
	ClientID string `yaml:"client_id"`
	// ClientSecretFile holds the client secret, read at start. A secret
	// is only taken from a file, so that the configuration can be shared
	// or versioned. Without one, regshare is a public client (PKCE alone).
	ClientSecretFile string `yaml:"client_secret_file"`
	// RedirectURL is the public URL of the callback, exactly as registered
	// at the provider: https://<regshare>/console/oidc/<name>/callback.
	RedirectURL string `yaml:"redirect_url"`
	// Scopes asked (default openid, profile, email); a provider that
	// sends groups only when asked needs "groups" added.
	Scopes []string `yaml:"scopes"`
	// UsernameClaim is the claim of the login name (default
	// preferred_username, then email).
	UsernameClaim string `yaml:"username_claim"`
	// GroupsClaim is the claim the rules map (default groups): a list of
	// strings, or one string.
	GroupsClaim string `yaml:"groups_claim"`
	// CAFile is a PEM bundle of the CAs of the provider's TLS, trusted
	// besides the system's.
	CAFile string `yaml:"ca_file"`
}

// oidcName is the grammar of a provider's name.
var oidcName = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

const (
	maxOIDCName        = 32
	maxOIDCDisplayName = 64
	oidcSourcePrefix   = "oidc:"
)

func (c *Config) validateOIDC() []error {
	var errs []error
	names := map[string]bool{}
	for i, p := range c.Identity.OIDC {
		key := fmt.Sprintf("identity.oidc[%d]", i)
		if p.Name != "" {
			key = fmt.Sprintf("identity.oidc[%d] (%s)", i, p.Name)
		}
		switch {
		case !oidcName.MatchString(p.Name) || len(p.Name) > maxOIDCName:
			errs = append(errs, fmt.Errorf("%s.name %q: 1 to %d lower-case letters and digits, joined by single '-' (it is in URLs)", key, p.Name, maxOIDCName))
		case names[p.Name]:
			errs = append(errs, fmt.Errorf("%s.name %q: another provider has it", key, p.Name))
		}
		names[p.Name] = true
		if n := utf8.RuneCountInString(p.DisplayName); n > maxOIDCDisplayName {
			errs = append(errs, fmt.Errorf("%s.display_name: %d characters, at most %d", key, n, maxOIDCDisplayName))
		}
		if err := checkOIDCURL(p.Issuer); err != nil {
			errs = append(errs, fmt.Errorf("%s.issuer %q: %w", key, p.Issuer, err))
		}
		if strings.TrimSpace(p.ClientID) == "" {
			errs = append(errs, fmt.Errorf("%s.client_id is required (the provider gives it when the client is registered)", key))
		}
		errs = append(errs, p.validateRedirect(key)...)
		if len(p.Scopes) > 0 && !slices.Contains(p.Scopes, "openid") {
			errs = append(errs, fmt.Errorf("%s.scopes: openid is required among them", key))
		}
	}
	return append(errs, c.validateOIDCRuleSources(names)...)
}

// validateRedirect: the callback's URL is required, and must be where
// regshare serves this provider's callback.
func (p OIDCProviderConfig) validateRedirect(key string) []error {
	if p.RedirectURL == "" {
		return []error{fmt.Errorf("%s.redirect_url is required: the public URL of https://<regshare>/console/oidc/%s/callback, as registered at the provider", key, p.Name)}
	}
	if err := checkOIDCURL(p.RedirectURL); err != nil {
		return []error{fmt.Errorf("%s.redirect_url %q: %w", key, p.RedirectURL, err)}
	}
	u, _ := url.Parse(p.RedirectURL)
	if !oidcName.MatchString(p.Name) {
		return nil // the name's own error says enough
	}
	if want := "/console/oidc/" + p.Name + "/callback"; u.Path != want || u.RawQuery != "" {
		return []error{fmt.Errorf("%s.redirect_url %q: its path must be %s, where regshare serves the callback", key, p.RedirectURL, want)}
	}
	return nil
}

// validateOIDCRuleSources: a rule limited to an OpenID provider names one
// that is configured; a typo would match nobody.
func (c *Config) validateOIDCRuleSources(names map[string]bool) []error {
	var errs []error
	for i, r := range c.Identity.Rules {
		if name, ok := strings.CutPrefix(r.Source, oidcSourcePrefix); ok && !names[name] {
			errs = append(errs, fmt.Errorf("identity.rules[%d].source %q: no identity.oidc provider is named %q", i, r.Source, name))
		}
	}
	return errs
}

// checkOIDCURL: an absolute https URL without a fragment; http only on a
// loopback host (a provider or a regshare on this machine).
func checkOIDCURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errors.New("is required")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return errors.New("want an absolute https:// URL")
	case u.Fragment != "" || u.User != nil:
		return errors.New("a URL with a fragment or user information is not taken")
	case u.Scheme == "http" && !isLoopback(net.JoinHostPort(u.Hostname(), "0")):
		return errors.New("http is allowed on a loopback host only (localhost, 127.0.0.1, [::1]); use https")
	}
	return nil
}

func (c *Config) oidcPaths() []*string {
	var paths []*string
	for i := range c.Identity.OIDC {
		p := &c.Identity.OIDC[i]
		paths = append(paths, &p.ClientSecretFile, &p.CAFile)
	}
	return paths
}
