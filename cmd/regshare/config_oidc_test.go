package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
)

// oidcProvider is a provider configuration Validate accepts.
func oidcProvider(name string) OIDCProviderConfig {
	return OIDCProviderConfig{Name: name, Issuer: "https://idp.example.test/realms/corp", ClientID: "regshare",
		ClientSecretFile: "secret", RedirectURL: "https://regshare.example.test/console/oidc/" + name + "/callback"}
}

// TestValidateOIDC: each bad key of identity.oidc gives one message,
// naming the provider and the key.
func TestValidateOIDC(t *testing.T) {
	rule := identity.Rule{Group: "acme-admins", Domain: "acme", Role: grants.RoleManage}
	for _, tt := range []struct {
		name   string
		change func(p *OIDCProviderConfig, c *Config)
		want   []string
	}{
		{"valid", func(*OIDCProviderConfig, *Config) {}, nil},
		{"public client, default claims", func(p *OIDCProviderConfig, _ *Config) { p.ClientSecretFile = "" }, nil},
		{"loopback http", func(p *OIDCProviderConfig, _ *Config) {
			p.Issuer, p.RedirectURL = "http://127.0.0.1:5556/dex", "http://localhost:5001/console/oidc/corp/callback"
		}, nil},
		{"no name", func(p *OIDCProviderConfig, _ *Config) { p.Name = "" }, []string{"identity.oidc[0].name"}},
		{"a name that is no slug", func(p *OIDCProviderConfig, _ *Config) { p.Name = "Corp SSO" }, []string{`(Corp SSO).name "Corp SSO"`}},
		{"a display name too long", func(p *OIDCProviderConfig, _ *Config) { p.DisplayName = strings.Repeat("é", 65) }, []string{"(corp).display_name: 65 characters"}},
		{"no issuer", func(p *OIDCProviderConfig, _ *Config) { p.Issuer = "" }, []string{"(corp).issuer \"\": is required"}},
		{"http issuer elsewhere", func(p *OIDCProviderConfig, _ *Config) { p.Issuer = "http://idp.example.test" }, []string{"(corp).issuer \"http://idp.example.test\": http is allowed on a loopback host only"}},
		{"issuer without a scheme", func(p *OIDCProviderConfig, _ *Config) { p.Issuer = "idp.example.test" }, []string{"(corp).issuer"}},
		{"no client id", func(p *OIDCProviderConfig, _ *Config) { p.ClientID = " " }, []string{"(corp).client_id is required"}},
		{"no redirect url", func(p *OIDCProviderConfig, _ *Config) { p.RedirectURL = "" }, []string{"(corp).redirect_url is required"}},
		{"redirect url of another path", func(p *OIDCProviderConfig, _ *Config) { p.RedirectURL = "https://regshare.example.test/callback" },
			[]string{"(corp).redirect_url \"https://regshare.example.test/callback\": its path must be /console/oidc/corp/callback"}},
		{"http redirect url elsewhere", func(p *OIDCProviderConfig, _ *Config) {
			p.RedirectURL = "http://regshare.example.test/console/oidc/corp/callback"
		}, []string{"(corp).redirect_url \"http://regshare.example.test/console/oidc/corp/callback\": http is allowed on a loopback host only"}},
		{"scopes without openid", func(p *OIDCProviderConfig, _ *Config) { p.Scopes = []string{"profile", "groups"} }, []string{"(corp).scopes: openid"}},
		{"two providers of one name", func(p *OIDCProviderConfig, c *Config) {
			c.Identity.OIDC = append(c.Identity.OIDC, oidcProvider("corp"))
		},
			[]string{`identity.oidc[1] (corp).name "corp": another provider has it`}},
		{"a rule of an unknown provider", func(p *OIDCProviderConfig, c *Config) {
			c.Identity.Rules = append(c.Identity.Rules, identity.Rule{Group: "*", Source: "oidc:google", Domain: "acme", Role: grants.RoleRead})
		}, []string{`identity.rules[1].source "oidc:google"`}},
		{"no rule", func(p *OIDCProviderConfig, c *Config) { c.Identity.Rules = nil }, []string{"identity.rules"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Identity = IdentityConfig{Rules: identity.Rules{rule}, OIDC: []OIDCProviderConfig{oidcProvider("corp")}}
			tt.change(&cfg.Identity.OIDC[0], cfg)
			got := splitErrors(cfg.Validate())
			if len(got) != len(tt.want) {
				t.Fatalf("Validate = %d problems %q, want %q", len(got), got, tt.want)
			}
			for i, want := range tt.want {
				if msg := got[i].Error(); !strings.Contains(msg, want) {
					t.Errorf("problem %q, want it to name %q", msg, want)
				}
			}
		})
	}
}

// TestOIDCConfigFile: identity.oidc decodes from YAML, its files are
// relative to the configuration's directory, and the secret and CA are
// read when regshare starts.
func TestOIDCConfigFile(t *testing.T) {
	etc := t.TempDir()
	path := cliWriteConfig(t, etc, `token: {service: s, issuer: i}
keys: {signing_key: k, signing_cert: c}
identity:
  rules: [{group: acme-admins, domain: acme, role: manage}]
  oidc:
    - name: corp
      display_name: Corp SSO
      issuer: https://idp.example.test
      client_id: regshare
      client_secret_file: oidc/secret
      redirect_url: https://regshare.example.test/console/oidc/corp/callback
      scopes: [openid, profile, email, groups]
      username_claim: email
      groups_claim: roles
      ca_file: oidc/ca.pem
`)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Identity.OIDC[0]
	if p.ClientSecretFile != filepath.Join(etc, "oidc", "secret") || p.CAFile != filepath.Join(etc, "oidc", "ca.pem") ||
		p.DisplayName != "Corp SSO" || p.UsernameClaim != "email" || p.GroupsClaim != "roles" || len(p.Scopes) != 4 {
		t.Fatalf("decoded %+v", p)
	}
	if _, err := cfg.Identity.oidcProviders(); err == nil || !strings.Contains(err.Error(), "identity.oidc[0] (corp).client_secret_file") {
		t.Errorf("a missing secret file: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(etc, "oidc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.ClientSecretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.CAFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Identity.oidcProviders(); err == nil || !strings.Contains(err.Error(), "(corp).ca_file: no PEM certificate") {
		t.Errorf("a CA file without a certificate: %v", err)
	}
	cfg.Identity.OIDC[0].CAFile = ""
	got, err := cfg.Identity.oidcProviders()
	if err != nil || len(got) != 1 || got[0].ClientSecret != "s3cret" || got[0].HTTPClient == nil {
		t.Fatalf("oidcProviders = %+v, %v; want the secret read, without its newline", got, err)
	}
}

// TestOIDCReadmeExamples: each regshare configuration the README's
// OpenID Connect section shows decodes (known keys only) and passes the
// checks of identity.oidc.
func TestOIDCReadmeExamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n### OpenID Connect\n")
	section, _, _ = strings.Cut(section, "\n### ")
	n := 0
	for _, block := range strings.Split(section, "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.HasPrefix(block, "identity:") {
			continue // the provider's own configuration
		}
		n++
		cfg, err := decodeConfig([]byte(block))
		if err != nil {
			t.Errorf("README example %d: %v\n%s", n, err, block)
			continue
		}
		if errs := cfg.validateOIDC(); len(errs) > 0 {
			t.Errorf("README example %d: %q", n, errs)
		}
	}
	if n != 4 {
		t.Errorf("%d regshare examples in the README's OpenID Connect section, want 4 (dex, Keycloak, Entra ID, Google)", n)
	}
}
