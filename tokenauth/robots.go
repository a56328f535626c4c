package tokenauth

import (
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
)

// RobotUses notes robot logins, to be written in batches (grants.Grants).
type RobotUses interface {
	RobotUsed(p grants.Principal, client string, now time.Time)
}

// AuthenticateRobot checks a robot's login name and secret. The secret is
// high-entropy, so it is checked by its SHA-256 digest: no bcrypt and no
// cache. The failed-login limits bound it as they bound passwords: past
// them it is refused unchecked, and a wrong secret counts as a failure.
func (a *Authenticator) AuthenticateRobot(r *http.Request, login, secret string) (grants.Principal, error) {
	return a.authenticateSecret(r, login, secret, (*grants.Directory).RobotPrincipal)
}

// AuthenticateAccessToken checks a person's login name and one of their
// personal access tokens, which have the robot secrets' format: checked
// the same way, under the same limits.
func (a *Authenticator) AuthenticateAccessToken(r *http.Request, login, secret string) (grants.Principal, error) {
	return a.authenticateSecret(r, login, secret, (*grants.Directory).TokenPrincipal)
}

// secretCheck finds the principal a login and secret name in a snapshot.
type secretCheck func(d *grants.Directory, login, secret string, now time.Time) (grants.Principal, bool)

func (a *Authenticator) authenticateSecret(r *http.Request, login, secret string, check secretCheck) (grants.Principal, error) {
	now := a.now()
	client := ClientAddr(r, a.trusted)
	var at attempt
	if a.guard != nil {
		ks, pair, seen := a.guard.keys(login, client, now)
		at = attempt{guard: a.guard, keys: ks, pair: pair, seen: seen, now: now}
		if err := a.guard.check(ks[:], now); err != nil {
			// As for a cached password: a client without failures of its
			// own is let in with the right secret past the login's limit,
			// so that strangers cannot lock a CI runner out; it pays a
			// failure for trying, so it gets one such try.
			if a.guard.clean(ks[1], now) {
				if p, ok := check(a.dirs.Directory(), login, secret, now); ok {
					return a.secretIn(p, at, client, now), nil
				}
			}
			a.guard.charge(ks[1], now)
			return grants.Principal{}, err
		}
	}
	// No reservation before the check, as bcrypt needs: a digest is
	// checked in a microsecond, so a failure is charged after it, and a
	// success creates no bucket.
	p, ok := check(a.dirs.Directory(), login, secret, now)
	if !ok {
		if at.guard != nil {
			at.guard.charge(at.keys[0], now)
			at.guard.charge(at.keys[1], now)
		}
		return grants.Principal{}, ErrUnauthorized
	}
	return a.secretIn(p, at, client, now), nil
}

// secretIn records a successful login by secret (a robot's last use).
func (a *Authenticator) secretIn(p grants.Principal, at attempt, client string, now time.Time) grants.Principal {
	at.succeeded()
	if u, ok := a.dirs.(RobotUses); ok && p.IsRobot() {
		u.RobotUsed(p, client, now)
	}
	return p
}
