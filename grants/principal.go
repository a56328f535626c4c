package grants

// Principal is an authenticated caller as one directory snapshot knows
// them: the credentials function binds it to the snapshot it checked the
// credentials against, so a decision never looks the user up a second time.
// A principal of a snapshot that a reload has since replaced is granted
// nothing: its caller authenticates again.
type Principal struct {
	User
	dir *Directory
}

// Principal returns the user name as a principal of this snapshot.
func (d *Directory) Principal(name string) (Principal, bool) {
	u, ok := d.users[name]
	if !ok {
		return Principal{}, false
	}
	return Principal{User: u, dir: d}, true
}

// Directory is the snapshot the principal was checked against (nil for
// the zero Principal).
func (p Principal) Directory() *Directory { return p.dir }

// IsZero reports whether p names nobody (an anonymous caller).
func (p Principal) IsZero() bool { return p.dir == nil }
