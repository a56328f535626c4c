package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The account commands are tested against a fake of the API's account
// routes (the real ones are built beside them): it serves exactly the
// exchanges a case lists, in order, and fails the test on any other
// request, body or credentials.

// exchange is one request the fake expects, and its answer.
type exchange struct {
	req    string // "METHOD /path?query"
	body   string // the JSON body expected (compared as JSON); "" for none
	auth   string // user:password; "" for alice:secret
	status int
	answer string
	retry  bool // answer with Retry-After: 0
}

// fakeAccountsAPI serves want and, when the test ends, checks that every
// exchange was made.
func fakeAccountsAPI(t *testing.T, want []exchange) string {
	t.Helper()
	var mu sync.Mutex
	next := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		got := r.Method + " " + r.URL.RequestURI()
		if next == len(want) {
			t.Errorf("unexpected request %s %s", got, body)
			http.Error(w, "unexpected", 500)
			return
		}
		x := want[next]
		next++
		user, password, _ := r.BasicAuth()
		if auth := cmp.Or(x.auth, "alice:secret"); got != x.req || user+":"+password != auth {
			t.Errorf("request %d: %s as %s:%s, want %s as %s", next, got, user, password, x.req, auth)
			http.Error(w, "unexpected", 500)
			return
		}
		if !sameJSON(body, x.body) || (x.body != "") != (r.Header.Get("Content-Type") == "application/json") {
			t.Errorf("%s: body %q (%s), want %q", got, body, r.Header.Get("Content-Type"), x.body)
			http.Error(w, "unexpected", 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if x.retry {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(x.status)
		io.WriteString(w, x.answer)
	}))
	t.Cleanup(func() {
		if next < len(want) {
			t.Errorf("the CLI did not send %s (nor the %d after it)", want[next].req, len(want)-next-1)
		}
	})
	t.Cleanup(ts.Close) // runs first: no handler is left running
	return ts.URL
}

// sameJSON reports whether got is the JSON want, or empty when want is.
func sameJSON(got []byte, want string) bool {
	if want == "" {
		return len(got) == 0
	}
	var g, w any
	return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
}

func swrError(code, msg string) string {
	b, _ := json.Marshal([]map[string]string{{"errorCode": code, "errorMessage": msg}})
	return string(b)
}

// accountCase is one run of the CLI against the fake.
type accountCase struct {
	name  string
	args  []string
	stdin string
	want  []exchange
	out   []string                       // each printed on stdout
	err   string                         // in the error; "" for none
	check func(t *testing.T, out string) // more checks of stdout
}

func runAccountCases(t *testing.T, cases []accountCase) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("REGSHARE_SERVER", fakeAccountsAPI(t, tt.want))
			t.Setenv("REGSHARE_USER", "alice")
			t.Setenv("REGSHARE_PASSWORD", "secret")
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("%v\nstderr: %s", err, stderr.String())
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one with %q", err, tt.err)
			}
			out := stdout.String()
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if r, bad := terminalUnsafe(out); bad && !slices.Contains(tt.args, "json") {
				t.Errorf("%U printed to the terminal:\n%q", r, out)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

// wantJSON checks that stdout is one JSON object with these members.
func wantJSON(members map[string]any) func(*testing.T, string) {
	return func(t *testing.T, out string) {
		t.Helper()
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, out)
		}
		for k, v := range members {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s = %#v, want %#v (in %s)", k, got[k], v, out)
			}
		}
	}
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

const domains = "/v2/manage/domains"

// The top-level usage names the account commands.
func TestUsageListsAccountCommands(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"help"}, strings.NewReader(""), &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"regshare domain list|show|create|update|delete|history", "regshare user list|create", "regshare user passwd", "regshare robot list|show|create|rotate"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("usage lacks %q", s)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in    string
		hours int64 // -1: refused
	}{
		{"720h", 720}, {"30d", 720}, {"1h", 1}, {"0h", 0}, {"0d", 0}, {"36500d", 876000}, {"876000h", 876000},
		{"36501d", -1}, {"876001h", -1}, {"30", -1}, {"d", -1}, {"", -1}, {"030d", -1}, {"-1d", -1}, {"+1d", -1},
		{"1.5d", -1}, {"1w", -1}, {"30D", -1}, {"1d2h", -1}, {" 1d", -1}, {"1d ", -1}, {"١d", -1}, {"99999999999999999999d", -1},
	} {
		d, err := parseDuration(tt.in)
		if tt.hours < 0 {
			if err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", tt.in, d)
			}
			continue
		}
		if err != nil || d != time.Duration(tt.hours)*time.Hour {
			t.Errorf("parseDuration(%q) = %v, %v; want %dh", tt.in, d, err, tt.hours)
		}
	}
}

// FuzzParseDuration: what parseDuration accepts is exactly a whole
// number of hours or days without sign or leading zero, at most 100
// years, and what the API is sent unchanged.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"720h", "30d", "0h", "00d", "-1d", "1.5d", "36500d", "36501d", "9223372036854775807h", "1e3h", "0x10d", "", "h"} {
		f.Add(s)
	}
	wellFormed := regexp.MustCompile(`^(0|[1-9][0-9]*)([hd])$`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		m := wellFormed.FindStringSubmatch(s)
		if err != nil {
			if m != nil && (m[2] == "h" && len(m[1]) < 6 || len(m[1]) < 5) {
				t.Fatalf("parseDuration(%q) refused a short well-formed duration: %v", s, err)
			}
			return
		}
		if m == nil {
			t.Fatalf("parseDuration(%q) = %v, accepted", s, d)
		}
		if d < 0 || d > maxDuration || d%time.Hour != 0 {
			t.Fatalf("parseDuration(%q) = %v", s, d)
		}
		n, unit := d/time.Hour, "h"
		if m[2] == "d" {
			n, unit = d/(24*time.Hour), "d"
		}
		if back := strconv.FormatInt(int64(n), 10) + unit; back != s {
			t.Fatalf("parseDuration(%q) = %v, which is %q", s, d, back)
		}
	})
}
