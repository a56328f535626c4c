package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/shareapi"
)

// Groups end to end, through the CLI and the real registry: root makes
// the group partners of globex; alice shares acme/sdk/ with it
// (--with-group); walt pushes acme/sdk/cli afterwards, and globex's
// users pull it, pull only, while acme/sdk2/x and acme/secret stay
// closed. Once globex leaves the group, its pull is refused; the group's
// deletion is refused while it receives the share, and revokes it with
// --force.
func TestGroupShareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t, withInitech)
	if out, err := e.cli("root", "group", "create", "partners", "--member", "globex", "--description", "SDK partners"); err != nil {
		t.Fatalf("group create: %v\n%s", err, out)
	}
	out, err := e.cli("alice", "share", "create", "acme/sdk/", "--with-group", "partners", "--permanent", "--description", "sdk")
	if err != nil || !strings.Contains(out, "@partners") {
		t.Fatalf("share create --with-group: %v\n%s", err, out)
	}
	cli := e.pushNamespaceFixture()

	for _, u := range []string{"gina", "gabe", "gus"} {
		if got, err := e.pull(u, "acme/sdk/cli:1.0"); err != nil || got != cli {
			t.Fatalf("%s pull through the group: %v %v, want %v", u, got, err, cli)
		}
	}
	for _, ref := range []string{"acme/sdk2/x:1.0", "acme/secret:1.0", "acme/sdk:1.0"} {
		_, err := e.pull("gina", ref)
		e.wantDenied("globex pull of "+ref+", beside the group's share", err)
	}
	_, err = e.push("gabe", "acme/sdk/cli:evil")
	e.wantDenied("a member's push below the group's share", err)
	if c, _ := e.token("gina", "repository:acme/sdk/cli:pull,push,delete"); len(c.Access) != 1 || !slices.Equal(c.Access[0].Actions, []string{"pull"}) {
		t.Fatalf("a member's token: %+v, want pull only", c.Access)
	}

	// The recipient's listing names the group, the owner's the share.
	out, err = e.cli("gina", "shared-with-me", "-o", "json")
	var rows []shareapi.SharedRepository
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].ViaGroup != "partners" ||
		rows[0].Namespace+"/"+rows[0].Name != "acme/sdk/cli" || rows[0].PullCommand == "" {
		t.Errorf("globex's shared-with-me: %v %s", err, out)
	}
	if out, err := e.cli("gina", "shared-with-me"); err != nil || !strings.Contains(out, "acme (to @partners)") {
		t.Errorf("globex's shared-with-me table: %v\n%s", err, out)
	}
	if out, err := e.cli("alice", "shared-by-me"); err != nil || !strings.Contains(out, "@partners (until forever, valid)") {
		t.Errorf("acme's shared-by-me: %v\n%s", err, out)
	}
	if out, err := e.cli("alice", "group", "list"); err != nil || !strings.Contains(out, "@partners") || !strings.Contains(out, "1 domain ") {
		t.Errorf("a manage user's group list (members counted, not named): %v\n%s", err, out)
	}

	// globex leaves as initech joins.
	if out, err := e.cli("root", "group", "update", "partners", "--remove-member", "globex", "--add-member", "initech"); err != nil ||
		!strings.Contains(out, "initech") || strings.Contains(out, "globex") {
		t.Fatalf("group update: %v\n%s", err, out)
	}
	_, err = e.pull("gina", "acme/sdk/cli:1.0")
	e.wantDenied("globex pull after it left the group", err)
	if c, _ := e.token("gina", "repository:acme/sdk/cli:pull"); len(c.Access) != 0 {
		t.Errorf("a token for globex after it left: %+v", c.Access)
	}

	// Deleting the group refuses while it receives the share, then
	// revokes it with --force.
	if _, err := e.cli("root", "group", "delete", "partners"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("group delete of a group with shares: %v", err)
	}
	if out, err := e.cli("root", "group", "delete", "partners", "--force"); err != nil || !strings.Contains(out, "acme/sdk/") {
		t.Errorf("group delete --force: %v\n%s", err, out)
	}
	if out, err := e.cli("alice", "shared-by-me", "-o", "json"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("acme's shares after the group's deletion: %v %s", err, out)
	}
}
