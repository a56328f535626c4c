package main

import "testing"

// The robot commands, against the fake API of accounts_cli_test.go.

// robotCIFields are the members of the robot acme+ci as the API writes it.
const robotCIFields = `"name":"robot$acme+ci","robot":"ci","domain":"acme","description":"CI","permissions":[{"repository":"acme/web","actions":["pull"]},{"repository":"acme/ci/","actions":["pull","push"]}],` +
	`"expires_at":"2026-08-01T00:00:00Z","expired":false,"disabled":false,"rotation_grace_until":null,"created":"2026-07-02T00:00:00Z","updated":"2026-07-02T00:00:00Z","updated_by":"alice","last_used":null`

const (
	robotCI       = `{` + robotCIFields + `}`
	robotCISecret = `{` + robotCIFields + `,"secret":"s3cr3t-value","docker_login":"docker login -u 'robot$acme+ci' --password-stdin reg.example"}`
)

const robots = "/v2/manage/domains/acme/robots"

func TestRobotCLI(t *testing.T) {
	ciBody := `{"name":"ci","description":"CI","permissions":[{"repository":"acme/web","actions":["pull"]},{"repository":"acme/ci/","actions":["pull","push"]}],"expires_in":"30d"}`
	create := []string{"robot", "create", "acme", "ci", "--pull", "acme/web", "--push", "acme/ci/", "--expires", "30d", "--description", "CI"}
	runAccountCases(t, []accountCase{
		{name: "create", args: create,
			want: []exchange{{req: "POST " + robots, body: ciBody, status: 201, answer: robotCISecret}},
			out:  []string{"Login:  robot$acme+ci", "Secret: s3cr3t-value", "shown this once", "docker login -u 'robot$acme+ci' --password-stdin reg.example"}},
		{name: "create json", args: append(create, "-o", "json"),
			want:  []exchange{{req: "POST " + robots, body: ciBody, status: 201, answer: robotCISecret}},
			check: wantJSON(map[string]any{"name": "robot$acme+ci", "secret": "s3cr3t-value"})},
		{name: "create merges a repository's flags, never expires", args: []string{"robot", "create", "acme", "robot$acme+ci", "--push", "acme/web", "--delete", "acme/web", "--pull", "acme/web", "--never-expires"},
			want: []exchange{{req: "POST " + robots, body: `{"name":"ci","permissions":[{"repository":"acme/web","actions":["pull","push","delete"]}],"never_expires":true}`,
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
		{name: "enable json", args: []string{"robot", "enable", "acme", "ci", "-o", "json"},
			want:  []exchange{{req: "PATCH " + robots + "/ci", body: `{"disabled":false}`, status: 200, answer: robotCI}},
			check: wantJSON(map[string]any{"name": "robot$acme+ci", "disabled": false, "expires_at": "2026-08-01T00:00:00Z"})},
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
