package tokenauth

import (
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// ErrUnauthorized means the credentials were refused. It never says why: an
// unknown user and a wrong password look the same.
var ErrUnauthorized = errors.New("invalid username or password")

// Users looks users up in the directory in force.
type Users interface {
	User(name string) (grants.User, bool)
}

// Authenticator checks user names and passwords against bcrypt hashes.
type Authenticator struct {
	users Users
	// dummy is compared when the user does not exist, so the answer takes
	// the same bcrypt work either way and timing does not reveal who exists.
	dummy []byte
}

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users Users) *Authenticator {
	dummy, err := bcrypt.GenerateFromPassword([]byte("regshare: no such user"), bcrypt.DefaultCost)
	if err != nil {
		panic(err) // only for a cost out of range
	}
	return &Authenticator{users: users, dummy: dummy}
}

// Authenticate returns the user whose name and password these are.
func (a *Authenticator) Authenticate(name, password string) (grants.User, error) {
	u, ok := a.users.User(name)
	if !ok {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return grants.User{}, ErrUnauthorized
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return grants.User{}, ErrUnauthorized
	}
	return u, nil
}
