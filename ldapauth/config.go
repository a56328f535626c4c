// Package ldapauth checks passwords against an LDAP directory (OpenLDAP,
// Active Directory): a service account finds the person's entry, a bind
// as that entry checks the password, and the person's groups are read
// from a group search or from an attribute of the entry.
package ldapauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultUserFilter         = "(objectClass=person)"
	DefaultUsernameAttribute  = "uid"
	DefaultGroupFilter        = "(|(member={dn})(uniqueMember={dn}))"
	DefaultGroupNameAttribute = "cn"
	DefaultTimeout            = 5 * time.Second
)

// Config says how to reach the directory and where people and groups are
// in it. The keys are those of identity.ldap in regshare's configuration.
type Config struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string `yaml:"url"`
	// StartTLS upgrades an ldap:// connection to TLS before anything is
	// sent.
	StartTLS bool `yaml:"start_tls"`
	// CAFile holds the PEM certificates that may sign the server's
	// certificate; empty: the system's roots.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify accepts any server certificate: anyone on the
	// path can then read the passwords. For a test set-up only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// InsecurePlain allows ldap:// without StartTLS to a host that is not
	// a loopback address: passwords then cross the network in clear.
	InsecurePlain bool `yaml:"insecure_plain"`
	// BindDN and the file holding its password are the service account
	// that searches people and groups. The file is read at each bind, so
	// a rotated password is used without a restart.
	BindDN           string `yaml:"bind_dn"`
	BindPasswordFile string `yaml:"bind_password_file"`
	// UserBase is where people are searched (the whole subtree);
	// UserFilter narrows them (a disabled account is left out here), and
	// UsernameAttribute holds the login name (uid; sAMAccountName in
	// Active Directory).
	UserBase          string `yaml:"user_base"`
	UserFilter        string `yaml:"user_filter"`
	UsernameAttribute string `yaml:"username_attribute"`
	// Groups come from a search below GroupBase with GroupFilter, where
	// {dn} stands for the person's DN and {username} for their login
	// name, each value named by GroupNameAttribute; or, instead, from the
	// DNs in the person's MemberOfAttribute (memberOf), each group named
	// by the value of its first RDN. Neither: no groups.
	GroupBase          string `yaml:"group_base"`
	GroupFilter        string `yaml:"group_filter"`
	GroupNameAttribute string `yaml:"group_name_attribute"`
	MemberOfAttribute  string `yaml:"member_of_attribute"`
	// Timeout bounds one verification: connecting, TLS and every request.
	Timeout time.Duration `yaml:"timeout"`
}

// WithDefaults returns c with its empty keys at their defaults.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.UserFilter, DefaultUserFilter)
	def(&c.UsernameAttribute, DefaultUsernameAttribute)
	if c.GroupBase != "" {
		def(&c.GroupFilter, DefaultGroupFilter)
		def(&c.GroupNameAttribute, DefaultGroupNameAttribute)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// attribute is the grammar of an attribute description: a name or an
// OID.
var attribute = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)$`)

// Validate reports every problem of c (with its defaults) at once, each
// naming its key below ldap. It reads no file.
func (c Config) Validate() error {
	c = c.WithDefaults()
	errs := c.validateURL()
	if c.BindDN == "" || c.BindPasswordFile == "" {
		errs = append(errs, errors.New("ldap.bind_dn and ldap.bind_password_file are required: the service account searches people and groups"))
	}
	if c.UserBase == "" {
		errs = append(errs, errors.New("ldap.user_base is required: where people are searched"))
	}
	if err := checkFilter(c.UserFilter); err != nil {
		errs = append(errs, fmt.Errorf("ldap.user_filter: %w", err))
	}
	for _, a := range []struct{ key, v string }{
		{"username_attribute", c.UsernameAttribute}, {"group_name_attribute", c.GroupNameAttribute}, {"member_of_attribute", c.MemberOfAttribute},
	} {
		if a.v != "" && !attribute.MatchString(a.v) {
			errs = append(errs, fmt.Errorf("ldap.%s: %q is not an attribute name", a.key, a.v))
		}
	}
	switch {
	case c.GroupBase != "" && c.MemberOfAttribute != "":
		errs = append(errs, errors.New("ldap.group_base and ldap.member_of_attribute exclude each other: groups come from a search or from an attribute of the person"))
	case c.GroupBase == "" && (c.GroupFilter != "" || c.GroupNameAttribute != ""):
		errs = append(errs, errors.New("ldap.group_filter and ldap.group_name_attribute need ldap.group_base"))
	case c.GroupBase != "":
		if _, err := parseTemplate(c.GroupFilter); err != nil {
			errs = append(errs, fmt.Errorf("ldap.group_filter: %w", err))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("ldap.timeout: %s is negative", c.Timeout))
	}
	return errors.Join(errs...)
}

func (c Config) validateURL() []error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return []error{errors.New("ldap.url is required: ldap://host or ldaps://host")}
	case err != nil || u.Scheme != "ldap" && u.Scheme != "ldaps" || u.Hostname() == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil:
		return []error{fmt.Errorf("ldap.url %q: want ldap://host[:port] or ldaps://host[:port], nothing more", c.URL)}
	case u.Scheme == "ldaps" && c.StartTLS:
		return []error{errors.New("ldap.start_tls is for an ldap:// URL: ldaps:// is TLS from the start")}
	case u.Scheme == "ldap" && !c.StartTLS && !c.InsecurePlain && !loopback(u.Hostname()):
		return []error{fmt.Errorf("ldap.url %q is plain LDAP to a host that is not a loopback address: passwords would cross the network in clear; use ldaps://, or start_tls: true, or insecure_plain: true if you must", c.URL)}
	case c.InsecureSkipVerify && c.CAFile != "":
		return []error{errors.New("ldap.insecure_skip_verify and ldap.ca_file exclude each other")}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// tlsConfig is the TLS of ldaps:// and StartTLS, with the CA file read.
func (c Config) tlsConfig() (*tls.Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname(), InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap.ca_file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ldap.ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	return tc, nil
}

// address is the URL's host and port, with the scheme's port by default.
func (c Config) address() (addr string, tlsFirst bool) {
	u, _ := url.Parse(c.URL) // checked by Validate
	port := u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), u.Scheme == "ldaps"
}

// bindPassword reads the service account's password, without the final
// line break an editor leaves.
func (c Config) bindPassword() (string, error) {
	b, err := os.ReadFile(c.BindPasswordFile)
	if err != nil {
		return "", fmt.Errorf("ldap.bind_password_file: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("ldap.bind_password_file %s is empty", c.BindPasswordFile)
	}
	return pw, nil
}
