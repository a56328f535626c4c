package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/shareapi"
)

// crashState is what the store holds for one share key.
type crashState struct {
	present     bool
	deadline    string // RFC 3339 as the API writes it, or "forever"
	description string
}

func (s crashState) String() string {
	if !s.present {
		return "absent"
	}
	return fmt.Sprintf("{deadline %s, description %q}", s.deadline, s.description)
}

// crashKey is one share the test drives, with what it knows of it: the
// state of the last acknowledged change, and the state an unanswered
// request would have made (it may or may not have landed).
type crashKey struct {
	repo, recipient string
	acked           crashState
	pending         *crashState
}

// crashOp is one request and what it should do.
type crashOp struct {
	method, path string
	body         any
	want         int         // the status expected
	after        *crashState // the state once acknowledged; nil: a refusal changes nothing
}

const (
	crashPassword = "crash-pw"
	crashRepos    = 3 // acme/r0 ...
	crashDomains  = 4 // d0 ... recipients
)

// nextOp picks a request for k, whose state is known (no pending change).
func nextOp(rng *rand.Rand, k *crashKey, seq int) crashOp {
	base := "/v2/manage/namespaces/acme/repositories/" + strings.TrimPrefix(k.repo, "acme/") + "/access-domains"
	one := base + "/" + k.recipient
	deadline := func() string {
		if rng.IntN(4) == 0 {
			return "forever"
		}
		return time.Now().UTC().Add(time.Duration(1+rng.IntN(1000)) * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	}
	desc := fmt.Sprintf("change %d of %s", seq, k.recipient)
	tooLong := strings.Repeat("x", grants.MaxDescription+1)
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	if !k.acked.present {
		switch rng.IntN(10) {
		case 0: // refused: description too long
			return crashOp{"POST", base, shareapi.CreateShare{AccessDomain: k.recipient, Permit: "read", Deadline: "forever", Description: tooLong}, 400, nil}
		case 1: // refused: deadline passed
			return crashOp{"POST", base, shareapi.CreateShare{AccessDomain: k.recipient, Permit: "read", Deadline: past, Description: desc}, 400, nil}
		case 2: // refused: nothing to update
			return crashOp{"PATCH", one, shareapi.UpdateShare{Description: new(desc)}, 404, nil}
		case 3: // refused: a domain that does not exist
			return crashOp{"POST", base, shareapi.CreateShare{AccessDomain: "nosuch", Permit: "read", Deadline: "forever", Description: desc}, 400, nil}
		}
		d := deadline()
		return crashOp{"POST", base, shareapi.CreateShare{AccessDomain: k.recipient, Permit: "read", Deadline: d, Description: desc}, 201,
			&crashState{true, d, desc}}
	}
	switch rng.IntN(10) {
	case 0: // refused: already shared
		return crashOp{"POST", base, shareapi.CreateShare{AccessDomain: k.recipient, Permit: "read", Deadline: "forever", Description: desc}, 409, nil}
	case 1: // refused: description too long
		return crashOp{"PATCH", one, shareapi.UpdateShare{Description: new(tooLong), Deadline: new(deadline())}, 400, nil}
	case 2: // refused: deadline passed
		return crashOp{"PATCH", one, shareapi.UpdateShare{Deadline: new(past), Description: new(desc)}, 400, nil}
	case 3, 4:
		return crashOp{"DELETE", one, nil, 204, &crashState{}}
	case 5, 6:
		next := k.acked
		next.description = desc
		return crashOp{"PATCH", one, shareapi.UpdateShare{Description: new(desc)}, 201, &next}
	}
	d := deadline()
	return crashOp{"PATCH", one, shareapi.UpdateShare{Deadline: new(d), Description: new(desc)}, 201, &crashState{true, d, desc}}
}

// crashDo sends op as alice; ok is false when no answer came (the child
// was killed, or died).
func crashDo(client *http.Client, base string, op crashOp) (status int, body string, ok bool) {
	var rd io.Reader
	if op.body != nil {
		b, _ := json.Marshal(op.body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(op.method, base+op.path, rd)
	if err != nil {
		panic(err)
	}
	req.SetBasicAuth("alice", crashPassword)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", false
	}
	return resp.StatusCode, string(b), true
}

// crashCheck compares what the store holds with what each key allows.
func crashCheck(t *testing.T, round int, keys []*crashKey, got map[grants.Key]crashState) {
	t.Helper()
	for _, k := range keys {
		key := grants.Key{Repository: k.repo, Recipient: k.recipient}
		s := got[key]
		delete(got, key)
		switch {
		case s == k.acked:
		case k.pending != nil && s == *k.pending:
		default:
			pending := "none"
			if k.pending != nil {
				pending = k.pending.String()
			}
			t.Errorf("round %d: %s for %s is %v; acknowledged %v, unanswered request %s", round, k.repo, k.recipient, s, k.acked, pending)
		}
		k.acked, k.pending = s, nil
	}
	for key, s := range got {
		t.Errorf("round %d: %s for %s is %v, which no request made", round, key.Repository, key.Recipient, s)
	}
}

// crashList reads every share of the driven repositories through the API.
func crashList(t *testing.T, base string) map[grants.Key]crashState {
	t.Helper()
	out := map[grants.Key]crashState{}
	for r := range crashRepos {
		status, body, ok := crashDo(http.DefaultClient, base, crashOp{method: "GET", path: fmt.Sprintf("/v2/manage/namespaces/acme/repositories/r%d/access-domains", r)})
		if !ok || status != 200 {
			t.Fatalf("list acme/r%d: %d %s", r, status, body)
		}
		var shares []shareapi.Share
		if err := json.Unmarshal([]byte(body), &shares); err != nil {
			t.Fatal(err)
		}
		for _, s := range shares {
			out[grants.Key{Repository: s.Namespace + "/" + s.Repository, Recipient: s.AccessDomain}] = crashState{true, s.Deadline, s.Description}
		}
	}
	return out
}

// crashRand draws a crash test's choices from a logged seed, or from
// REGSHARE_CRASH_SEED to repeat them.
func crashRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REGSHARE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set REGSHARE_CRASH_SEED to repeat the choices; the kill moments depend on timing too)", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// TestCrashSafety kills `regshare serve` with SIGKILL at random moments
// while share changes stream at it, restarts it on the same bbolt file,
// and checks that every acknowledged change is there and no refused one.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process 25 times")
	}
	rng := crashRand(t)

	setup := newChildSetup(t)
	domains := map[string]childDomain{
		"acme": {namespaces: []string{"acme"}, users: map[string][2]string{"alice": {"manage", setup.hash(t, crashPassword)}}},
	}
	var keys []*crashKey
	for d := range crashDomains {
		domains[fmt.Sprintf("d%d", d)] = childDomain{namespaces: []string{fmt.Sprintf("d%d", d)}}
		for r := range crashRepos {
			keys = append(keys, &crashKey{repo: fmt.Sprintf("acme/r%d", r), recipient: fmt.Sprintf("d%d", d)})
		}
	}
	config := setup.config(t, domains, "")

	const rounds, workers = 25, 4
	var acked, refused, unanswered int
	seq := 0
	for round := range rounds {
		if rng.IntN(4) == 0 {
			// Now and then, a kill while it starts (opening the file).
			early := spawnChild(t, config)
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			early.kill()
		}
		c := startChild(t, config)
		if round > 0 {
			crashCheck(t, round, keys, crashList(t, c.base))
		}
		// Each worker drives its own keys, one request at a time, so that
		// each key has at most one unanswered request when the child dies.
		client := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
		var wg sync.WaitGroup
		var mu sync.Mutex // guards the counters and t's error reports' order
		for w := range workers {
			wrng := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
			first := seq
			seq += 1000
			wg.Go(func() {
				n := first
				for i := 0; i < 1000; i++ {
					k := keys[w+workers*wrng.IntN(len(keys)/workers)]
					n++
					op := nextOp(wrng, k, n)
					status, body, ok := crashDo(client, c.base, op)
					mu.Lock()
					switch {
					case !ok || status >= 500:
						// No answer: the change may or may not have landed.
						if op.after != nil {
							k.pending = op.after
						}
						unanswered++
						mu.Unlock()
						return
					case status != op.want:
						t.Errorf("round %d: %s %s %v: %d %s, want %d (state %v)", round, op.method, op.path, op.body, status, body, op.want, k.acked)
					case op.after != nil:
						k.acked = *op.after
						acked++
					default:
						refused++
					}
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		c.kill()
		wg.Wait()
		client.CloseIdleConnections()
		if t.Failed() {
			t.FailNow()
		}
	}
	// After the last kill, the file itself, opened as the store.
	st, err := bolt.Open(setup.storePath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shares, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[grants.Key]crashState{}
	for _, s := range shares {
		d := "forever"
		if !s.Deadline.IsZero() {
			d = s.Deadline.UTC().Format(time.RFC3339)
		}
		got[s.Key()] = crashState{true, d, s.Description}
	}
	crashCheck(t, rounds, keys, got)
	t.Logf("%d rounds: %d changes acknowledged, %d refused, %d unanswered at a kill", rounds, acked, refused, unanswered)
	if acked < rounds {
		t.Errorf("only %d changes acknowledged in %d rounds: the test exercised too little", acked, rounds)
	}
}
