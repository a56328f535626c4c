package grantstest

import (
	"context"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// testTokenEnds checks that token ends reach the index both ways a store
// feeds it: in its first load, and as changes afterwards.
func testTokenEnds(t *testing.T, st grants.Store) {
	ctx := t.Context()
	made := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	logout := grants.TokenEnd{Subject: "alice", ID: "token-1", Until: made.Add(5 * time.Minute), Made: made}
	if err := st.EndTokens(ctx, logout); err != nil {
		t.Fatalf("EndTokens: %v", err)
	}
	dir, err := grants.NewDirectory(grants.DirectoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(ctx, dir, st)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := g.WaitLoaded(wctx); err != nil {
		t.Fatal(err)
	}
	at := made.Add(time.Minute)
	if !g.TokenEnded("alice", "token-1", made.Add(-time.Minute), at) {
		t.Error("a token end written before the load is not in the index")
	}
	if g.TokenEnded("alice", "token-2", made.Add(-time.Minute), at) || g.TokenEnded("bob", "token-1", made.Add(-time.Minute), at) {
		t.Error("a logout ends other tokens")
	}
	if g.TokenEnded("alice", "token-1", made.Add(-time.Minute), logout.Until) {
		t.Error("a token end counts past its until")
	}
	everywhere := grants.TokenEnd{Subject: "alice", Before: at, Until: at.Add(time.Hour), Made: at}
	if err := g.EndTokens(ctx, everywhere); err != nil {
		t.Fatalf("EndTokens through grants: %v", err)
	}
	if !g.TokenEnded("alice", "token-9", at.Add(-time.Second), at) {
		t.Error("sign out everywhere does not end an older token (the change did not reach the index)")
	}
	if g.TokenEnded("alice", "token-9", at, at) {
		t.Error("sign out everywhere ends a token issued at or after its time")
	}
	if err := g.EndTokens(ctx, grants.TokenEnd{Subject: "alice", Until: at}); err == nil {
		t.Error("an end naming neither a token nor a time is accepted")
	}
}
