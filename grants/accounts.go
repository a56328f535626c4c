package grants

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The typed forms of the directory records (see records.go). What the
// configuration file declares is overlaid on them, read-only (Static).

// DomainRecord is a tenant managed at run time. Its namespaces are
// claimed by namespace records, one per namespace, so that two domains
// cannot claim one namespace even through two replicas at once.
type DomainRecord struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// RobotMaxLifetime bounds the expiry of its robots; 0: the default.
	RobotMaxLifetime time.Duration `json:"robot_max_lifetime,omitempty"`
	// RobotNeverExpires lets its robots be made without an expiry.
	RobotNeverExpires bool      `json:"robot_never_expires,omitempty"`
	Created           time.Time `json:"created"`
	Updated           time.Time `json:"updated"`
	UpdatedBy         string    `json:"updated_by,omitempty"`
}

// UserRecord is a user managed at run time.
type UserRecord struct {
	Name         string    `json:"name"`
	Domain       string    `json:"domain"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"password_hash"`
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
	UpdatedBy    string    `json:"updated_by,omitempty"`
	// Source names the identity provider that manages the user ("ldap",
	// "oidc:corp"); empty for a local user. Its domain and role follow the
	// provider's groups at each login.
	Source string `json:"source,omitempty"`
	// Groups are the provider's groups of the user at the last login that
	// changed the record: a renewal maps them again.
	Groups []string `json:"groups,omitempty"`
}

// RobotRecord is a robot account: a machine login of a domain with a list
// of permissions and an expiry, whose secret is kept as a SHA-256 digest.
type RobotRecord struct {
	Domain      string       `json:"domain"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Permissions []Permission `json:"permissions"`
	Expires     time.Time    `json:"expires,omitzero"` // zero: never
	Disabled    bool         `json:"disabled,omitempty"`
	Digest      string       `json:"digest"`
	// PrevDigest stays valid until PrevUntil: the grace of a rotation.
	PrevDigest string    `json:"prev_digest,omitempty"`
	PrevUntil  time.Time `json:"prev_until,omitzero"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	UpdatedBy  string    `json:"updated_by,omitempty"`
}

// Permission is what a robot may do on one repository, or on every
// repository below a namespace prefix (a Repository ending in '/').
type Permission struct {
	Repository string   `json:"repository"`
	Actions    []string `json:"actions"`
}

// Prefix reports whether the permission covers a namespace prefix.
func (p Permission) Prefix() bool { return strings.HasSuffix(p.Repository, "/") }

// Covers reports whether the permission names repository.
func (p Permission) Covers(repository string) bool {
	if p.Prefix() {
		return strings.HasPrefix(repository, p.Repository)
	}
	return p.Repository == repository
}

// RobotUse is when and from where a robot last logged in.
type RobotUse struct {
	Time   time.Time `json:"time"`
	Client string    `json:"client,omitempty"`
}

// Limits of the directory, documented in the README.
const (
	MaxNameLen               = 64
	MaxRobotsPerDomain       = 100
	MaxPermissionsPerRobot   = 50
	MaxUsersPerDomain        = 1000
	MaxNamespacesPerDomain   = 50
	MaxRobotDescription      = 200
	DefaultRobotMaxLifetime  = 90 * 24 * time.Hour
	MaxRotationGrace         = 7 * 24 * time.Hour
	robotPrefix              = "robot$"
	robotSeparator           = "+"
	minPasswordLen           = 8
	maxPasswordLen           = 72 // bcrypt reads no further
	maxRobotLifetimeSettable = 10 * 365 * 24 * time.Hour
)

// accountName is the grammar of user and robot names: lower-case letters
// and digits, joined by single '.', '_' or '-', at most MaxNameLen long.
var accountName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// ValidateAccountName checks a user or robot name made at run time.
func ValidateAccountName(what, name string) error {
	if len(name) > MaxNameLen || !accountName.MatchString(name) {
		return fmt.Errorf("%w: %s name %q must be 1 to %d lower-case letters and digits, joined by single '.', '_' or '-'", ErrInvalid, what, name, MaxNameLen)
	}
	return nil
}

// RobotLogin is the login name of robot name of domain: robot$domain+name.
// Neither a domain nor a robot name holds '$' or '+', so it is unambiguous.
func RobotLogin(domain, name string) string { return robotPrefix + domain + robotSeparator + name }

// IsRobotLogin reports whether a login name is a robot's. User names
// cannot begin so.
func IsRobotLogin(login string) bool { return strings.HasPrefix(login, robotPrefix) }

// ParseRobotLogin splits a robot login into its domain and name.
func ParseRobotLogin(login string) (domain, name string, ok bool) {
	rest, ok := strings.CutPrefix(login, robotPrefix)
	if !ok {
		return "", "", false
	}
	domain, name, ok = strings.Cut(rest, robotSeparator)
	return domain, name, ok && domain != "" && name != ""
}

// robotRef is the record name of a robot: domain+name.
func robotRef(domain, name string) Ref { return Ref{KindRobot, domain + robotSeparator + name} }

// decodeRecord decodes one record into its typed form.
func decodeRecord(r Record) (any, error) {
	var v any
	switch r.Kind {
	case KindDomain:
		v = &DomainRecord{}
	case KindNamespace:
		v = new(string)
	case KindUser:
		v = &UserRecord{}
	case KindRobot:
		v = &RobotRecord{}
	case KindRobotUse:
		v = &RobotUse{}
	case KindGroup:
		v = &GroupRecord{}
	case KindWebhook:
		v = &WebhookRecord{}
	case KindAccessToken:
		v = &AccessTokenRecord{}
	default:
		return nil, fmt.Errorf("unknown record kind %q", r.Kind)
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return nil, fmt.Errorf("corrupt %s record %q: %w", r.Kind, r.Name, err)
	}
	return v, nil
}

// mustJSON encodes a record value; the types here always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// normalizeActions returns the actions sorted, without duplicates, or an
// error naming one that is not pull, push or delete.
func normalizeActions(actions []string) ([]string, error) {
	out := slices.Compact(slices.Sorted(slices.Values(actions)))
	for _, a := range out {
		if a != ActionPull && a != ActionPush && a != ActionDelete {
			return nil, fmt.Errorf("%w: action %q must be pull, push or delete", ErrInvalid, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: a permission names at least one action", ErrInvalid)
	}
	return out, nil
}
