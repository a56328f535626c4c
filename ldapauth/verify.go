package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
)

// Source is the identity source of the people an LDAP directory vouches
// for.
const Source = "ldap"

// The two ways a verification fails, which callers must tell apart: the
// directory said no, or the directory could not be asked.
var (
	// ErrUnauthorized: a wrong password, a name the directory does not
	// know, or one its filter leaves out (a disabled account).
	ErrUnauthorized = errors.New("ldap: invalid username or password")
	// ErrUnavailable: the directory cannot be reached, TLS failed, it
	// timed out or is busy, or the service account's bind or search
	// failed. Nothing was learnt of the password.
	ErrUnavailable = errors.New("ldap: the directory is unavailable")
)

// Verifier checks passwords against the directory. It opens one
// connection per verification: a login that missed the cache is rare
// enough, and nothing stays bound between logins.
type Verifier struct {
	cfg    Config
	tls    *tls.Config
	groups template // nil without a group search
	dialer net.Dialer
	log    *slog.Logger
	health *health
}

// New checks cfg, reads its CA and password files, and returns a
// Verifier whose metrics go to reg (nil: none).
func New(cfg Config, reg prometheus.Registerer, now func() time.Time, log *slog.Logger) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	v := &Verifier{cfg: cfg, log: log}
	var err error
	if v.tls, err = cfg.tlsConfig(); err != nil {
		return nil, err
	}
	if _, err := cfg.bindPassword(); err != nil {
		return nil, err
	}
	if cfg.GroupBase != "" {
		v.groups, _ = parseTemplate(cfg.GroupFilter) // checked by Validate
	}
	if v.health, err = newHealth(reg, now, log); err != nil {
		return nil, err
	}
	if cfg.InsecureSkipVerify {
		log.Warn("identity.ldap.insecure_skip_verify is set: the LDAP server's certificate is not verified, so anyone on the path can pose as it and read every password sent to it")
	}
	if addr, tlsFirst := cfg.address(); !tlsFirst && !cfg.StartTLS && cfg.InsecurePlain {
		log.Warn("identity.ldap.insecure_plain is set: passwords cross the network to the LDAP server in clear", "address", addr)
	}
	return v, nil
}

// Verify returns who name is if password is theirs. Errors wrap
// ErrUnauthorized or ErrUnavailable. An empty password (which LDAP would
// take as an anonymous bind) or a name regshare cannot use is refused
// without asking the directory.
func (v *Verifier) Verify(ctx context.Context, name, password string) (identity.Identity, error) {
	name = strings.ToLower(name)
	if password == "" || grants.ValidateProviderName(name) != nil {
		v.health.counted(ErrUnauthorized)
		return identity.Identity{}, ErrUnauthorized
	}
	vctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	id, err := v.verify(vctx, name, password)
	if ctx.Err() == nil { // the caller gave up: that says nothing of the directory
		v.health.observe(err)
	}
	v.health.counted(err)
	return id, err
}

func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

func (v *Verifier) verify(ctx context.Context, name, password string) (identity.Identity, error) {
	c, err := v.serviceConn(ctx)
	if err != nil {
		return identity.Identity{}, err
	}
	defer c.Close()
	entry, err := v.findUser(c, name)
	if err != nil {
		return identity.Identity{}, err
	}
	if entry == nil {
		// As long as a bind that fails: the answer's time does not tell
		// whether the name exists. The DN names nobody.
		_ = c.Bind("cn=regshare-no-such-user,"+v.cfg.UserBase, password)
		return identity.Identity{}, ErrUnauthorized
	}
	if err := c.Bind(entry.DN, password); err != nil {
		if refusedBind(err) {
			return identity.Identity{}, ErrUnauthorized
		}
		return identity.Identity{}, unavailable("bind as the user", err)
	}
	groups, err := v.readGroups(c, entry, name)
	if err != nil {
		return identity.Identity{}, err
	}
	return identity.Identity{Source: Source, Name: name, Groups: groups}, nil
}

// refusedBind reports whether the directory refused the person's bind
// itself: a wrong password, or an account it locked or disabled (49 in
// OpenLDAP's ppolicy and Active Directory alike). Any other answer
// (busy, unavailable, a network error, a timeout) says nothing of the
// password.
func refusedBind(err error) bool {
	return ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultInappropriateAuthentication,
		ldap.LDAPResultInsufficientAccessRights, ldap.LDAPResultUnwillingToPerform)
}

// serviceConn connects and binds as the service account.
func (v *Verifier) serviceConn(ctx context.Context) (*ldap.Conn, error) {
	c, err := v.connect(ctx)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	if err := v.serviceBind(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (v *Verifier) serviceBind(c *ldap.Conn) error {
	pw, err := v.cfg.bindPassword()
	if err != nil {
		return unavailable("service account", err)
	}
	if err := c.Bind(v.cfg.BindDN, pw); err != nil {
		return unavailable("bind as the service account "+v.cfg.BindDN, err)
	}
	return nil
}

// connect opens a connection, TLS from the start (ldaps://) or after
// StartTLS, all of it bounded by ctx's deadline.
func (v *Verifier) connect(ctx context.Context) (*ldap.Conn, error) {
	addr, tlsFirst := v.cfg.address()
	raw, err := v.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		raw.SetDeadline(d)
	}
	context.AfterFunc(ctx, func() { raw.Close() }) // a cancelled login stops waiting
	conn := raw
	if tlsFirst {
		tc := tls.Client(raw, v.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS: %w", err)
		}
		conn = tc
	}
	c := ldap.NewConn(conn, tlsFirst)
	c.Start()
	c.SetTimeout(v.cfg.Timeout)
	if v.cfg.StartTLS {
		if err := c.StartTLS(v.tls); err != nil {
			c.Close()
			return nil, fmt.Errorf("StartTLS: %w", err)
		}
	}
	return c, nil
}

// findUser returns the one entry of name, or nil when there is none or
// more than one (a filter that does not single people out).
func (v *Verifier) findUser(c *ldap.Conn, name string) (*ldap.Entry, error) {
	attrs := []string{"1.1"} // no attribute
	if v.cfg.MemberOfAttribute != "" {
		attrs = []string{v.cfg.MemberOfAttribute}
	}
	res, err := c.Search(&ldap.SearchRequest{
		BaseDN: v.cfg.UserBase, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
		SizeLimit: 2, TimeLimit: int(v.cfg.Timeout / time.Second),
		Filter: userFilter(v.cfg.UserFilter, v.cfg.UsernameAttribute, name), Attributes: attrs,
	})
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) || err == nil && len(res.Entries) > 1:
		v.log.Warn("LDAP: several entries match one login name; refused: make identity.ldap.user_filter and username_attribute single people out", "name", name)
		return nil, nil
	case err != nil:
		return nil, unavailable("search the user", err)
	case len(res.Entries) == 0:
		return nil, nil
	}
	return res.Entries[0], nil
}

// readGroups returns the person's groups: the RDN values of their
// memberOf DNs, or the names of the groups a search (as the service
// account again) finds.
func (v *Verifier) readGroups(c *ldap.Conn, entry *ldap.Entry, name string) ([]string, error) {
	var groups []string
	if attr := v.cfg.MemberOfAttribute; attr != "" {
		for _, dn := range entry.GetEqualFoldAttributeValues(attr) {
			if g, ok := rdnValue(dn); ok {
				groups = append(groups, g)
			}
		}
		return groups, nil
	}
	if v.groups == nil {
		return nil, nil
	}
	if err := v.serviceBind(c); err != nil {
		return nil, err
	}
	attr := v.cfg.GroupNameAttribute
	res, err := c.Search(&ldap.SearchRequest{
		BaseDN: v.cfg.GroupBase, Scope: ldap.ScopeWholeSubtree, DerefAliases: ldap.NeverDerefAliases,
		TimeLimit: int(v.cfg.Timeout / time.Second), Filter: v.groups.expand(entry.DN, name), Attributes: []string{attr},
	})
	if err != nil {
		// Some groups only would map the person by the wrong rule.
		return nil, unavailable("search the groups", err)
	}
	for _, e := range res.Entries {
		if g := e.GetEqualFoldAttributeValue(attr); g != "" {
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// Probe connects, binds as the service account and reads the user base:
// whether logins can be checked now.
func (v *Verifier) Probe(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	err := v.probe(pctx)
	if ctx.Err() == nil { // not a shutdown
		v.health.observe(err)
	}
	return err
}

func (v *Verifier) probe(ctx context.Context) error {
	c, err := v.serviceConn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Search(&ldap.SearchRequest{BaseDN: v.cfg.UserBase, Scope: ldap.ScopeBaseObject,
		Filter: "(objectClass=*)", Attributes: []string{"1.1"}, TimeLimit: int(v.cfg.Timeout / time.Second)})
	if err != nil {
		return unavailable("read the user base "+v.cfg.UserBase, err)
	}
	return nil
}

// ProbeInterval is how often Run probes the directory.
const ProbeInterval = 30 * time.Second

// Run probes the directory at once and every ProbeInterval until ctx
// ends, so that /readyz and regshare_ldap_up follow it between logins.
func (v *Verifier) Run(ctx context.Context) {
	t := time.NewTicker(ProbeInterval)
	defer t.Stop()
	for {
		v.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Status is what the last round trip with the directory showed.
func (v *Verifier) Status() Status { return v.health.status() }
