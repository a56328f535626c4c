package grants

// Principal is an authenticated caller as one directory snapshot knows
// them: the credentials function binds it to the version of the user's
// (or robot's) record it checked the credentials against, so a decision
// never looks the user up a second time. A principal whose record has
// changed since (a new password, role or permissions, a disabled or
// deleted account) is granted nothing: its caller authenticates again.
// Other changes of the directory leave it valid.
type Principal struct {
	User
	// Token is the personal access token the person logged in with (never
	// modified), nil otherwise: it narrows what they are granted.
	Token *AccessTokenRecord
	// tokenRef and tokenRev are the token's record and the version it was
	// checked at: a revocation or rewrite ends the principal.
	tokenRef Ref
	tokenRev int64
	dir      *Directory
}

// Principal returns the user or robot of that login name as a principal
// of this snapshot; a disabled one is nobody. A robot's secret and expiry
// are checked by RobotPrincipal.
func (d *Directory) Principal(name string) (Principal, bool) {
	u, ok := d.User(name)
	if !ok || u.Disabled {
		return Principal{}, false
	}
	return Principal{User: u, dir: d}, true
}

// Directory is the snapshot the principal was checked against (nil for
// the zero Principal).
func (p Principal) Directory() *Directory { return p.dir }

// IsZero reports whether p names nobody (an anonymous caller).
func (p Principal) IsZero() bool { return p.dir == nil }

// IsRobot reports whether p is a robot account.
func (p Principal) IsRobot() bool { return p.Robot != nil }

// holds reports whether d still has p's record at the version p was
// checked against.
func (d *Directory) holds(p Principal) bool {
	if p.dir == nil {
		return false
	}
	if p.dir == d {
		return true
	}
	u, ok := d.User(p.Name)
	if p.Token != nil && d.revs[p.tokenRef] != p.tokenRev {
		return false // revoked or rewritten
	}
	return ok && !u.Disabled && u.ver == p.ver && u.Domain == p.Domain
}

// ViaToken reports whether p logged in with a personal access token.
func (p Principal) ViaToken() bool { return p.Token != nil }
