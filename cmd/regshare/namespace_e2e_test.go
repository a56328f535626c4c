package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regshare/regshare/shareapi"
)

// Namespace shares end to end: alice (acme, manage) shares a prefix of
// acme with globex through the share API, walt (acme, write) pushes after
// that, and globex's users pull through the real registry.

// nsSharesURL is the share API path of a namespace share of acme: seg is
// the route's repository segment, "sdk$" for acme/sdk/ or "$" for acme/.
func (e *e2e) nsSharesURL(seg string) string {
	return e.server + "/v2/manage/namespaces/acme/repositories/" + seg + "/access-domains"
}

// nsShare makes the namespace share seg names with globex, as alice.
func (e *e2e) nsShare(seg, wantRepository string) {
	e.t.Helper()
	code, body := apiCall(e.t, http.MethodPost, e.nsSharesURL(seg), "alice", e2ePass,
		shareapi.CreateShare{AccessDomain: "globex", Permit: "read", Deadline: "forever", Description: "namespace e2e"})
	var s shareapi.Share
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &s) != nil || s.Namespace != "acme" || s.Repository != wantRepository {
		e.t.Fatalf("POST %s: %d %s, want 201 naming acme %q", seg, code, body, wantRepository)
	}
}

// nsRevoke revokes the namespace share seg names with globex, as alice.
func (e *e2e) nsRevoke(seg string) {
	e.t.Helper()
	if code, body := apiCall(e.t, http.MethodDelete, e.nsSharesURL(seg)+"/globex", "alice", e2ePass, nil); code != http.StatusNoContent {
		e.t.Fatalf("DELETE %s/globex: %d %s, want 204", seg, code, body)
	}
}

// listingAs is GET /v2/manage/shared-repositories?center=center as user.
func (e *e2e) listingAs(user, center string) []shareapi.SharedRepository {
	e.t.Helper()
	code, body := apiCall(e.t, http.MethodGet, e.server+"/v2/manage/shared-repositories?center="+center, user, e2ePass, nil)
	var rows []shareapi.SharedRepository
	if code != http.StatusOK || json.Unmarshal([]byte(body), &rows) != nil {
		e.t.Fatalf("listing center=%s as %s: %d %s", center, user, code, body)
	}
	return rows
}

// pushNamespaceFixture pushes, as walt, acme/sdk/cli (whose digest it
// returns) and its neighbours outside acme/sdk/.
func (e *e2e) pushNamespaceFixture() v1.Hash {
	e.t.Helper()
	cli, err := e.push("walt", "acme/sdk/cli:1.0")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ref := range []string{"acme/sdk2/x:1.0", "acme/secret:1.0", "acme/sdk:1.0"} {
		if _, err := e.push("walt", ref); err != nil {
			e.t.Fatal(err)
		}
	}
	return cli
}

// A namespace share of acme/sdk/ opens, to globex, the repositories pushed
// below it after it was made, pull only; it opens neither acme/sdk2/x,
// acme/secret nor acme/sdk itself, and nothing once revoked. The "$"
// segment shares the whole namespace, and its revocation closes it.
func TestNamespaceShareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	e.nsShare("sdk$", "sdk/")
	cli := e.pushNamespaceFixture()

	for _, u := range []string{"gina", "gabe", "gus"} {
		if got, err := e.pull(u, "acme/sdk/cli:1.0"); err != nil || got != cli {
			t.Fatalf("%s pull of acme/sdk/cli: %v %v, want %v", u, got, err, cli)
		}
	}
	for _, ref := range []string{"acme/sdk2/x:1.0", "acme/secret:1.0", "acme/sdk:1.0"} {
		_, err := e.pull("gina", ref)
		e.wantDenied("globex pull of "+ref+", beside acme/sdk/", err)
	}
	_, err := e.push("gabe", "acme/sdk/cli:evil")
	e.wantDenied("globex write user's push below the namespace share", err)
	e.wantNoTag("acme/sdk/cli:evil")
	_, err = e.push("gus", "acme/sdk/new:1.0")
	e.wantDenied("globex manager's push of a new repository below the namespace share", err)
	if c, _ := e.token("gina", "repository:acme/sdk/cli:pull,push,delete"); len(c.Access) != 1 || !slices.Equal(c.Access[0].Actions, []string{"pull"}) {
		t.Fatalf("token below the namespace share: %+v, want pull only", c.Access)
	}

	e.wantNamespaceListings(cli)

	e.nsRevoke("sdk$")
	_, err = e.pull("gina", "acme/sdk/cli:1.0")
	e.wantDenied("globex pull after the namespace share was revoked", err)

	// The whole namespace, "$": acme/secret opens, until revoked.
	e.nsShare("$", "")
	for _, ref := range []string{"acme/secret:1.0", "acme/sdk2/x:1.0", "acme/sdk/cli:1.0"} {
		if _, err := e.pull("gina", ref); err != nil {
			t.Fatalf("pull of %s under the share of acme/: %v", ref, err)
		}
	}
	_, err = e.push("gabe", "acme/secret:evil")
	e.wantDenied("globex push under the share of acme/", err)
	var listed []string
	for _, r := range e.listingAs("gina", "thirdparty") {
		if r.SharedAs == "acme/" && r.Status {
			listed = append(listed, r.Namespace+"/"+r.Name)
		}
	}
	if slices.Sort(listed); !slices.Equal(listed, []string{"acme/sdk", "acme/sdk/cli", "acme/sdk2/x", "acme/secret"}) {
		t.Errorf("globex's listing under the share of acme/: %q, want every acme repository", listed)
	}
	e.nsRevoke("$")
	_, err = e.pull("gina", "acme/secret:1.0")
	e.wantDenied("globex pull after the share of acme/ was revoked", err)
}

// wantNamespaceListings: globex's "shared with me" lists acme/sdk/cli as
// shared through acme/sdk/, with its tags and pull command, and nothing
// beside the prefix; acme's "images I shared" shows the namespace share
// as such.
func (e *e2e) wantNamespaceListings(cli v1.Hash) {
	e.t.Helper()
	rows := e.listingAs("gina", "thirdparty")
	if len(rows) != 1 {
		e.t.Fatalf("globex's thirdparty listing: %+v, want acme/sdk/cli alone", rows)
	}
	r := rows[0]
	wantCmd := "docker pull " + e.registry + "/acme/sdk/cli:1.0"
	if r.Namespace != "acme" || r.Name != "sdk/cli" || r.SharedAs != "acme/sdk/" || r.Kind != "repository" || !r.Status ||
		!slices.Equal(r.Tags, []string{"1.0"}) || r.PullCommand != wantCmd || r.Path != e.registry+"/acme/sdk/cli" || r.DomainName != "acme" {
		e.t.Errorf("globex's row: %+v, want acme/sdk/cli shared as acme/sdk/ with tag 1.0 and %q", r, wantCmd)
	}
	// The pull command works as printed (less "docker pull ").
	if got, err := e.pull("gina", "acme/sdk/cli:1.0"); err != nil || got != cli {
		e.t.Errorf("pull of the listed command: %v %v", got, err)
	}

	self := e.listingAs("alice", "self")
	if len(self) != 1 || self[0].Name != "sdk/" || self[0].Kind != "namespace" || self[0].Path != e.registry+"/acme/sdk/" ||
		len(self[0].AccessDomains) != 1 || self[0].AccessDomains[0].AccessDomain != "globex" || !self[0].Status {
		e.t.Errorf("acme's self listing: %+v, want the namespace share acme/sdk/ with globex", self)
	}
}

// skopeo as a recipient's client of a namespace share: it pulls a
// repository pushed below acme/sdk/ after the share was made, and is
// refused the repositories beside it, a push below it, and the pull once
// the share is revoked.
func TestNamespaceShareSkopeo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	sk := skopeo(t)
	e := newE2E(t)
	e.nsShare("sdk$", "sdk/")
	cli := e.pushNamespaceFixture()
	gina := robot{"gina", e2ePass} // a user's credentials, as skopeo sends them

	dir := filepath.Join(t.TempDir(), "cli")
	if out, err := sk.pull(t, e.registry, "acme/sdk/cli:1.0", gina, dir); err != nil {
		t.Fatalf("skopeo pull below the namespace share: %v: %s", err, out)
	}
	if got := manifestDigest(t, dir); got != cli.String() {
		t.Fatalf("skopeo pulled %s, want %s", got, cli)
	}
	for _, ref := range []string{"acme/sdk2/x:1.0", "acme/secret:1.0", "acme/sdk:1.0"} {
		out, err := sk.pull(t, e.registry, ref, gina, filepath.Join(t.TempDir(), "beside"))
		wantCLIRefused(t, "skopeo pull of "+ref, registryDenied, out, err)
	}
	out, err := sk.run(t, "copy", "--dest-tls-verify=false", "--dest-creds", "gabe:"+e2ePass, "dir:"+dir, "docker://"+e.registry+"/acme/sdk/cli:skopeo")
	wantCLIRefused(t, "skopeo push below the namespace share", registryDenied, out, err)
	e.wantNoTag("acme/sdk/cli:skopeo")

	e.nsRevoke("sdk$")
	out, err = sk.pull(t, e.registry, "acme/sdk/cli:1.0", gina, filepath.Join(t.TempDir(), "revoked"))
	wantCLIRefused(t, "skopeo pull after the revocation", registryDenied, out, err)
}
