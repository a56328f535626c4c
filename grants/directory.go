package grants

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do on their own domain's namespaces.
type Role string

const (
	RoleManage Role = "manage" // pull, push, delete, share
	RoleWrite  Role = "write"  // pull, push
	RoleRead   Role = "read"   // pull
)

// Registry actions.
const (
	ActionPull   = "pull"
	ActionPush   = "push"
	ActionDelete = "delete"
	ActionAll    = "*"
)

// Actions returns the registry actions the role allows on owned repositories.
func (r Role) Actions() []string {
	switch r {
	case RoleManage:
		return []string{ActionPull, ActionPush, ActionDelete}
	case RoleWrite:
		return []string{ActionPull, ActionPush}
	case RoleRead:
		return []string{ActionPull}
	}
	return nil
}

// CanShare reports whether the role may create, change and revoke shares.
func (r Role) CanShare() bool { return r == RoleManage }

// CheckShare is CanShare as the error that refuses a share change.
func (r Role) CheckShare() error {
	if !r.CanShare() {
		return fmt.Errorf("%w: role %s cannot share; manage is needed", ErrForbidden, r)
	}
	return nil
}

// DirectoryConfig is the directory as the configuration file writes it.
type DirectoryConfig struct {
	// Superusers may read the registry's catalog.
	Superusers []string                `yaml:"superusers"`
	Domains    map[string]DomainConfig `yaml:"domains"`
}

// DomainConfig is one tenant: the namespaces it owns and its users.
type DomainConfig struct {
	Namespaces []string              `yaml:"namespaces"`
	Users      map[string]UserConfig `yaml:"users"`
}

// UserConfig is one user; PasswordHash is a bcrypt hash.
type UserConfig struct {
	PasswordHash string `yaml:"password_hash"`
	Role         Role   `yaml:"role"`
}

// User is an authenticated identity: who it is and what its domain is. A
// robot account is a User too, with Robot set and no role.
type User struct {
	Name         string
	Domain       string
	Role         Role
	Superuser    bool
	PasswordHash []byte
	// Static: declared in the configuration file, read-only at run time.
	Static    bool
	Disabled  bool
	Created   time.Time
	Updated   time.Time
	UpdatedBy string
	// Robot is the robot's record (never modified), nil for a person.
	Robot *RobotRecord
	// Source names the identity provider managing the user (see
	// UserRecord); Groups its groups there.
	Source string
	Groups []string
	// ver tells versions of the user's record apart (see Principal).
	ver uint64
}

// String never shows the password hash.
func (u User) String() string { return u.Name + "@" + u.Domain }

// Directory is the immutable, validated view of domains, namespaces and
// users. A reload builds a new Directory and swaps it in whole.
type Directory struct {
	users      map[string]User
	robots     map[string]User   // by login name
	namespaces map[string]string // namespace -> owning domain
	domains    map[string][]string
	info       map[string]DomainInfo
	groups     map[string]groupInfo
	memberOf   map[string][]string // domain -> the recipients of its groups ("@name"), sorted
	webhooks   map[string][]*WebhookRecord
	tokens     map[string][]*AccessTokenRecord // by owner
	// revs are the store's versions of its records, for the Expect of writes.
	revs map[Ref]int64
	// cost is the bcrypt cost most of the users' hashes have.
	cost int
	// gen tells snapshots apart: Grants numbers each one it puts in force.
	gen uint64
}

// NewDirectory validates cfg and builds a Directory. Every problem found is
// reported, so an operator fixes the file in one go.
func NewDirectory(cfg DirectoryConfig) (*Directory, error) {
	d := &Directory{
		users:      map[string]User{},
		robots:     map[string]User{},
		namespaces: map[string]string{},
		domains:    map[string][]string{},
		info:       map[string]DomainInfo{},
		groups:     map[string]groupInfo{},
		memberOf:   map[string][]string{},
		revs:       map[Ref]int64{},
	}
	var errs []error
	costs := map[int]int{}
	supers := map[string]bool{}
	for _, s := range cfg.Superusers {
		supers[s] = true
	}
	for _, name := range sortedKeys(cfg.Domains) {
		dom := cfg.Domains[name]
		if err := ValidateNamespace(name); err != nil {
			errs = append(errs, fmt.Errorf("domain %q: name must be lower-case letters, digits, '.', '_' or '-'", name))
		}
		nss := slices.Compact(slices.Sorted(slices.Values(dom.Namespaces)))
		d.domains[name] = nss
		d.info[name] = DomainInfo{Name: name, Static: true}
		for _, ns := range nss {
			if err := ValidateNamespace(ns); err != nil {
				errs = append(errs, fmt.Errorf("domain %q: %w", name, err))
				continue
			}
			if other, ok := d.namespaces[ns]; ok {
				errs = append(errs, fmt.Errorf("namespace %q is owned by both %q and %q", ns, other, name))
				continue
			}
			d.namespaces[ns] = name
		}
		for _, uname := range sortedKeys(dom.Users) {
			u := dom.Users[uname]
			if uname == "" || strings.ContainsAny(uname, ":\x00") || IsRobotLogin(uname) {
				errs = append(errs, fmt.Errorf("domain %q: user name %q must be non-empty, hold no ':' and not begin with %q", name, uname, robotPrefix))
				continue
			}
			if other, ok := d.users[uname]; ok {
				errs = append(errs, fmt.Errorf("user %q is in both domains %q and %q", uname, other.Domain, name))
				continue
			}
			if u.Role.Actions() == nil {
				errs = append(errs, fmt.Errorf("user %q: role %q must be one of manage, write, read", uname, u.Role))
			}
			if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
				errs = append(errs, fmt.Errorf("user %q: password_hash is not a bcrypt hash (make one with `regshare hash-password`)", uname))
			} else {
				costs[cost]++
			}
			d.users[uname] = User{
				Name:         uname,
				Domain:       name,
				Role:         u.Role,
				Superuser:    supers[uname],
				PasswordHash: []byte(u.PasswordHash),
				Static:       true,
				ver:          staticVersion(name, uname, string(u.Role), u.PasswordHash, supers[uname]),
			}
		}
	}
	for s := range supers {
		if _, ok := d.users[s]; !ok {
			errs = append(errs, fmt.Errorf("superuser %q is not a user of any domain", s))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.cost = typicalCost(costs)
	return d, nil
}

// typicalCost is the most common cost (the higher one on a tie), at least
// bcrypt's minimum: what checking an unknown name should cost. The highest
// cost would make one slow hash among fast ones tell unknown names apart.
func typicalCost(costs map[int]int) int {
	best, n := bcrypt.MinCost, 0
	for c, k := range costs {
		if k > n || k == n && c > best {
			best, n = c, k
		}
	}
	return best
}

// User looks a user or robot up by login name.
func (d *Directory) User(name string) (User, bool) {
	if IsRobotLogin(name) {
		u, ok := d.robots[name]
		return u, ok
	}
	u, ok := d.users[name]
	return u, ok
}

// HashCost is the bcrypt cost most users' hashes have: checking the
// password of a user that does not exist costs as much as a typical login.
func (d *Directory) HashCost() int { return d.cost }

// HasDomain reports whether the domain exists.
func (d *Directory) HasDomain(name string) bool {
	_, ok := d.domains[name]
	return ok
}

// Namespaces returns the namespaces a domain owns, sorted.
func (d *Directory) Namespaces(domain string) []string { return d.domains[domain] }

// NamespaceOwner returns the domain that owns a namespace.
func (d *Directory) NamespaceOwner(ns string) (string, bool) {
	dom, ok := d.namespaces[ns]
	return dom, ok
}

// RepositoryOwner returns the domain that owns a repository: the owner of
// its first path component, when the name has at least two components.
func (d *Directory) RepositoryOwner(repository string) (string, bool) {
	ns, rest, ok := strings.Cut(repository, "/")
	if !ok || rest == "" {
		return "", false
	}
	return d.NamespaceOwner(ns)
}

// ShareOwner returns the domain that owns what a share names: a
// repository (RepositoryOwner), or a namespace prefix, the namespace
// itself included ("acme/").
func (d *Directory) ShareOwner(repository string) (string, bool) {
	if IsPrefix(repository) {
		return d.NamespaceOwner(Namespace(repository))
	}
	return d.RepositoryOwner(repository)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// staticVersion is the version of a user the file declares: the same for
// the same declaration, so a reload that leaves a user alone keeps its
// principals valid; never the version of a store record (top bit set).
func staticVersion(fields ...any) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%#v", fields)
	return h.Sum64() | 1<<63
}
