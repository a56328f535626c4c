package shareapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/shareapi"
)

// TestFieldNamesAreStable pins the JSON names of every wire type, empty
// (what omitempty leaves out) and filled: scripts read these names.
func TestFieldNamesAreStable(t *testing.T) {
	s, yes := "x", true
	for _, tc := range []struct {
		name          string
		empty, filled any
		want, omitted string // space-separated keys, sorted
	}{
		{"Share", shareapi.Share{}, shareapi.Share{Exist: &yes},
			"access_domain created creator_id creator_name deadline description namespace permit repository status updated", "exist"},
		{"CreateShare", shareapi.CreateShare{}, nil, "access_domain deadline description permit", ""},
		{"UpdateShare", shareapi.UpdateShare{}, shareapi.UpdateShare{Permit: &s, Deadline: &s, Description: &s},
			"", "deadline description permit"},
		{"Event", shareapi.Event{}, shareapi.Event{Before: &shareapi.Share{}, After: &shareapi.Share{}}, "action actor time", "after before"},
		{"SharedRepository", shareapi.SharedRepository{},
			shareapi.SharedRepository{AccessDomains: []shareapi.Recipient{{}}, Deadline: s, PullCommand: s},
			"created_at domain_name name namespace path status tags updated_at", "access_domains deadline pull_command"},
		{"Recipient", shareapi.Recipient{}, nil, "access_domain deadline description permit status", ""},
		{"User", shareapi.User{}, nil, "can_share domain name namespaces registry role", ""},
		{"Repository", shareapi.Repository{}, nil, "domain_name name namespace num_images path shares updated", ""},
		{"Tag", shareapi.Tag{}, nil, "Tag created digest path pull_command size", ""},
		{"Error", shareapi.Error{}, nil, "detail errorCode errorMessage", ""},
	} {
		if got := keys(t, tc.empty); got != tc.want {
			t.Errorf("%s: keys %q, want %q", tc.name, got, tc.want)
		}
		if tc.filled == nil {
			continue
		}
		want := strings.Fields(tc.want + " " + tc.omitted)
		slices.Sort(want)
		if got := keys(t, tc.filled); got != strings.Join(want, " ") {
			t.Errorf("%s filled: keys %q, want %q", tc.name, got, strings.Join(want, " "))
		}
	}
}

func keys(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), " ")
}
