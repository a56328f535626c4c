package tokenauth_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in   string
		want grants.Access
	}{
		{"repository:acme/web:pull", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}},
		{"repository:acme/web:pull,push", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}},
		{"repository:acme/web:push,pull", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"push", "pull"}}},
		{"repository:localhost:5000/acme/web:pull", grants.Access{Type: "repository", Name: "localhost:5000/acme/web", Actions: []string{"pull"}}},
		{"repository(plugin):acme/web:pull", grants.Access{Type: "repository", Class: "plugin", Name: "acme/web", Actions: []string{"pull"}}},
		{"registry:catalog:*", grants.Access{Type: "registry", Name: "catalog", Actions: []string{"*"}}},
		{"repository:acme/web:pull,pull,push", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}},
		{"repository:acme/web:push,pull,push,pull", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"push", "pull"}}},
		{"repository:acme/web:pull,,push,", grants.Access{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}},
		{"repository:a/b:", grants.Access{Type: "repository", Name: "a/b"}},
		{"repository:a/b:,", grants.Access{Type: "repository", Name: "a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := tokenauth.ParseScope(tt.in)
			if err != nil {
				t.Fatalf("ParseScope(%q): %v", tt.in, err)
			}
			if len(got.Actions) == 0 {
				got.Actions = nil // nil and empty both mean "no actions"
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseScope(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseScopeErrors(t *testing.T) {
	long := "repository:" + strings.Repeat("a", tokenauth.MaxScopeLength) + ":pull"
	for _, in := range []string{
		"",
		"repository",
		"repository:a",
		":a/b:pull",
		"repository::pull",
		"repository(plugin:a/b:pull",
		"(plugin):a/b:pull",
		long,
	} {
		name := in
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		t.Run(name, func(t *testing.T) {
			a, err := tokenauth.ParseScope(in)
			if !errors.Is(err, tokenauth.ErrBadScope) {
				t.Fatalf("ParseScope(%q) = %+v, %v; want an error wrapping ErrBadScope", in, a, err)
			}
		})
	}
}

func TestParseScopeMaxLength(t *testing.T) {
	prefix, suffix := "repository:", ":pull"
	name := strings.Repeat("a", tokenauth.MaxScopeLength-len(prefix)-len(suffix))
	s := prefix + name + suffix
	if len(s) != tokenauth.MaxScopeLength {
		t.Fatalf("test scope has %d bytes", len(s))
	}
	if _, err := tokenauth.ParseScope(s); err != nil {
		t.Errorf("a scope of exactly MaxScopeLength bytes: %v", err)
	}
	if _, err := tokenauth.ParseScope(prefix + name + "a" + suffix); !errors.Is(err, tokenauth.ErrBadScope) {
		t.Errorf("a scope of MaxScopeLength+1 bytes: err = %v, want ErrBadScope", err)
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []grants.Access
	}{
		{"none", nil, nil},
		{"empty value", []string{""}, nil},
		{"one", []string{"repository:acme/web:pull"}, []grants.Access{
			{Type: "repository", Name: "acme/web", Actions: []string{"pull"}},
		}},
		{"same resource merged in first-seen order", []string{"repository:a/b:push", "repository:a/b:pull,push"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"push", "pull"}},
		}},
		{"same resource, no new action", []string{"repository:a/b:pull,push", "repository:a/b:push"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"pull", "push"}},
		}},
		{"different resources kept apart in order", []string{"repository:a/b:pull", "registry:catalog:*", "repository:a/c:push"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"pull"}},
			{Type: "registry", Name: "catalog", Actions: []string{"*"}},
			{Type: "repository", Name: "a/c", Actions: []string{"push"}},
		}},
		{"same name, different type", []string{"repository:catalog:pull", "registry:catalog:*"}, []grants.Access{
			{Type: "repository", Name: "catalog", Actions: []string{"pull"}},
			{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		}},
		{"space-separated in one value (POST form)", []string{"repository:a/b:pull repository:c/d:pull,push  registry:catalog:*"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"pull"}},
			{Type: "repository", Name: "c/d", Actions: []string{"pull", "push"}},
			{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		}},
		{"space-separated, merged", []string{"repository:a/b:push repository:a/b:pull,push"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"push", "pull"}},
		}},
		{"empty actions merged with later ones", []string{"repository:a/b:", "repository:a/b:pull"}, []grants.Access{
			{Type: "repository", Name: "a/b", Actions: []string{"pull"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokenauth.ParseScopes(tt.in, tokenauth.DefaultMaxScopes)
			if err != nil {
				t.Fatalf("ParseScopes(%q): %v", tt.in, err)
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseScopes(%q) =\n %+v\nwant\n %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseScopesErrors(t *testing.T) {
	scopes := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf("repository:acme/r%d:pull", i))
		}
		return s
	}
	tests := []struct {
		name string
		in   []string
		max  int
	}{
		{"malformed among good", []string{"repository:a/b:pull", "repository:a"}, 64},
		{"malformed in space-separated value", []string{"repository:a/b:pull repository"}, 64},
		{"too long", []string{"repository:" + strings.Repeat("a", tokenauth.MaxScopeLength) + ":pull"}, 64},
		{"more than max values", scopes(65), 64},
		{"more than max in one value", []string{strings.Join(scopes(65), " ")}, 64},
		{"more than max, same resource", slices.Repeat([]string{"repository:a/b:pull"}, 65), 64},
		{"more than a small max", scopes(3), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokenauth.ParseScopes(tt.in, tt.max)
			if !errors.Is(err, tokenauth.ErrBadScope) {
				t.Fatalf("ParseScopes = %+v, %v; want an error wrapping ErrBadScope", got, err)
			}
		})
	}
	if _, err := tokenauth.ParseScopes(scopes(64), 64); err != nil {
		t.Errorf("exactly max scopes: %v", err)
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"repository:acme/web:pull",
		"repository:acme/web:pull,push",
		"repository:localhost:5000/acme/web:pull",
		"repository(plugin):acme/web:pull",
		"registry:catalog:*",
		"repository:a/b:pull,pull,push",
		"repository:a/b:",
		"repository:a/b:,,",
		"repository",
		"repository:a",
		":a/b:pull",
		"repository::pull",
		"repository(plugin:a/b:pull",
		"(x):a:b",
		"a)(b):c:d",
		"a(b(c)):d:e",
		"a:b:c:d:e,f",
		"repository:a/b:pull push",
		strings.Repeat("x:", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := tokenauth.ParseScope(s)
		if err != nil {
			if !errors.Is(err, tokenauth.ErrBadScope) {
				t.Fatalf("ParseScope(%q): error %v does not wrap ErrBadScope", s, err)
			}
			return
		}
		if len(s) > tokenauth.MaxScopeLength {
			t.Errorf("ParseScope accepted %d bytes", len(s))
		}
		if a.Type == "" || a.Name == "" {
			t.Errorf("ParseScope(%q) = %+v: empty type or name", s, a)
		}
		if strings.ContainsAny(a.Type, ":(") {
			t.Errorf("ParseScope(%q) = %+v: type holds ':' or '('", s, a)
		}
		for i, act := range a.Actions {
			if act == "" || strings.ContainsAny(act, ":,") {
				t.Errorf("ParseScope(%q) = %+v: bad action %q", s, a, act)
			}
			if slices.Contains(a.Actions[:i], act) {
				t.Errorf("ParseScope(%q) = %+v: action %q repeated", s, a, act)
			}
		}
		// What was parsed can be written back and parses the same.
		back := a.Type
		if a.Class != "" {
			back += "(" + a.Class + ")"
		}
		back += ":" + a.Name + ":" + strings.Join(a.Actions, ",")
		b, err := tokenauth.ParseScope(back)
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("ParseScope(%q) = %+v, but its rewrite %q gives %+v, %v", s, a, back, b, err)
		}
	})
}
