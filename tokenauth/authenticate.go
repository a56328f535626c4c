package tokenauth

import (
	"errors"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// ErrUnauthorized means the credentials were refused. It never says why: an
// unknown user and a wrong password look the same.
var ErrUnauthorized = errors.New("invalid username or password")

// Users looks users up in the directory in force.
type Users interface {
	User(name string) (grants.User, bool)
	// HashCost is the highest bcrypt cost of the users' hashes.
	HashCost() int
}

// Authenticator checks user names and passwords against bcrypt hashes.
type Authenticator struct {
	users Users
	// dummies holds a hash per bcrypt cost, compared when the user does not
	// exist, so the answer takes the same work either way and timing does
	// not reveal who exists.
	mu      sync.Mutex
	dummies map[int][]byte
}

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users Users) *Authenticator {
	a := &Authenticator{users: users, dummies: map[int][]byte{}}
	a.dummy(users.HashCost()) // made now rather than on a first unknown user
	return a
}

// dummy returns a hash of the given cost, made once.
func (a *Authenticator) dummy(cost int) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, ok := a.dummies[cost]
	if !ok {
		var err error
		if h, err = bcrypt.GenerateFromPassword([]byte("regshare: no such user"), cost); err != nil {
			panic(err) // only for a cost out of range, which the directory refuses
		}
		a.dummies[cost] = h
	}
	return h
}

// Authenticate returns the user whose name and password these are.
func (a *Authenticator) Authenticate(name, password string) (grants.User, error) {
	u, ok := a.users.User(name)
	if !ok {
		_ = bcrypt.CompareHashAndPassword(a.dummy(a.users.HashCost()), []byte(password))
		return grants.User{}, ErrUnauthorized
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return grants.User{}, ErrUnauthorized
	}
	return u, nil
}
