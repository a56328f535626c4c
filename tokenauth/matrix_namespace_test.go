package tokenauth_test

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/tokenauth"
)

// TestRecipientMatrixWholeNamespace: with acme's whole namespace shared
// with globex ("acme/"), every valid name below acme is pull-only for
// gina, and nothing else opens: not the namespace's own name, not another
// owner's namespace reached through dot segments or a look-alike, and no
// name the registry would refuse.
func TestRecipientMatrixWholeNamespace(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgES256)
	f.share(t, "acme/", "globex", time.Time{})
	ts := httptest.NewServer(f.handler)
	t.Cleanup(ts.Close)
	pull := func(name string) []tokenauth.AccessEntry {
		return []tokenauth.AccessEntry{acc("repository", name, "pull")}
	}
	none := []tokenauth.AccessEntry{}
	longest := "acme/" + strings.Repeat("a", 250) // 255 characters, the most a name may have
	for _, c := range []struct {
		scope string
		want  []tokenauth.AccessEntry
	}{
		{"repository:acme/secret:pull,push,delete,*", pull("acme/secret")},
		{"repository:acme/a/b/c/d:*", pull("acme/a/b/c/d")},
		{"repository:acme/x:push,delete", none},
		{"repository:" + longest + ":pull", pull(longest)},
		{"repository:" + longest + "a:pull", none},
		{"repository:acme:pull", none},
		{"repository:acme/:pull", none},
		{"repository:ACME/secret:pull", none},
		{"repository:acmex/secret:pull", none},
		{"repository:acme-labs/secret:pull", none},
		{"repository:ops/tools:pull", none}, // another owner's namespace
		{"repository:acme/../ops/tools:pull", none},
		{"repository:globex/../acme/secret:pull", none},
		{"repository:acme/./secret:pull", none},
		{"repository:acme//secret:pull", none},
		{"repository:acme%2Fsecret:pull", none},
		{"repository:/acme/secret:pull", none},
		{"registry:catalog:*", none},
	} {
		r := get(t, ts, "gina", testUsers["gina"].password, query(c.scope))
		claims, _ := f.parse(t, r.token(t).AccessToken)
		if claims.Access == nil {
			claims.Access = none
		}
		if !reflect.DeepEqual(claims.Access, c.want) {
			t.Errorf("%.60q: access %+v, want %+v", c.scope, claims.Access, c.want)
		}
	}
}
