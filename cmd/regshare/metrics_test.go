package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape reads the app's /metrics and returns each sample line's value.
func (e *e2e) scrape() map[string]float64 {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.app.metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("/metrics: %d", rec.Code)
	}
	out := map[string]float64{}
	for line := range strings.Lines(rec.Body.String()) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("bad sample %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetricsMove(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	before := e.scrape()
	if _, err := e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	_, err := e.pull("gina", "acme/web:1.0")
	e.wantDenied("pull before the share", err)
	req, _ := http.NewRequest("POST", e.server+"/v2/manage/namespaces/acme/repositories/web/access-domains",
		bytes.NewReader([]byte(`{"access_domain":"globex","permit":"read","deadline":"forever"}`)))
	req.SetBasicAuth("alice", e2ePass)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("share: %v %v", resp, err)
	}
	if _, err := e.pull("gina", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	if _, status := e.login("gina", "wrong"); status != 401 {
		t.Fatal(status)
	}
	e.clock.Set(e.clock.Now().Add(time.Second))
	after := e.scrape()

	for _, c := range []struct {
		series string
		min    float64 // the least it must have grown by
	}{
		{`regshare_token_requests_total{outcome="issued"}`, 3},
		{`regshare_token_requests_total{outcome="bad_credentials"}`, 1},
		{`regshare_token_issue_duration_seconds_count`, 3},
		{`regshare_token_scopes_total{kind="own"}`, 1},
		{`regshare_token_scopes_total{kind="shared"}`, 1},
		{`regshare_token_scopes_total{kind="denied"}`, 1},
		{`regshare_token_reuse_total{result="miss"}`, 3},
		{`regshare_credential_cache_misses_total`, 2},
		{`regshare_credential_cache_hits_total`, 1},
		{`regshare_share_operations_total{op="create",result="ok"}`, 1},
		{`regshare_store_write_duration_seconds_count{op="create"}`, 1},
		{`regshare_shares{state="valid"}`, 1},
	} {
		if d := after[c.series] - before[c.series]; d < c.min {
			t.Errorf("%s grew by %v, want at least %v", c.series, d, c.min)
		}
	}
	if after[`regshare_shares{state="expired"}`] != 0 {
		t.Errorf("expired shares: %v", after[`regshare_shares{state="expired"}`])
	}
	found := false
	for k := range after {
		found = found || strings.HasPrefix(k, "go_build_info{")
	}
	if !found || after["go_goroutines"] == 0 {
		t.Error("build info or Go runtime metrics missing")
	}
}
