package admin

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// Paging limits of the listings.
const (
	defaultLimit = 100
	maxLimit     = 1000
	maxOffset    = 1 << 30 // far past any listing; keeps offset+limit from overflowing
)

// sharedRow is a row of GET /v2/manage/shared-repositories, with what it
// is sorted and read by.
type sharedRow struct {
	shareapi.SharedRepository

	repository string
	created    time.Time
	updated    time.Time
	deadline   time.Time // thirdparty: the share's; zero: permanent
}

type listQuery struct {
	page
	center    string
	namespace string
	name      string
	status    *bool
	order     string
	desc      bool
}

// page is the limit and offset of a listing.
type page struct {
	limit, offset int
}

func parsePage(r *http.Request) (page, error) {
	p := page{limit: defaultLimit}
	v := r.URL.Query()
	var err error
	if s := v.Get("limit"); s != "" {
		if p.limit, err = strconv.Atoi(s); err != nil || p.limit < 1 || p.limit > maxLimit {
			return p, errBadQuery("limit must be between 1 and %d", maxLimit)
		}
	}
	if s := v.Get("offset"); s != "" {
		if p.offset, err = strconv.Atoi(s); err != nil || p.offset < 0 || p.offset > maxOffset {
			return p, errBadQuery("offset must be between 0 and %d", maxOffset)
		}
	}
	return p, nil
}

// cut returns the page of rows and sets Content-Range: first-last/total,
// or */total for an empty page, as HTTP writes an empty range.
func cut[T any](w http.ResponseWriter, p page, rows []T) []T {
	total := len(rows)
	out := rows[min(p.offset, total):min(p.offset+p.limit, total)]
	if len(out) > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("%d-%d/%d", p.offset, p.offset+len(out)-1, total))
	} else {
		w.Header().Set("Content-Range", fmt.Sprintf("*/%d", total))
	}
	if out == nil {
		out = []T{}
	}
	return out
}

func parseListQuery(r *http.Request) (listQuery, error) {
	v := r.URL.Query()
	q := listQuery{
		center:    v.Get("center"),
		namespace: v.Get("namespace"),
		name:      v.Get("name"),
	}
	if q.center != "self" && q.center != "thirdparty" {
		return q, errBadQuery("center must be self or thirdparty")
	}
	if s := v.Get("status"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errBadQuery("status must be true or false")
		}
		q.status = &b
	}
	var err error
	if q.page, err = parsePage(r); err != nil {
		return q, err
	}
	q.order, q.desc, err = parseOrder(v, true, "updated_at", "name", "namespace")
	return q, err
}

// parseOrder reads order_column, one of columns (the first unless given),
// and order_type, asc or desc (desc unless given, when desc is set).
func parseOrder(v url.Values, desc bool, columns ...string) (string, bool, error) {
	col := cmp.Or(v.Get("order_column"), columns[0])
	if !slices.Contains(columns, col) {
		return "", false, errBadQuery("order_column must be %s", strings.Join(columns, ", "))
	}
	switch v.Get("order_type") {
	case "":
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		return "", false, errBadQuery("order_type must be asc or desc")
	}
	return col, desc, nil
}

// sharedRepositories lists what the caller's domain shared (center=self,
// one row per repository with its recipients) or what was shared with it
// (center=thirdparty, one row per share). A recipient never sees the other
// recipients of a repository.
func (a *API) sharedRepositories(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	now := a.now()
	var rows []*sharedRow
	if q.center == "self" {
		rows = a.selfRows(u, now)
	} else {
		rows = a.thirdpartyRows(r.Context(), u, now)
	}
	rows = slices.DeleteFunc(rows, func(o *sharedRow) bool {
		return (q.namespace != "" && o.Namespace != q.namespace) ||
			(q.name != "" && !strings.Contains(o.Name, q.name)) ||
			(q.status != nil && o.Status != *q.status)
	})
	slices.SortStableFunc(rows, func(x, y *sharedRow) int {
		var c int
		switch q.order {
		case "name":
			c = cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Namespace, y.Namespace))
		case "namespace":
			c = cmp.Or(strings.Compare(x.Namespace, y.Namespace), strings.Compare(x.Name, y.Name))
		default:
			c = x.updated.Compare(y.updated)
		}
		c = cmp.Or(c, strings.Compare(x.repository, y.repository), strings.Compare(x.DomainName, y.DomainName))
		if q.desc {
			return -c
		}
		return c
	})
	pg := cut(w, q.page, rows)
	a.fillTags(r.Context(), pg, q.center == "thirdparty")
	writeJSON(w, http.StatusOK, pg)
	return nil
}

func (a *API) row(repository, owner string) *sharedRow {
	ns, name, _ := strings.Cut(repository, "/")
	kind := "repository"
	if grants.IsPrefix(repository) {
		kind = "namespace"
	}
	return &sharedRow{
		SharedRepository: shareapi.SharedRepository{
			Namespace:  ns,
			Name:       name,
			Path:       a.cfg.RegistryHost + "/" + repository,
			DomainName: owner,
			Tags:       []string{},
			Kind:       kind,
		},
		repository: repository,
	}
}

func (a *API) selfRows(u grants.Principal, now time.Time) []*sharedRow {
	byRepo := map[string]*sharedRow{}
	var rows []*sharedRow
	for _, s := range a.grants.SharedBy(u.Domain) {
		o, ok := byRepo[s.Repository]
		if !ok {
			o = a.row(s.Repository, s.Owner)
			o.created = s.Created
			byRepo[s.Repository] = o
			rows = append(rows, o)
		}
		valid := a.grants.Effective(s, now)
		o.Status = o.Status || valid
		if s.Created.Before(o.created) {
			o.created = s.Created
		}
		if s.Updated.After(o.updated) {
			o.updated = s.Updated
		}
		o.AccessDomains = append(o.AccessDomains, shareapi.Recipient{
			AccessDomain: s.Recipient, Permit: s.Permit, Deadline: formatDeadline(s.Deadline),
			Description: s.Description, Status: valid, NumDownload: a.grants.SharePulls(s).Count,
		})
	}
	for _, o := range rows {
		a.rowPulls(o, func(d string) bool { return d != u.Domain }, true)
		slices.SortFunc(o.AccessDomains, func(x, y shareapi.Recipient) int { return strings.Compare(x.AccessDomain, y.AccessDomain) })
		o.CreatedAt = o.created.UTC().Format(time.RFC3339)
		o.UpdatedAt = o.updated.UTC().Format(time.RFC3339)
	}
	return rows
}

func (a *API) thirdpartyRows(ctx context.Context, u grants.Principal, now time.Time) []*sharedRow {
	var rows []*sharedRow
	var shares []grants.Share
	for _, r := range a.grants.Directory().Recipients(u.Domain) {
		shares = append(shares, a.grants.Index().ByRecipient(r)...)
	}
	for _, s := range shares {
		o := a.row(s.Repository, s.Owner)
		o.ViaGroup, _ = grants.GroupOf(s.Recipient)
		o.Status = a.grants.Effective(s, now)
		o.updated = s.Updated
		o.CreatedAt = s.Created.UTC().Format(time.RFC3339)
		o.UpdatedAt = s.Updated.UTC().Format(time.RFC3339)
		o.Deadline = formatDeadline(s.Deadline)
		o.Description = s.Description
		o.deadline = s.Deadline
		rows = append(rows, o)
	}
	rows = a.expandNamespaces(ctx, rows)
	for _, o := range rows {
		a.rowPulls(o, func(d string) bool { return d == u.Domain }, false)
	}
	return rows
}

// rowPulls sets a row's pull counts: of its repository (or below its
// prefix) by the domains by accepts; with own, the owner's apart.
func (a *API) rowPulls(o *sharedRow, by func(string) bool, own bool) {
	covers := func(r string) bool { return grants.Covers(o.repository, r) }
	c := a.grants.PullCounts(covers, by)
	o.NumDownload, o.LastPull, _ = a.pulls(c)
	if own {
		n := a.grants.PullCounts(covers, func(d string) bool { return d == o.DomainName }).Count
		o.NumDownloadOwn = &n
	}
}

// expandNamespaces gives the recipient a row for each repository of the
// registry's catalog that a namespace share covers, in place of the
// share's own row, as a repository shared with it. A repository covered
// twice (its own share and a namespace's, or two namespaces', or shares
// with the domain and with a group of it) is listed once, from the share
// that grants it: in force, and lasting longest. Without a catalog, the
// namespace share's row stays as it is.
func (a *API) expandNamespaces(ctx context.Context, rows []*sharedRow) []*sharedRow {
	var catalog []string
	if a.reg != nil && slices.ContainsFunc(rows, func(o *sharedRow) bool { return o.Kind == "namespace" }) {
		var err error
		if catalog, err = a.reg.Catalog(ctx); err != nil {
			a.log.WarnContext(ctx, "registry catalog", "err", err)
			catalog = nil
		}
	}
	byRepo := map[string]*sharedRow{}
	var out []*sharedRow
	add := func(o *sharedRow) {
		if old, ok := byRepo[o.repository]; ok {
			if !grantsLonger(o, old) {
				return
			}
			*old = *o
			return
		}
		byRepo[o.repository] = o
		out = append(out, o)
	}
	for _, o := range rows {
		if o.Kind != "namespace" || catalog == nil {
			add(o)
			continue
		}
		for _, repo := range catalog {
			if strings.HasPrefix(repo, o.repository) {
				e := *o
				e.Namespace, e.Name, _ = strings.Cut(repo, "/")
				e.Path, e.repository = a.cfg.RegistryHost+"/"+repo, repo
				e.Kind, e.SharedAs = "repository", o.repository
				e.Tags = []string{}
				add(&e)
			}
		}
	}
	return out
}

// grantsLonger reports whether row x's share grants more than y's: in
// force where y is not, or until later (permanent is longest).
func grantsLonger(x, y *sharedRow) bool {
	if x.Status != y.Status {
		return x.Status
	}
	return grants.Outlasts(x.deadline, y.deadline)
}

// fillTags reads each row's tags from the registry within one time budget;
// a registry that does not answer leaves the tags empty.
//
// For a recipient (thirdparty) the tags and the pull command are only shown
// while the share is valid: an ended share reads nothing of the owner's
// repository, not even its tag list.
func (a *API) fillTags(ctx context.Context, rows []*sharedRow, thirdparty bool) {
	if a.reg != nil {
		ctx, cancel := context.WithTimeout(ctx, tagsBudget)
		defer cancel()
		for _, o := range rows {
			if ctx.Err() != nil {
				break
			}
			if (thirdparty && !o.Status) || o.Kind == "namespace" {
				continue
			}
			if tags, ok, err := a.reg.Tags(ctx, o.repository); err == nil && ok {
				o.Tags = tags
			}
		}
	}
	if thirdparty {
		for _, o := range rows {
			// A prefix is no reference docker pulls: a namespace share's
			// own row (kept when there is no catalog) has no command.
			if !o.Status || o.Kind == "namespace" {
				continue
			}
			o.PullCommand = "docker pull " + o.Path
			if t := latestTag(o.Tags); t != "" {
				o.PullCommand += ":" + t
			}
		}
	}
}

// latestTag is "latest" when the repository has it, else the last tag in
// the registry's (lexical) order.
func latestTag(tags []string) string {
	if slices.Contains(tags, "latest") {
		return "latest"
	}
	if len(tags) == 0 {
		return ""
	}
	return tags[len(tags)-1]
}
