package tokenauth

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestClaimsAppendJSON: the hand-written claims are byte for byte what
// json.Marshal writes, for the usual names and for ones that need
// escaping.
func TestClaimsAppendJSON(t *testing.T) {
	at := time.Date(2027, 1, 1, 12, 0, 0, 999_999_999, time.UTC)
	for _, c := range []Claims{
		{RegisteredClaims: jwt.RegisteredClaims{Issuer: "regshare", Subject: "robot$globex+ci", Audience: jwt.ClaimStrings{"registry"},
			ExpiresAt: jwt.NewNumericDate(at.Add(5 * time.Minute)), NotBefore: jwt.NewNumericDate(at), IssuedAt: jwt.NewNumericDate(at), ID: "ABCDEF234567"},
			Access: []AccessEntry{{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}, {Type: "registry", Name: "catalog", Actions: []string{"*"}}}},
		{RegisteredClaims: jwt.RegisteredClaims{Issuer: `is"s<&>`, Subject: "zoë\n", Audience: jwt.ClaimStrings{"a", "b\u2028"}}, Access: []AccessEntry{}},
		{RegisteredClaims: jwt.RegisteredClaims{Subject: "anonymous"}, Access: []AccessEntry{{Type: "repository", Name: "x"}}},
		{},
	} {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.appendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("appendJSON:\n got %s\nwant %s", got, want)
		}
	}
}
