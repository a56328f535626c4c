package etcd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// A record that does not decode grants nothing, is reported by List, and
// can be revoked.
func TestCorruptRecord(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/corrupt/")
	r := newReplica(t, cfg)
	r.waitLoaded(t)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Client().Put(t.Context(), "/corrupt/shares/acme/web@globex", "{not json"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for canPull(r, t, "gina", "acme/web") {
		if time.Now().After(deadline) {
			t.Fatal("a corrupt record still grants")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := r.st.List(t.Context()); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("List = %v, want it to report the corrupt record", err)
	}
	if _, err := r.st.Delete(t.Context(), grants.Key{Repository: "acme/web", Recipient: "globex"}, grants.Change{Actor: "operator"}); err != nil {
		t.Fatalf("Delete of the corrupt record: %v", err)
	}
	if _, err := r.st.List(t.Context()); err != nil {
		t.Error(err)
	}
}

// A record in the compact form (which the bbolt store writes; this store
// writes JSON, which replicas of earlier versions read) is read like a JSON
// one: by the feed, List, Get and Update.
func TestCompactRecord(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/compact/")
	r := newReplica(t, cfg)
	r.waitLoaded(t)
	s := grantstest.Share("acme/web", "globex")
	s.Deadline = now.Add(time.Hour)
	if _, err := r.st.Client().Put(t.Context(), "/compact/shares/acme/web@globex", string(grants.EncodeShare(s))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !canPull(r, t, "gina", "acme/web") {
		if time.Now().After(deadline) {
			t.Fatal("a compact record does not grant")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, err := r.st.Get(t.Context(), s.Key()); err != nil || grantstest.Diff(got, s) != "" {
		t.Errorf("Get = %+v, %v; %s", got, err, grantstest.Diff(got, s))
	}
	if got, err := r.st.List(t.Context()); err != nil || grantstest.SameSet(got, []grants.Share{s}) != "" {
		t.Errorf("List = %+v, %v", got, err)
	}
	if _, err := r.st.Update(t.Context(), s.Key(), grants.Change{}, func(s grants.Share) (grants.Share, error) {
		s.Description = "updated"
		return s, nil
	}); err != nil {
		t.Errorf("Update of a compact record: %v", err)
	}
}
