package grants_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants"
)

// fuzzOwned are the namespaces acme owns in FuzzNamespaceShare.
var fuzzOwned = []string{"acme", "acme-labs"}

// FuzzNamespaceShare: alice (acme) shares an arbitrary prefix with
// partner, a domain that owns nothing, and pat (partner) asks arbitrary
// actions on an arbitrary name. The share is made iff the prefix is a
// valid name of acme's followed by '/', and the decision is the model's:
// pull, until the share's deadline, iff the share was made, pull (or "*")
// was asked, and the name is a valid repository name strictly below the
// prefix; never any other action, and nothing at the deadline.
func FuzzNamespaceShare(f *testing.F) {
	long := strings.Repeat("a", grants.MaxNameLength-len("acme/sdk/"))
	for _, s := range [][3]string{
		{"acme/sdk/", "acme/sdk/cli", "pull"},
		{"acme/sdk/", "acme/sdk/go/v2", "pull,push,delete,*"},
		{"acme/sdk/", "acme/sdk/cli", "push,delete"},
		{"acme/sdk/", "acme/sdk/cli", "*"},
		{"acme/sdk/", "acme/sdk/cli", "PULL,Pull"},
		{"acme/sdk/", "acme/sdk", "pull"},
		{"acme/sdk/", "acme/sdk/", "pull"},
		{"acme/sdk/", "acme/sdk2/x", "pull"},
		{"acme/sdk/", "acme/sdk2", "pull"},
		{"acme/sdk/", "acme/sd", "pull"},
		{"acme/sdk/", "acme/sd/k", "pull"},
		{"acme/sdk/", "acme/secret", "pull"},
		{"acme/sdk/", "acme/SDK/cli", "pull"},
		{"acme/sdk/", "ACME/sdk/cli", "pull"},
		{"acme/sdk/", "acme/sdk/../secret", "pull"},
		{"acme/sdk/", "acme/sdk/./cli", "pull"},
		{"acme/sdk/", "acme/sdk//cli", "pull"},
		{"acme/sdk/", "acme/sdk/cli/", "pull"},
		{"acme/sdk/", "acme/sdk%2Fcli", "pull"},
		{"acme/sdk/", "acme/sdk/cli\x00", "pull"},
		{"acme/sdk/", "/acme/sdk/cli", "pull"},
		{"acme/sdk/", "localhost:5000/acme/sdk/cli", "pull"},
		{"acme/sdk/", "acme/sdk/" + long, "pull"},
		{"acme/sdk/", "acme/sdk/" + long + "a", "pull"},
		{"acme/", "acme/x", "pull"},
		{"acme/", "acme", "pull"},
		{"acme/", "acmex/x", "pull"},
		{"acme/", "acme-labs/x", "pull"},
		{"acme-labs/tools/", "acme-labs/tools/x", "pull"},
		{"acme/a_b/", "acme/a__b/c", "pull"},
		{"acme/a.b/", "acme/a.b/c", "pull"},
		{"acme/a-b/", "acme/a--b/c", "pull"},
		{"acme//", "acme/x", "pull"},
		{"acme/sdk//", "acme/sdk/x", "pull"},
		{"/", "acme/x", "pull"},
		{"ACME/", "acme/x", "pull"},
		{"acme/../globex/", "globex/x", "pull"},
		{"globex/", "globex/x", "pull"},
		{"acmex/", "acmex/x", "pull"},
		{"acme/" + strings.Repeat("b", grants.MaxNameLength-len("acme/")) + "/", "acme/x", "pull"},
		{"acme", "acme/x", "pull"}, // made a prefix: "acme/"
		{"", "acme/x", "pull"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	dir := newDirectory(f, grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":    {Namespaces: fuzzOwned, Users: map[string]grants.UserConfig{"alice": user(grants.RoleManage)}},
		"partner": {Users: map[string]grants.UserConfig{"pat": user(grants.RoleManage)}},
	}})
	f.Fuzz(func(t *testing.T, prefix, name, actions string) {
		if !grants.IsPrefix(prefix) {
			prefix += "/" // a namespace share, whatever the input
		}
		g, _ := newGrants(t, dir)
		_, err := g.Create(context.Background(), lookup(t, g, "alice"), newShare(prefix, "partner", tomorrow), now)
		validPrefix := grants.ValidateRepository(strings.TrimSuffix(prefix, "/")) == nil && slices.Contains(fuzzOwned, grants.Namespace(prefix))
		switch {
		case err == nil && !validPrefix:
			t.Fatalf("a share of %q was made", prefix)
		case err != nil && validPrefix:
			t.Fatalf("the share of %q was refused: %v", prefix, err)
		case err != nil && !errors.Is(err, grants.ErrInvalid) && !errors.Is(err, grants.ErrForbidden):
			t.Fatalf("the share of %q: %v, want ErrInvalid or ErrForbidden", prefix, err)
		}
		asked := strings.Split(actions, ",")
		want := err == nil && grants.ValidateRepository(name) == nil && strings.HasPrefix(name, prefix) && len(name) > len(prefix) &&
			(slices.Contains(asked, grants.ActionPull) || slices.Contains(asked, grants.ActionAll))
		pat := lookup(t, g, "pat")
		req := []grants.Access{{Type: grants.TypeRepository, Name: name, Actions: asked}}
		d := g.Authorize(pat, req, now)
		switch {
		case len(d) != 1:
			t.Fatalf("%d decisions for one access", len(d))
		case want && (!slices.Equal(d[0].Actions, []string{grants.ActionPull}) || !d[0].Deadline.Equal(tomorrow)):
			t.Fatalf("share %q, %q asking %q: %v until %v, want pull until %v", prefix, name, asked, d[0].Actions, d[0].Deadline, tomorrow)
		case !want && len(d[0].Actions) != 0:
			t.Fatalf("share %q (made: %v), %q asking %q: granted %v", prefix, err == nil, name, asked, d[0].Actions)
		}
		if d := g.Authorize(pat, req, tomorrow); len(d[0].Actions) != 0 {
			t.Fatalf("share %q, %q at its deadline: granted %v", prefix, name, d[0].Actions)
		}
	})
}
