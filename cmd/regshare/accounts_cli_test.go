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

const (
	robotCI = `{"name":"robot$acme+ci","robot":"ci","domain":"acme","description":"CI","permissions":[{"repository":"acme/web","actions":["pull"]},{"repository":"acme/ci/","actions":["pull","push"]}],` +
		`"expires_at":"2026-08-01T00:00:00Z","expired":false,"disabled":false,"rotation_grace_until":null,"created":"2026-07-02T00:00:00Z","updated":"2026-07-02T00:00:00Z","updated_by":"alice","last_used":null}`
	robotCISecret = `{"name":"robot$acme+ci","robot":"ci","domain":"acme","expires_at":"2026-08-01T00:00:00Z","secret":"s3cr3t-value","docker_login":"docker login reg.example -u 'robot$acme+ci' --password-stdin"}`
	domainAcme    = `{"name":"acme","namespaces":["acme","acme-ops"],"static":false,"robot_max_lifetime":"90d","robot_never_expires":false,"users":3,"robots":1,"created":"2026-07-01T00:00:00Z","updated":"2026-07-01T00:00:00Z","updated_by":"root"}`
	userBob       = `{"name":"bob","domain":"acme","role":"write","disabled":false,"static":false,"superuser":false,"created":"2026-07-01T00:00:00Z","updated":"2026-07-01T00:00:00Z","updated_by":"alice"}`
)

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

const robots = "/v2/manage/domains/acme/robots"

func TestRobotCLI(t *testing.T) {
	ciBody := `{"name":"ci","description":"CI","permissions":[{"repository":"acme/web","actions":["pull"]},{"repository":"acme/ci/","actions":["pull","push"]}],"expires_in":"30d"}`
	create := []string{"robot", "create", "acme", "ci", "--pull", "acme/web", "--push", "acme/ci/", "--expires", "30d", "--description", "CI"}
	runAccountCases(t, []accountCase{
		{name: "create", args: create,
			want: []exchange{{req: "POST " + robots, body: ciBody, status: 201, answer: robotCISecret}},
			out:  []string{"Login:  robot$acme+ci", "Secret: s3cr3t-value", "shown this once", "docker login reg.example -u 'robot$acme+ci' --password-stdin"}},
		{name: "create json", args: append(create, "-o", "json"),
			want:  []exchange{{req: "POST " + robots, body: ciBody, status: 201, answer: robotCISecret}},
			check: wantJSON(map[string]any{"name": "robot$acme+ci", "secret": "s3cr3t-value"})},
		{name: "create merges a repository's flags, never expires", args: []string{"robot", "create", "acme", "robot$acme+ci", "--push", "acme/web", "--delete", "acme/web", "--pull", "acme/web", "--never-expires"},
			want: []exchange{{req: "POST " + robots, body: `{"name":"ci","description":"","permissions":[{"repository":"acme/web","actions":["pull","push","delete"]}],"never_expires":true}`,
				status: 201, answer: `{"name":"robot$acme+ci","expires_at":null,"secret":"x1"}`}},
			out: []string{"expires never", "Secret: x1", "docker login REGISTRY -u 'robot$acme+ci' --password-stdin"}},
		{name: "create refused", args: create,
			want: []exchange{{req: "POST " + robots, body: ciBody, status: 400, answer: swrError("REGSHARE.4000020", "a robot of domain acme lives at most 7d")}},
			err:  "a robot of domain acme lives at most 7d (REGSHARE.4000020)"},
		{name: "create not retried", args: create,
			want: []exchange{{req: "POST " + robots, body: ciBody, status: 503, retry: true, answer: swrError("REGSHARE.5030004", "unknown")}},
			err:  "may or may not have been made: see `regshare robot show acme ci`"},
		{name: "create: an unreadable answer is printed", args: create,
			want: []exchange{{req: "POST " + robots, body: ciBody, status: 201, answer: `{"login":"robot$acme+ci","token":"t0k"}`}},
			out:  []string{`"token":"t0k"`}, err: "printed above"},
		{name: "create without expiry", args: []string{"robot", "create", "acme", "ci", "--pull", "acme/web"}, err: "--expires DURATION is required"},
		{name: "create bad expiry", args: []string{"robot", "create", "acme", "ci", "--pull", "acme/web", "--expires", "30"}, err: `--expires "30": want a whole number of hours or days`},
		{name: "create zero expiry", args: []string{"robot", "create", "acme", "ci", "--pull", "a/b", "--expires", "0d"}, err: "more than zero"},
		{name: "create both expiries", args: []string{"robot", "create", "acme", "ci", "--pull", "a/b", "--expires", "1d", "--never-expires"}, err: "exclude each other"},
		{name: "create without permissions", args: []string{"robot", "create", "acme", "ci", "--expires", "1d"}, err: "at least one --pull"},
		{name: "create one argument", args: []string{"robot", "create", "acme", "--pull", "a/b", "--expires", "1d"}, err: "want DOMAIN NAME"},
		{name: "create another domain's login", args: []string{"robot", "create", "acme", "robot$globex+ci", "--pull", "a/b", "--expires", "1d"}, err: "not a robot of domain acme"},
		{name: "list, a 503 retried", args: []string{"robot", "list", "acme"},
			want: []exchange{
				{req: "GET " + robots, status: 503, retry: true, answer: swrError("REGSHARE.5030003", "loading")},
				{req: "GET " + robots, status: 200, answer: `{"robots":[` + robotCI + `]}`}},
			out: []string{"NAME", "robot$acme+ci", "acme/web:pull acme/ci/:pull,push", "2026-08-01T00:00:00Z", "Active", "never"}},
		{name: "list json", args: []string{"robot", "list", "acme", "-o", "json"},
			want:  []exchange{{req: "GET " + robots, status: 200, answer: `{"robots":[]}`}},
			check: wantJSON(map[string]any{"robots": []any{}})},
		{name: "show hostile", args: []string{"robot", "show", "acme", "ci"},
			want: []exchange{{req: "GET " + robots + "/ci", status: 200, answer: `{"name":"robot$acme+ci","description":"` + jsonText(hostile) + `","disabled":true,"last_used":{"time":"2026-07-03T00:00:00Z","client":"10.0.0.9"}}`}},
			out:  []string{"Login:", "Disabled", "2026-07-03T00:00:00Z from 10.0.0.9", "pwned"}},
		{name: "rotate with grace", args: []string{"robot", "rotate", "acme", "ci", "--grace", "24h"},
			want: []exchange{{req: "POST " + robots + "/ci/rotate", body: `{"grace":"24h"}`, status: 200,
				answer: `{"name":"robot$acme+ci","secret":"n3w","expires_at":"2026-08-01T00:00:00Z","rotation_grace_until":"2026-07-03T00:00:00Z"}`}},
			out: []string{"rotated, expires 2026-08-01T00:00:00Z", "Secret: n3w", "previous secret works until 2026-07-03T00:00:00Z"}},
		{name: "rotate json", args: []string{"robot", "rotate", "acme", "ci", "-o", "json"},
			want:  []exchange{{req: "POST " + robots + "/ci/rotate", body: `{}`, status: 200, answer: `{"name":"robot$acme+ci","secret":"n3w"}`}},
			check: wantJSON(map[string]any{"name": "robot$acme+ci", "secret": "n3w"})},
		{name: "rotate bad grace", args: []string{"robot", "rotate", "acme", "ci", "--grace", "1w"}, err: `--grace "1w"`},
		{name: "disable", args: []string{"robot", "disable", "acme", "ci"},
			want: []exchange{{req: "PATCH " + robots + "/ci", body: `{"disabled":true}`, status: 200, answer: `{"name":"robot$acme+ci","disabled":true}`}},
			out:  []string{"Status:", "Disabled"}},
		{name: "enable without answer", args: []string{"robot", "enable", "acme", "ci", "-o", "json"},
			want:  []exchange{{req: "PATCH " + robots + "/ci", body: `{"disabled":false}`, status: 204}},
			check: wantJSON(map[string]any{"domain": "acme", "robot": "ci", "enabled": true})},
		{name: "delete", args: []string{"robot", "delete", "acme", "ci"},
			want: []exchange{{req: "DELETE " + robots + "/ci", status: 204}},
			out:  []string{"deleted robot$acme+ci"}},
		{name: "delete missing", args: []string{"robot", "delete", "acme", "ci"},
			want: []exchange{{req: "DELETE " + robots + "/ci", status: 404, answer: swrError("REGSHARE.4040003", "no robot robot$acme+ci")}},
			err:  "no robot robot$acme+ci (REGSHARE.4040003)"},
		{name: "help", args: []string{"robot", "--help"}, out: []string{"regshare robot create DOMAIN NAME", "--grace"}},
		{name: "subcommand help", args: []string{"robot", "create", "-h"}},
		{name: "unknown subcommand", args: []string{"robot", "mint"}, err: `unknown subcommand "mint"`},
	})
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

const domains = "/v2/manage/domains"

func TestDomainCLI(t *testing.T) {
	runAccountCases(t, []accountCase{
		{name: "list", args: []string{"domain", "list"},
			want: []exchange{{req: "GET " + domains, status: 200, answer: `{"domains":[` + domainAcme + `,{"name":"globex","namespaces":["globex"],"static":true,"users":["gina"],"robots":[]}]}`}},
			out:  []string{"ROBOT MAX LIFETIME", "acme,acme-ops  3", "90d", "run time", "globex", "config file", "default"}},
		{name: "list json", args: []string{"domain", "list", "-o", "json"},
			want:  []exchange{{req: "GET " + domains, status: 200, answer: `{"domains":[]}`}},
			check: wantJSON(map[string]any{"domains": []any{}})},
		{name: "show", args: []string{"domain", "show", "acme"},
			want: []exchange{{req: "GET " + domains + "/acme", status: 200, answer: domainAcme}},
			out:  []string{"Namespaces:", "acme, acme-ops", "Robot max lifetime:", "Updated:", "by root"}},
		{name: "create", args: []string{"domain", "create", "initech", "--namespace", "initech", "--namespace", "tps", "--robot-max-lifetime", "30d", "--robot-never-expires"},
			want: []exchange{{req: "POST " + domains, body: `{"name":"initech","namespaces":["initech","tps"],"robot_max_lifetime":"30d","robot_never_expires":true}`,
				status: 201, answer: `{"name":"initech","namespaces":["initech","tps"],"robot_max_lifetime":"30d","robot_never_expires":true}`}},
			out: []string{"initech, tps", "30d", "Robots may never expire:  yes"}},
		{name: "create bare", args: []string{"domain", "create", "initech", "-o", "json"},
			want:  []exchange{{req: "POST " + domains, body: `{"name":"initech","namespaces":[],"robot_never_expires":false}`, status: 201, answer: `{"name":"initech"}`}},
			check: wantJSON(map[string]any{"name": "initech"})},
		{name: "create taken", args: []string{"domain", "create", "initech", "--namespace", "acme"},
			want: []exchange{{req: "POST " + domains, body: `{"name":"initech","namespaces":["acme"],"robot_never_expires":false}`, status: 409, answer: swrError("REGSHARE.4090003", "namespace acme belongs to acme")}},
			err:  "namespace acme belongs to acme (REGSHARE.4090003)"},
		{name: "create bad lifetime", args: []string{"domain", "create", "initech", "--robot-max-lifetime", "3m"}, err: `--robot-max-lifetime "3m"`},
		{name: "update namespaces", args: []string{"domain", "update", "acme", "--add-namespace", "acme-ci", "--remove-namespace", "acme-ops", "--robot-never-expires=false"},
			want: []exchange{
				{req: "GET " + domains + "/acme", status: 200, answer: domainAcme},
				{req: "PATCH " + domains + "/acme", body: `{"namespaces":["acme","acme-ci"],"robot_never_expires":false}`, status: 200, answer: domainAcme}},
			out: []string{"Name:"}},
		{name: "update lifetime only", args: []string{"domain", "update", "acme", "--robot-max-lifetime", "720h"},
			want: []exchange{{req: "PATCH " + domains + "/acme", body: `{"robot_max_lifetime":"720h"}`, status: 200, answer: domainAcme}}},
		{name: "update a namespace it lacks", args: []string{"domain", "update", "acme", "--remove-namespace", "globex"},
			want: []exchange{{req: "GET " + domains + "/acme", status: 200, answer: domainAcme}},
			err:  `domain acme has no namespace "globex"`},
		{name: "update nothing", args: []string{"domain", "update", "acme"}, err: "nothing to change"},
		{name: "delete with shares", args: []string{"domain", "delete", "acme"},
			want: []exchange{{req: "DELETE " + domains + "/acme", status: 409, answer: swrError("REGSHARE.4090002", "domain acme has 2 shares")}},
			err:  "--force revokes"},
		{name: "delete force", args: []string{"domain", "delete", "acme", "--force"},
			want: []exchange{{req: "DELETE " + domains + "/acme?force=true", status: 200, answer: `{"revoked":[{"repository":"acme/web","access_domain":"globex"}]}`}},
			out:  []string{"deleted domain acme; shares revoked: 1", "acme/web    globex"}},
		{name: "delete json", args: []string{"domain", "delete", "acme", "-o", "json"},
			want:  []exchange{{req: "DELETE " + domains + "/acme", status: 200, answer: `{"revoked":[]}`}},
			check: wantJSON(map[string]any{"revoked": []any{}})},
		{name: "history", args: []string{"domain", "history", "acme"},
			want: []exchange{{req: "GET " + domains + "/acme/history", status: 200,
				answer: `[{"time":"2026-07-01T00:00:00Z","actor":"root","action":"create","kind":"domain","name":"acme"},{"time":"2026-07-02T00:00:00Z","actor":"root","action":"delete","kind":"domain","name":"acme","revoked":[{"Repository":"acme/web","Recipient":"globex"}]}]`}},
			out: []string{"TIME", "create  domain acme  0", "delete  domain acme  1"}},
		{name: "history object", args: []string{"domain", "history", "acme"},
			want: []exchange{{req: "GET " + domains + "/acme/history", status: 200, answer: `{"events":[{"time":"2026-07-01T00:00:00Z","actor":"root","action":"update"}]}`}},
			out:  []string{"root   update"}},
		{name: "not an administrator", args: []string{"domain", "list"},
			want: []exchange{{req: "GET " + domains, status: 403, answer: swrError("REGSHARE.4030005", "only administrators manage domains")}},
			err:  "only administrators manage domains"},
		{name: "help", args: []string{"domain", "help"}, out: []string{"regshare domain update NAME [--add-namespace NS]..."}},
	})
}

func TestUserCLI(t *testing.T) {
	users := domains + "/acme/users"
	runAccountCases(t, []accountCase{
		{name: "list", args: []string{"user", "list", "acme"},
			want: []exchange{{req: "GET " + users, status: 200, answer: `{"users":[` + userBob + `,{"name":"root","role":"manage","superuser":true,"static":true,"disabled":true}]}`}},
			out:  []string{"ADMINISTRATOR", "bob   write   no", "root  manage  yes            Disabled  config file"}},
		{name: "create, the password drawn", args: []string{"user", "create", "acme", "bob", "--role", "write"},
			want: []exchange{{req: "POST " + users, body: `{"name":"bob","role":"write"}`, status: 201, answer: strings.TrimSuffix(userBob, "}") + `,"password":"dr4wn"}`}},
			out:  []string{"bob", "Password: dr4wn", "shown this once"}},
		{name: "create from stdin json", args: []string{"user", "create", "acme", "bob", "--role", "read", "--password-stdin", "-o", "json"}, stdin: "hunter22\nignored\n",
			want:  []exchange{{req: "POST " + users, body: `{"name":"bob","role":"read","password":"hunter22"}`, status: 201, answer: userBob}},
			check: wantJSON(map[string]any{"name": "bob", "role": "write"})},
		{name: "create empty stdin", args: []string{"user", "create", "acme", "bob", "--role", "read", "--password-stdin"}, err: "no password on stdin"},
		{name: "create without role", args: []string{"user", "create", "acme", "bob"}, err: `--role "": want manage, write or read`},
		{name: "update", args: []string{"user", "update", "acme", "bob", "--role", "manage", "--disable"},
			want: []exchange{{req: "PATCH " + users + "/bob", body: `{"role":"manage","disabled":true}`, status: 200, answer: userBob}},
			out:  []string{"bob"}},
		{name: "update enable", args: []string{"user", "update", "acme", "bob", "--enable"},
			want: []exchange{{req: "PATCH " + users + "/bob", body: `{"disabled":false}`, status: 204}},
			out:  []string{"updated user bob"}},
		{name: "update both", args: []string{"user", "update", "acme", "bob", "--enable", "--disable"}, err: "exclude each other"},
		{name: "update nothing", args: []string{"user", "update", "acme", "bob"}, err: "nothing to change"},
		{name: "reset-password", args: []string{"user", "reset-password", "acme", "bob"},
			want: []exchange{{req: "POST " + users + "/bob/reset-password", body: `{}`, status: 200, answer: `{"name":"bob","password":"fr3sh"}`}},
			out:  []string{"New password for bob: fr3sh", "shown this once"}},
		{name: "reset-password of a static user", args: []string{"user", "reset-password", "acme", "root"},
			want: []exchange{{req: "POST " + users + "/root/reset-password", body: `{}`, status: 409, answer: swrError("REGSHARE.4090004", "user root is declared in the configuration file")}},
			err:  "declared in the configuration file"},
		{name: "delete json", args: []string{"user", "delete", "acme", "bob", "-o", "json"},
			want:  []exchange{{req: "DELETE " + users + "/bob", status: 204}},
			check: wantJSON(map[string]any{"domain": "acme", "user": "bob", "deleted": true})},
		{name: "passwd", args: []string{"user", "passwd"}, stdin: "old-pass\nnew-pass-1\n",
			want: []exchange{{req: "POST /v2/manage/user/password", auth: "alice:old-pass", body: `{"current_password":"old-pass","new_password":"new-pass-1"}`, status: 204}},
			out:  []string{"changed the password of alice"}},
		{name: "passwd wrong", args: []string{"user", "passwd"}, stdin: "bad\nnew-pass-1",
			want: []exchange{{req: "POST /v2/manage/user/password", auth: "alice:bad", body: `{"current_password":"bad","new_password":"new-pass-1"}`,
				status: 401, answer: swrError("REGSHARE.4010002", "wrong user or password")}},
			err: "wrong user or password (REGSHARE.4010002)"},
		{name: "passwd one line", args: []string{"user", "passwd"}, stdin: "old-pass\n", err: "no new password (line 2) on stdin"},
		{name: "passwd arguments", args: []string{"user", "passwd", "bob"}, err: "takes no arguments"},
		{name: "help", args: []string{"user", "--help"}, out: []string{"regshare user passwd", "two lines from stdin"}},
	})
}

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
