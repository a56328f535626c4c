package main

import (
	"strings"
	"testing"
)

// The user commands, against the fake API of accounts_cli_test.go.

const userBob = `{"name":"bob","domain":"acme","role":"write","disabled":false,"static":false,"superuser":false,"created":"2026-07-01T00:00:00Z","updated":"2026-07-01T00:00:00Z","updated_by":"alice"}`

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
			want: []exchange{{req: "PATCH " + users + "/bob", body: `{"disabled":false}`, status: 200, answer: userBob}},
			out:  []string{"bob   write  no             Active"}},
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
