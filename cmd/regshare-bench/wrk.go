package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"time"
)

func lookWrk() (string, error) {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return "", errors.New("wrk not found: `make bench` installs it (Debian package wrk)")
	}
	return p, nil
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
}

var (
	reRPS     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	rePct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	reNon2xx  = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses:\s+(\d+)`)
	reSockErr = regexp.MustCompile(`(?m)^\s*Socket errors:.*$`)
	reCount   = regexp.MustCompile(`(?m)^\s*(\d+) requests in`)
)

var units = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}

func runWrk(wrk string, o options, sc *scenario) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(o.threads), "-c", strconv.Itoa(o.conns),
		"-d", fmt.Sprintf("%ds", max(int(o.duration.Seconds()), 1)), "--latency", "--timeout", "30s"}
	if sc.header != "" {
		args = append(args, "-H", sc.header)
	}
	if sc.script != "" {
		args = append(args, "-s", sc.script)
	}
	if sc.during != nil {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go sc.during(ctx)
	}
	out, err := exec.Command(wrk, append(args, sc.url)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads wrk --latency output. Any non-2xx answer or socket error
// is an error: the figures would not be those of the token path.
func parseWrk(out string) (wrkResult, error) {
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		return wrkResult{}, fmt.Errorf("wrk saw %s non-2xx responses:\n%s", m[1], out)
	}
	if m := reSockErr.FindString(out); m != "" {
		return wrkResult{}, fmt.Errorf("wrk saw socket errors:\n%s", out)
	}
	if m := reCount.FindStringSubmatch(out); m == nil || m[1] == "0" {
		return wrkResult{}, fmt.Errorf("wrk made no request:\n%s", out)
	}
	var r wrkResult
	m := reRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range rePct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(units[m[3]]))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return r, fmt.Errorf("no latency distribution in wrk output:\n%s", out)
	}
	return r, nil
}

// medianOf sorts v and returns its median: the mean of the middle two
// when there is an even number.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// median of each figure over the runs, taken separately.
func median(rs []wrkResult) wrkResult {
	pick := func(f func(wrkResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return medianOf(v)
	}
	return wrkResult{
		rps: pick(func(r wrkResult) float64 { return r.rps }),
		p50: time.Duration(pick(func(r wrkResult) float64 { return float64(r.p50) })),
		p99: time.Duration(pick(func(r wrkResult) float64 { return float64(r.p99) })),
	}
}
