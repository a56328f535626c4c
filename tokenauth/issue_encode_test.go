package tokenauth

import (
	"bytes"
	"testing"
)

// TestTokenResponseEncode: the hand-written answer is byte for byte what
// json.Marshal writes, with and without a scope, and a token that is not
// compact JWS goes through the encoder.
func TestTokenResponseEncode(t *testing.T) {
	for _, r := range []tokenResponse{
		{Token: "aGVhZA.Y2xhaW1z.c2ln", AccessToken: "aGVhZA.Y2xhaW1z.c2ln", ExpiresIn: 300, IssuedAt: "2027-01-01T12:00:00Z"},
		{Token: "a.b.c", AccessToken: "a.b.c", ExpiresIn: 60, IssuedAt: "2027-01-01T12:00:00Z", Scope: `repository:acme/web:pull "<&>"`},
		{Token: `not"jws<`, AccessToken: `not"jws<`, ExpiresIn: 1, IssuedAt: "x"},
	} {
		got, err := r.encode()
		if err != nil {
			t.Fatal(err)
		}
		want, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("encode:\n got %s\nwant %s", got, want)
		}
	}
}
