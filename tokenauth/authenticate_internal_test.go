package tokenauth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

type costUsers struct{ cost int }

func (costUsers) User(string) (grants.User, bool) { return grants.User{}, false }
func (c costUsers) HashCost() int                 { return c.cost }

// An unknown user costs the bcrypt work of the directory's dearest hash,
// following the directory when it changes.
func TestDummyHashFollowsDirectoryCost(t *testing.T) {
	users := &costUsers{cost: bcrypt.MinCost}
	a := NewAuthenticator(users)
	for _, cost := range []int{bcrypt.MinCost, bcrypt.MinCost + 2} {
		users.cost = cost
		if _, err := a.Authenticate("nobody", "x"); err != ErrUnauthorized {
			t.Fatalf("unknown user: %v", err)
		}
		got, err := bcrypt.Cost(a.dummy(cost))
		if err != nil || got != cost {
			t.Errorf("dummy hash cost %d (%v), want %d", got, err, cost)
		}
	}
}
