package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

const webhookUsage = `Usage:
  regshare webhook list DOMAIN
  regshare webhook show DOMAIN ID
  regshare webhook create DOMAIN --url URL --event TYPE... [--description TEXT]
  regshare webhook update DOMAIN ID [--url URL] [--event TYPE]... [--description TEXT]
                          [--disable | --enable]
  regshare webhook delete DOMAIN ID
  regshare webhook deliveries DOMAIN ID
  regshare webhook test DOMAIN ID
  regshare webhook history DOMAIN ID
A webhook is an HTTP(S) endpoint that hears of share events about DOMAIN's
repositories and the shares made with it. TYPE is one of share.created,
share.updated, share.revoked, share.expiring, share.expired, or all for
every one; --event is repeatable, and update's --event replaces the list.
The URL must reach a public address unless the server allows private ones
(webhooks.allow_private).
create prints the signing secret once (with -o json, the webhook with
"secret"): receivers check each delivery's webhook-id, webhook-timestamp
and webhook-signature headers with it, as Standard Webhooks says.
test queues a webhook.test event for the endpoint; deliveries shows how
its events went, newest first.
Only manage users of DOMAIN and administrators manage its webhooks.
` + accountsHelp

var webhookSubcommands = map[string]func(*acct, []string) error{
	"list": reader([]string{"DOMAIN"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "webhooks"), nil
	}, webhookRows),
	"show": reader([]string{"DOMAIN", "ID"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "webhooks", pos[1]), nil
	}, webhookDetails),
	"create": (*acct).webhookCreate,
	"update": (*acct).webhookUpdate,
	"delete": (*acct).webhookDelete,
	"deliveries": reader([]string{"DOMAIN", "ID"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "webhooks", pos[1], "deliveries"), nil
	}, deliveryRows),
	"test": (*acct).webhookTest,
	// The endpoint's changes, oldest first; kept after its deletion.
	"history": reader([]string{"DOMAIN", "ID"}, func(pos []string) (string, error) {
		return managePath("domains", pos[0], "webhooks", pos[1], "history"), nil
	}, historyRows),
}

// webhookCommand runs `regshare webhook SUBCOMMAND`.
func webhookCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return accountCommand(ctx, "webhook", webhookUsage, webhookSubcommands, args, stdin, stdout, stderr)
}

func webhookStatus(w shareapi.Webhook) string {
	if w.Disabled {
		return "Disabled"
	}
	return "Active"
}

func webhookRows(list shareapi.Webhooks) [][]string {
	rows := [][]string{{"ID", "URL", "EVENTS", "STATUS", "DESCRIPTION", "UPDATED"}}
	for _, w := range list.Webhooks {
		rows = append(rows, []string{w.ID, w.URL, strings.Join(w.Events, ","), webhookStatus(w), ellipsis(w.Description, 40), orBlank(w.Updated)})
	}
	return rows
}

func webhookDetails(w shareapi.Webhook) [][]string {
	return details([][2]string{
		{"ID", w.ID}, {"Domain", w.Domain}, {"URL", w.URL}, {"Events", strings.Join(w.Events, ", ")},
		{"Status", webhookStatus(w)}, {"Description", w.Description},
		{"Created", orBlank(w.Created)}, {"Updated", byWhom(orBlank(w.Updated), w.UpdatedBy)},
	})
}

func deliveryRows(list shareapi.Deliveries) [][]string {
	rows := [][]string{{"CREATED", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "LAST ATTEMPT", "ANSWER", "NEXT ATTEMPT", "LAST ERROR"}}
	for _, d := range list.Deliveries {
		answer := "-"
		if d.LastStatus != nil {
			answer = strconv.Itoa(*d.LastStatus)
		}
		next := "-"
		if d.NextAt != nil {
			next = *d.NextAt
		}
		rows = append(rows, []string{orBlank(d.Created), d.EventID, d.Type, d.Status, strconv.Itoa(d.Attempts),
			orNever(d.LastAttempt), answer, next, ellipsis(d.LastError, 60)})
	}
	return rows
}

// eventFlags collects --event: event types in the order first named,
// "all" standing for every one.
type eventFlags []string

func (e *eventFlags) String() string { return strings.Join(*e, ",") }

func (e *eventFlags) Set(v string) error {
	types := []string{v}
	if v == "all" {
		types = grants.HookTypes
	} else if !slices.Contains(grants.HookTypes, v) {
		return fmt.Errorf("%q: want one of %s, or all", v, strings.Join(grants.HookTypes, ", "))
	}
	for _, t := range types {
		if !slices.Contains(*e, t) {
			*e = append(*e, t)
		}
	}
	return nil
}

// optional is a string flag that knows whether it was given, so that an
// empty value (--description "") can clear a field.
type optional struct{ v *string }

func (o *optional) String() string {
	if o.v == nil {
		return ""
	}
	return *o.v
}

func (o *optional) Set(v string) error { o.v = &v; return nil }

func (a *acct) webhookCreate(args []string) error {
	var events eventFlags
	a.fs.Var(&events, "event", "an event type to hear, or all (repeatable)")
	url := a.fs.String("url", "", "the endpoint: an http or https URL")
	description := a.fs.String("description", "", "what the endpoint is for")
	pos, err := a.parse(args, "DOMAIN")
	if err != nil {
		return err
	}
	switch {
	case *url == "":
		return errors.New("webhook create: --url URL is required")
	case len(events) == 0:
		return errors.New("webhook create: give at least one --event TYPE (or --event all)")
	}
	domain := pos[0]
	body := shareapi.CreateWebhook{URL: *url, Events: events, Description: *description}
	data, err := a.change(http.MethodPost, managePath("domains", domain, "webhooks"), body,
		fmt.Sprintf("see `regshare webhook list %s`; if it is there, its secret was never shown: delete it and create it again", domain))
	if err != nil {
		return err
	}
	return printAnswer(a, data, func(w shareapi.WebhookSecret) [][]string {
		rows := webhookDetails(w.Webhook)
		return append(rows, lines(
			"Secret: "+w.Secret,
			"The secret is shown this once: store it now with the receiver.",
			"Receivers verify each delivery as Standard Webhooks says: the signature (header webhook-signature, \"v1,\" and",
			"base64) is HMAC-SHA256, keyed with the secret's bytes (the base64 after whsec_), over",
			"\"{webhook-id}.{webhook-timestamp}.{body}\", from the headers webhook-id and webhook-timestamp.",
		)...)
	}, func(w shareapi.WebhookSecret) bool { return w.ID != "" && w.Secret != "" })
}

func (a *acct) webhookUpdate(args []string) error {
	var events eventFlags
	var url, description optional
	a.fs.Var(&events, "event", "an event type to hear, or all (repeatable; replaces the list)")
	a.fs.Var(&url, "url", "the new endpoint URL")
	a.fs.Var(&description, "description", "the new description (\"\" clears it)")
	disable := a.fs.Bool("disable", false, "send the endpoint nothing until --enable")
	enable := a.fs.Bool("enable", false, "send the endpoint its events again")
	pos, err := a.parse(args, "DOMAIN", "ID")
	if err != nil {
		return err
	}
	body := shareapi.UpdateWebhook{URL: url.v, Description: description.v}
	if len(events) > 0 {
		body.Events = (*[]string)(&events)
	}
	switch {
	case *disable && *enable:
		return errors.New("--disable and --enable exclude each other")
	case *disable || *enable:
		body.Disabled = disable
	}
	if body.URL == nil && body.Events == nil && body.Description == nil && body.Disabled == nil {
		return errors.New("webhook update: nothing to change; give --url, --event, --description, --disable or --enable")
	}
	return changed(a, http.MethodPatch, managePath("domains", pos[0], "webhooks", pos[1]), body,
		fmt.Sprintf("see `regshare webhook show %s %s`", pos[0], pos[1]), webhookDetails)
}

func (a *acct) webhookDelete(args []string) error {
	pos, err := a.parse(args, "DOMAIN", "ID")
	if err != nil {
		return err
	}
	domain, id := pos[0], pos[1]
	return a.changedNoAnswer(http.MethodDelete, managePath("domains", domain, "webhooks", id), nil,
		fmt.Sprintf("see `regshare webhook list %s`", domain),
		fmt.Sprintf("deleted webhook %s of %s: it is sent nothing more", id, domain),
		map[string]any{"domain": domain, "webhook": id, "deleted": true})
}

func (a *acct) webhookTest(args []string) error {
	pos, err := a.parse(args, "DOMAIN", "ID")
	if err != nil {
		return err
	}
	domain, id := pos[0], pos[1]
	see := fmt.Sprintf("see `regshare webhook deliveries %s %s`", domain, id)
	return changed(a, http.MethodPost, managePath("domains", domain, "webhooks", id, "test"), nil, see,
		func(t shareapi.WebhookTest) [][]string {
			return lines(fmt.Sprintf("Test event %s queued for webhook %s; %s", t.EventID, id, see))
		})
}
