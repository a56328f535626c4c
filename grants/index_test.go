package grants_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
)

// indexShare is a complete share owned by the domain named like the
// repository's namespace.
func indexShare(repository, recipient string, deadline time.Time) grants.Share {
	s := grantstest.Share(repository, recipient)
	s.Deadline = deadline
	return s
}

func newIndex(t *testing.T, shares ...grants.Share) *grants.Index {
	t.Helper()
	ix, err := grants.NewIndex(shares)
	if err != nil {
		t.Fatalf("NewIndex: %v", err)
	}
	return ix
}

func wantIndex(t *testing.T, ix *grants.Index, want ...grants.Share) {
	t.Helper()
	if n := ix.Len(); n != len(want) {
		t.Errorf("Len = %d, want %d", n, len(want))
	}
	for _, s := range want {
		got, ok := ix.Get(s.Key())
		if !ok {
			t.Errorf("Get(%v): missing", s.Key())
			continue
		}
		if d := grantstest.Diff(got, s); d != "" {
			t.Errorf("Get(%v): %s", s.Key(), d)
		}
	}
}

func TestIndexEmpty(t *testing.T) {
	ix := newIndex(t)
	if n := ix.Len(); n != 0 {
		t.Errorf("Len = %d", n)
	}
	if s, ok := ix.Get(grants.Key{Repository: "acme/web", Recipient: "globex"}); ok {
		t.Errorf("Get = %+v", s)
	}
	if got := ix.ByRecipient("globex"); len(got) != 0 {
		t.Errorf("ByRecipient = %+v", got)
	}
	if err := ix.Remove(grants.Key{Repository: "acme/web", Recipient: "globex"}); err != nil {
		t.Errorf("Remove of an absent share: %v", err)
	}
}

func TestIndexLoad(t *testing.T) {
	a, b := indexShare("acme/web", "globex", tomorrow), indexShare("acme/api", "globex", time.Time{})
	c := indexShare("globex/app", "acme", nextYear)
	ix := newIndex(t, a, b)
	wantIndex(t, ix, a, b)

	if err := ix.Load([]grants.Share{c}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantIndex(t, ix, c)
	for _, gone := range []grants.Share{a, b} {
		if _, ok := ix.Get(gone.Key()); ok {
			t.Errorf("Get(%v) after Load without it: found", gone.Key())
		}
	}
	if got := ix.ByRecipient("globex"); len(got) != 0 {
		t.Errorf("ByRecipient(globex) after Load = %+v", got)
	}

	// Loading the same key twice keeps the last; the input is copied.
	c2 := c
	c2.Description = "second"
	in := []grants.Share{c, c2, a}
	if err := ix.Load(in); err != nil {
		t.Fatalf("Load: %v", err)
	}
	in[1].Description = "changed after Load"
	wantIndex(t, ix, c2, a)

	if err := ix.Load(nil); err != nil {
		t.Fatalf("Load(nil): %v", err)
	}
	wantIndex(t, ix)
}

func TestIndexPutRemove(t *testing.T) {
	a := indexShare("acme/web", "globex", tomorrow)
	b := indexShare("acme/web", "initech", time.Time{})
	ix := newIndex(t, a)

	if err := ix.Put(b); err != nil {
		t.Fatalf("Put: %v", err)
	}
	wantIndex(t, ix, a, b)

	// Same key: replaced, not duplicated, in every index.
	a2 := a
	a2.Description = "replaced"
	a2.Owner = "acme-corp"
	a2.Deadline = nextYear
	if err := ix.Put(a2); err != nil {
		t.Fatalf("Put: %v", err)
	}
	wantIndex(t, ix, a2, b)
	for name, got := range map[string][]grants.Share{
		"ByRecipient(globex)":    ix.ByRecipient("globex"),
		"ByRepository(acme/web)": ix.ByRepository("acme/web"),
		"ByNamespace(acme)":      ix.ByNamespace("acme"),
	} {
		var want []grants.Share
		switch name {
		case "ByRecipient(globex)":
			want = []grants.Share{a2}
		case "ByRepository(acme/web)", "ByNamespace(acme)":
			want = []grants.Share{a2, b}
		}
		if d := grantstest.SameSet(got, want); d != "" {
			t.Errorf("%s:\n%s", name, d)
		}
	}

	if err := ix.Remove(a.Key()); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	wantIndex(t, ix, b)
	if _, ok := ix.Get(a.Key()); ok {
		t.Error("Get after Remove: found")
	}
	if got := ix.ByRecipient("globex"); len(got) != 0 {
		t.Errorf("ByRecipient(globex) after Remove = %+v", got)
	}
	if err := ix.Remove(a.Key()); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	// Remove of a prefix or extension of a key removes nothing.
	for _, k := range []grants.Key{
		{Repository: "acme/we", Recipient: "initech"},
		{Repository: "acme/web", Recipient: "initec"},
		{Repository: "acme/web", Recipient: "initech2"},
		{Repository: "acme/web2", Recipient: "initech"},
	} {
		if err := ix.Remove(k); err != nil {
			t.Errorf("Remove(%v): %v", k, err)
		}
	}
	wantIndex(t, ix, b)
}

func TestIndexQueries(t *testing.T) {
	var (
		webGlobex  = indexShare("acme/web", "globex", tomorrow)
		webInitech = indexShare("acme/web", "initech", time.Time{})
		apiGlobex  = indexShare("acme/team/api", "globex", nextYear)
		web2Globex = indexShare("acme/web2", "globex", time.Time{})
		weBGlobex  = indexShare("acme/we", "bglobex", time.Time{})
		xGlobex    = indexShare("acmex/tool", "globex", tomorrow)
		appAcme    = indexShare("globex/app", "acme", time.Time{})
		appGlobex2 = indexShare("globex/app", "globex2", time.Time{})
	)
	all := []grants.Share{webGlobex, webInitech, apiGlobex, web2Globex, weBGlobex, xGlobex, appAcme, appGlobex2}
	ix := newIndex(t, all...)
	wantIndex(t, ix, all...)

	tests := []struct {
		name string
		got  []grants.Share
		want []grants.Share
	}{
		{"ByRecipient(globex)", ix.ByRecipient("globex"), []grants.Share{webGlobex, apiGlobex, web2Globex, xGlobex}},
		{"ByRecipient(globex2)", ix.ByRecipient("globex2"), []grants.Share{appGlobex2}},
		{"ByRecipient(glob)", ix.ByRecipient("glob"), nil},
		{"ByRecipient(acme)", ix.ByRecipient("acme"), []grants.Share{appAcme}},
		{"ByRecipient(nobody)", ix.ByRecipient("nobody"), nil},
		{"ByRecipient()", ix.ByRecipient(""), nil},
		{"ByNamespace(acme)", ix.ByNamespace("acme"), []grants.Share{webGlobex, webInitech, apiGlobex, web2Globex, weBGlobex}},
		{"ByNamespace(acmex)", ix.ByNamespace("acmex"), []grants.Share{xGlobex}},
		{"ByNamespace(acm)", ix.ByNamespace("acm"), nil},
		{"ByNamespace(acme/web)", ix.ByNamespace("acme/web"), nil},
		{"ByNamespace(globex)", ix.ByNamespace("globex"), []grants.Share{appAcme, appGlobex2}},
		{"ByRepository(acme/web)", ix.ByRepository("acme/web"), []grants.Share{webGlobex, webInitech}},
		{"ByRepository(acme/we)", ix.ByRepository("acme/we"), []grants.Share{weBGlobex}},
		{"ByRepository(acme/web2)", ix.ByRepository("acme/web2"), []grants.Share{web2Globex}},
		{"ByRepository(acme/team)", ix.ByRepository("acme/team"), nil},
		{"ByRepository(acme)", ix.ByRepository("acme"), nil},
	}
	for _, tt := range tests {
		if d := grantstest.SameSet(tt.got, tt.want); d != "" {
			t.Errorf("%s:\n%s", tt.name, d)
		}
	}
	for _, k := range []grants.Key{
		{Repository: "acme/web", Recipient: "glob"},
		{Repository: "acme/we", Recipient: "bglobe"},
		{Repository: "acme/we", Recipient: "b"},
		{Repository: "acme/web", Recipient: ""},
		{Repository: "", Recipient: "globex"},
	} {
		if s, ok := ix.Get(k); ok {
			t.Errorf("Get(%v) = %+v", k, s)
		}
	}
}

func TestIndexReturnsCopies(t *testing.T) {
	a := indexShare("acme/web", "globex", tomorrow)
	ix := newIndex(t, a)
	mutate := func(s *grants.Share) {
		s.Description = "mutated"
		s.Owner = "mallory"
		s.Deadline = time.Time{}
		s.Permit = "write"
	}

	got, _ := ix.Get(a.Key())
	mutate(&got)
	for _, ss := range [][]grants.Share{
		ix.ByRecipient("globex"), ix.ByNamespace("acme"),
		ix.ByRepository("acme/web"),
	} {
		for i := range ss {
			mutate(&ss[i])
		}
	}
	in := a
	if err := ix.Put(in); err != nil {
		t.Fatal(err)
	}
	mutate(&in)

	wantIndex(t, ix, a)
	if got := ix.ByNamespace("mallory"); len(got) != 0 {
		t.Errorf("ByNamespace(mallory) = %+v", got)
	}
	if got := ix.ByRecipient("globex"); len(got) != 1 || got[0].Owner != a.Owner {
		t.Errorf("ByRecipient(globex) = %+v", got)
	}
}

// TestIndexConcurrentLoad checks, under -race, that readers see either the
// whole old or the whole new content while Load swaps it.
func TestIndexConcurrentLoad(t *testing.T) {
	const n = 50
	gen := func(tag string) []grants.Share {
		out := make([]grants.Share, n)
		for i := range out {
			out[i] = indexShare(fmt.Sprintf("acme/r%d", i), "globex", tomorrow)
			out[i].Description = tag
		}
		return out
	}
	sets := [][]grants.Share{gen("A"), gen("B")}
	ix := newIndex(t, sets[0]...)

	var (
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got := ix.ByRecipient("globex")
				if len(got) != n {
					t.Errorf("ByRecipient saw %d shares, want %d", len(got), n)
					return
				}
				for _, s := range got[1:] {
					if s.Description != got[0].Description {
						t.Errorf("ByRecipient saw a mix of %q and %q", got[0].Description, s.Description)
						return
					}
				}
				if s, ok := ix.Get(grants.Key{Repository: "acme/r7", Recipient: "globex"}); !ok || (s.Description != "A" && s.Description != "B") {
					t.Errorf("Get = %+v, %v", s, ok)
					return
				}
				if l := ix.Len(); l != n {
					t.Errorf("Len = %d", l)
					return
				}
			}
		})
	}
	for i := range 200 {
		if err := ix.Load(sets[i%2]); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
}

// TestIndexConcurrentPut runs writers and readers together under -race.
func TestIndexConcurrentPut(t *testing.T) {
	const writers, puts = 4, 100
	ix := newIndex(t)
	var (
		wg      sync.WaitGroup
		readers sync.WaitGroup
		stop    = make(chan struct{})
	)
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, s := range ix.ByNamespace("acme") {
					if _, err := strconv.Atoi(s.Description); err != nil {
						t.Errorf("torn share %+v", s)
						return
					}
				}
				ix.ByRecipient("globex")
				ix.Get(grants.Key{Repository: "acme/w1", Recipient: "d3"})
				for range ix.All() {
				}
				ix.Len()
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for i := range puts {
				s := indexShare(fmt.Sprintf("acme/w%d", w), fmt.Sprintf("d%d", i%10), now.Add(time.Duration(i)*time.Minute))
				s.Description = strconv.Itoa(i)
				if err := ix.Put(s); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := ix.Remove(s.Key()); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := ix.Load(nil); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()

	// A final, quiet round leaves exactly what was put.
	if err := ix.Load(nil); err != nil {
		t.Fatal(err)
	}
	var want []grants.Share
	for w := range writers {
		s := indexShare(fmt.Sprintf("acme/w%d", w), "globex", tomorrow)
		want = append(want, s)
		if err := ix.Put(s); err != nil {
			t.Fatal(err)
		}
	}
	wantIndex(t, ix, want...)
}

// TestIndexAgreesWithModel applies random puts, removes and loads to the
// index and to a plain map, and checks after each step that every query
// answers what the map holds, in the documented order.
func TestIndexAgreesWithModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	repos := []string{"acme/web", "acme/we", "acme/web2", "acme/team/api", "acmex/tool", "globex/app", "globex/app/x"}
	domains := []string{"acme", "globex", "globex2", "bglobex", "initech"}
	model := map[grants.Key]grants.Share{}
	ix := newIndex(t)
	random := func() grants.Share {
		s := indexShare(repos[rng.IntN(len(repos))], domains[rng.IntN(len(domains))], time.Time{})
		s.Description = strconv.Itoa(rng.IntN(1000))
		return s
	}
	for step := range 2000 {
		switch op := rng.IntN(100); {
		case op < 60:
			s := random()
			if err := ix.Put(s); err != nil {
				t.Fatal(err)
			}
			model[s.Key()] = s
		case op < 95:
			k := random().Key()
			if err := ix.Remove(k); err != nil {
				t.Fatal(err)
			}
			delete(model, k)
		default:
			var in []grants.Share
			clear(model)
			for range rng.IntN(10) {
				s := random()
				in = append(in, s)
				model[s.Key()] = s
			}
			if err := ix.Load(in); err != nil {
				t.Fatal(err)
			}
		}

		if n := ix.Len(); n != len(model) {
			t.Fatalf("step %d: Len = %d, want %d", step, n, len(model))
		}
		want := func(keep func(grants.Share) bool, order func(a, b grants.Share) int) []grants.Share {
			var out []grants.Share
			for _, s := range model {
				if keep(s) {
					out = append(out, s)
				}
			}
			slices.SortFunc(out, order)
			return out
		}
		byKey := func(a, b grants.Share) int {
			return cmp.Or(strings.Compare(a.Repository, b.Repository), strings.Compare(a.Recipient, b.Recipient))
		}
		type check struct {
			name      string
			got, want []grants.Share
		}
		var checks []check
		for _, d := range domains {
			checks = append(checks, check{"ByRecipient(" + d + ")", ix.ByRecipient(d), want(func(s grants.Share) bool { return s.Recipient == d }, byKey)})
		}
		for _, ns := range []string{"acme", "acmex", "globex", "acm"} {
			checks = append(checks, check{"ByNamespace(" + ns + ")", ix.ByNamespace(ns), want(func(s grants.Share) bool { return grants.Namespace(s.Repository) == ns }, byKey)})
		}
		for _, r := range repos {
			checks = append(checks, check{"ByRepository(" + r + ")", ix.ByRepository(r), want(func(s grants.Share) bool { return s.Repository == r }, byKey)})
		}
		var all []grants.Share
		for s := range ix.All() {
			all = append(all, *s)
		}
		checks = append(checks, check{"All", all, want(func(grants.Share) bool { return true }, byKey)})
		for _, c := range checks {
			if len(c.got) != len(c.want) {
				t.Fatalf("step %d: %s has %d shares, want %d", step, c.name, len(c.got), len(c.want))
			}
			for i := range c.got {
				if d := grantstest.Diff(c.got[i], c.want[i]); d != "" {
					t.Fatalf("step %d: %s[%d]: %s", step, c.name, i, d)
				}
			}
		}
		for _, r := range repos {
			for _, d := range domains {
				k := grants.Key{Repository: r, Recipient: d}
				got, ok := ix.Get(k)
				w, wok := model[k]
				if ok != wok || (ok && grantstest.Diff(got, w) != "") {
					t.Fatalf("step %d: Get(%v) = %+v, %v; want %+v, %v", step, k, got, ok, w, wok)
				}
			}
		}
	}
}
