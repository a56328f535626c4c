package admin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"time"

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
	assets map[string]asset
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// RegisterConsole adds the web console at / and the listings it reads
// besides the share API: the caller (GET /v2/manage/user: who they are,
// and whether they administer the directory), the caller's repositories
// from the registry's catalog (GET /v2/manage/repos) and a repository's
// tags with their digests (GET .../{repository}/tags), from the API's
// registry. apiService names the API in token requests: the
// console logs in with GET /token?service=<apiService>.
func (a *API) RegisterConsole(mux *http.ServeMux, apiService string) {
	c := &console{API: a, assets: map[string]asset{}}
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
			if err := t.Execute(&b, struct{ APIService string }{apiService}); err != nil {
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

func (c *console) user(w http.ResponseWriter, _ *http.Request, u grants.Principal) error {
	ns := slices.Clone(c.grants.Directory().Namespaces(u.Domain))
	if ns == nil {
		ns = []string{}
	}
	writeJSON(w, http.StatusOK, shareapi.User{Name: u.Name, Domain: u.Domain, Role: string(u.Role), CanShare: u.Role.CanShare(), Namespaces: ns,
		Registry: c.cfg.RegistryHost, Superuser: u.Superuser, Static: u.Static, IdleTimeout: int(c.cfg.IdleTimeout / time.Second), Source: u.Source,
		TokenMaxDays: int(cmp.Or(c.cfg.TokenMaxLifetime, grants.DefaultTokenMaxLifetime) / (24 * time.Hour))})
	return nil
}

// repositoryTags lists a repository's tags in the registry's order, each
// with the digest it names. Whoever may pull the repository may list it:
// the owning domain's users and the domains it is validly shared with.
func (c *console) repositoryTags(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	repo := repository(r)
	if err := grants.ValidateRepository(repo); err != nil {
		return fmt.Errorf("%w: %w", grants.ErrBadRepository, err)
	}
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	// The same trust as tokens: what a token would not grant is not read.
	d := c.grants.Authorize(u, []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{grants.ActionPull}}}, c.now())
	if len(d) != 1 || !slices.Contains(d[0].Actions, grants.ActionPull) {
		if err := c.grants.Readable(r.Context()); err != nil {
			return err // loading, or cut off: the refusal may not be true
		}
		return errNoPull
	}
	if c.reg == nil {
		return errNoRegistry
	}
	tags, ok, err := c.reg.Tags(r.Context(), repo)
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
	registryFanOut(r.Context(), out, func(ctx context.Context, o *shareapi.Tag) {
		if m, ok, err := c.reg.Manifest(ctx, repo, o.Tag); err == nil && ok {
			o.Digest, o.Size = m.Digest, m.Size
			if !m.Created.IsZero() {
				o.Created = m.Created.UTC().Format(time.RFC3339)
			}
		}
	})
	writeJSON(w, http.StatusOK, out)
	return nil
}
