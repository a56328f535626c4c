package shareapi

import "encoding/json"

// The wire types of the account routes, /v2/manage/domains/...: domains,
// their users and their robot accounts. Times are RFC 3339 in UTC; a time
// that is not known (the creation of a domain or user the configuration
// file declares) or not set is null. A DURATION is a positive integer
// followed by "h" (hours) or "d" (days): "720h", "30d".

// Domain is a domain as the account routes write it.
type Domain struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// Static: declared in the configuration file, read-only here.
	Static bool `json:"static"`
	// RobotMaxLifetime is the longest its robots may live, in effect
	// (the default when none is set): a DURATION.
	RobotMaxLifetime  string  `json:"robot_max_lifetime"`
	RobotNeverExpires bool    `json:"robot_never_expires"`
	Users             int     `json:"users"`
	Robots            int     `json:"robots"`
	Created           *string `json:"created"`
	Updated           *string `json:"updated"`
	UpdatedBy         string  `json:"updated_by"`
}

// Domains is the answer of GET /v2/manage/domains.
type Domains struct {
	Domains []Domain `json:"domains"`
}

// CreateDomain is the body of POST /v2/manage/domains.
type CreateDomain struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// RobotMaxLifetime is a DURATION; absent: the default (90d).
	RobotMaxLifetime  string `json:"robot_max_lifetime,omitempty"`
	RobotNeverExpires bool   `json:"robot_never_expires,omitempty"`
}

// UpdateDomain is the body of PATCH /v2/manage/domains/{domain}: an
// absent (nil) field keeps its value.
type UpdateDomain struct {
	Namespaces        *[]string `json:"namespaces,omitempty"`
	RobotMaxLifetime  *string   `json:"robot_max_lifetime,omitempty"`
	RobotNeverExpires *bool     `json:"robot_never_expires,omitempty"`
}

// DomainDeleted is the answer of DELETE /v2/manage/domains/{domain}: the
// shares revoked with it (force=true), else none.
type DomainDeleted struct {
	Revoked []ShareKey `json:"revoked"`
}

// ShareKey names one share.
type ShareKey struct {
	Repository   string `json:"repository"`
	AccessDomain string `json:"access_domain"`
}

// Account is a user of a domain as the account routes write it; never its
// password or hash.
type Account struct {
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Role     string `json:"role"` // manage, write, read
	Disabled bool   `json:"disabled"`
	// Static: declared in the configuration file, read-only here.
	Static bool `json:"static"`
	// Superuser: an administrator (configuration key superusers).
	Superuser bool `json:"superuser"`
	// Source names the identity provider that manages the user ("ldap",
	// "oidc:NAME"); empty for a local user.
	Source    string  `json:"source"`
	Created   *string `json:"created"`
	Updated   *string `json:"updated"`
	UpdatedBy string  `json:"updated_by"`
}

// Accounts is the answer of GET /v2/manage/domains/{domain}/users.
type Accounts struct {
	Users []Account `json:"users"`
}

// CreatedAccount is the answer of POST .../users: the user, and its
// password when the server drew it (shown this once).
type CreatedAccount struct {
	Account
	Password string `json:"password,omitempty"`
}

// CreateAccount is the body of POST /v2/manage/domains/{domain}/users.
type CreateAccount struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// Password, when absent, is drawn by the server and answered once.
	Password string `json:"password,omitempty"`
}

// UpdateAccount is the body of PATCH .../users/{user}: an absent (nil)
// field keeps its value.
type UpdateAccount struct {
	Role     *string `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// NewPassword is the answer of POST .../users/{user}/reset-password,
// shown this once.
type NewPassword struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// ChangePassword is the body of POST /v2/manage/user/password.
type ChangePassword struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Robot is a robot account as the account routes write it; never its
// secret or digest.
type Robot struct {
	// Name is its login: robot$DOMAIN+ROBOT.
	Name        string       `json:"name"`
	Robot       string       `json:"robot"`
	Domain      string       `json:"domain"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
	// ExpiresAt is null for a robot that never expires.
	ExpiresAt *string `json:"expires_at"`
	Expired   bool    `json:"expired"`
	Disabled  bool    `json:"disabled"`
	// RotationGraceUntil is when the secret before the last rotation stops
	// working; null when it already has.
	RotationGraceUntil *string   `json:"rotation_grace_until"`
	Created            *string   `json:"created"`
	Updated            *string   `json:"updated"`
	UpdatedBy          string    `json:"updated_by"`
	LastUsed           *RobotUse `json:"last_used"`
}

// Permission is what a robot may do on one repository, or on every
// repository below a prefix ending in "/".
type Permission struct {
	Repository string   `json:"repository"`
	Actions    []string `json:"actions"` // pull, push, delete
}

// RobotUse is when and from where a robot last logged in (written about
// once a minute, so up to a minute late).
type RobotUse struct {
	Time   string `json:"time"`
	Client string `json:"client"`
}

// Robots is the answer of GET /v2/manage/domains/{domain}/robots.
type Robots struct {
	Robots []Robot `json:"robots"`
}

// CreateRobot is the body of POST /v2/manage/domains/{domain}/robots:
// exactly one of ExpiresAt (RFC 3339), ExpiresIn (a DURATION from now) and
// NeverExpires (true; only where the domain allows it).
type CreateRobot struct {
	Name         string       `json:"name"`
	Description  string       `json:"description,omitempty"`
	Permissions  []Permission `json:"permissions"`
	ExpiresAt    string       `json:"expires_at,omitempty"`
	ExpiresIn    string       `json:"expires_in,omitempty"`
	NeverExpires bool         `json:"never_expires,omitempty"`
}

// RobotSecret is the answer of POST .../robots and .../rotate: the robot
// and its new secret, shown this once. DockerLogin is the command to log
// in with it (when the registry's host is known); the secret goes on its
// standard input.
type RobotSecret struct {
	Robot
	Secret      string `json:"secret"`
	DockerLogin string `json:"docker_login,omitempty"`
}

// RotateRobot is the optional body of POST .../robots/{robot}/rotate:
// Grace (a DURATION, at most 7d) keeps the old secret working that long;
// absent, it stops at once.
type RotateRobot struct {
	Grace string `json:"grace,omitempty"`
}

// UpdateRobot is the body of PATCH .../robots/{robot}.
type UpdateRobot struct {
	Disabled *bool `json:"disabled"`
}

// AccountEvent is one change of a domain, user or robot, oldest first in
// the answer of .../history: who, when, what (an action such as
// create_user), and on which record (kind domain, user or robot, and its
// name: a robot's is DOMAIN+ROBOT). Detail is the change's own fields,
// never a password, hash or secret.
type AccountEvent struct {
	Time    string          `json:"time"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Kind    string          `json:"kind"`
	Name    string          `json:"name"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	Revoked []ShareKey      `json:"revoked,omitempty"`
}

// AccountHistory is the answer of .../history of a domain, user or robot.
type AccountHistory struct {
	Events []AccountEvent `json:"events"`
}
