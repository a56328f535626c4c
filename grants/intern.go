package grants

import "unique"

// interner makes the strings that many shares hold in common (domain and
// user names, the permit) share one copy: with a million shares the index
// would otherwise hold a million copies of each. Its map, when it has one,
// remembers what it made: a lookup costs a fifth of unique.Make, and one
// from record bytes allocates nothing.
type interner map[string]string

// maxInterned bounds an interner's map, for stores where these strings are
// not repeated after all.
const maxInterned = 1 << 16

func (in interner) intern(s Share) Share {
	for _, f := range [...]*string{&s.Owner, &s.Recipient, &s.Permit, &s.CreatorID, &s.CreatorName, &s.UpdatedBy} {
		if c, ok := in[*f]; ok {
			*f = c
		} else {
			*f = in.add(*f)
		}
	}
	return s
}

// fromBytes is intern for one string still in a record; without a map it
// only copies b.
func (in interner) fromBytes(b []byte) string {
	if in == nil {
		return string(b)
	}
	if c, ok := in[string(b)]; ok {
		return c
	}
	return in.add(string(b))
}

func (in interner) add(s string) string {
	c := unique.Make(s).Value()
	if in != nil && len(in) < maxInterned {
		in[c] = c
	}
	return c
}
