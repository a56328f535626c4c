package tokenauth_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// A signed token is answered again for the same question only while
// nothing it was decided from has changed: a share created or revoked, a
// directory reload, or half its life gone each make a new one.
func TestTokenReuse(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	q := url.Values{"service": {testService}, "scope": {"repository:acme/web:pull"}}
	ask := func(user string) (string, []tokenauth.AccessEntry) {
		t.Helper()
		tok := get(t, ts, user, testUsers[user].password, q).token(t).Token
		return tok, f.parseUnverified(t, tok).Access
	}

	t1, access := ask("gina")
	if len(access) != 0 {
		t.Fatalf("before the share: %+v", access)
	}
	if t2, _ := ask("gina"); t2 != t1 {
		t.Error("the same question was signed anew with nothing changed")
	}
	if t3, _ := ask("carol"); t3 == t1 {
		t.Error("another user got gina's token")
	}

	// A new share is seen at once.
	f.share(t, "acme/web", "globex", time.Time{})
	t4, access := ask("gina")
	if t4 == t1 || len(access) != 1 || !slices.Equal(access[0].Actions, []string{"pull"}) {
		t.Fatalf("after the share: same token %v, access %+v", t4 == t1, access)
	}
	if t5, _ := ask("gina"); t5 != t4 {
		t.Error("not reused after the share")
	}

	// Half the token's life: a new one.
	f.setNow(testNow.Add(testTTL/2 + time.Second))
	t6, _ := ask("gina")
	if t6 == t4 {
		t.Error("reused past half its life")
	}

	// A revocation is seen at once: the next token grants nothing.
	alice, _ := f.grants.Directory().Principal("alice")
	if _, err := f.grants.Revoke(context.Background(), alice, grants.Key{Repository: "acme/web", Recipient: "globex"}, f.now()); err != nil {
		t.Fatal(err)
	}
	if t7, access := ask("gina"); t7 == t6 || len(access) != 0 {
		t.Fatalf("after the revoke: same token %v, access %+v", t7 == t6, access)
	}

	// A directory reload is seen at once.
	before, _ := ask("carol")
	f.grants.SetDirectory(f.grants.Directory())
	if after, _ := ask("carol"); after == before {
		t.Error("reused across a directory reload")
	}
}

// A token capped by a near deadline is never reused past its own end.
func TestTokenReuseNearDeadline(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	f.share(t, "acme/web", "globex", testNow.Add(2*time.Minute))
	q := url.Values{"service": {testService}, "scope": {"repository:acme/web:pull"}}
	tok := get(t, ts, "gina", testUsers["gina"].password, q).token(t).Token
	exp := f.parseUnverified(t, tok).ExpiresAt.Time
	if want := testNow.Add(2*time.Minute - testLeeway); !exp.Equal(want) {
		t.Fatalf("exp %v, want %v", exp, want)
	}
	f.setNow(testNow.Add(31 * time.Second)) // past half of its 60 s
	if again := get(t, ts, "gina", testUsers["gina"].password, q).token(t).Token; again == tok {
		t.Error("a capped token was reused past half its life")
	}
	f.setNow(testNow.Add(2 * time.Minute))
	again := get(t, ts, "gina", testUsers["gina"].password, q).token(t).Token
	if access := f.parseUnverified(t, again).Access; len(access) != 0 {
		t.Errorf("at the deadline: %+v", access)
	}
}

// A request naming many long scopes is answered but not remembered, so no
// client can fill the cache with large entries.
func TestTokenReuseSkipsLargeQuestions(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	q := url.Values{"service": {testService}}
	for i := range 8 {
		q.Add("scope", "repository:acme/"+strings.Repeat("x", 200)+strconv.Itoa(i)+":pull")
	}
	first := get(t, ts, "carol", testUsers["carol"].password, q).token(t).Token
	if again := get(t, ts, "carol", testUsers["carol"].password, q).token(t).Token; again == first {
		t.Error("a question of 8 long scopes was remembered")
	}
}
