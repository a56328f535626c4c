package admin_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestShareOperationMetrics(t *testing.T) {
	e := newEnv(t, options{})
	base := "/v2/manage/namespaces/acme/repositories/web/access-domains"
	count := func(op, result string) float64 {
		t.Helper()
		n, _ := e.opCount("regshare_share_operations_total", op, result)
		return n
	}
	if r := e.do("alice", "POST", base, create("globex", "read", "forever", "")); r.status != 201 {
		t.Fatal(r)
	}
	if r := e.do("alice", "POST", base, create("globex", "read", "forever", "")); r.status != 409 {
		t.Fatal(r)
	}
	if r := e.do("rita", "DELETE", base+"/globex", ""); r.status != 403 {
		t.Fatal(r)
	}
	if r := e.do("alice", "PATCH", base+"/globex", `{"description":"x"}`); r.status != 201 {
		t.Fatal(r)
	}
	if r := e.do("alice", "GET", base, ""); r.status != 200 {
		t.Fatal(r)
	}
	for _, c := range []struct {
		op, result string
		want       float64
	}{
		{"create", "ok", 1}, {"create", "refused", 1}, {"revoke", "refused", 1}, {"update", "ok", 1}, {"revoke", "ok", 0},
	} {
		if got := count(c.op, c.result); got != c.want {
			t.Errorf("%s/%s = %v, want %v", c.op, c.result, got, c.want)
		}
	}
	// Every operation and result is a series from the start (3 × 3); reads
	// are not counted.
	if n, err := testutil.GatherAndCount(e.metrics, "regshare_share_operations_total"); err != nil || n != 9 {
		t.Errorf("series: %d %v, want 9", n, err)
	}
}

// opCount is the value of metric{op,result}, and whether the series
// exists.
func (e *env) opCount(metric, op, result string) (float64, bool) {
	e.t.Helper()
	mfs, err := e.metrics.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["op"] == op && labels["result"] == result {
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}
