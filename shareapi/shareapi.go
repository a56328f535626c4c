// Package shareapi holds the JSON wire types of regshare's share API: what
// the server writes and reads, and what its clients (the CLI, scripts, the
// tests) decode and send. The field names are SWR's where SWR has the
// field; they are part of the API and do not change.
package shareapi

// Share is a share as the API writes it: the answer of create, update and
// get, and one entry of a repository's list of shares.
type Share struct {
	Namespace string `json:"namespace"`
	// Repository is the repository below the namespace, "/" kept as is.
	Repository   string `json:"repository"`
	AccessDomain string `json:"access_domain"`
	Permit       string `json:"permit"`
	// Deadline is "forever" or an RFC 3339 time, UTC.
	Deadline    string `json:"deadline"`
	Description string `json:"description"`
	CreatorID   string `json:"creator_id"`
	CreatorName string `json:"creator_name"`
	Created     string `json:"created"`
	Updated     string `json:"updated"`
	// Status is true while the share is valid.
	Status bool `json:"status"`
	// Exist is set by GET of one share only.
	Exist *bool `json:"exist,omitempty"`
	// NumDownload counts the manifest pulls of what the share covers by
	// the domains it lets pull, from the registry's notifications;
	// LastPull (null: none) and LastPuller are the last of them.
	NumDownload int64   `json:"num_download"`
	LastPull    *string `json:"last_pull"`
	LastPuller  string  `json:"last_puller,omitempty"`
}

// CreateShare is the body of POST .../access-domains.
type CreateShare struct {
	AccessDomain string `json:"access_domain"`
	// Permit is "read" ("pull" is accepted as its alias).
	Permit string `json:"permit"`
	// Deadline is "forever", an RFC 3339 time, or a date (through the end
	// of that day, UTC).
	Deadline    string `json:"deadline"`
	Description string `json:"description"`
}

// UpdateShare is the body of PATCH .../access-domains/{access_domain}: an
// absent (nil) field keeps its value.
type UpdateShare struct {
	Permit      *string `json:"permit,omitempty"`
	Deadline    *string `json:"deadline,omitempty"`
	Description *string `json:"description,omitempty"`
}

// BulkCreate is the body of POST /v2/manage/shares: share every
// repository with every domain, one change for all the pairs. A repository
// is a full name ("acme/web"), or a namespace prefix ending in "/"
// ("acme/sdk/", or "acme/" for the whole namespace).
type BulkCreate struct {
	Repositories  []string `json:"repositories"`
	AccessDomains []string `json:"access_domains"`
	Permit        string   `json:"permit"`
	Deadline      string   `json:"deadline"`
	Description   string   `json:"description"`
}

// BulkUpdate is the body of PATCH /v2/manage/shares: change the share of
// every pair as UpdateShare does one (an absent field keeps its value).
type BulkUpdate struct {
	Repositories  []string `json:"repositories"`
	AccessDomains []string `json:"access_domains"`
	Permit        *string  `json:"permit,omitempty"`
	Deadline      *string  `json:"deadline,omitempty"`
	Description   *string  `json:"description,omitempty"`
}

// BulkRevoke is the body of POST /v2/manage/shares/revoke: revoke the
// share of every pair.
type BulkRevoke struct {
	Repositories  []string `json:"repositories"`
	AccessDomains []string `json:"access_domains"`
}

// BulkResult is the answer of a bulk change, made (written) or refused:
// one result per pair, repositories in the order given, each with every
// domain in the order given.
type BulkResult struct {
	// Written is true when every pair was changed, false when none was.
	Written bool         `json:"written"`
	Results []PairResult `json:"results"`
}

// The results of one pair.
const (
	ResultCreated    = "created"
	ResultUpdated    = "updated"
	ResultRevoked    = "revoked"
	ResultRefused    = "refused"     // errorCode and errorMessage say why
	ResultNotWritten = "not_written" // not refused itself, but another pair was
)

// PairResult is what a bulk change did to one repository and domain.
type PairResult struct {
	// Repository is the full name as the request gave it: "acme/web", or
	// "acme/sdk/" and "acme/" for namespace shares.
	Repository   string `json:"repository"`
	AccessDomain string `json:"access_domain"`
	// Kind is "repository" or "namespace", as in SharedRepository.
	Kind   string `json:"kind"`
	Result string `json:"result"`
	// Share is the share after a create or update, before a revocation.
	Share        *Share `json:"share,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// Event is one change of a share, in GET .../{access_domain}/history: the
// share before and after it, each with its status as of the change.
type Event struct {
	Time   string `json:"time"`
	Actor  string `json:"actor"`
	Action string `json:"action"` // create, update, revoke
	Before *Share `json:"before,omitempty"`
	After  *Share `json:"after,omitempty"`
}

// SharedRepository is one row of GET /v2/manage/shared-repositories:
// with center=self a repository the caller's domain shares, with its
// recipients; with center=thirdparty one share with the caller's domain.
type SharedRepository struct {
	Namespace  string   `json:"namespace"`
	Name       string   `json:"name"`
	Path       string   `json:"path"`
	DomainName string   `json:"domain_name"`
	Tags       []string `json:"tags"`
	Status     bool     `json:"status"`
	// Kind is "repository", or "namespace" for a namespace share (Name
	// ends in "/"; it covers every repository below it, present and
	// future).
	Kind string `json:"kind"`
	// SharedAs, center=thirdparty only, names the namespace share a row
	// comes from (the recipient sees each repository below it).
	SharedAs string `json:"shared_as,omitempty"`
	// ViaGroup, center=thirdparty only, names the group through which the
	// caller's domain receives the share (made with "@" + ViaGroup).
	ViaGroup  string `json:"via_group,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// center=self only: the domains it is shared with.
	AccessDomains []Recipient `json:"access_domains,omitempty"`
	// center=thirdparty only; PullCommand only while the share is valid,
	// and only on a repository's row (Kind "repository").
	Deadline    string `json:"deadline,omitempty"`
	PullCommand string `json:"pull_command,omitempty"`
	// Description is the owner's description of the share; center=thirdparty
	// only.
	Description string `json:"description,omitempty"`
	// NumDownload counts manifest pulls: with center=self by every domain
	// but the owner (its own, NumDownloadOwn, apart), with
	// center=thirdparty by the caller's domain. LastPull is the last of
	// them (absent: none).
	NumDownload    int64   `json:"num_download"`
	NumDownloadOwn *int64  `json:"num_download_own,omitempty"`
	LastPull       *string `json:"last_pull,omitempty"`
}

// Recipient is one domain a repository is shared with, in a center=self
// row.
type Recipient struct {
	AccessDomain string `json:"access_domain"`
	Permit       string `json:"permit"`
	Deadline     string `json:"deadline"`
	Description  string `json:"description"`
	Status       bool   `json:"status"`
	// NumDownload is the share's (Share.NumDownload).
	NumDownload int64 `json:"num_download"`
}

// User is the caller, as GET /v2/manage/user describes it to the console.
type User struct {
	Name       string   `json:"name"`
	Domain     string   `json:"domain"`
	Role       string   `json:"role"` // manage, write, read
	CanShare   bool     `json:"can_share"`
	Namespaces []string `json:"namespaces"`
	// Registry is how users name the registry in docker pull.
	Registry string `json:"registry"`
	// Superuser: an administrator, who manages every domain.
	Superuser bool `json:"superuser"`
	// Static: declared in the configuration file, so the user cannot
	// change their own password at run time.
	Static bool `json:"static"`
	// IdleTimeout is how many seconds the console waits, with nobody
	// using it, before it ends the session.
	IdleTimeout int `json:"idle_timeout"`
	// Source names the identity provider that manages the user; empty
	// for a local user.
	Source string `json:"source"`
	// TokenMaxDays is the longest a personal access token may live here,
	// in whole days (identity.token_max_lifetime).
	TokenMaxDays int `json:"token_max_days"`
}

// Session is the answer of POST /v2/manage/session/renew: a new API token
// of the same session, and how long it lives.
type Session struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	// SessionEnds is when the session ends whatever its use: RFC 3339, UTC.
	SessionEnds string `json:"session_ends"`
}

// Repository is one row of GET /v2/manage/repos: a repository of the
// caller's domain that the registry holds, as SWR's repository listing
// names its fields.
type Repository struct {
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Path       string `json:"path"`
	DomainName string `json:"domain_name"`
	// NumImages is the number of tags; null when the registry did not
	// answer in time.
	NumImages *int `json:"num_images"`
	// Updated is the repository's last push, when the registry's
	// notifications told it, else the newest creation time of the images
	// its tags name (the first 50 tags, in the registry's order); "" when
	// unknown.
	Updated string `json:"updated"`
	// Shares is the number of domains it is shared with, valid or expired.
	Shares int `json:"shares"`
	// SharedWith names the domains of its valid shares, by name.
	SharedWith []string `json:"shared_with"`
	// ExpiredShares is the number of its shares that have expired.
	ExpiredShares int `json:"expired_shares"`
}

// Tag is one tag of GET .../{repository}/tags, as SWR names the fields of
// its tag listing.
type Tag struct {
	Tag         string `json:"Tag"`
	Digest      string `json:"digest"`
	Path        string `json:"path"`
	PullCommand string `json:"pull_command"`
	// Size is the manifest, config and layers of an image; 0 for an index
	// or when unknown.
	Size int64 `json:"size"`
	// Created is the image's creation time from its config; "" when
	// unknown.
	Created string `json:"created"`
}

// Error is one entry of an error answer, which is a JSON array of them.
// ErrorCode is REGSHARE.<status><4 digits>; Detail is always "".
type Error struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	Detail       string `json:"detail"`
}
