// Package grantstest is the conformance suite every grants.Store passes.
//
// A backend's tests call the suite with a constructor of fresh, empty
// stores:
//
//	grantstest.RunTests(t, newStore)
//	grantstest.RunConcurrencyTests(t, newStore)
//	grantstest.RunRecordTests(t, newStore)
//
// and a durable backend also calls RunReopenTests. The suite closes every
// store it is given, so constructors need not.
package grantstest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// base is the reference instant of the suite: stores never look at the
// clock, so any fixed time does.
var base = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

// PasswordHash is a bcrypt hash (of "correct horse", at the lowest cost)
// for the users of test directories; made once per test binary.
var PasswordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// Share returns a complete share of repository with recipient: every field
// set, a deadline 30 days after the suite's reference time.
func Share(repository, recipient string) grants.Share {
	return grants.Share{
		Repository:  repository,
		Owner:       grants.Namespace(repository),
		Recipient:   recipient,
		Permit:      grants.PermitRead,
		Deadline:    base.Add(30 * 24 * time.Hour),
		Description: "share of " + repository + " with " + recipient,
		CreatorID:   "id-alice",
		CreatorName: "alice",
		Created:     base,
		Updated:     base.Add(time.Minute),
		UpdatedBy:   "amy",
	}
}

// revoker is who revokes in the suite.
var revoker = grants.Change{Actor: "ivan", Time: base.Add(time.Hour)}

// Diff describes how got differs from want, field by field, comparing times
// with Equal (instant, not location); "" when they are the same share.
func Diff(got, want grants.Share) string {
	var d []string
	str := func(name, g, w string) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %q, want %q", name, g, w))
		}
	}
	tm := func(name string, g, w time.Time) {
		if !g.Equal(w) || g.IsZero() != w.IsZero() {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	str("Repository", got.Repository, want.Repository)
	str("Owner", got.Owner, want.Owner)
	str("Recipient", got.Recipient, want.Recipient)
	str("Permit", got.Permit, want.Permit)
	tm("Deadline", got.Deadline, want.Deadline)
	str("Description", got.Description, want.Description)
	str("CreatorID", got.CreatorID, want.CreatorID)
	str("CreatorName", got.CreatorName, want.CreatorName)
	str("UpdatedBy", got.UpdatedBy, want.UpdatedBy)
	tm("Created", got.Created, want.Created)
	tm("Updated", got.Updated, want.Updated)
	return strings.Join(d, "; ")
}

// SameSet reports how two collections of shares differ as sets keyed by
// Key, also comparing the content of shares with the same key; "" when
// they hold the same shares. Duplicates in either are reported.
func SameSet(got, want []grants.Share) string {
	var d []string
	index := func(name string, ss []grants.Share) map[grants.Key]grants.Share {
		m := make(map[grants.Key]grants.Share, len(ss))
		for _, s := range ss {
			if _, dup := m[s.Key()]; dup {
				d = append(d, fmt.Sprintf("%s holds %v twice", name, s.Key()))
			}
			m[s.Key()] = s
		}
		return m
	}
	g, w := index("got", got), index("want", want)
	for _, k := range sortedKeys(w) {
		gs, ok := g[k]
		if !ok {
			d = append(d, fmt.Sprintf("missing %v", k))
			continue
		}
		if diff := Diff(gs, w[k]); diff != "" {
			d = append(d, fmt.Sprintf("%v: %s", k, diff))
		}
	}
	for _, k := range sortedKeys(g) {
		if _, ok := w[k]; !ok {
			d = append(d, fmt.Sprintf("unexpected %v", k))
		}
	}
	return strings.Join(d, "\n")
}

func sortedKeys(m map[grants.Key]grants.Share) []grants.Key {
	keys := make([]grants.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b grants.Key) int {
		if c := strings.Compare(a.Repository, b.Repository); c != 0 {
			return c
		}
		return strings.Compare(a.Recipient, b.Recipient)
	})
	return keys
}

// open returns a fresh store from newStore, closed when the test ends.
func open(t *testing.T, newStore func(t *testing.T) grants.Store) grants.Store {
	t.Helper()
	st := newStore(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func mustCreate(t *testing.T, st grants.Store, shares ...grants.Share) {
	t.Helper()
	for _, s := range shares {
		if _, err := st.Create(t.Context(), s, grants.Change{}); err != nil {
			t.Fatalf("Create(%v): %v", s.Key(), err)
		}
	}
}

// wantStored fails unless Get(s.Key()) returns exactly s.
func wantStored(t *testing.T, st grants.Store, s grants.Share) {
	t.Helper()
	got, err := st.Get(t.Context(), s.Key())
	if err != nil {
		t.Fatalf("Get(%v): %v", s.Key(), err)
	}
	if d := Diff(got, s); d != "" {
		t.Errorf("Get(%v): %s", s.Key(), d)
	}
}

// wantList fails unless List returns exactly want, as a set.
func wantList(t *testing.T, st grants.Store, want ...grants.Share) {
	t.Helper()
	got, err := st.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if d := SameSet(got, want); d != "" {
		t.Errorf("List:\n%s", d)
	}
}

func wantNotFound(t *testing.T, st grants.Store, k grants.Key) {
	t.Helper()
	if s, err := st.Get(t.Context(), k); !errors.Is(err, grants.ErrNotFound) {
		t.Errorf("Get(%v) = %+v, %v; want ErrNotFound", k, s, err)
	}
}

// unicodeDescription is exactly grants.MaxDescription runes of one, two,
// three and four bytes.
func unicodeDescription() string {
	var b strings.Builder
	runes := []rune{'a', 'é', '日', '🐳'}
	for i := range grants.MaxDescription {
		b.WriteRune(runes[i%len(runes)])
	}
	return b.String()
}
