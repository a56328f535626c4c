package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The webhook commands against the real API, wired as `regshare serve`
// wires it: the delivery client's URL check, private addresses refused
// (webhooks.allow_private unset).
func TestWebhookCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	const url = "https://203.0.113.7/hooks" // public (TEST-NET-3), checked without resolving
	wantErr := func(what, code string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("%s: %v, want %s", what, err, code)
		}
	}

	// Refused: a loopback URL, a read user, another domain, a bad event.
	_, err := e.cli("alice", "webhook", "create", "acme", "--url", "http://127.0.0.1:9/hook", "--event", "share.created")
	wantErr("a loopback URL", "REGSHARE.4000012", err)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a loopback URL: %v, want it named", err)
	}
	_, err = e.cli("rita", "webhook", "create", "acme", "--url", url, "--event", "share.created")
	wantErr("a read user", "REGSHARE.4030006", err)
	_, err = e.cli("gus", "webhook", "create", "acme", "--url", url, "--event", "share.created")
	wantErr("another domain", "REGSHARE.4040003", err)
	_, err = e.cli("alice", "webhook", "create", "acme", "--url", url, "--event", "share.deleted")
	wantErr("an unknown event", "want one of share.created", err)
	_, err = e.cli("alice", "webhook", "create", "acme", "--event", "all")
	wantErr("no URL", "--url URL is required", err)

	// Created: the secret printed once, with how receivers check it.
	out, err := e.cli("alice", "webhook", "create", "acme", "--url", url, "--event", "share.revoked", "--event", "share.created", "--description", "CI hooks")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Secret: (whsec_\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("webhook create printed no secret:\n%s", out)
	}
	secret := m[1]
	for _, s := range []string{"ID:", url, "share.created, share.revoked", "Active", "CI hooks", "shown this once",
		"Standard Webhooks", "webhook-id", "webhook-timestamp", "webhook-signature", "HMAC-SHA256"} {
		if !strings.Contains(out, s) {
			t.Errorf("webhook create printed no %q:\n%s", s, out)
		}
	}
	if n := strings.Count(out, secret); n != 1 {
		t.Errorf("the secret printed %d times:\n%s", n, out)
	}
	out, err = e.cli("alice", "webhook", "create", "acme", "--url", url, "--event", "all", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var all shareapi.WebhookSecret
	jsonOf(t, out, &all)
	if !strings.HasPrefix(all.Secret, "whsec_") || all.Secret == secret || !slices.Equal(all.Events, slices.Sorted(slices.Values(grants.HookTypes))) {
		t.Errorf("create --event all -o json: %s", out)
	}

	// list and show: never a secret.
	out, err = e.cli("alice", "webhook", "list", "acme", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list shareapi.Webhooks
	jsonOf(t, out, &list)
	if len(list.Webhooks) != 2 || strings.Contains(out, "whsec_") || strings.Contains(out, `"secret"`) {
		t.Fatalf("webhook list -o json:\n%s", out)
	}
	id := list.Webhooks[0].ID
	if list.Webhooks[1].ID != all.ID {
		id = list.Webhooks[1].ID
	}
	for _, args := range [][]string{{"list", "acme"}, {"show", "acme", id}} {
		out, err := e.cli("alice", append([]string{"webhook"}, args...)...)
		if err != nil || strings.Contains(out, "whsec_") || !strings.Contains(out, id) || !strings.Contains(out, url) {
			t.Errorf("webhook %v: %v\n%s", args, err, out)
		}
	}

	// update: the events replaced, disabled; a disabled one is not tested.
	out, err = e.cli("alice", "webhook", "update", "acme", id, "--event", "share.expiring", "--disable")
	if err != nil || !strings.Contains(out, "Disabled") || !strings.Contains(out, "share.expiring") || strings.Contains(out, "share.revoked") {
		t.Errorf("webhook update --disable: %v\n%s", err, out)
	}
	_, err = e.cli("alice", "webhook", "test", "acme", id)
	wantErr("a test of a disabled webhook", "REGSHARE.4000012", err)
	out, err = e.cli("alice", "webhook", "update", "acme", id, "--enable", "--description", "", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var one shareapi.Webhook
	jsonOf(t, out, &one)
	if one.Disabled || one.Description != "" || one.URL != url || !slices.Equal(one.Events, []string{grants.HookExpiring}) || one.UpdatedBy != "alice" {
		t.Errorf("webhook update --enable: %s", out)
	}
	_, err = e.cli("alice", "webhook", "update", "acme", id)
	wantErr("an update of nothing", "nothing to change", err)

	// test: queued in the outbox for this endpoint.
	out, err = e.cli("alice", "webhook", "test", "acme", id)
	if err != nil || !strings.Contains(out, "Test event evt_") {
		t.Fatalf("webhook test: %v\n%s", err, out)
	}
	out, err = e.cli("alice", "webhook", "test", "acme", id, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var test shareapi.WebhookTest
	jsonOf(t, out, &test)
	// deliveries: the test event's, once the deliverer took it from the
	// outbox (its endpoint does not answer here).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err = e.cli("alice", "webhook", "deliveries", "acme", id, "-o", "json")
		var ds shareapi.Deliveries
		if err != nil {
			t.Fatal(err)
		}
		jsonOf(t, out, &ds)
		if len(ds.Deliveries) == 1 && ds.Deliveries[0].EventID == test.EventID && ds.Deliveries[0].Type == grants.HookTest {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook deliveries -o json: no delivery of the test event %s:\n%s", test.EventID, out)
		}
	}
	out, err = e.cli("alice", "webhook", "deliveries", "acme", id)
	if err != nil || !strings.Contains(out, "CREATED") || !strings.Contains(out, "LAST ERROR") || !strings.Contains(out, test.EventID) {
		t.Errorf("webhook deliveries: %v\n%s", err, out)
	}

	// delete, then its history stays.
	if out, err = e.cli("alice", "webhook", "delete", "acme", id); err != nil || !strings.Contains(out, "deleted webhook "+id) {
		t.Errorf("webhook delete: %v\n%s", err, out)
	}
	out, err = e.cli("alice", "webhook", "delete", "acme", all.ID, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var deleted map[string]any
	jsonOf(t, out, &deleted)
	if deleted["deleted"] != true || deleted["webhook"] != all.ID || deleted["domain"] != "acme" {
		t.Errorf("webhook delete -o json: %s", out)
	}
	_, err = e.cli("alice", "webhook", "show", "acme", id)
	wantErr("show deleted", "REGSHARE.4040003", err)
	out, err = e.cli("alice", "webhook", "history", "acme", id)
	if err != nil || strings.Count(out, "create_webhook") != 1 || strings.Count(out, "update_webhook") != 2 ||
		strings.Count(out, "delete_webhook") != 1 || strings.Contains(out, "whsec_") {
		t.Errorf("webhook history: %v\n%s", err, out)
	}
	if out, err = e.cli("alice", "webhook", "list", "acme", "-o", "json"); err != nil || strings.TrimSpace(out) != `{"webhooks":[]}` {
		t.Errorf("webhook list after the deletes: %v\n%s", err, out)
	}
}

// The webhook commands' usage, and the errors found before anything is
// sent.
func TestWebhookCLIArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"webhook"}, "no subcommand"},
		{[]string{"webhook", "mint"}, `unknown subcommand "mint"`},
		{[]string{"webhook", "create", "acme", "--url", "https://h.example/"}, "at least one --event"},
		{[]string{"webhook", "create", "acme", "--url", "https://h.example/", "--event", "share.made"}, `"share.made": want one of`},
		{[]string{"webhook", "create", "--url", "https://h.example/", "--event", "all"}, "want DOMAIN"},
		{[]string{"webhook", "update", "acme", "h1", "--disable", "--enable"}, "exclude each other"},
		{[]string{"webhook", "update", "acme", "h1"}, "nothing to change"},
		{[]string{"webhook", "show", "acme"}, "want DOMAIN ID"},
		{[]string{"webhook", "test", "acme", "h1", "h2"}, "want DOMAIN ID"},
	} {
		t.Setenv("REGSHARE_SERVER", "http://127.0.0.1:1")
		t.Setenv("REGSHARE_USER", "alice")
		t.Setenv("REGSHARE_PASSWORD", "x")
		var stdout, stderr strings.Builder
		err := run(t.Context(), tc.args, strings.NewReader(""), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.err)
		}
	}
	var stdout, stderr strings.Builder
	if err := run(t.Context(), []string{"webhook", "--help"}, strings.NewReader(""), &stdout, &stderr); err != nil ||
		!strings.Contains(stdout.String(), "regshare webhook create DOMAIN --url URL --event TYPE...") {
		t.Errorf("webhook --help: %v\n%s", err, stdout.String())
	}
	if err := run(t.Context(), []string{"help"}, strings.NewReader(""), &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "regshare webhook list|show|create") {
		t.Errorf("the usage does not name the webhook command:\n%s", stdout.String())
	}
}

// With webhooks.allow_private, an endpoint may be on a private address.
func TestWebhookAllowPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t, func(cfg *Config, _ *string) { cfg.Webhooks.AllowPrivate = true })
	out, err := e.cli("alice", "webhook", "create", "acme", "--url", "http://127.0.0.1:9/hook", "--event", "share.created")
	if err != nil || !strings.Contains(out, "Secret: whsec_") {
		t.Errorf("a loopback URL with allow_private: %v\n%s", err, out)
	}
	_, err = e.cli("alice", "webhook", "create", "acme", "--url", "ftp://127.0.0.1/hook", "--event", "share.created")
	if err == nil || !strings.Contains(err.Error(), "REGSHARE.4000012") {
		t.Errorf("an ftp URL with allow_private: %v, want REGSHARE.4000012", err)
	}
}
