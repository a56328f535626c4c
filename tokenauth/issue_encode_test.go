package tokenauth

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestTokenResponseWrite: the answer written from its encoded parts is
// byte for byte what json.Marshal writes, for GET (no scope) and POST
// (with it), with a refresh token spliced in or not, and with a token
// that is not compact JWS; Content-Length is its length.
func TestTokenResponseWrite(t *testing.T) {
	for _, r := range []tokenResponse{
		{Token: "aGVhZA.Y2xhaW1z.c2ln", ExpiresIn: 300, IssuedAt: "2027-01-01T12:00:00Z"},
		{Token: "a.b.c", ExpiresIn: 60, IssuedAt: "2027-01-01T12:00:00Z", Scope: `repository:acme/web:pull "<&>"`},
		{Token: `not"jws<`, ExpiresIn: 1, IssuedAt: "x", Scope: "s"},
	} {
		r.AccessToken = r.Token
		var it issuedToken
		var err error
		if it.head, it.scopeTail, err = r.encode(r.Scope); err != nil {
			t.Fatal(err)
		}
		it.getLength = []string{itoa(len(it.head) + len(closeBody))}
		it.postLength = []string{itoa(len(it.head) + len(it.scopeTail))}
		for _, post := range []bool{false, true} {
			for _, refresh := range []string{"", "r.e.f", `odd"<`} {
				want := r
				if !post {
					want.Scope = ""
				}
				want.RefreshToken = refresh
				wb, err := encode(want)
				if err != nil {
					t.Fatal(err)
				}
				rec := httptest.NewRecorder()
				it.write(rec, post, refresh)
				if got := rec.Body.Bytes(); !bytes.Equal(got, wb) {
					t.Errorf("post %v, refresh %q:\n got %s\nwant %s", post, refresh, got, wb)
				}
				if cl := rec.Header().Get("Content-Length"); cl != itoa(rec.Body.Len()) {
					t.Errorf("post %v, refresh %q: Content-Length %s for %d bytes", post, refresh, cl, rec.Body.Len())
				}
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
