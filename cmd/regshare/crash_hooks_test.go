package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/webhook"
)

// hookReceiver is a webhook endpoint that verifies each message and
// counts it by its id; it answers 503 while down.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret []byte
	down   bool
	tries  int
	got    map[string]int // event id -> deliveries
	types  map[string]string
	bad    int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{got: map[string]int{}, types: map[string]string{}, down: true}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.tries++
		if r.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := webhook.Verify(r.secret, req.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var p struct{ Type string }
		json.Unmarshal(body, &p)
		id := req.Header.Get("webhook-id")
		r.got[id]++
		r.types[id] = p.Type
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) set(f func(r *hookReceiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// SIGKILL between a share change's answer and its webhook's delivery:
// after the restart the event is delivered, once, signed; an endpoint
// that was down meanwhile gets it once it answers.
func TestWebhookCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process")
	}
	setup := newChildSetup(t)
	domains := map[string]childDomain{
		"acme":   {namespaces: []string{"acme"}, users: map[string][2]string{"alice": {"manage", setup.hash(t, crashPassword)}}},
		"globex": {namespaces: []string{"globex"}, users: map[string][2]string{"gina": {"manage", setup.hash(t, crashPassword)}}},
	}
	config := setup.config(t, domains, "webhooks: {allow_private: true, retry: {initial: 50ms, max: 200ms, give: 1h}}\n")
	rcv := newHookReceiver(t)
	c := startChild(t, config)
	code, body := apiCall(t, http.MethodPost, c.base+"/v2/manage/domains/globex/webhooks", "gina", crashPassword,
		map[string]any{"url": rcv.srv.URL, "events": []string{"share.created", "share.revoked"}})
	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &hook) != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("create the webhook: %d %s", code, body)
	}
	secret, err := webhook.ParseSecret(hook.Secret)
	if err != nil {
		t.Fatal(err)
	}
	rcv.set(func(r *hookReceiver) { r.secret = secret })
	if code, body := apiCall(t, http.MethodPost, c.base+"/v2/manage/namespaces/acme/repositories/web/access-domains", "alice", crashPassword,
		shareapi.CreateShare{AccessDomain: "globex", Permit: "read", Deadline: "forever"}); code != http.StatusCreated {
		t.Fatalf("share: %d %s", code, body)
	}
	c.kill() // acknowledged, not delivered: the endpoint is down

	c = startChild(t, config)
	rcv.set(func(r *hookReceiver) { r.down = false })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		rcv.set(func(r *hookReceiver) { n = len(r.got) })
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery after the restart:\n%s", c.log)
		}
	}
	time.Sleep(500 * time.Millisecond) // retries, had the delivery not been written, would come by now
	rcv.set(func(r *hookReceiver) {
		for id, n := range r.got {
			if n != 1 || r.types[id] != "share.created" {
				t.Errorf("event %s (%s) delivered %d times, want share.created once", id, r.types[id], n)
			}
		}
		if r.bad != 0 {
			t.Errorf("%d messages did not verify", r.bad)
		}
	})
	code, body = apiCall(t, http.MethodGet, c.base+"/v2/manage/domains/globex/webhooks/"+hook.ID+"/deliveries", "gina", crashPassword, nil)
	if code != http.StatusOK || !strings.Contains(body, `"status":"delivered"`) {
		t.Errorf("deliveries: %d %s", code, body)
	}
}
