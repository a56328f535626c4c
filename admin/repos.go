package admin

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// maxUpdateTags bounds the tags whose images are read for a repository's
// last update: a repository with more tags is dated by its first ones.
const maxUpdateTags = 50

// repoRow is a row of GET /v2/manage/repos with what it is sorted by.
type repoRow struct {
	shareapi.Repository

	name    string
	updated time.Time
}

// repoQuery is what GET /v2/manage/repos asks: filters namespace, name
// (substring) and shared (true: with at least one valid share; false:
// with none), and the order.
type repoQuery struct {
	page
	namespace, name string
	shared          *bool
	order           string // name, updated, num_images or shares
	desc            bool
}

func parseRepoQuery(r *http.Request) (repoQuery, error) {
	v := r.URL.Query()
	q := repoQuery{namespace: v.Get("namespace"), name: v.Get("name")}
	var err error
	if q.page, err = parsePage(r); err != nil {
		return q, err
	}
	if s := v.Get("shared"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errBadQuery("shared must be true or false")
		}
		q.shared = &b
	}
	q.order, q.desc, err = parseOrder(v, false, "name", "updated", "num_images", "shares")
	return q, err
}

// repositories lists the repositories of the caller's domain that the
// registry's catalog holds, with their tag count, last update and shares.
// Sorting by what the registry says (updated, num_images) reads it for
// every row, within the one time budget; what it does not say in time
// sorts last.
func (c *console) repositories(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	q, err := parseRepoQuery(r)
	if err != nil {
		return err
	}
	dir := c.grants.Directory()
	if q.namespace != "" && !slices.Contains(dir.Namespaces(u.Domain), q.namespace) {
		return fmt.Errorf("%w: namespace %s", grants.ErrNotOwner, q.namespace)
	}
	if c.reg == nil {
		return errNoRegistry
	}
	catalog, err := c.reg.Catalog(r.Context())
	if err != nil {
		c.log.WarnContext(r.Context(), "registry catalog", "err", err)
		return errRegistryAPI
	}
	if err := c.grants.Readable(r.Context()); err != nil {
		return err
	}
	now := c.now()
	var rows []*repoRow
	for _, repo := range catalog {
		if owner, ok := dir.RepositoryOwner(repo); !ok || owner != u.Domain {
			continue
		}
		rns, rname, _ := strings.Cut(repo, "/")
		if (q.namespace != "" && rns != q.namespace) || !strings.Contains(rname, q.name) {
			continue
		}
		o := &repoRow{name: repo, Repository: shareapi.Repository{
			Namespace: rns, Name: rname, Path: c.cfg.RegistryHost + "/" + repo, DomainName: u.Domain, SharedWith: []string{},
		}}
		c.countShares(o, now)
		// Shared means shared now: an image whose shares have all expired
		// is not.
		if q.shared != nil && (len(o.SharedWith) > 0) != *q.shared {
			continue
		}
		rows = append(rows, o)
	}
	byRegistry := q.order == "updated" || q.order == "num_images"
	if byRegistry {
		c.fillRepositories(r.Context(), rows)
	}
	slices.SortStableFunc(rows, func(x, y *repoRow) int { return compareRepos(q, x, y) })
	out := cut(w, q.page, rows)
	if !byRegistry {
		c.fillRepositories(r.Context(), out)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// countShares fills o's share counts and the names of its valid
// recipients, in the order of the index (by domain).
func (c *console) countShares(o *repoRow, now time.Time) {
	for _, s := range c.grants.Index().ByRepository(o.name) {
		o.Shares++
		if c.grants.Effective(s, now) {
			o.SharedWith = append(o.SharedWith, s.Recipient)
		} else {
			o.ExpiredShares++
		}
	}
	slices.Sort(o.SharedWith)
}

// compareRepos orders rows by q's column, then by name; unknown tag
// counts and times sort last whichever the direction.
func compareRepos(q repoQuery, x, y *repoRow) int {
	byName := strings.Compare(x.name, y.name)
	var c int
	switch q.order {
	case "updated":
		if x.updated.IsZero() != y.updated.IsZero() {
			return cmp.Compare(boolInt(x.updated.IsZero()), boolInt(y.updated.IsZero()))
		}
		c = x.updated.Compare(y.updated)
	case "num_images":
		if (x.NumImages == nil) != (y.NumImages == nil) {
			return cmp.Compare(boolInt(x.NumImages == nil), boolInt(y.NumImages == nil))
		}
		if x.NumImages != nil {
			c = cmp.Compare(*x.NumImages, *y.NumImages)
		}
	case "shares":
		c = cmp.Compare(len(x.SharedWith), len(y.SharedWith))
	}
	if q.desc {
		c = -c
		if q.order == "name" {
			byName = -byName
		}
	}
	return cmp.Or(c, byName)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fillRepositories reads each row's tag count and last update: its last
// push, when the registry's notifications told one, else the newest
// creation time of the images of its first maxUpdateTags tags.
func (c *console) fillRepositories(ctx context.Context, rows []*repoRow) {
	registryFanOut(ctx, rows, func(ctx context.Context, o *repoRow) {
		tags, ok, err := c.reg.Tags(ctx, o.name)
		if err != nil || !ok {
			return
		}
		n := len(tags)
		o.NumImages = &n
		if p, ok := c.grants.LastPush(o.name); ok {
			o.updated, o.Updated = p.LastPush, p.LastPush.UTC().Format(time.RFC3339)
			return
		}
		for _, t := range tags[:min(len(tags), maxUpdateTags)] {
			if m, ok, err := c.reg.Manifest(ctx, o.name, t); err == nil && ok && m.Created.After(o.updated) {
				o.updated = m.Created
			}
		}
		if !o.updated.IsZero() {
			o.Updated = o.updated.UTC().Format(time.RFC3339)
		}
	})
}
