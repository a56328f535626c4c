package tokenauth

import (
	"errors"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
)

// apiRefusal says why p may not have an API session, or nil: the API is
// for people who logged in as themselves.
func apiRefusal(p grants.Principal) *requestError {
	switch {
	case p.IsZero():
		return errUnauthorized
	case p.IsRobot():
		return &requestError{http.StatusForbidden, "unauthorized_client", "a robot account cannot use regshare's API", 0}
	case p.ViaToken():
		return &requestError{http.StatusForbidden, "unauthorized_client", "a personal access token is for the registry's clients (docker login), not for regshare's API", 0}
	}
	return nil
}

// Session is the first API token of a console session.
type Session struct {
	Token     string
	ExpiresIn time.Duration
}

// ErrNoSession refuses a session to a robot, a personal access token or
// nobody.
var ErrNoSession = errors.New("no API session can be started for this principal")

// StartSession starts a console session for p, whom another front
// authenticated (an OpenID provider's login): its first API token is the
// one GET /token?service=<api service> answers, renewed the same way,
// signed without the certificate chain so that it fits in a cookie (no
// registry reads it).
func (s *Server) StartSession(p grants.Principal) (Session, error) {
	if err := apiRefusal(p); err != nil {
		return Session{}, errors.Join(ErrNoSession, err)
	}
	token, err := s.bound.keys.SignBare(s.bound.apiClaims(p.User, s.now()))
	if err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresIn: s.bound.apiLifetime()}, nil
}
