package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
)

// A three-member cluster loses its leader: a new one is elected, and
// changes through the replica go on; every answer is exact.
func TestLeaderLoss(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	cfg := faultConfig("/leader/", c.Endpoints()...)
	cfg.RequestTimeout = 2 * time.Second // an election fits in one change
	r, _ := loggedReplica(t, cfg)
	other, _ := loggedReplica(t, cfg)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	leader := c.Leader()
	if leader < 0 {
		t.Fatal("no leader")
	}
	c.StopMember(leader)
	results := make([]error, 5)
	for i := range results {
		ctx, _ := named(fmt.Sprintf("during-election-%d", i))
		_, results[i] = r.g.Create(ctx, r.user(t, "alice"), shareOf(i), now)
	}
	for i, err := range results {
		exact(t, r, shareOf(i).Key(), err)
	}
	c.RestartMember(leader)
	// Every replica ends with what etcd has, and grants through it.
	waitSame(t, r.st, r, other)
	for i, x := range []*replica{r, other} {
		waitFor(t, fmt.Sprintf("replica %d trusted under the new leader", i), x.g.SharesTrusted)
		if !canPull(x, t, "gina", "acme/web") {
			t.Errorf("replica %d: no access through the share under the new leader", i)
		}
	}
}

// exact checks that the answer err to a create of k tells the truth: made
// when nil, not made when a failure other than an unknown outcome.
func exact(t *testing.T, r *replica, k grants.Key, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got error
	for { // the cluster may still be electing
		if _, got = r.st.Get(ctx, k); !errors.Is(got, grants.ErrUnavailable) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	switch {
	case err == nil && got != nil:
		t.Errorf("create of %v answered success, but Get = %v", k, got)
	case errors.Is(err, grants.ErrOutcomeUnknown):
	case err != nil && !errors.Is(got, grants.ErrNotFound):
		t.Errorf("create of %v failed (%v), but Get = %v", k, err, got)
	}
}

// The cluster loses its quorum twice, a second apart. Each time the
// replica fails closed within stale_after and, once etcd serves again,
// trusts its index again within about a second, not after seconds of
// backoff; a change made during the loss answers exactly.
func TestQuorumLossTwice(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	cfg := faultConfig("/quorum/", c.Endpoints()...)
	r, logs := loggedReplica(t, cfg)
	other, _ := loggedReplica(t, cfg)
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		c.StopMember(1)
		c.StopMember(2)
		for i, x := range []*replica{r, other} {
			waitFor(t, fmt.Sprintf("replica %d stale without a quorum", i), func() bool { return !x.g.SharesTrusted() })
			if canPull(x, t, "gina", "acme/web") {
				t.Fatalf("replica %d without a quorum grants through a share", i)
			}
		}
		k := shareOf(10 + round)
		ctx, _ := named(fmt.Sprintf("no-quorum-%d", round))
		_, err := r.g.Create(ctx, r.user(t, "alice"), k, now)
		if err == nil {
			t.Fatal("a create without a quorum succeeded")
		}
		c.RestartMember(1)
		c.RestartMember(2)
		hctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := c.WaitHealthy(hctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		took := waitFor(t, "trusted again", r.g.SharesTrusted)
		t.Logf("round %d: trusted again %v after etcd served again", round, took)
		if took > 2*time.Second {
			t.Errorf("round %d: trusted again only %v after etcd served again, want about a second", round, took)
		}
		waitFor(t, "the other replica trusted again", other.g.SharesTrusted)
		exact(t, r, k.Key(), err)
		waitSame(t, r.st, r, other)
		time.Sleep(time.Second)
	}
	for i, x := range []*replica{r, other} {
		if !canPull(x, t, "gina", "acme/web") {
			t.Errorf("replica %d: after the losses, no access through the share", i)
		}
	}
}
