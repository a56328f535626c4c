package admin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"golang.org/x/sync/singleflight"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The web console is static HTML, CSS and JavaScript, embedded in the
// binary. It logs in by exchanging the user's password for an API token
// (GET /token?service=<api service>), keeps only the token, in the tab's
// sessionStorage, and calls the API with it; it uses no cookie.
//
//go:embed console
var consoleFiles embed.FS

// consoleCSP allows the console's own scripts, styles and API calls, and
// nothing else: no inline script or style, no framing.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// crossOrigin refuses state-changing requests that a browser sends from
// another origin (it tells by Sec-Fetch-Site or Origin): a browser that
// remembers Basic credentials for the API would send them with a forged
// request. Clients other than browsers send neither header.
var crossOrigin = http.NewCrossOriginProtection()

var (
	errCrossOrigin = newError(403, 3, "cross-origin request refused")
	errRegistryAPI = newError(502, 2, "the registry did not answer; cannot list its repositories or tags")
	errNoRegistry  = newError(501, 1, "no registry is configured (registry.url): repositories and tags cannot be listed")
)

// console serves the web console and the listings only it needs.
type console struct {
	*API
	reg    *registryReader // nil: no registry to read
	assets map[string]asset
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// ConsoleTokens is what the console needs of the token server.
type ConsoleTokens interface {
	// APIService names the API in token requests: the console logs in with
	// GET /token?service=<APIService>.
	APIService() string
	// CatalogToken signs a token that lets regshare read the registry's
	// catalog.
	CatalogToken() (string, error)
}

// RegisterConsole adds the web console at / and the listings it reads
// besides the share API: the caller (GET /v2/manage/user), the caller's
// repositories from the registry's catalog (GET /v2/manage/repos) and a
// repository's tags with their digests (GET .../{repository}/tags). The
// registry is the one the API reads tags from.
func (a *API) RegisterConsole(mux *http.ServeMux, tokens ConsoleTokens) {
	c := &console{API: a, assets: map[string]asset{}}
	if rt, ok := a.tags.(*RegistryTags); ok {
		c.reg = &registryReader{rt: rt, catalogToken: tokens.CatalogToken, now: a.now}
	}
	files, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if name == "index.html" {
			// The page names the API service, the only setting it needs.
			t, err := template.New(name).Parse(string(body))
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := t.Execute(&b, struct{ APIService string }{tokens.APIService()}); err != nil {
				return err
			}
			body = b.Bytes()
		}
		sum := sha256.Sum256(body)
		c.assets[name] = asset{
			body:        body,
			contentType: cmp.Or(mime.TypeByExtension(path.Ext(name)), "application/octet-stream"),
			etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
		return nil
	})
	if err != nil {
		panic(err) // the embedded files are fixed at build time
	}
	mux.HandleFunc("GET /{$}", c.serveAsset("index.html"))
	for name := range c.assets {
		if name != "index.html" {
			mux.HandleFunc("GET /console/"+name, c.serveAsset(name))
		}
	}
	mux.Handle("GET /v2/manage/user", a.authed(c.user))
	for _, p := range []string{"/v2/manage/repos", "/v2/manage/repositories"} {
		mux.Handle("GET "+p, a.authed(c.repositories))
	}
	for _, seg := range []string{"repositories", "repos"} {
		mux.Handle("GET /v2/manage/namespaces/{namespace}/"+seg+"/{repository}/tags", a.authed(c.repositoryTags))
	}
}

// serveAsset serves an embedded file with the console's security headers.
func (c *console) serveAsset(name string) http.HandlerFunc {
	f := c.assets[name]
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	}
}

func (c *console) user(w http.ResponseWriter, _ *http.Request, u grants.User) error {
	ns := slices.Clone(c.grants.Directory().Namespaces(u.Domain))
	if ns == nil {
		ns = []string{}
	}
	writeJSON(w, http.StatusOK, shareapi.User{Name: u.Name, Domain: u.Domain, Role: string(u.Role), CanShare: u.Role.CanShare(), Namespaces: ns,
		Registry: c.cfg.RegistryHost})
	return nil
}

// repoRow is a row of GET /v2/manage/repos with the repository it names.
type repoRow struct {
	shareapi.Repository

	repository string
}

// repositories lists the repositories of the caller's domain that the
// registry's catalog holds, by name: filters namespace, name (substring)
// and shared (true: with at least one share; false: with none).
func (c *console) repositories(w http.ResponseWriter, r *http.Request, u grants.User) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var shared *bool
	if s := q.Get("shared"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errBadQuery("shared must be true or false")
		}
		shared = &b
	}
	dir := c.grants.Directory()
	ns, name := q.Get("namespace"), q.Get("name")
	if ns != "" && !slices.Contains(dir.Namespaces(u.Domain), ns) {
		return errNotOwner
	}
	if c.reg == nil {
		return errNoRegistry
	}
	catalog, err := c.reg.catalog(r.Context())
	if err != nil {
		c.log.WarnContext(r.Context(), "registry catalog", "err", err)
		return errRegistryAPI
	}
	var rows []*repoRow
	ix := c.grants.Index()
	for _, repo := range catalog {
		if owner, ok := dir.RepositoryOwner(repo); !ok || owner != u.Domain {
			continue
		}
		rns, rname, _ := strings.Cut(repo, "/")
		if (ns != "" && rns != ns) || !strings.Contains(rname, name) {
			continue
		}
		n := ix.CountRepository(repo)
		if shared != nil && (n > 0) != *shared {
			continue
		}
		rows = append(rows, &repoRow{
			Repository: shareapi.Repository{Namespace: rns, Name: rname, Path: c.cfg.RegistryHost + "/" + repo, DomainName: u.Domain, Shares: n},
			repository: repo,
		})
	}
	slices.SortFunc(rows, func(x, y *repoRow) int { return strings.Compare(x.repository, y.repository) })
	out := cut(w, p, rows)
	c.fillRepositories(r.Context(), out)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// registryConcurrency bounds the registry requests of one listing.
const registryConcurrency = 8

// fillRepositories reads each row's tag count and last update within one
// time budget; what the registry does not say in time stays unknown.
func (c *console) fillRepositories(ctx context.Context, rows []*repoRow) {
	ctx, cancel := context.WithTimeout(ctx, tagsBudget)
	defer cancel()
	var g errgroup.Group
	g.SetLimit(registryConcurrency)
	for _, o := range rows {
		g.Go(func() error {
			token, err := c.reg.rt.Token(o.repository)
			if err != nil {
				return nil
			}
			tags, ok, err := c.reg.rt.tags(ctx, o.repository, token)
			if err != nil || !ok {
				return nil
			}
			n := len(tags)
			o.NumImages = &n
			if t := latestTag(tags); t != "" {
				if m, ok, err := c.reg.manifest(ctx, o.repository, t, token); err == nil && ok && !m.created.IsZero() {
					o.Updated = m.created.UTC().Format(time.RFC3339)
				}
			}
			return nil
		})
	}
	g.Wait()
}

// repositoryTags lists a repository's tags in the registry's order, each
// with the digest it names. Whoever may pull the repository may list it:
// the owning domain's users and the domains it is validly shared with.
func (c *console) repositoryTags(w http.ResponseWriter, r *http.Request, u grants.User) error {
	repo, err := repository(r)
	if err != nil {
		return err
	}
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	d := c.grants.Authorize(u, []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{grants.ActionPull}}}, c.now())
	if len(d) != 1 || !slices.Contains(d[0].Actions, grants.ActionPull) {
		return errNotOwner
	}
	if c.reg == nil {
		return errNoRegistry
	}
	// One token for the tag list and every manifest of the page.
	token, err := c.reg.rt.Token(repo)
	var tags []string
	var ok bool
	if err == nil {
		tags, ok, err = c.reg.rt.tags(r.Context(), repo, token)
	}
	switch {
	case err != nil:
		c.log.WarnContext(r.Context(), "registry tags", "repository", repo, "err", err)
		return errRegistryAPI
	case !ok:
		return errNoRepository
	}
	rows := make([]*shareapi.Tag, len(tags))
	for i, t := range tags {
		ref := c.cfg.RegistryHost + "/" + repo + ":" + t
		rows[i] = &shareapi.Tag{Tag: t, Path: ref, PullCommand: "docker pull " + ref}
	}
	out := cut(w, p, rows)
	ctx, cancel := context.WithTimeout(r.Context(), tagsBudget)
	defer cancel()
	var g errgroup.Group
	g.SetLimit(registryConcurrency)
	for _, o := range out {
		g.Go(func() error {
			if m, ok, err := c.reg.manifest(ctx, repo, o.Tag, token); err == nil && ok {
				o.Digest, o.Size = m.digest, m.size
				if !m.created.IsZero() {
					o.Created = m.created.UTC().Format(time.RFC3339)
				}
			}
			return nil
		})
	}
	g.Wait()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// registryReader reads the registry's catalog and manifests with tokens
// regshare issues to itself.
type registryReader struct {
	rt           *RegistryTags
	catalogToken func() (string, error)
	now          func() time.Time

	// The catalog is read once for every request that comes within
	// catalogFresh of the last read, so typing in the console's filter
	// does not walk the registry's catalog for every key pressed.
	flight   singleflight.Group
	mu       sync.Mutex
	cached   []string
	cachedAt time.Time
}

// Bounds of what is read from the registry.
const (
	maxCatalog   = 100_000
	catalogFresh = 5 * time.Second
	// catalogBudget bounds one walk of the catalog, whatever the registry's
	// pace; a slow registry gets a 502, not a handler that outlives the
	// server's write timeout.
	catalogBudget = 10 * time.Second
	maxManifest   = 4 << 20
	maxConfig     = 4 << 20
)

// catalog returns the registry's catalog, read at most catalogFresh ago.
// Callers must not modify it.
func (rr *registryReader) catalog(ctx context.Context) ([]string, error) {
	rr.mu.Lock()
	if rr.cached != nil && rr.now().Sub(rr.cachedAt) < catalogFresh {
		defer rr.mu.Unlock()
		return rr.cached, nil
	}
	rr.mu.Unlock()
	// One walk at a time; it is not the caller's to cancel, since others
	// wait on it too, but it has its own budget.
	v, err, _ := rr.flight.Do("catalog", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), catalogBudget)
		defer cancel()
		all, err := rr.readCatalog(ctx)
		if err == nil {
			rr.mu.Lock()
			rr.cached, rr.cachedAt = all, rr.now()
			rr.mu.Unlock()
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
func (rr *registryReader) readCatalog(ctx context.Context) ([]string, error) {
	token, err := rr.catalogToken()
	if err != nil {
		return nil, err
	}
	all := []string{}
	next := "/v2/_catalog"
	for next != "" && len(all) < maxCatalog {
		resp, err := rr.rt.get(ctx, next, token)
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

// manifestInfo is what a tag names.
type manifestInfo struct {
	digest  string
	size    int64
	created time.Time
}

// Manifest media types the console understands.
var manifestTypes = []string{
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
}

// manifest reads the manifest ref names and, for an image, the creation
// time in its config, with a pull token of repo. ok is false when there is
// no such manifest.
func (rr *registryReader) manifest(ctx context.Context, repo, ref, token string) (manifestInfo, bool, error) {
	resp, err := rr.rt.get(ctx, "/v2/"+repo+"/manifests/"+ref, token, manifestTypes...)
	if err != nil {
		return manifestInfo{}, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return manifestInfo{}, false, nil
	default:
		return manifestInfo{}, false, statusError(resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest))
	if err != nil {
		return manifestInfo{}, false, err
	}
	m := manifestInfo{digest: resp.Header.Get("Docker-Content-Digest")}
	if m.digest == "" {
		sum := sha256.Sum256(body)
		m.digest = "sha256:" + hex.EncodeToString(sum[:])
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
		return manifestInfo{}, false, fmt.Errorf("registry: manifest %s:%s: %w", repo, ref, err)
	}
	if man.Config.Digest == "" { // an index: its images have their own
		return m, true, nil
	}
	m.size = int64(len(body)) + man.Config.Size
	for _, l := range man.Layers {
		m.size += l.Size
	}
	m.created, _ = rr.created(ctx, repo, man.Config.Digest, token)
	return m, true, nil
}

// created reads the creation time of an image config; zero when unknown.
func (rr *registryReader) created(ctx context.Context, repo, digest, token string) (time.Time, error) {
	resp, err := rr.rt.get(ctx, "/v2/"+repo+"/blobs/"+digest, token)
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
