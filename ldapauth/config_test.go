package ldapauth

import (
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{URL: "ldaps://ldap.example.org", BindDN: "cn=regshare,dc=example,dc=org", BindPasswordFile: "pw",
		UserBase: "ou=people,dc=example,dc=org"}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		err  string // "" valid
	}{
		{"ldaps", func(*Config) {}, ""},
		{"start_tls", func(c *Config) { c.URL, c.StartTLS = "ldap://ldap.example.org:389", true }, ""},
		{"plain to loopback", func(c *Config) { c.URL = "ldap://127.0.0.1:3389" }, ""},
		{"plain to localhost", func(c *Config) { c.URL = "ldap://localhost" }, ""},
		{"plain elsewhere", func(c *Config) { c.URL = "ldap://ldap.example.org" }, "ldap.url \"ldap://ldap.example.org\" is plain LDAP"},
		{"plain elsewhere, insecure_plain", func(c *Config) { c.URL, c.InsecurePlain = "ldap://ldap.example.org", true }, ""},
		{"no url", func(c *Config) { c.URL = "" }, "ldap.url is required"},
		{"other scheme", func(c *Config) { c.URL = "https://ldap.example.org" }, "ldap.url \"https://ldap.example.org\": want"},
		{"a path", func(c *Config) { c.URL = "ldaps://ldap.example.org/dc=example" }, "nothing more"},
		{"no host", func(c *Config) { c.URL = "ldaps:///" }, "nothing more"},
		{"ldaps with start_tls", func(c *Config) { c.StartTLS = true }, "ldap.start_tls is for an ldap:// URL"},
		{"skip verify and a CA", func(c *Config) { c.InsecureSkipVerify, c.CAFile = true, "ca.pem" }, "exclude each other"},
		{"no bind dn", func(c *Config) { c.BindDN = "" }, "ldap.bind_dn and ldap.bind_password_file are required"},
		{"no bind password", func(c *Config) { c.BindPasswordFile = "" }, "ldap.bind_dn and ldap.bind_password_file are required"},
		{"no user base", func(c *Config) { c.UserBase = "" }, "ldap.user_base is required"},
		{"bad user filter", func(c *Config) { c.UserFilter = "(objectClass=person" }, "ldap.user_filter"},
		{"user filter without parentheses", func(c *Config) { c.UserFilter = "objectClass=person" }, "ldap.user_filter"},
		{"AD's disabled filter", func(c *Config) {
			c.UserFilter = "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
			c.UsernameAttribute = "sAMAccountName"
		}, ""},
		{"bad username attribute", func(c *Config) { c.UsernameAttribute = "uid)(x" }, "ldap.username_attribute"},
		{"group search", func(c *Config) { c.GroupBase = "ou=groups,dc=example,dc=org" }, ""},
		{"group search, memberUid", func(c *Config) {
			c.GroupBase, c.GroupFilter = "ou=groups,dc=example,dc=org", "(&(objectClass=posixGroup)(memberUid={username}))"
		}, ""},
		{"bad group filter", func(c *Config) { c.GroupBase, c.GroupFilter = "ou=groups,dc=example,dc=org", "(member={user})" }, "ldap.group_filter"},
		{"group filter without base", func(c *Config) { c.GroupFilter = "(member={dn})" }, "need ldap.group_base"},
		{"memberOf", func(c *Config) { c.MemberOfAttribute = "memberOf" }, ""},
		{"memberOf and a search", func(c *Config) { c.MemberOfAttribute, c.GroupBase = "memberOf", "ou=groups,dc=example,dc=org" }, "exclude each other"},
		{"bad memberOf attribute", func(c *Config) { c.MemberOfAttribute = "member of" }, "ldap.member_of_attribute"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "ldap.timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want an error saying %q", err, tc.err)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	c := validConfig().WithDefaults()
	if c.UserFilter != DefaultUserFilter || c.UsernameAttribute != "uid" || c.Timeout != DefaultTimeout || c.GroupFilter != "" {
		t.Fatalf("defaults: %+v", c)
	}
	c = Config{GroupBase: "ou=groups"}.WithDefaults()
	if c.GroupFilter != DefaultGroupFilter || c.GroupNameAttribute != "cn" {
		t.Fatalf("group defaults: %+v", c)
	}
	if addr, tlsFirst := (Config{URL: "ldaps://h"}).address(); addr != "h:636" || !tlsFirst {
		t.Fatalf("ldaps address %s %v", addr, tlsFirst)
	}
	if addr, tlsFirst := (Config{URL: "ldap://[::1]"}).address(); addr != "[::1]:389" || tlsFirst {
		t.Fatalf("ldap address %s %v", addr, tlsFirst)
	}
}
