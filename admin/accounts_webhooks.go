package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The webhook routes, for a domain's manage users and administrators: an
// endpoint is a URL that hears of the share events it chose, signed with
// a secret the create answers once. Another domain's endpoints are not
// found, as its robots are not.

// registerWebhooks adds the webhook routes below domain (the pattern of
// one domain) to mux.
func (a *API) registerWebhooks(mux *http.ServeMux, domain string) {
	const hooks = "/webhooks"
	hook := domain + hooks + "/{webhook}"
	mux.Handle("GET "+domain+hooks, a.authed(a.listWebhooks))
	mux.Handle("POST "+domain+hooks, a.authed(a.createWebhook))
	mux.Handle("GET "+hook, a.authed(a.getWebhook))
	mux.Handle("PATCH "+hook, a.authed(a.updateWebhook))
	mux.Handle("DELETE "+hook, a.authed(a.deleteWebhook))
	mux.Handle("GET "+hook+"/deliveries", a.authed(a.listDeliveries))
	mux.Handle("POST "+hook+"/test", a.authed(a.testWebhook))
	mux.Handle("GET "+hook+"/history", a.authed(a.accountHistory(grants.KindWebhook)))
}

// webhookCheckTimeout bounds a URL check, which may resolve the host.
const webhookCheckTimeout = 5 * time.Second

// checkWebhookURL runs the configured URL check, bounded in time.
func (a *API) checkWebhookURL(ctx context.Context, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, webhookCheckTimeout)
	defer cancel()
	return a.cfg.WebhookURLCheck(ctx, raw)
}

// webhookURLForm is the URL check without a configured one: an absolute
// http or https URL with a host. It never resolves or connects.
func webhookURLForm(_ context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q: want an absolute http or https URL", raw)
	}
	return nil
}

// webhookObject is an endpoint as the API writes it: never its secret.
func webhookObject(v grants.WebhookRecord) shareapi.Webhook {
	events := v.Events
	if events == nil {
		events = []string{}
	}
	return shareapi.Webhook{
		ID: v.ID, Domain: v.Domain, URL: v.URL, Events: events, Description: v.Description, Disabled: v.Disabled,
		Created: formatTime(v.Created), Updated: formatTime(v.Updated), UpdatedBy: v.UpdatedBy,
	}
}

// webhookAudit is what the audit log keeps of an endpoint after a
// change: not its secret.
func webhookAudit(v grants.WebhookRecord) []any {
	return []any{"url", v.URL, "events", v.Events, "description", v.Description, "disabled", v.Disabled}
}

// webhookTarget is the audit target of the endpoint id of domain ("" for
// a create refused before it had one).
func webhookTarget(domain, id string) target {
	return target{grants.KindWebhook, domain, id}
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	hooks, err := a.grants.Webhooks(u, r.PathValue("domain"))
	if err != nil {
		return err
	}
	out := shareapi.Webhooks{Webhooks: make([]shareapi.Webhook, len(hooks))}
	for i, v := range hooks {
		out.Webhooks[i] = webhookObject(v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	v, err := a.grants.Webhook(u, r.PathValue("domain"), r.PathValue("webhook"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookObject(v))
	return nil
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain := r.PathValue("domain")
	var id string
	var after []any
	defer func() { a.auditAccount(r, u, grants.EventCreateWebhook, webhookTarget(domain, id), after, err) }()
	var req shareapi.CreateWebhook
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	v, err := a.grants.CreateWebhook(r.Context(), u, domain, grants.WebhookSpec{
		URL: req.URL, Events: req.Events, Description: req.Description, Disabled: req.Disabled,
	}, a.checkWebhookURL, a.now())
	if err != nil {
		return err
	}
	id, after = v.ID, webhookAudit(v)
	writeJSON(w, http.StatusCreated, shareapi.WebhookSecret{Webhook: webhookObject(v), Secret: v.Secret})
	return nil
}

// noURLCheck is the check of an update that keeps the URL: it was checked
// when set, and the deliverer checks every address it connects to, so an
// endpoint whose host no longer resolves can still be disabled.
func noURLCheck(context.Context, string) error { return nil }

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, id := r.PathValue("domain"), r.PathValue("webhook")
	var after []any
	defer func() { a.auditAccount(r, u, grants.EventUpdateWebhook, webhookTarget(domain, id), after, err) }()
	var req shareapi.UpdateWebhook
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	if req.URL == nil && req.Events == nil && req.Description == nil && req.Disabled == nil {
		return fmt.Errorf("%w: nothing to change: give url, events, description or disabled", grants.ErrInvalid)
	}
	check := a.checkWebhookURL
	if req.URL == nil {
		check = noURLCheck
	}
	v, err := a.grants.UpdateWebhook(r.Context(), u, domain, id, func(s grants.WebhookSpec) grants.WebhookSpec {
		if req.URL != nil {
			s.URL = *req.URL
		}
		if req.Events != nil {
			s.Events = *req.Events
		}
		if req.Description != nil {
			s.Description = *req.Description
		}
		if req.Disabled != nil {
			s.Disabled = *req.Disabled
		}
		return s
	}, check, a.now())
	if err != nil {
		return err
	}
	after = webhookAudit(v)
	writeJSON(w, http.StatusOK, webhookObject(v))
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, id := r.PathValue("domain"), r.PathValue("webhook")
	defer func() { a.auditAccount(r, u, grants.EventDeleteWebhook, webhookTarget(domain, id), nil, err) }()
	if err = a.grants.DeleteWebhook(r.Context(), u, domain, id, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deliveryObject is a delivery as the API writes it. next_at is set only
// while the delivery is pending.
func deliveryObject(d grants.Delivery) shareapi.Delivery {
	o := shareapi.Delivery{
		EventID: d.Event.ID, Type: d.Event.Type, Status: d.Status, Attempts: d.Attempts,
		LastAttempt: formatTime(d.LastAttempt), LastError: d.LastError, Created: formatTime(d.Created),
	}
	if d.Status == grants.DeliveryPending {
		o.NextAt = formatTime(d.NextAt)
	}
	if d.LastStatus != 0 {
		status := d.LastStatus
		o.LastStatus = &status
	}
	return o
}

// listDeliveries lists an endpoint's deliveries, newest first.
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	ds, err := a.grants.Deliveries(u, r.PathValue("domain"), r.PathValue("webhook"))
	if err != nil {
		return err
	}
	out := shareapi.Deliveries{Deliveries: make([]shareapi.Delivery, len(ds))}
	for i, d := range ds {
		out.Deliveries[i] = deliveryObject(d)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// testWebhook queues a test event (webhook.test) for one endpoint: 202
// with its id, which its delivery then carries. A disabled endpoint would
// hear nothing of it, so it is refused. A test changes no record: it is
// neither audited nor counted as an account change (its delivery names
// who asked for it).
func (a *API) testWebhook(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	domain, id := r.PathValue("domain"), r.PathValue("webhook")
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	v, err := a.grants.Webhook(u, domain, id)
	if err != nil {
		return err
	}
	if v.Disabled {
		return fmt.Errorf("%w: webhook %s is disabled: enable it to send it a test", grants.ErrInvalid, id)
	}
	eventID, err := a.grants.SendTest(r.Context(), u, domain, id, a.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, shareapi.WebhookTest{EventID: eventID})
	return nil
}
