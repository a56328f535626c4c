package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
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
	errRobotAPI          = newError(403, 9, "a robot account cannot use the management API: log in as a user of the domain")
	errTokenAPI          = newError(403, 16, "a personal access token is for docker login and the registry's clients, not for the management API: log in to the console")
	errLoginUnavailable  = newError(503, 5, "%s", tokenauth.ErrUnavailable.Error())
)

// errLoginRefused refuses a person their identity provider verified:
// the codes of a name taken by a local user and of a user disabled here,
// else (no rule maps their groups, their domain does not exist) its own.
func errLoginRefused(re *tokenauth.RefusedError) *apiError {
	if errors.Is(re, grants.ErrLocalName) || errors.Is(re, grants.ErrDisabled) {
		return toAPIError(re.Err)
	}
	return newError(403, 17, "%s", re.Error())
}

// ruleErrors maps each rule of the grants package to its code. The first
// row err matches (errors.Is, or as) wins, and many rules wrap another:
// every share rule and ErrTooManyAccounts wrap ErrInvalid, and the account
// refusals of 403 wrap ErrForbidden. So a rule comes before the rule it
// wraps, and the generic ErrInvalid (an account's field) comes last, after
// every share rule. Rows marked account write the message without the
// sentinels' share wording ("invalid share: ", "forbidden: ").
var ruleErrors = []struct {
	err     error
	as      func(error) bool // for an error type, instead of err
	status  int
	n       int
	account bool
}{
	{err: grants.ErrIDReused, status: 422, n: 1},
	{err: grants.ErrUnknownDomain, status: 400, n: 2},
	{err: grants.ErrOwnDomain, status: 400, n: 3},
	{err: grants.ErrBadPermit, status: 400, n: 4},
	{err: grants.ErrDeadlinePassed, status: 400, n: 5},
	{err: grants.ErrDescriptionLong, status: 400, n: 6},
	{err: grants.ErrBadRepository, status: 400, n: 7},
	{err: grants.ErrTooMany, status: 400, n: 8},
	{err: grants.ErrDeadlineRange, status: 400, n: 5},
	{err: grants.ErrTooManyAccounts, status: 400, n: 13, account: true},
	{err: grants.ErrBatchTooLarge, status: 400, n: 15},
	{err: grants.ErrNotOwner, status: 403, n: 1},
	{err: grants.ErrRole, status: 403, n: 2},
	{err: grants.ErrPreviousOwner, status: 403, n: 4},
	{err: grants.ErrNotAdmin, status: 403, n: 5, account: true},
	{err: grants.ErrNotManager, status: 403, n: 6, account: true},
	{err: grants.ErrStatic, status: 403, n: 7, account: true},
	{err: grants.ErrRobotPermission, status: 403, n: 8, account: true},
	{err: grants.ErrSelf, status: 403, n: 10, account: true},
	{err: grants.ErrWrongPassword, status: 403, n: 11, account: true},
	{err: grants.ErrProviderManaged, status: 403, n: 12, account: true},
	{err: grants.ErrTokenOwner, status: 403, n: 13, account: true},
	{err: grants.ErrLocalName, status: 403, n: 14, account: true},
	{err: grants.ErrDisabled, status: 403, n: 15, account: true},
	{err: grants.ErrForbidden, status: 403, n: 2},
	{err: grants.ErrNotFound, status: 404, n: 1},
	{err: grants.ErrNoAccount, status: 404, n: 3, account: true},
	{err: grants.ErrExists, status: 409, n: 1},
	{err: grants.ErrAccountExists, status: 409, n: 2, account: true},
	{err: grants.ErrNamespaceTaken, status: 409, n: 3, account: true},
	{as: isInUse, status: 409, n: 4, account: true},
	{err: grants.ErrConflict, status: 409, n: 5, account: true},
	{err: grants.ErrStale, status: 503, n: 2},
	{err: grants.ErrLoading, status: 503, n: 3},
	{err: grants.ErrOutcomeUnknown, status: 503, n: 4},
	{err: grants.ErrUnavailable, status: 503, n: 1},
	{err: grants.ErrInvalid, status: 400, n: 12, account: true},
}

func isInUse(err error) bool {
	_, ok := errors.AsType[*grants.InUseError](err)
	return ok
}

// toAPIError gives err its status and code.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	for _, r := range ruleErrors {
		if r.err != nil && errors.Is(err, r.err) || r.as != nil && r.as(err) {
			msg := err.Error()
			if r.account {
				msg = accountMessage(msg)
			}
			return newError(r.status, r.n, "%s", msg)
		}
	}
	return newError(500, 1, "internal error")
}

// accountMessage drops the share wording of the sentinels an account
// refusal wraps: "invalid share: a password has 8 to 72 bytes" reads "a
// password has 8 to 72 bytes".
func accountMessage(msg string) string {
	for _, s := range []error{grants.ErrInvalid, grants.ErrForbidden} {
		msg = strings.Replace(msg, s.Error()+": ", "", 1)
	}
	return msg
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
