package grants

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regshare/regshare/webhook"
)

// Webhook endpoints: a domain's manage users register URLs that hear of
// share events (created, updated, revoked, expiring soon, expired) about
// the domain's repositories and about shares made with it. They are
// directory records; the events to send and each delivery are records
// too (hooks.go), handled by the replica that leads.

// KindWebhook is the record kind of an endpoint; name: domain+"+"+id.
const KindWebhook = "webhook"

// Share event types.
const (
	HookCreated  = "share.created"
	HookUpdated  = "share.updated"
	HookRevoked  = "share.revoked"
	HookExpiring = "share.expiring"
	HookExpired  = "share.expired"
	HookTest     = "webhook.test"
)

// HookTypes are the event types an endpoint may choose.
var HookTypes = []string{HookCreated, HookUpdated, HookRevoked, HookExpiring, HookExpired}

// MaxWebhooksPerDomain bounds a domain's endpoints.
const MaxWebhooksPerDomain = 10

// WebhookRecord is an endpoint. Secret is the signing key in the Standard
// Webhooks form ("whsec_..."): it signs, so it is kept as it is, and
// shown only when made.
type WebhookRecord struct {
	ID          string    `json:"id"`
	Domain      string    `json:"domain"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description,omitempty"`
	Disabled    bool      `json:"disabled,omitempty"`
	Secret      string    `json:"secret"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
}

// Wants reports whether the endpoint hears events of type typ.
func (w *WebhookRecord) Wants(typ string) bool {
	return !w.Disabled && (typ == HookTest || slices.Contains(w.Events, typ))
}

// WebhookSpec is what a manager sets of an endpoint.
type WebhookSpec struct {
	URL         string
	Events      []string
	Description string
	Disabled    bool
}

// URLCheck checks an endpoint's URL when it is set (the delivery
// package's: form, and no private address unless allowed).
type URLCheck func(ctx context.Context, url string) error

func webhookRef(domain, id string) Ref { return Ref{KindWebhook, domain + robotSeparator + id} }

// Webhooks returns a domain's endpoints, to its users and administrators.
func (g *Grants) Webhooks(p Principal, domain string) ([]WebhookRecord, error) {
	if err := g.mayManage(p, domain); err != nil {
		return nil, err
	}
	var out []WebhookRecord
	for _, w := range g.dir.Load().webhooks[domain] {
		out = append(out, *w)
	}
	return out, nil
}

// Webhook returns one endpoint, as Webhooks does.
func (g *Grants) Webhook(p Principal, domain, id string) (WebhookRecord, error) {
	if err := g.mayManage(p, domain); err != nil {
		return WebhookRecord{}, err
	}
	w, ok := g.dir.Load().webhook(domain, id)
	if !ok {
		return WebhookRecord{}, fmt.Errorf("%w: webhook %s in domain %s", ErrNoAccount, id, domain)
	}
	return *w, nil
}

// Hook is the endpoint in force whose record name (WebhookName) is name.
func (d *Directory) Hook(name string) (*WebhookRecord, bool) {
	domain, id, _ := strings.Cut(name, robotSeparator)
	return d.webhook(domain, id)
}

// HooksOf are the endpoints of a domain in force, for the deliverer.
func (d *Directory) HooksOf(domain string) []*WebhookRecord { return d.webhooks[domain] }

// HasHooks reports whether any domain has an endpoint: share changes
// then note their events for delivery.
func (d *Directory) HasHooks() bool { return len(d.webhooks) > 0 }

// GroupMembers are the domains of a group now.
func (d *Directory) GroupMembers(name string) []string { return d.groups[name].members }

func (s WebhookSpec) validate(ctx context.Context, check URLCheck) error {
	if len(s.Events) == 0 {
		return fmt.Errorf("%w: choose at least one event: %s", ErrInvalid, strings.Join(HookTypes, ", "))
	}
	for _, e := range s.Events {
		if !slices.Contains(HookTypes, e) {
			return fmt.Errorf("%w: event %q: want one of %s", ErrInvalid, e, strings.Join(HookTypes, ", "))
		}
	}
	if !utf8.ValidString(s.Description) || utf8.RuneCountInString(s.Description) > 200 {
		return fmt.Errorf("%w: a webhook's description is at most 200 characters", ErrInvalid)
	}
	if err := check(ctx, s.URL); err != nil {
		return fmt.Errorf("%w: url: %w", ErrInvalid, err)
	}
	return nil
}

// CreateWebhook registers an endpoint of domain; it returns it with its
// secret, which is shown this once.
func (g *Grants) CreateWebhook(ctx context.Context, p Principal, domain string, s WebhookSpec, check URLCheck, now time.Time) (WebhookRecord, error) {
	if err := g.mayManage(p, domain); err != nil {
		return WebhookRecord{}, err
	}
	s.Events = slices.Compact(slices.Sorted(slices.Values(s.Events)))
	if err := s.validate(ctx, check); err != nil {
		return WebhookRecord{}, err
	}
	rec := WebhookRecord{ID: strings.ToLower(rand.Text()[:12]), Domain: domain, URL: s.URL, Events: s.Events, Description: s.Description,
		Disabled: s.Disabled, Secret: webhook.NewSecret(), Created: now.UTC(), Updated: now.UTC(), UpdatedBy: p.Name}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if len(dir.webhooks[domain]) >= MaxWebhooksPerDomain {
			return RecordChange{}, fmt.Errorf("%w: domain %s has %d webhooks, the most it may", ErrTooManyAccounts, domain, MaxWebhooksPerDomain)
		}
		ref := webhookRef(domain, rec.ID)
		return RecordChange{Writes: []RecordWrite{put(dir, ref, rec)}, Event: event(p, now, EventCreateWebhook, ref, s.audit())}, nil
	})
	return rec, err
}

// UpdateWebhook changes an endpoint to what fn makes of it.
func (g *Grants) UpdateWebhook(ctx context.Context, p Principal, domain, id string, fn func(WebhookSpec) WebhookSpec, check URLCheck, now time.Time) (WebhookRecord, error) {
	if err := g.mayManage(p, domain); err != nil {
		return WebhookRecord{}, err
	}
	var out WebhookRecord
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		old, ok := dir.webhook(domain, id)
		if !ok {
			return RecordChange{}, fmt.Errorf("%w: webhook %s in domain %s", ErrNoAccount, id, domain)
		}
		s := fn(WebhookSpec{URL: old.URL, Events: slices.Clone(old.Events), Description: old.Description, Disabled: old.Disabled})
		s.Events = slices.Compact(slices.Sorted(slices.Values(s.Events)))
		if err := s.validate(ctx, check); err != nil {
			return RecordChange{}, err
		}
		out = *old
		out.URL, out.Events, out.Description, out.Disabled = s.URL, s.Events, s.Description, s.Disabled
		out.Updated, out.UpdatedBy = now.UTC(), p.Name
		ref := webhookRef(domain, id)
		return RecordChange{Writes: []RecordWrite{put(dir, ref, out)}, Event: event(p, now, EventUpdateWebhook, ref, s.audit())}, nil
	})
	return out, err
}

// DeleteWebhook removes an endpoint; what it had still to receive is not
// sent.
func (g *Grants) DeleteWebhook(ctx context.Context, p Principal, domain, id string, now time.Time) error {
	if err := g.mayManage(p, domain); err != nil {
		return err
	}
	_, err := g.changeRecords(ctx, func(dir *Directory) (RecordChange, error) {
		if _, ok := dir.webhook(domain, id); !ok {
			return RecordChange{}, fmt.Errorf("%w: webhook %s in domain %s", ErrNoAccount, id, domain)
		}
		ref := webhookRef(domain, id)
		return RecordChange{Writes: []RecordWrite{del(dir, ref)}, Event: event(p, now, EventDeleteWebhook, ref, nil)}, nil
	})
	return err
}

// audit is what the history keeps of a spec: not the secret, which a
// spec does not hold.
func (s WebhookSpec) audit() map[string]any {
	return map[string]any{"url": s.URL, "events": s.Events, "description": s.Description, "disabled": s.Disabled}
}

func (d *Directory) webhook(domain, id string) (*WebhookRecord, bool) {
	for _, w := range d.webhooks[domain] {
		if w.ID == id {
			return w, true
		}
	}
	return nil, false
}

// Event actions of webhooks.
const (
	EventCreateWebhook = "create_webhook"
	EventUpdateWebhook = "update_webhook"
	EventDeleteWebhook = "delete_webhook"
)
