package shareapi

// AccessToken is one of a person's personal access tokens as the API
// writes it; never its secret or digest.
type AccessToken struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
	Label string `json:"label"`
	// Permissions narrow the owner's rights; empty: the owner's rights.
	Permissions []Permission `json:"permissions"`
	ExpiresAt   string       `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Created     string       `json:"created"`
}

// AccessTokens is the answer of GET /v2/manage/user/tokens, newest first.
type AccessTokens struct {
	Tokens []AccessToken `json:"tokens"`
}

// CreateAccessToken is the body of POST /v2/manage/user/tokens: at most
// one of ExpiresAt (RFC 3339) and ExpiresIn (a DURATION from now); neither:
// 30 days. Permissions, when given, narrow the owner's rights.
type CreateAccessToken struct {
	Label       string       `json:"label"`
	Permissions []Permission `json:"permissions,omitempty"`
	ExpiresAt   string       `json:"expires_at,omitempty"`
	ExpiresIn   string       `json:"expires_in,omitempty"`
}

// AccessTokenSecret is the answer of POST /v2/manage/user/tokens: the
// token and its secret, shown this once, with the command to log in with
// it (when the registry's host is known; the secret goes on its standard
// input).
type AccessTokenSecret struct {
	AccessToken
	Secret      string `json:"secret"`
	DockerLogin string `json:"docker_login,omitempty"`
}
