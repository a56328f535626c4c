package grants

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Sentinel errors of the share table and its stores.
var (
	ErrNotFound   = errors.New("share not found")
	ErrExists     = errors.New("share already exists")
	ErrInvalid    = errors.New("invalid share")
	ErrForbidden  = errors.New("forbidden")
	ErrTooMany    = errors.New("too many shares")
	ErrKeyChanged = errors.New("an update cannot change the repository or recipient of a share")
)

// The rules a share breaks, each its own error; all wrap ErrInvalid.
var (
	ErrBadRepository   = fmt.Errorf("%w: repository", ErrInvalid)
	ErrUnknownDomain   = fmt.Errorf("%w: unknown domain", ErrInvalid)
	ErrOwnDomain       = fmt.Errorf("%w: own domain", ErrInvalid)
	ErrBadPermit       = fmt.Errorf("%w: permit", ErrInvalid)
	ErrDeadlinePassed  = fmt.Errorf("%w: deadline", ErrInvalid)
	ErrDescriptionLong = fmt.Errorf("%w: description", ErrInvalid)
	// ErrDeadlineRange: a deadline that cannot be stored and read back
	// (before 1970, or past the year 9999).
	ErrDeadlineRange = fmt.Errorf("%w: deadline", ErrInvalid)
)

// PermitRead is the only permission a share can carry: pull.
const PermitRead = "read"

// MaxDescription is the longest description, in characters (runes).
const MaxDescription = 1000

// MaxSharesPerRepository bounds the domains one repository is shared with.
const MaxSharesPerRepository = 500

// Share lets one domain pull one repository of another domain.
//
// Shares are values: once handed to the index they are never modified,
// a change is a new Share that replaces the old one.
type Share struct {
	Repository  string    `json:"repository"` // full name, e.g. acme/team/api
	Owner       string    `json:"owner"`      // owning domain
	Recipient   string    `json:"recipient"`  // domain it is shared with
	Permit      string    `json:"permit"`
	Deadline    time.Time `json:"deadline"` // zero: permanent
	Description string    `json:"description"`
	CreatorID   string    `json:"creator_id"`
	CreatorName string    `json:"creator_name"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	UpdatedBy   string    `json:"updated_by,omitempty"` // who made the last change
}

// Permanent reports whether the share has no deadline.
func (s Share) Permanent() bool { return s.Deadline.IsZero() }

// Outlasts reports whether a share with deadline d ends after one with
// deadline e (the zero time: permanent, which nothing outlasts).
func Outlasts(d, e time.Time) bool {
	if d.IsZero() || e.IsZero() {
		return d.IsZero() && !e.IsZero()
	}
	return d.After(e)
}

// Valid reports whether the share grants access at now.
func (s Share) Valid(now time.Time) bool {
	return s.Permanent() || now.Before(s.Deadline)
}

// Validate checks the share's own fields as of now; its repository name
// and whether its domains exist are the authority's business (MayChange). A deadline must lie in the future.
func (s Share) Validate(now time.Time) error {
	var errs []error
	switch {
	case s.Owner == "" || s.Recipient == "":
		errs = append(errs, fmt.Errorf("%w: owner and recipient domains are required", ErrUnknownDomain))
	case s.Owner == s.Recipient:
		errs = append(errs, fmt.Errorf("%w: a repository cannot be shared with its own domain", ErrOwnDomain))
	}
	if s.Permit != PermitRead {
		errs = append(errs, fmt.Errorf("%w %q: only %q (pull) can be shared", ErrBadPermit, s.Permit, PermitRead))
	}
	if !s.Permanent() && !s.Deadline.After(now) {
		errs = append(errs, fmt.Errorf("%w %s is not in the future", ErrDeadlinePassed, s.Deadline.UTC().Format(time.RFC3339)))
	}
	if !utf8.ValidString(s.Description) {
		errs = append(errs, fmt.Errorf("%w is not valid UTF-8", ErrDescriptionLong))
	} else if n := utf8.RuneCountInString(s.Description); n > MaxDescription {
		errs = append(errs, fmt.Errorf("%w has %d characters, at most %d are allowed", ErrDescriptionLong, n, MaxDescription))
	}
	return errors.Join(errs...)
}

// Key identifies a share: one repository, one recipient.
type Key struct {
	Repository string
	Recipient  string
}

// Key returns the share's identity.
func (s Share) Key() Key { return Key{s.Repository, s.Recipient} }
