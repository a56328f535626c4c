package etcd_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// bulk is a batch creating every share of n repositories × m domains.
func bulk(n, m int, description string) []grants.ShareOp {
	var ops []grants.ShareOp
	for r := range n {
		for d := range m {
			s := grantstest.Share(fmt.Sprintf("acme/sdk/r%02d", r), fmt.Sprintf("d%02d", d))
			s.Description = description
			ops = append(ops, grants.CreateOp(s))
		}
	}
	return ops
}

// revision is etcd's current revision: unchanged, nothing was written.
func revision(t *testing.T, srv *etcdtest.Server) int64 {
	t.Helper()
	resp, err := srv.Client().Get(t.Context(), "/any")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// A batch that needs more operations or bytes than the store is told one
// etcd transaction holds is refused before anything reaches etcd, with a
// message that says the limit and how to raise it; a batch within them is
// made. etcd here runs with its default --max-txn-ops (128).
func TestBatchLimitsRefusedUpFront(t *testing.T) {
	srv := etcdtest.Start(t)
	st := open(t, config(srv.Endpoint(), "/limits/"), nil)
	defer st.Close()
	for _, tc := range []struct {
		name string
		cfg  func(*etcd.Config)
		ops  []grants.ShareOp
		want []string
	}{
		// 2 × 64 + 1 repository + 1 fence = 130 > 128.
		{"operations", nil, bulk(1, 64, ""), []string{"130 operations", "max_txn_ops is 128", "--max-txn-ops"}},
		{"operations over several repositories", nil, bulk(3, 21, ""), []string{"130 operations"}},
		{"bytes", func(c *etcd.Config) { c.MaxRequestBytes = 64 << 10 }, bulk(2, 10, strings.Repeat("é", grants.MaxDescription)),
			[]string{"max_request_bytes is 65536", "--max-request-bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := st
			if tc.cfg != nil {
				cfg := config(srv.Endpoint(), "/limits/")
				tc.cfg(&cfg)
				s = open(t, cfg, nil)
				defer s.Close()
			}
			rev := revision(t, srv)
			_, err := s.ChangeShares(t.Context(), tc.ops, grants.Change{ID: tc.name})
			if !errors.Is(err, grants.ErrBatchTooLarge) || !errors.Is(err, grants.ErrInvalid) {
				t.Fatalf("ChangeShares = %v, want ErrBatchTooLarge", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal %q does not say %q", err, w)
				}
			}
			if got := revision(t, srv); got != rev {
				t.Errorf("etcd's revision moved from %d to %d: something was written", rev, got)
			}
		})
	}
	// Just within: 2 × 63 + 1 + 1 = 128.
	if _, err := st.ChangeShares(t.Context(), bulk(1, 63, ""), grants.Change{}); err != nil {
		t.Fatalf("a batch of exactly 128 operations: %v", err)
	}
	if shares, err := st.List(t.Context()); err != nil || len(shares) != 63 {
		t.Fatalf("List = %d shares, %v; want 63", len(shares), err)
	}
}

// With etcd's --max-txn-ops raised and the store told so, twenty
// repositories go to thirty domains in one change; when the store is told
// more than etcd allows, etcd's refusal is a clean ErrBatchTooLarge that
// names the flag, and nothing is written.
func TestBatchRaisedLimit(t *testing.T) {
	raised := etcdtest.StartMaxTxnOps(t, 4096)
	cfg := config(raised.Endpoint(), "/raised/")
	cfg.MaxTxnOps = 4096
	cfg.MaxRequestBytes = 8 << 20
	st := open(t, cfg, nil)
	defer st.Close()
	ops := bulk(20, 30, "the SDK for partners")
	start := time.Now()
	evs, err := st.ChangeShares(t.Context(), ops, grants.Change{Actor: "alice", ID: "sdk-to-partners"})
	if err != nil || len(evs) != 600 {
		t.Fatalf("600 shares in one change = %d events, %v", len(evs), err)
	}
	t.Logf("600 shares in one etcd change: %v", time.Since(start))
	shares, err := st.List(t.Context())
	if err != nil || len(shares) != 600 {
		t.Fatalf("List = %d shares, %v; want 600", len(shares), err)
	}
	h, err := st.History(t.Context(), ops[599].Share.Key())
	if err != nil || len(h) != 1 || h[0].ID != "sdk-to-partners" {
		t.Errorf("history of the last pair = %+v, %v; want its create", h, err)
	}

	// etcd's --max-request-bytes is its default, 1.5 MiB: a store told
	// more sees etcd (or gRPC in front of it) refuse the request whole.
	cfg.MaxRequestBytes = 16 << 20
	cfg.Prefix = "/told-more-bytes/"
	more := open(t, cfg, nil)
	defer more.Close()
	long := strings.Repeat("é", grants.MaxDescription)
	for _, n := range []int{12, 20} { // about 1.6 and 2.7 MB
		rev := revision(t, raised)
		_, err := more.ChangeShares(t.Context(), bulk(n, 30, long), grants.Change{})
		if !errors.Is(err, grants.ErrBatchTooLarge) || !strings.Contains(err.Error(), "--max-request-bytes") || errors.Is(err, grants.ErrOutcomeUnknown) {
			t.Fatalf("%d × 30 shares of long descriptions = %v, want ErrBatchTooLarge naming --max-request-bytes", n, err)
		}
		if got := revision(t, raised); got != rev {
			t.Errorf("etcd's revision moved from %d to %d after its refusal", rev, got)
		}
	}

	def := etcdtest.Start(t) // --max-txn-ops 128
	cfg = config(def.Endpoint(), "/told-more/")
	cfg.MaxTxnOps = 4096
	told := open(t, cfg, nil)
	defer told.Close()
	rev := revision(t, def)
	_, err = told.ChangeShares(t.Context(), bulk(2, 40, ""), grants.Change{})
	if !errors.Is(err, grants.ErrBatchTooLarge) || !strings.Contains(err.Error(), "--max-txn-ops") || errors.Is(err, grants.ErrOutcomeUnknown) {
		t.Fatalf("a batch etcd refuses as too large = %v, want ErrBatchTooLarge naming --max-txn-ops", err)
	}
	if got := revision(t, def); got != rev {
		t.Errorf("etcd's revision moved from %d to %d after its refusal", rev, got)
	}
}
