package main

import (
	"strings"
	"testing"
	"time"
)

const wrkOut = `Running 10s test @ http://127.0.0.1:40000/token
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.00us    1.10ms  40.00ms   97.00%
    Req/Sec    19.10k     1.20k   22.00k    70.00%
  Latency Distribution
     50%  302.00us
     75%  410.00us
     90%  600.00us
     99%   17.41ms
  384000 requests in 10.00s, 950.00MB read
Requests/sec:  38647.12
Transfer/sec:     95.00MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOut)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{rps: 38647.12, p50: 302 * time.Microsecond, p99: 17410 * time.Microsecond}
	if r != want {
		t.Errorf("parseWrk = %+v, want %+v", r, want)
	}
	slow := strings.Replace(wrkOut, "99%   17.41ms", "99%    1.61s", 1)
	if r, err := parseWrk(slow); err != nil || r.p99 != 1610*time.Millisecond {
		t.Errorf("parseWrk(p99 in s) = %+v, %v", r, err)
	}
	for name, out := range map[string]string{
		"non-2xx":       strings.Replace(wrkOut, "Requests/sec:", "  Non-2xx or 3xx responses: 3\nRequests/sec:", 1),
		"socket errors": strings.Replace(wrkOut, "Requests/sec:", "  Socket errors: connect 0, read 1, write 0, timeout 0\nRequests/sec:", 1),
		"no latency":    strings.Replace(wrkOut, "     99%   17.41ms\n", "", 1),
		"no requests":   strings.Replace(wrkOut, "384000 requests", "0 requests", 1),
	} {
		if _, err := parseWrk(out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseGoBench(t *testing.T) {
	gb := parseGoBench(strings.NewReader(`cpu: AMD EPYC
BenchmarkAuthorize/shares=1M-2         	 1477533	      1748 ns/op	     448 B/op	      15 allocs/op
BenchmarkIndexLoadFromBolt/shares=1M-2 	       1	31292880794 ns/op	      3031 heapB/share	        31.29 s/load	4793632336 B/op	86114601 allocs/op
BenchmarkTokenHandler/refresh-2   	  251571	     14219 ns/op	    4659 B/op	      24 allocs/op
BenchmarkTokenHandler/refresh-2   	  251571	     10000 ns/op	    4659 B/op	      23 allocs/op
BenchmarkTokenHandler/refresh-2   	  251571	     12000 ns/op	    4659 B/op	      25 allocs/op
`))
	for _, c := range []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkAuthorize/shares=1M", "ns/op", 1748},
		{"BenchmarkIndexLoadFromBolt/shares=1M", "heapB/share", 3031},
		{"BenchmarkIndexLoadFromBolt/shares=1M", "s/load", 31.29},
		{"BenchmarkTokenHandler/refresh", "ns/op", 12000}, // the median of three
		{"BenchmarkTokenHandler/refresh", "allocs/op", 24},
	} {
		if got := gb.get(c.name, c.unit); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.name, c.unit, got, c.want)
		}
	}
	if gb.cpu != "AMD EPYC" {
		t.Errorf("cpu = %q", gb.cpu)
	}
}

// TestRows: each Go benchmark figure lands in its row, a missing one is a
// miss rather than a pass.
func TestRows(t *testing.T) {
	gb := parseGoBench(strings.NewReader(`BenchmarkAuthorize/shares=1k-2 	 1000000	      1000 ns/op	     352 B/op	       8 allocs/op
BenchmarkAuthorize/shares=1M-2 	 1000000	      1400 ns/op	     352 B/op	       8 allocs/op
BenchmarkIndexLoadFromBolt/shares=1M-2 	       1	1900000000 ns/op	       336.0 heapB/share	         1.900 s/load
BenchmarkIndexLoadFromBolt/shares=1M-2 	       1	2600000000 ns/op	       336.0 heapB/share	         2.600 s/load
BenchmarkIndexLoadFromBolt/shares=1M-2 	       1	1800000000 ns/op	       336.0 heapB/share	         1.800 s/load
BenchmarkTokenHandler/get-2 	  300000	      3700 ns/op	    4584 B/op	      24 allocs/op
BenchmarkTokenHandler/refresh-2 	  150000	      8000 ns/op	   11240 B/op	      61 allocs/op
BenchmarkAuthorize/shares=1k,namespaces=100/name=covered-2 	 1000000	      2000 ns/op	      96 B/op	       1 allocs/op
BenchmarkAuthorize/shares=1M,namespaces=100k/name=covered-2 	 1000000	      2400 ns/op	      96 B/op	       1 allocs/op
BenchmarkAuthorize/shares=1k,namespaces=100/name=uncovered-2 	 1000000	      2000 ns/op	      96 B/op	       1 allocs/op
BenchmarkAuthorize/shares=1M,namespaces=100k/name=uncovered-2 	 1000000	      2700 ns/op	      96 B/op	       1 allocs/op
`))
	results := map[string]string{}
	measured := map[string]string{}
	for _, r := range rows(gb, nil) {
		results[r.figure], measured[r.figure] = r.result, r.measured
	}
	for figure, want := range map[string]string{
		"Authorize, 1M shares":                                                         "MISS", // 1.4 × 1k
		"Token handler, GET /token, Basic, warm (httptest)":                            "ok",
		"Token handler, POST /token refresh_token (httptest)":                          "MISS", // 61 allocs
		"Index heap after GC, 1M shares":                                               "ok",
		"Start-up: load 1M shares from bbolt and build the index":                      "ok",   // median 1.9 s
		"First start on a file of the previous version (JSON records, rewritten)":      "",     // reported
		"Authorize, 1M shares (100k namespace shares), a name below a namespace share": "ok",   // 1.2 × 1k
		"Authorize, 1M shares (100k namespace shares), a name no share covers":         "MISS", // 1.35 × 1k
		"Authorize, 1k shares (100 namespace shares), a name no share covers":          "",     // the reference
	} {
		if got, ok := results[figure]; !ok || got != want {
			t.Errorf("%s: result %q (present %v), want %q", figure, got, ok, want)
		}
	}
	for figure, want := range map[string]string{
		"Start-up: load 1M shares from bbolt and build the index":                      "1.90 s",
		"First start on a file of the previous version (JSON records, rewritten)":      "missing",
		"Authorize, 1M shares (100k namespace shares), a name below a namespace share": "2.40 µs/op, 1 allocs/op (1.20 × 1k)",
	} {
		if got := measured[figure]; got != want {
			t.Errorf("%s: measured %q, want %q", figure, got, want)
		}
	}

	slow := parseGoBench(strings.NewReader("BenchmarkIndexLoadFromBolt/shares=1M-2 \t 1\t 2100000000 ns/op\t 336.0 heapB/share\t 2.100 s/load\n"))
	for _, r := range rows(slow, nil) {
		if r.figure == "Start-up: load 1M shares from bbolt and build the index" && r.result != "MISS" {
			t.Errorf("start-up of 2.1 s: result %q, want MISS", r.result)
		}
		if strings.HasPrefix(r.figure, "Authorize, 1M shares (100k namespace shares)") && r.result != "MISS" {
			t.Errorf("%s, not measured: result %q, want MISS", r.figure, r.result)
		}
	}
}

// TestRobotRow: S5 is judged against S0 of the same run.
func TestRobotRow(t *testing.T) {
	for _, c := range []struct {
		s5   float64
		want string
	}{{3100, "ok"}, {2900, "MISS"}} {
		scs := []*scenario{
			{id: "S0", results: []wrkResult{{rps: 10000, p50: time.Millisecond, p99: 2 * time.Millisecond}}},
			{id: "S5", results: []wrkResult{{rps: c.s5, p50: time.Millisecond, p99: 2 * time.Millisecond}}},
		}
		r := rows(goBench{}, scs)[1]
		if r.result != c.want || !strings.Contains(r.measured, "× S0)") {
			t.Errorf("S5 at %v req/s: %+v, want %s", c.s5, r, c.want)
		}
	}
}

func TestSelected(t *testing.T) {
	want, err := selected("s5, S1")
	if err != nil {
		t.Fatal(err)
	}
	for id, in := range map[string]bool{"S0": true, "S1": true, "S5": true, "S2": false, "S4": false} {
		if want(id) != in {
			t.Errorf("-only s5,S1: %s selected %v", id, !in)
		}
	}
	if _, err := selected("S9"); err == nil {
		t.Error("-only S9: no error")
	}
	if all, _ := selected(""); !all("S3") {
		t.Error("no -only: S3 not selected")
	}
}
