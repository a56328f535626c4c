package main

import "testing"

// The domain commands, against the fake API of accounts_cli_test.go.

const domainAcme = `{"name":"acme","namespaces":["acme","acme-ops"],"static":false,"robot_max_lifetime":"90d","robot_never_expires":false,"users":3,"robots":1,"created":"2026-07-01T00:00:00Z","updated":"2026-07-01T00:00:00Z","updated_by":"root"}`

func TestDomainCLI(t *testing.T) {
	runAccountCases(t, []accountCase{
		{name: "list", args: []string{"domain", "list"},
			want: []exchange{{req: "GET " + domains, status: 200, answer: `{"domains":[` + domainAcme + `,` +
				`{"name":"globex","namespaces":["globex"],"static":true,"robot_max_lifetime":"7d","robot_never_expires":true,"users":1,"robots":0,"created":null,"updated":null,"updated_by":""}]}`}},
			out: []string{"ROBOT MAX LIFETIME", "acme,acme-ops  3      1       90d", "run time", "globex", "1      0       7d (or never)", "config file"}},
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
			want:  []exchange{{req: "POST " + domains, body: `{"name":"initech","namespaces":[]}`, status: 201, answer: `{"name":"initech"}`}},
			check: wantJSON(map[string]any{"name": "initech"})},
		{name: "create taken", args: []string{"domain", "create", "initech", "--namespace", "acme"},
			want: []exchange{{req: "POST " + domains, body: `{"name":"initech","namespaces":["acme"]}`, status: 409, answer: swrError("REGSHARE.4090003", "namespace acme belongs to acme")}},
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
				answer: `{"events":[{"time":"2026-07-01T00:00:00Z","actor":"root","action":"create_domain","kind":"domain","name":"acme","detail":{"namespaces":["acme"]}},` +
					`{"time":"2026-07-02T00:00:00Z","actor":"root","action":"delete_domain","kind":"domain","name":"acme","revoked":[{"repository":"acme/web","access_domain":"globex"}]}]}`}},
			out: []string{"TIME", "create_domain  domain acme  0", "delete_domain  domain acme  1"}},
		{name: "history json", args: []string{"domain", "history", "acme", "-o", "json"},
			want:  []exchange{{req: "GET " + domains + "/acme/history", status: 200, answer: `{"events":[]}`}},
			check: wantJSON(map[string]any{"events": []any{}})},
		{name: "not an administrator", args: []string{"domain", "list"},
			want: []exchange{{req: "GET " + domains, status: 403, answer: swrError("REGSHARE.4030005", "only administrators manage domains")}},
			err:  "only administrators manage domains"},
		{name: "help", args: []string{"domain", "help"}, out: []string{"regshare domain update NAME [--add-namespace NS]..."}},
	})
}
