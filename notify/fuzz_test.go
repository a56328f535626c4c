package notify

import (
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// FuzzNotification: any body decodes or is refused without a panic, and
// what classify lets through is only manifest GETs (pulls) and PUTs
// (pushes) of valid repository names with an id, pulls by a known user.
func FuzzNotification(f *testing.F) {
	for _, s := range []string{
		`{"events":[{"id":"1","action":"pull","target":{"repository":"acme/web","url":"http://r/v2/acme/web/manifests/sha256:1"},"request":{"method":"GET"},"actor":{"name":"gina"}}]}`,
		`{"events":[{"id":"2","action":"pull","target":{"repository":"acme/web","url":"http://r/v2/acme/web/blobs/sha256:1"},"request":{"method":"GET"},"actor":{"name":"gina"}}]}`,
		`{"events":[{"id":"3","action":"push","target":{"repository":"acme/web","url":"http://r/v2/acme/web/manifests/latest"},"request":{"method":"PUT"},"actor":{"name":"walt"}}]}`,
		`{"events":[{"id":"4","action":"pull","target":{"repository":"acme/web","url":"http://r/v2/acme/web/manifests/x/y"},"request":{"method":"GET"},"actor":{"name":"gina"}}]}`,
		`{"events":[{"id":"5","action":"pull","target":{"repository":"../x","url":"%zz"},"request":{"method":"GET"},"actor":{"name":"gina"}}]}`,
		`{"events":null}`, `[]`, `{"events":[{}]}`, `{"events":[{"timestamp":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	resolve := func(login string) (string, bool) { return "globex", login == "gina" }
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := decode(body)
		if err != nil {
			return
		}
		left := map[string]int{}
		pulls, pushes := classify(events, resolve, time.Unix(0, 0), left)
		n := len(pulls) + len(pushes)
		for _, k := range left {
			n += k
		}
		if n != len(events) {
			t.Fatalf("%d events became %d", len(events), n)
		}
		for _, p := range pulls {
			if p.ID == "" || p.Puller != "gina" || p.Domain != "globex" || grants.ValidateRepository(p.Repository) != nil {
				t.Fatalf("counted %+v", p)
			}
		}
		for _, p := range pushes {
			if p.ID == "" || grants.ValidateRepository(p.Repository) != nil {
				t.Fatalf("counted push %+v", p)
			}
		}
	})
}
