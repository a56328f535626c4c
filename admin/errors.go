package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// apiError is an SWR-shaped error: the HTTP status and a stable code
// REGSHARE.<status><4 digits>. The codes are listed in the README.
type apiError struct {
	status     int
	code       string
	msg        string
	retryAfter time.Duration // for 429
}

func (e *apiError) Error() string { return e.msg }

func newError(status int, n int, format string, args ...any) *apiError {
	return &apiError{status: status, code: fmt.Sprintf("REGSHARE.%03d%04d", status, n), msg: fmt.Sprintf(format, args...)}
}

// Errors of the request itself.
func errBadBody(err error) *apiError { return newError(400, 1, "malformed request body: %v", err) }
func errBadQuery(format string, args ...any) *apiError {
	return newError(400, 9, format, args...)
}
func errBadDeadline(v string) *apiError {
	return newError(400, 5, "deadline %q: want \"forever\", an RFC 3339 time or a date (YYYY-MM-DD)", v)
}

var (
	errUnauthenticated = newError(401, 1, "authentication required: use the user and password of docker login")
	errBadCredentials  = newError(401, 2, "invalid username or password")
	errRateLimited     = func(retry time.Duration) *apiError {
		e := newError(429, 1, "too many failed logins; retry in %s", retry.Round(time.Second))
		e.retryAfter = retry
		return e
	}
	errBadToken          = newError(401, 3, "invalid or expired token")
	errNoPull            = newError(403, 1, "your domain may not pull this repository: it is neither below your domain's namespaces nor validly shared with it")
	errBadIdempotencyKey = newError(400, 11, "Idempotency-Key: one header of 1 to 255 visible ASCII characters")
	errNoRepository      = newError(404, 2, "the repository does not exist in the registry")
	errRegistryDown      = newError(502, 1, "the registry did not answer; cannot check that the repository exists")
)

// ruleErrors maps each rule of the grants package to its code.
var ruleErrors = []struct {
	err    error
	status int
	n      int
}{
	{grants.ErrIDReused, 422, 1},
	{grants.ErrUnknownDomain, 400, 2},
	{grants.ErrOwnDomain, 400, 3},
	{grants.ErrBadPermit, 400, 4},
	{grants.ErrDeadlinePassed, 400, 5},
	{grants.ErrDescriptionLong, 400, 6},
	{grants.ErrBadRepository, 400, 7},
	{grants.ErrTooMany, 400, 8},
	{grants.ErrDeadlineRange, 400, 5},
	{grants.ErrNotOwner, 403, 1},
	{grants.ErrRole, 403, 2},
	{grants.ErrPreviousOwner, 403, 4},
	{grants.ErrForbidden, 403, 2},
	{grants.ErrNotFound, 404, 1},
	{grants.ErrExists, 409, 1},
	{grants.ErrStale, 503, 2},
	{grants.ErrLoading, 503, 3},
	{grants.ErrOutcomeUnknown, 503, 4},
	{grants.ErrUnavailable, 503, 1},
}

// toAPIError gives err its status and code.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	for _, r := range ruleErrors {
		if errors.Is(err, r.err) {
			return newError(r.status, r.n, "%s", err.Error())
		}
	}
	return newError(500, 1, "internal error")
}

// writeError answers with e; a 401 challenges for Basic in the realm of
// the token endpoint (token.realm).
func (a *API) writeError(w http.ResponseWriter, e *apiError) {
	switch e.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", a.creds.Realm()))
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(e.retryAfter.Round(time.Second)/time.Second)))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, e.status, []shareapi.Error{{ErrorCode: e.code, ErrorMessage: e.msg}})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
