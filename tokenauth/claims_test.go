package tokenauth

import (
	"bytes"
	"encoding/json"
	"strings"
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

// TestSignES256: an ES256 token is deterministic for the same claims and
// verifies with golang-jwt against the public key.
func TestSignES256(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeys(dir+"/"+SigningKeyFile, dir+"/"+SigningCertFile)
	if err != nil {
		t.Fatal(err)
	}
	if k.es256 == nil {
		t.Fatal("an ES256 key does not sign deterministically")
	}
	claims := Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "robot$globex+ci", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))}}
	a, err := k.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Sign(claims)
	if a != b {
		t.Error("two signatures of the same claims differ")
	}
	var got Claims
	if _, err := k.Verify(a, &got); err != nil || got.Subject != "robot$globex+ci" {
		t.Fatalf("Verify: %v, %+v", err, got)
	}
	i := strings.LastIndexByte(a, '.') + 5 // a character of the signature
	c := byte('A')
	if a[i] == 'A' {
		c = 'B'
	}
	tampered := a[:i] + string(c) + a[i+1:]
	if _, err := k.Verify(tampered, &Claims{}); err == nil {
		t.Error("a tampered signature verifies")
	}
}
