package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
)

// A bulk group is a set of pairs every change of the crash test changes
// together: its repositories × all the recipient domains.
const (
	bulkGroups     = 3
	bulkGroupRepos = 5
	bulkDomains    = 10 // d0 … d9: 50 pairs a group
)

func bulkGroupRepositories(g int) []string {
	out := make([]string, bulkGroupRepos)
	for i := range out {
		out[i] = fmt.Sprintf("acme/g%dr%d", g, i)
	}
	return out
}

func bulkRecipients() []string {
	out := make([]string, bulkDomains)
	for i := range out {
		out[i] = fmt.Sprintf("d%d", i)
	}
	return out
}

// nextBulkOp picks a bulk change of group g, whose state is s.
func nextBulkOp(rng *rand.Rand, g int, s crashState, seq int) crashOp {
	repos, domains := bulkGroupRepositories(g), bulkRecipients()
	desc := fmt.Sprintf("bulk change %d", seq)
	create := shareapi.BulkCreate{Repositories: repos, AccessDomains: domains, Permit: "read", Deadline: "forever", Description: desc}
	if !s.present {
		if rng.IntN(5) == 0 { // refused: a repository of another domain among them
			create.Repositories = append(create.Repositories[:2:2], "d0/theirs")
			return crashOp{"POST", "/v2/manage/shares", create, http.StatusForbidden, nil}
		}
		return crashOp{"POST", "/v2/manage/shares", create, http.StatusCreated, &crashState{true, "forever", desc}}
	}
	switch rng.IntN(5) {
	case 0: // refused: the pairs exist
		return crashOp{"POST", "/v2/manage/shares", create, http.StatusConflict, nil}
	case 1, 2:
		return crashOp{"PATCH", "/v2/manage/shares", shareapi.BulkUpdate{Repositories: repos, AccessDomains: domains, Description: new(desc)}, http.StatusOK, &crashState{true, "forever", desc}}
	}
	return crashOp{"POST", "/v2/manage/shares/revoke", shareapi.BulkRevoke{Repositories: repos, AccessDomains: domains}, http.StatusOK, &crashState{}}
}

// bulkStates reads, through the API, the state of every pair of group g.
func bulkStates(t *testing.T, base string, g int) map[string]crashState {
	t.Helper()
	out := map[string]crashState{}
	for _, repo := range bulkGroupRepositories(g) {
		status, body, ok := crashDo(http.DefaultClient, base, crashOp{method: "GET", path: "/v2/manage/namespaces/acme/repositories/" + repo[len("acme/"):] + "/access-domains"})
		if !ok || status != 200 {
			t.Fatalf("list %s: %d %s", repo, status, body)
		}
		var shares []shareapi.Share
		if err := json.Unmarshal([]byte(body), &shares); err != nil {
			t.Fatal(err)
		}
		for _, d := range bulkRecipients() {
			out[repo+" "+d] = crashState{}
		}
		for _, s := range shares {
			out[repo+" "+s.AccessDomain] = crashState{true, s.Deadline, s.Description}
		}
	}
	return out
}

// bulkCheck fails unless every pair of group g is in one state, that of
// the last acknowledged change or of the unanswered one; it returns it.
func bulkCheck(t *testing.T, round, g int, got map[string]crashState, acked crashState, pending *crashState) crashState {
	t.Helper()
	var first crashState
	i := 0
	for pair, s := range got {
		if i == 0 {
			first = s
		} else if s != first {
			t.Errorf("round %d: group %d is torn: %s is %v, another pair %v", round, g, pair, s, first)
			return first
		}
		i++
	}
	if first != acked && (pending == nil || first != *pending) {
		t.Errorf("round %d: group %d is %v; acknowledged %v, unanswered %v", round, g, first, acked, pending)
	}
	return first
}

// TestBulkCrashSafety kills `regshare serve` with SIGKILL at random
// moments while bulk changes of 50 pairs each stream at it, restarts it on
// the same bbolt file, and checks that each change is there whole or not
// at all: every pair of a group in the same state, that of its last
// acknowledged change or of its unanswered one.
func TestBulkCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process 12 times")
	}
	rng := crashRand(t)

	setup := newChildSetup(t)
	domains := map[string]childDomain{
		"acme": {namespaces: []string{"acme"}, users: map[string][2]string{"alice": {"manage", setup.hash(t, crashPassword)}}},
	}
	for d := range bulkDomains {
		domains[fmt.Sprintf("d%d", d)] = childDomain{namespaces: []string{fmt.Sprintf("d%d", d)}}
	}
	config := setup.config(t, domains, "")

	const rounds = 12
	acked := make([]crashState, bulkGroups)
	pending := make([]*crashState, bulkGroups)
	var nAcked, nRefused, nUnanswered int
	seq := 0
	for round := range rounds {
		c := startChild(t, config)
		if round > 0 {
			for g := range bulkGroups {
				acked[g], pending[g] = bulkCheck(t, round, g, bulkStates(t, c.base, g), acked[g], pending[g]), nil
			}
		}
		client := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for g := range bulkGroups {
			grng := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
			first := seq
			seq += 1000
			wg.Go(func() {
				for n := first; n < first+1000; n++ {
					op := nextBulkOp(grng, g, acked[g], n)
					status, body, ok := crashDo(client, c.base, op)
					mu.Lock()
					switch {
					case !ok || status >= 500:
						pending[g] = op.after
						nUnanswered++
						mu.Unlock()
						return
					case status != op.want:
						t.Errorf("round %d: %s %s: %d %s, want %d (group %d %v)", round, op.method, op.path, status, body, op.want, g, acked[g])
					case op.after != nil:
						acked[g] = *op.after
						nAcked++
					default:
						nRefused++
					}
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		c.kill()
		wg.Wait()
		client.CloseIdleConnections()
		if t.Failed() {
			t.FailNow()
		}
	}
	c := startChild(t, config)
	for g := range bulkGroups {
		bulkCheck(t, rounds, g, bulkStates(t, c.base, g), acked[g], pending[g])
	}
	t.Logf("%d rounds: %d bulk changes of %d pairs acknowledged, %d refused, %d unanswered at a kill",
		rounds, nAcked, bulkGroupRepos*bulkDomains, nRefused, nUnanswered)
	if nAcked < rounds {
		t.Errorf("only %d bulk changes acknowledged in %d rounds: the test exercised too little", nAcked, rounds)
	}
}
