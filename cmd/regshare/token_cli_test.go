package main

import "testing"

// The personal access token commands, against the fake API of
// accounts_cli_test.go.

const tokens = "/v2/manage/user/tokens"

const tokenCIFields = `"id":"abc123","owner":"alice","label":"ci","permissions":[{"repository":"acme/web","actions":["pull"]}],` +
	`"expires_at":"2026-08-01T00:00:00Z","expired":false,"created":"2026-07-02T00:00:00Z"`

func TestTokenCLI(t *testing.T) {
	create := []string{"token", "create", "ci", "--pull", "acme/web", "--expires", "30d"}
	body := `{"label":"ci","permissions":[{"repository":"acme/web","actions":["pull"]}],"expires_in":"30d"}`
	answer := `{` + tokenCIFields + `,"secret":"rsr_s3cr3t","docker_login":"docker login -u 'alice' --password-stdin reg.example"}`
	runAccountCases(t, []accountCase{
		{name: "create", args: create,
			want: []exchange{{req: "POST " + tokens, body: body, status: 201, answer: answer}},
			out:  []string{"Access token abc123 (ci) created, expires 2026-08-01T00:00:00Z.", "Token: rsr_s3cr3t", "shown this once", "docker login -u 'alice' --password-stdin reg.example"}},
		{name: "create json", args: append(create, "-o", "json"),
			want:  []exchange{{req: "POST " + tokens, body: body, status: 201, answer: answer}},
			check: wantJSON(map[string]any{"id": "abc123", "secret": "rsr_s3cr3t"})},
		{name: "create with the owner's rights and the default expiry", args: []string{"token", "create", "laptop"},
			want: []exchange{{req: "POST " + tokens, body: `{"label":"laptop"}`, status: 201, answer: `{"id":"x1","owner":"alice","label":"laptop","secret":"rsr_x"}`}},
			out:  []string{"Token: rsr_x", "docker login REGISTRY -u 'alice' --password-stdin"}},
		{name: "create refused", args: create,
			want: []exchange{{req: "POST " + tokens, body: body, status: 403, answer: swrError("REGSHARE.4030008", "acme/web: your role read does not allow it")}},
			err:  "acme/web: your role read does not allow it (REGSHARE.4030008)"},
		{name: "create not retried", args: create,
			want: []exchange{{req: "POST " + tokens, body: body, status: 503, retry: true, answer: swrError("REGSHARE.5030004", "unknown")}},
			err:  "see `regshare token list`"},
		{name: "create without label", args: []string{"token", "create"}, err: "want LABEL"},
		{name: "create bad expiry", args: []string{"token", "create", "ci", "--expires", "30"}, err: `--expires "30": want a whole number of hours or days`},
		{name: "list", args: []string{"token", "list"},
			want: []exchange{{req: "GET " + tokens, status: 200, answer: `{"tokens":[{` + tokenCIFields + `},{"id":"x1","label":"laptop","permissions":[],"expires_at":"2026-07-01T00:00:00Z","expired":true}]}`}},
			out:  []string{"ID", "abc123", "acme/web:pull", "Active", "x1", "(your rights)", "Expired"}},
		{name: "list json", args: []string{"token", "list", "-o", "json"},
			want:  []exchange{{req: "GET " + tokens, status: 200, answer: `{"tokens":[]}`}},
			check: wantJSON(map[string]any{"tokens": []any{}})},
		{name: "revoke", args: []string{"token", "revoke", "abc123"},
			want: []exchange{{req: "DELETE " + tokens + "/abc123", status: 204}},
			out:  []string{"revoked access token abc123"}},
		{name: "revoke missing", args: []string{"token", "revoke", "nope"},
			want: []exchange{{req: "DELETE " + tokens + "/nope", status: 404, answer: swrError("REGSHARE.4040003", "not found: access token nope")}},
			err:  "not found: access token nope (REGSHARE.4040003)"},
		{name: "help", args: []string{"token", "--help"}, out: []string{"regshare token create LABEL", "personal access token"}},
		{name: "unknown subcommand", args: []string{"token", "mint"}, err: `unknown subcommand "mint"`},
	})
}
