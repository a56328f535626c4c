package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/regshare/regshare/identity"
)

// IdentityConfig is where people log in from besides regshare's own users:
// OpenID Connect providers for the console, an LDAP directory for docker
// login and the console, and the rules that map their groups to a domain
// and a role. Local users and robots always keep working beside them.
type IdentityConfig struct {
	// Rules map a provider group to (domain, role), in order: the first
	// that matches decides. A person no rule maps is refused.
	Rules identity.Rules `yaml:"rules"`
	// TokenMaxLifetime bounds the expiry of personal access tokens
	// (default 365 days).
	TokenMaxLifetime time.Duration `yaml:"token_max_lifetime"`
	// OIDC are the OpenID Connect providers of the console's login.
	OIDC []OIDCProviderConfig `yaml:"oidc"`
	// LDAP is the directory whose passwords docker login and the console
	// take; nil: none.
	LDAP *LDAPConfig `yaml:"ldap"`
}

// on reports whether any provider is configured.
func (c IdentityConfig) on() bool { return len(c.OIDC) > 0 || c.LDAP != nil }

func (c *Config) validateIdentity() []error {
	id := c.Identity
	errs := id.Rules.Validate()
	if id.on() && len(id.Rules) == 0 {
		errs = append(errs, errors.New("identity.rules: an identity provider is configured, but no rule maps its groups to a domain, so nobody could log in through it"))
	}
	if id.TokenMaxLifetime < 0 {
		errs = append(errs, fmt.Errorf("identity.token_max_lifetime: %s is negative", id.TokenMaxLifetime))
	}
	errs = append(errs, c.validateOIDC()...)
	errs = append(errs, c.validateLDAP()...)
	return errs
}

// identityPaths are the identity section's file paths, made relative to
// the configuration file's directory.
func (c *Config) identityPaths() []*string {
	return append(c.oidcPaths(), c.ldapPaths()...)
}

// resolveIn makes a relative path relative to base.
func resolveIn(base string, p *string) {
	if *p != "" && !filepath.IsAbs(*p) {
		*p = filepath.Join(base, *p)
	}
}
