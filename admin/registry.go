package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
)

// Registry is what the API and the console read of the registry. ok is
// false when the registry has no such repository or manifest; err when it
// could not be asked.
type Registry interface {
	// Tags lists a repository's tags in the registry's order.
	Tags(ctx context.Context, repository string) (tags []string, ok bool, err error)
	// Manifest describes what ref (a tag or digest) names in repository.
	Manifest(ctx context.Context, repository, ref string) (m Manifest, ok bool, err error)
	// Catalog lists every repository of the registry. Callers must not
	// modify it.
	Catalog(ctx context.Context) ([]string, error)
}

// Manifest is what a tag names.
type Manifest struct {
	Digest string
	// Size is the manifest, config and layers of an image; 0 for an index.
	Size int64
	// Created is the image's creation time from its config; zero when
	// unknown, and for an index.
	Created time.Time
}

// Bounds of what is asked of the registry.
const (
	// registryConcurrency bounds the registry requests of one listing.
	registryConcurrency = 8
	// tagsBudget bounds the time one listing spends asking the registry.
	tagsBudget = 3 * time.Second
)

// registryFanOut calls f for each item, at most registryConcurrency at a
// time, within one tagsBudget: f gets the budget's context, and what the
// registry does not say in time stays unknown.
func registryFanOut[T any](ctx context.Context, items []T, f func(ctx context.Context, item T)) {
	ctx, cancel := context.WithTimeout(ctx, tagsBudget)
	defer cancel()
	var g errgroup.Group
	g.SetLimit(registryConcurrency)
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			f(ctx, it)
			return nil
		})
	}
	g.Wait()
}

// RegistryClient is the Registry over the registry's own HTTP API, with
// tokens regshare issues to itself. Use it by pointer; the zero values of
// its unexported fields are ready.
type RegistryClient struct {
	// URL is the registry's base address, e.g. http://registry:5000.
	URL string
	// PullToken signs a token that lets regshare pull repository; it must
	// live at least a minute (tokenauth's shortest TTL), since it is
	// reused for tokenReuse.
	PullToken func(repository string) (string, error)
	// CatalogToken signs a token that lets regshare read the catalog.
	CatalogToken func() (string, error)
	Client       *http.Client
	Now          func() time.Time

	mu    sync.Mutex
	pulls map[string]signedToken // by repository

	// The catalog is read once for every request that comes within
	// catalogFresh of the last read, so typing in the console's filter
	// does not walk the registry's catalog for every key pressed.
	flight    singleflight.Group
	catalog   []string
	catalogAt time.Time

	// createdOnce makes created, the creation times of image configs by
	// digest: a config never changes, and a repository's listing reads
	// the config of each of its tags.
	createdOnce sync.Once
	createdAt   *lru.Cache[string, time.Time]
}

type signedToken struct {
	token string
	at    time.Time
}

// Bounds of what RegistryClient reads and keeps.
const (
	// tokenReuse is how long a repository's pull token is reused: a page
	// of tags and the manifests it names cost one signature.
	tokenReuse = 30 * time.Second
	maxReused  = 1024
	maxCatalog = 100_000
	// catalogFresh is how long a read of the catalog is answered from.
	catalogFresh = 5 * time.Second
	// catalogBudget bounds one walk of the catalog, whatever the registry's
	// pace; a slow registry gets a 502, not a handler that outlives the
	// server's write timeout.
	catalogBudget = 10 * time.Second
	maxTags       = 8 << 20
	maxCreated    = 8192
	maxManifest   = 4 << 20
	maxConfig     = 4 << 20
)

// pullToken returns a pull token of repository signed at most tokenReuse
// ago.
func (rc *RegistryClient) pullToken(repository string) (string, error) {
	now := rc.Now()
	rc.mu.Lock()
	t, ok := rc.pulls[repository]
	rc.mu.Unlock()
	if ok && now.Sub(t.at) < tokenReuse && !now.Before(t.at) {
		return t.token, nil
	}
	token, err := rc.PullToken(repository)
	if err != nil {
		return "", err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.pulls) >= maxReused {
		for repo, t := range rc.pulls {
			if now.Sub(t.at) >= tokenReuse {
				delete(rc.pulls, repo)
			}
		}
	}
	if rc.pulls == nil || len(rc.pulls) >= maxReused {
		rc.pulls = map[string]signedToken{}
	}
	rc.pulls[repository] = signedToken{token: token, at: now}
	return token, nil
}

// Tags implements Registry: GET /v2/<name>/tags/list.
func (rc *RegistryClient) Tags(ctx context.Context, repository string) ([]string, bool, error) {
	token, err := rc.pullToken(repository)
	if err != nil {
		return nil, false, err
	}
	resp, err := rc.get(ctx, "/v2/"+repository+"/tags/list", token)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, false, nil
	default:
		return nil, false, statusError(resp)
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTags)).Decode(&body); err != nil {
		return nil, false, fmt.Errorf("registry: tags of %s: %w", repository, err)
	}
	if body.Tags == nil {
		body.Tags = []string{}
	}
	return body.Tags, true, nil
}

// Catalog implements Registry: the catalog, read at most catalogFresh ago.
func (rc *RegistryClient) Catalog(ctx context.Context) ([]string, error) {
	rc.mu.Lock()
	if rc.catalog != nil && rc.Now().Sub(rc.catalogAt) < catalogFresh {
		defer rc.mu.Unlock()
		return rc.catalog, nil
	}
	rc.mu.Unlock()
	// One walk at a time; it is not the caller's to cancel, since others
	// wait on it too, but it has its own budget.
	v, err, _ := rc.flight.Do("catalog", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), catalogBudget)
		defer cancel()
		all, err := rc.readCatalog(ctx)
		if err == nil {
			rc.mu.Lock()
			rc.catalog, rc.catalogAt = all, rc.Now()
			rc.mu.Unlock()
		}
		return all, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// readCatalog reads every page of /v2/_catalog, the registry choosing the
// page size: asking for more than its catalog.maxentries is an error.
func (rc *RegistryClient) readCatalog(ctx context.Context) ([]string, error) {
	token, err := rc.CatalogToken()
	if err != nil {
		return nil, err
	}
	all := []string{}
	next := "/v2/_catalog"
	for next != "" && len(all) < maxCatalog {
		resp, err := rc.get(ctx, next, token)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			err := statusError(resp)
			resp.Body.Close()
			return nil, err
		}
		var body struct {
			Repositories []string `json:"repositories"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("registry: catalog: %w", err)
		}
		all = append(all, body.Repositories...)
		next = ""
		if len(body.Repositories) > 0 {
			next = nextCatalogPage(resp.Header.Get("Link"))
		}
	}
	return all, nil
}

// nextCatalogPage reads the registry's Link header, `</v2/_catalog?last=X&n=N>; rel="next"`;
// only a path of the catalog itself is followed.
func nextCatalogPage(link string) string {
	target, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(link), "<"), ">")
	if !ok || !strings.Contains(rest, `rel="next"`) || !strings.HasPrefix(target, "/v2/_catalog?") {
		return ""
	}
	return target
}

// Manifest media types the client understands.
var manifestTypes = []string{
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
}

// Manifest implements Registry: the manifest ref names and, for an image,
// the creation time in its config.
func (rc *RegistryClient) Manifest(ctx context.Context, repository, ref string) (Manifest, bool, error) {
	token, err := rc.pullToken(repository)
	if err != nil {
		return Manifest{}, false, err
	}
	resp, err := rc.get(ctx, "/v2/"+repository+"/manifests/"+ref, token, manifestTypes...)
	if err != nil {
		return Manifest{}, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return Manifest{}, false, nil
	default:
		return Manifest{}, false, statusError(resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest))
	if err != nil {
		return Manifest{}, false, err
	}
	m := Manifest{Digest: resp.Header.Get("Docker-Content-Digest")}
	if m.Digest == "" {
		sum := sha256.Sum256(body)
		m.Digest = "sha256:" + hex.EncodeToString(sum[:])
	}
	var man struct {
		Config struct {
			Digest string `json:"digest"`
			Size   int64  `json:"size"`
		} `json:"config"`
		Layers []struct {
			Size int64 `json:"size"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(body, &man); err != nil {
		return Manifest{}, false, fmt.Errorf("registry: manifest %s:%s: %w", repository, ref, err)
	}
	if man.Config.Digest == "" { // an index: its images have their own
		return m, true, nil
	}
	m.Size = int64(len(body)) + man.Config.Size
	for _, l := range man.Layers {
		m.Size += l.Size
	}
	m.Created, _ = rc.created(ctx, repository, man.Config.Digest, token)
	return m, true, nil
}

// created reads the creation time of an image config; zero when unknown.
func (rc *RegistryClient) created(ctx context.Context, repository, digest, token string) (time.Time, error) {
	rc.createdOnce.Do(func() { rc.createdAt, _ = lru.New[string, time.Time](maxCreated) })
	if t, ok := rc.createdAt.Get(digest); ok {
		return t, nil
	}
	t, err := rc.readCreated(ctx, repository, digest, token)
	if err == nil {
		rc.createdAt.Add(digest, t)
	}
	return t, err
}

func (rc *RegistryClient) readCreated(ctx context.Context, repository, digest, token string) (time.Time, error) {
	resp, err := rc.get(ctx, "/v2/"+repository+"/blobs/"+digest, token)
	if err != nil {
		return time.Time{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, statusError(resp)
	}
	var cfg struct {
		Created time.Time `json:"created"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxConfig)).Decode(&cfg); err != nil {
		return time.Time{}, err
	}
	if cfg.Created.Unix() <= 0 { // unset, or the epoch of a reproducible build
		return time.Time{}, nil
	}
	return cfg.Created, nil
}

// get sends an authenticated GET to the registry at path (which starts
// with /v2/).
func (rc *RegistryClient) get(ctx context.Context, path, token string, accept ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(rc.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for _, a := range accept {
		req.Header.Add("Accept", a)
	}
	return rc.Client.Do(req)
}

// statusError drains a refused answer and says what was refused.
func statusError(resp *http.Response) error {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return fmt.Errorf("registry: GET %s: %s", resp.Request.URL.EscapedPath(), resp.Status)
}
