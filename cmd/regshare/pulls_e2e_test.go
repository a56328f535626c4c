package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regshare/regshare/shareapi"
)

// e2eNotifySecret is what the registry sends as its Bearer secret.
const e2eNotifySecret = "e2e-notifications-secret"

// withNotifications has the registry send its events to regshare.
func withNotifications(cfg *Config, _ *string) {
	cfg.Notifications.Secret = e2eNotifySecret
	cfg.Notifications.FlushEvery = 20 * time.Millisecond
}

// events is regshare's count of the registry's events that ended as
// result (counted, duplicate, ignored, unattributed).
func (e *e2e) events(result string) float64 {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.app.metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	prefix := fmt.Sprintf("regshare_registry_events_total{result=%q} ", result)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// waitFor polls cond for up to 20 seconds: the registry sends its events
// after it answered the client.
func (e *e2e) waitFor(what string, cond func() bool) {
	e.t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(end) {
			e.t.Fatalf("waiting for %s: timed out", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// downloads is the share of acme/web with globex as alice reads it.
func (e *e2e) downloads() shareapi.Share {
	e.t.Helper()
	code, body := apiCall(e.t, http.MethodGet, e.server+"/v2/manage/namespaces/acme/repositories/web/access-domains/globex", "alice", e2ePass, nil)
	var s shareapi.Share
	if code != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil {
		e.t.Fatalf("GET the share: %d %s", code, body)
	}
	return s
}

// The real registry tells regshare of each pull: a recipient's pull with
// go-containerregistry or skopeo adds exactly one to the share's count; a
// HEAD of the manifest (crane digest) and a blob fetch add nothing; an
// event sent twice counts once; the count survives a restart and shows in
// the listings of both sides and in the CLI; the owner's pulls are
// counted apart.
func TestPullCountsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t, withNotifications)
	if _, err := e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the push", func() bool { _, ok := e.app.grants.LastPush("acme/web"); return ok })
	// The last push dates the repository in the console's list.
	push, _ := e.app.grants.LastPush("acme/web")
	code, body := apiCall(t, http.MethodGet, e.server+"/v2/manage/repos", "alice", e2ePass, nil)
	var repos []shareapi.Repository
	if code != http.StatusOK || json.Unmarshal([]byte(body), &repos) != nil || len(repos) != 1 || repos[0].Updated != push.LastPush.UTC().Format(time.RFC3339) {
		t.Errorf("repos: %d %s, want acme/web updated at its push %v", code, body, push.LastPush)
	}
	// The config's digest, read by the owner: a blob to fetch alone below.
	config := e.configDigest("walt", "acme/web:1.0")
	if code, body := apiCall(t, http.MethodPost, e.server+"/v2/manage/namespaces/acme/repositories/web/access-domains", "alice", e2ePass,
		shareapi.CreateShare{AccessDomain: "globex", Permit: "read", Deadline: "forever"}); code != http.StatusCreated {
		t.Fatalf("share: %d %s", code, body)
	}

	if _, err := e.pull("gina", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("gina's pull", func() bool { return e.downloads().NumDownload == 1 })
	if s := e.downloads(); s.LastPuller != "gina" || s.LastPull == nil {
		t.Errorf("after gina's pull: %+v", s)
	}

	// A HEAD of the manifest, then a blob: one ignored event each.
	auth := crane.WithAuth(&authn.Basic{Username: "gina", Password: e2ePass})
	for _, step := range []struct {
		what string
		do   func() error
	}{
		{"crane digest (HEAD)", func() error { _, err := crane.Digest(e.registry+"/acme/web:1.0", auth, crane.Insecure); return err }},
		{"a blob fetch", func() error { return e.fetchBlob("gina", "acme/web", config) }},
	} {
		ignored := e.events("ignored")
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		e.waitFor(step.what+"'s event", func() bool { return e.events("ignored") >= ignored+1 })
		if n := e.downloads().NumDownload; n != 1 {
			t.Errorf("after %s the count is %d, want still 1", step.what, n)
		}
	}

	sk := skopeo(t)
	if out, err := sk.pull(t, e.registry, "acme/web:1.0", robot{"gus", e2ePass}, filepath.Join(t.TempDir(), "web")); err != nil {
		t.Fatalf("skopeo pull: %v: %s", err, out)
	}
	e.waitFor("skopeo's pull", func() bool { return e.downloads().NumDownload >= 2 })
	counted := e.events("counted")
	// One more event to be sure skopeo's are all in: the count is 2.
	e.postEvents(t, http.StatusOK, manifestPull("barrier", "acme/web", "gabe"))
	e.waitFor("the barrier", func() bool { return e.events("counted") >= counted+1 })
	if n := e.downloads().NumDownload; n != 3 {
		t.Errorf("after skopeo's pull and one posted, the count is %d, want 3", n)
	}

	// The same event twice (its answer was lost): once. A wrong secret:
	// refused, nothing counted.
	e.postEvents(t, http.StatusOK, manifestPull("retried-1", "acme/web", "gina"))
	e.postEvents(t, http.StatusOK, manifestPull("retried-1", "acme/web", "gina"))
	if n := e.downloads().NumDownload; n != 4 {
		t.Errorf("after an event posted twice, the count is %d, want 4", n)
	}
	req, _ := http.NewRequest("POST", e.server+notificationsPath, bytes.NewReader(manifestPull("forged", "acme/web", "gina")))
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	req.Header.Set("Authorization", "Bearer wrong-secret-of-the-same-size")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong secret: %v %v", resp, err)
	}

	// The owner's pull is counted apart.
	if _, err := e.pull("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("walt's pull", func() bool { return e.app.grants.PullCountOf("acme/web", "acme").Count == 2 })

	e.start() // a restart: the counts are the store's
	if n := e.downloads().NumDownload; n != 4 {
		t.Errorf("after a restart the count is %d, want 4", n)
	}
	e.postEvents(t, http.StatusOK, manifestPull("retried-1", "acme/web", "gina"))
	if n := e.downloads().NumDownload; n != 4 {
		t.Errorf("an event counted before the restart, posted again: the count is %d, want 4", n)
	}
	e.wantPullListings()
}

// wantPullListings: both sides' listings and CLI tables show the counts.
func (e *e2e) wantPullListings() {
	e.t.Helper()
	self := e.listingAs("alice", "self")
	if len(self) != 1 || self[0].NumDownload != 4 || self[0].NumDownloadOwn == nil || *self[0].NumDownloadOwn != 2 ||
		len(self[0].AccessDomains) != 1 || self[0].AccessDomains[0].NumDownload != 4 {
		e.t.Errorf("acme's listing: %+v", self)
	}
	third := e.listingAs("gina", "thirdparty")
	if len(third) != 1 || third[0].NumDownload != 4 || third[0].LastPull == nil {
		e.t.Errorf("globex's listing: %+v", third)
	}
	if out, err := e.cli("gina", "shared-with-me"); err != nil || !strings.Contains(out, "DOWNLOADS") {
		e.t.Errorf("shared-with-me: %v\n%s", err, out)
	}
	if out, err := e.cli("alice", "share", "list", "acme/web"); err != nil || !strings.Contains(out, "DOWNLOADS") {
		e.t.Errorf("share list: %v\n%s", err, out)
	}
}

// configDigest is the digest of ref's config, read by user (a manifest
// pull).
func (e *e2e) configDigest(user, ref string) string {
	e.t.Helper()
	img, err := remote.Image(e.ref(ref), remote.WithAuth(&authn.Basic{Username: user, Password: e2ePass}))
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := img.ConfigName()
	if err != nil {
		e.t.Fatal(err)
	}
	return d.String()
}

// fetchBlob reads the blob digest of repo as user, alone: a blob fetch,
// which the registry reports as a pull too.
func (e *e2e) fetchBlob(user, repo, digest string) error {
	dig, err := name.NewDigest(e.registry+"/"+repo+"@"+digest, name.Insecure)
	if err != nil {
		return err
	}
	l, err := remote.Layer(dig, remote.WithAuth(&authn.Basic{Username: user, Password: e2ePass}))
	if err != nil {
		return err
	}
	rc, err := l.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// manifestPull is a notification of one manifest GET of repo by user.
func manifestPull(id, repo, user string) []byte {
	b, _ := json.Marshal(map[string]any{"events": []any{map[string]any{
		"id": id, "timestamp": time.Now().UTC(), "action": "pull",
		"target":  map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "repository": repo, "url": "http://registry/v2/" + repo + "/manifests/sha256:0"},
		"request": map[string]any{"method": "GET"},
		"actor":   map[string]any{"name": user},
	}}})
	return b
}

// postEvents posts a notification as the registry does, and wants status.
func (e *e2e) postEvents(t *testing.T, status int, body []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.server+notificationsPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	req.Header.Set("Authorization", "Bearer "+e2eNotifySecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d, want %d", notificationsPath, resp.StatusCode, status)
	}
}
