package grants_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants"
)

func TestValidateRepository(t *testing.T) {
	valid := []string{
		"acme/web",
		"a/b",
		"acme",
		"a/b-c",
		"a/b__c",
		"a/b.c",
		"a/b_c",
		"a/b---c",
		"acme/team/api",
		"acme/a.b_c__d-e--f",
		"0/9",
		"acme/web2",
		"a/" + strings.Repeat("b", 253), // 255 characters
		strings.Repeat("a/", 127) + "a", // 255 characters, 128 components
	}
	invalid := []string{
		"",
		"ACME/web",
		"acme/Web",
		"acme//web",
		"acme/web/",
		"/acme",
		"/",
		"acme/./web",
		"acme/../globex",
		"./acme",
		"acme/..",
		"..",
		".",
		"acme/we b",
		"acme/wéb",
		"acme/web\n",
		"acme/web\x00",
		"localhost:5000/acme/web",
		"localhost/acme/web:latest",
		"acme/web:latest",
		"acme/web@sha256:abc",
		"acme/web_",
		"acme/_web",
		"acme/web-",
		"acme/-web",
		"acme/.web",
		"acme/web.",
		"acme/a___b",
		"acme/a..b",
		"acme/a._b",
		"acme/a-_b",
		"a/" + strings.Repeat("b", 254), // 256 characters
		"acme/web%2f",
		"acme%2fweb",
		"acme\\web",
		"acme/ＷＥＢ",
	}
	for _, name := range valid {
		if err := grants.ValidateRepository(name); err != nil {
			t.Errorf("ValidateRepository(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range invalid {
		err := grants.ValidateRepository(name)
		if err == nil {
			t.Errorf("ValidateRepository(%q) = nil, want an error", name)
			continue
		}
		if !errors.Is(err, grants.ErrInvalidName) {
			t.Errorf("ValidateRepository(%q) = %v, want ErrInvalidName", name, err)
		}
	}
}

func TestValidateNamespace(t *testing.T) {
	for _, ns := range []string{"acme", "a", "acme-labs", "a.b", "a__b", "0"} {
		if err := grants.ValidateNamespace(ns); err != nil {
			t.Errorf("ValidateNamespace(%q) = %v", ns, err)
		}
	}
	for _, ns := range []string{"", "ACME", "acme/web", "acme/", ".", "..", "-acme", "acme_", "ac me", strings.Repeat("a", 256)} {
		if err := grants.ValidateNamespace(ns); !errors.Is(err, grants.ErrInvalidName) {
			t.Errorf("ValidateNamespace(%q) = %v, want ErrInvalidName", ns, err)
		}
	}
}

func TestNamespace(t *testing.T) {
	for name, want := range map[string]string{
		"acme/web":      "acme",
		"acme/team/api": "acme",
		"acme":          "acme",
		"":              "",
		"/web":          "",
	} {
		if got := grants.Namespace(name); got != want {
			t.Errorf("Namespace(%q) = %q, want %q", name, got, want)
		}
	}
}

func FuzzValidateRepository(f *testing.F) {
	for _, seed := range []string{
		"acme/web", "a/b-c", "a/b__c", "a/b.c", "a/b---c", "acme/team/api",
		"", "ACME/web", "acme//web", "acme/web/", "/acme", "acme/./web", "acme/../globex",
		"acme/we b", "acme/wéb", "localhost:5000/acme/web", "acme/web_", "acme/-web",
		"acme/web%2f", "a/" + strings.Repeat("b", 254), "acme/web\n", "..", ".",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if grants.ValidateRepository(name) != nil {
			return
		}
		if len(name) > grants.MaxNameLength {
			t.Errorf("accepted %q of %d bytes", name, len(name))
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("._-/", c) >= 0) {
				t.Fatalf("accepted %q with byte %q", name, c)
			}
		}
		if strings.ToLower(name) != name {
			t.Errorf("accepted %q, which is not lower case", name)
		}
		for c := range strings.SplitSeq(name, "/") {
			switch c {
			case "":
				t.Errorf("accepted %q with an empty component", name)
				continue
			case ".", "..":
				t.Errorf("accepted %q with a %q component", name, c)
			}
			if strings.ContainsAny(c[:1], "._-") || strings.ContainsAny(c[len(c)-1:], "._-") {
				t.Errorf("accepted %q with component %q that starts or ends with a separator", name, c)
			}
		}
		if got := grants.Namespace(name); !strings.HasPrefix(name, got) || strings.Contains(got, "/") || got == "" {
			t.Errorf("Namespace(%q) = %q", name, got)
		}
	})
}
