package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/regshare/regshare/tokenauth"
)

// jwksOnly makes the registry trust only regshare's JWK Set (no root
// certificate), and regshare send x5c or not.
func jwksOnly(x5c bool) e2eOption {
	return func(cfg *Config, trust *string) {
		cfg.Keys.X5C = &x5c
		*trust = fmt.Sprintf("jwks: %q", filepath.Join(filepath.Dir(cfg.Keys.SigningKey), tokenauth.JWKSFile))
	}
}

// A registry configured with auth.token.jwks finds regshare's key by kid
// when the tokens carry no x5c (keys.x5c: false); with x5c it checks the
// chain against its empty root pool and refuses, as distribution does.
func TestJWKSOnlyRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t, jwksOnly(false))
	digest, err := e.push("walt", "acme/web:1.0")
	if err != nil {
		t.Fatalf("push to a jwks-only registry with kid tokens: %v", err)
	}
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex before the share", err)
	e.share("acme/web", "globex", time.Time{})
	if got, err := e.pull("gina", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("pull through a share, jwks-only registry: %v %v", got, err)
	}
	if c, _ := e.token("gina", "repository:acme/web:pull"); len(c.Access) != 1 {
		t.Fatalf("token access %+v", c.Access)
	}

	withChain := newE2E(t, jwksOnly(true))
	if _, err := withChain.push("walt", "acme/web:1.0"); err == nil {
		t.Fatal("a jwks-only registry accepted a token whose x5c it cannot verify; keys.x5c: false would not be needed")
	}
}
