package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// FuzzBulkBody posts bulk create bodies through the real handler: never
// 5xx; a refused request changes nothing; a change made is exactly its
// pairs, each of alice's namespace with an existing other domain, keeping
// every rule of a single share.
func FuzzBulkBody(f *testing.F) {
	e := newFuzzEnv(f)
	for _, b := range []string{
		`{"repositories":["acme/web","acme/sdk/"],"access_domains":["globex","initech"],"permit":"read","deadline":"forever","description":"d"}`,
		`{"repositories":["acme/"],"access_domains":["globex"],"permit":"pull","deadline":"2027-01-01"}`,
		`{"repositories":["acme/web","globex/app"],"access_domains":["initech"],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme/web"],"access_domains":["globex","acme"],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme/web"],"access_domains":["globex","globex"],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme","acme//x","ACME/web","acme/../globex/app"],"access_domains":["globex"],"permit":"read","deadline":"forever"}`,
		`{"repositories":[],"access_domains":["globex"],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme/web"],"access_domains":["globex"],"permit":"write","deadline":"forever"}`,
		`{"repositories":["acme/web"],"access_domains":["globex"],"permit":"read","deadline":"2020-01-01"}`,
		`{"repositories":"acme/web","access_domains":["globex"],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme/web"],"access_domains":[null],"permit":"read","deadline":"forever"}`,
		`{"repositories":["acme/web"],"repositories":["globex/app"],"access_domains":["initech"],"permit":"read","deadline":"forever"}`,
		`{"access_domain":"globex","permit":"read","deadline":"forever"}`,
		`{}`, ``, `[]`,
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		before := e.snapshot(t, grants.Key{})
		rec, _ := e.serve("POST", "/v2/manage/shares", body)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusCreated {
			e.unchanged(t, body, before, grants.Key{})
			return
		}
		var res shareapi.BulkResult
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || !res.Written || len(res.Results) == 0 {
			t.Fatalf("%q: 201 with %s (%v)", body, rec.Body, err)
		}
		var made []grants.Key
		for _, r := range res.Results {
			k := grants.Key{Repository: r.Repository, Recipient: r.AccessDomain}
			s, ok := e.g.Index().Get(k)
			switch {
			case r.Result != shareapi.ResultCreated || r.Share == nil || !ok:
				t.Fatalf("%q: result %+v, in the index %v", body, r, ok)
			case grants.Namespace(k.Repository) != "acme" || grants.ValidateRepository(strings.TrimSuffix(k.Repository, "/")) != nil || k.Repository == "acme":
				t.Fatalf("%q: shared %q", body, k.Repository)
			case s.Recipient == "acme" || !e.g.Directory().HasDomain(s.Recipient) || s.Permit != grants.PermitRead:
				t.Fatalf("%q: shared with %q, permit %q", body, s.Recipient, s.Permit)
			case utf8.RuneCountInString(s.Description) > grants.MaxDescription || !s.Permanent() && !s.Deadline.After(base):
				t.Fatalf("%q: description of %d runes, deadline %v", body, utf8.RuneCountInString(s.Description), s.Deadline)
			}
			made = append(made, k)
		}
		if after := e.snapshot(t, grants.Key{}); len(after.store) != len(before.store)+len(made) {
			t.Fatalf("%q: %d results, but the store went from %d to %d shares", body, len(made), len(before.store), len(after.store))
		}
		// Undo, so that every input starts from the same shares.
		if _, err := e.g.RevokeMany(context.Background(), e.alice, made, base); err != nil {
			t.Fatal(err)
		}
	})
}
