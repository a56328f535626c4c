package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regshare/regshare/shareapi"
)

// Clients of a running registry and regshare, named by address and user
// rather than by an e2e fixture: the deploy and dev tests use them.

// pushAs pushes a small random image to host/repo as user.
func pushAs(t *testing.T, host, repo, user, password string) (v1.Hash, error) {
	t.Helper()
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: user, Password: password})); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

// pullAs fetches the manifest, the config and every layer of host/repo as
// user, as docker pull does.
func pullAs(t *testing.T, host, repo, user, password string) (v1.Hash, error) {
	t.Helper()
	ref, err := name.ParseReference(host+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		return v1.Hash{}, err
	}
	if _, err := img.RawConfigFile(); err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

// wantRefused asserts that err is the registry's 401 refusal.
func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%s: want the registry's 401, got %v", what, err)
	}
}

// apiCall sends a JSON request to the share API as user and returns the
// status and the body.
func apiCall(t *testing.T, method, url, user, password string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

// sharesURL is the share API path of repo ("acme/web") on api.
func sharesURL(api, repo string) string {
	ns, rest, _ := strings.Cut(repo, "/")
	return fmt.Sprintf("%s/v2/manage/namespaces/%s/repositories/%s/access-domains", api, ns, strings.ReplaceAll(rest, "/", "$"))
}

// shareVia shares repo with domain, permanently, through the API.
func shareVia(t *testing.T, api, repo, domain, user, password string) {
	t.Helper()
	code, body := apiCall(t, http.MethodPost, sharesURL(api, repo), user, password,
		shareapi.CreateShare{AccessDomain: domain, Permit: "read", Deadline: "forever", Description: "test"})
	if code != http.StatusCreated {
		t.Fatalf("share %s with %s: %d %s", repo, domain, code, body)
	}
}
