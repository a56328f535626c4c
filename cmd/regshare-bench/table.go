package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Targets, from the issue that asked for make bench.
const (
	minTokenVsBare    = 0.35 // S1, S2 throughput over S0's
	minRobotVsBare    = 0.3  // S5 throughput over S0's
	maxTokenP99       = 10 * time.Millisecond
	minLargeVsSmall   = 0.9 // S3 throughput over S1's
	maxAuthorizeRatio = 1.3 // Authorize at 1M over at 1k
	maxHeapPerShare   = 1024
	maxStartup        = 2.0 // s, open the bbolt store of 1M shares, list it, build the index
	maxHandlerAllocs  = 60
	maxPropagationP99 = 100.0  // ms, etcd commit on one replica -> another's index
	maxRecoveryP50    = 1000.0 // ms, etcd serving again -> the replica trusts its index
	minEventsVsS1     = 0.9    // S6 throughput over S1's
	minIngest         = 1000.0 // events/s, one sender, bbolt
)

// goBench holds go test -bench figures: benchmark name (without the
// GOMAXPROCS suffix) -> unit -> value, the median when it ran more than once.
type goBench struct {
	cpu  string
	figs map[string]map[string]float64
}

var reProcs = regexp.MustCompile(`-\d+$`)

func parseGoBench(r io.Reader) goBench {
	all := map[string]map[string][]float64{}
	gb := goBench{figs: map[string]map[string]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			gb.cpu = strings.TrimSpace(cpu)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := reProcs.ReplaceAllString(f[0], "")
		if all[name] == nil {
			all[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				all[name][f[i+1]] = append(all[name][f[i+1]], v)
			}
		}
	}
	for name, units := range all {
		gb.figs[name] = map[string]float64{}
		for u, vs := range units {
			gb.figs[name][u] = medianOf(vs)
		}
	}
	return gb
}

func (gb goBench) cpuNote() string {
	if gb.cpu == "" {
		return ""
	}
	return " (" + gb.cpu + ")"
}

// get returns a figure, NaN when the benchmark did not run.
func (gb goBench) get(name, unit string) float64 {
	if v, ok := gb.figs[name][unit]; ok {
		return v
	}
	return math.NaN()
}

type row struct{ figure, measured, target, result string }

// check is "ok" or "MISS"; a figure that is missing is a miss.
func check(ok bool, figures ...float64) string {
	for _, f := range figures {
		if math.IsNaN(f) {
			return "MISS"
		}
	}
	if ok {
		return "ok"
	}
	return "MISS"
}

func rows(gb goBench, scenarios []*scenario) []row {
	var out []row
	if gb.figs != nil {
		var a1k float64
		for _, n := range []string{"1k", "100k", "1M"} {
			name := "BenchmarkAuthorize/shares=" + n
			ns, allocs := gb.get(name, "ns/op"), gb.get(name, "allocs/op")
			r := row{figure: "Authorize, " + n + " shares", measured: nsOp(ns) + ", " + num(allocs) + " allocs/op"}
			switch n {
			case "1k":
				a1k = ns
			case "1M":
				r.measured += fmt.Sprintf(" (%.2f × 1k)", ns/a1k)
				r.target = fmt.Sprintf("≤ %.1f × 1k", maxAuthorizeRatio)
				r.result = check(ns <= maxAuthorizeRatio*a1k, ns, a1k)
			}
			out = append(out, r)
		}
		out = append(out, namespaceRows(gb)...)
		const load = "BenchmarkIndexLoadFromBolt/shares=1M"
		secs, heap := gb.get(load, "s/load"), gb.get(load, "heapB/share")
		out = append(out,
			row{"Start-up: load 1M shares from bbolt and build the index", secsOf(secs), fmt.Sprintf("≤ %.0f s", maxStartup), check(secs <= maxStartup, secs)},
			row{"First start on a file of the previous version (JSON records, rewritten)", secsOf(gb.get(load+",records=json", "s/load")), "reported", ""},
			row{"Index heap after GC, 1M shares", num(heap) + " B/share", fmt.Sprintf("≤ %d B/share", maxHeapPerShare), check(heap <= maxHeapPerShare, heap)})
		for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
			name := "BenchmarkSign/alg=" + alg
			out = append(out, row{"Sign one token, " + alg, nsOp(gb.get(name, "ns/op")) + ", " + num(gb.get(name, "allocs/op")) + " allocs/op", "reported", ""})
		}
		for _, h := range []struct{ name, title string }{
			{"BenchmarkTokenHandler/get", "Token handler, GET /token, Basic, warm (httptest)"},
			{"BenchmarkTokenHandler/refresh", "Token handler, POST /token refresh_token (httptest)"},
		} {
			hns, hallocs := gb.get(h.name, "ns/op"), gb.get(h.name, "allocs/op")
			out = append(out, row{h.title, nsOp(hns) + ", " + num(hallocs) + " allocs/op",
				fmt.Sprintf("< %d allocs/op", maxHandlerAllocs), check(hallocs < maxHandlerAllocs, hallocs)})
		}
		const prop = "BenchmarkPropagation"
		p50, p99 := gb.get(prop, "p50-ms"), gb.get(prop, "p99-ms")
		out = append(out, row{"Share change propagation, etcd commit on A → B's index, 1,000 changes",
			fmt.Sprintf("p50 %s, p99 %s", msDur(p50), msDur(p99)), fmt.Sprintf("p99 ≤ %.0f ms", maxPropagationP99), check(p99 <= maxPropagationP99, p50, p99)})
		const rec = "BenchmarkRecovery"
		r50, rmax := gb.get(rec, "p50-ms"), gb.get(rec, "max-ms")
		out = append(out, row{"Recovery, 3-member etcd quorum back → replica trusts its shares again, 10 losses",
			fmt.Sprintf("p50 %s, max %s", msDur(r50), msDur(rmax)), fmt.Sprintf("p50 ≤ %.0f ms", maxRecoveryP50), check(r50 <= maxRecoveryP50, r50, rmax)})
	}

	med := map[string]wrkResult{}
	for _, sc := range scenarios {
		med[sc.id] = median(sc.results)
	}
	for _, sc := range scenarios {
		m := med[sc.id]
		r := row{figure: sc.id + " " + sc.title, measured: fmt.Sprintf("%s req/s, p50 %s, p99 %s", thousands(m.rps), dur(m.p50), dur(m.p99))}
		switch sc.id {
		case "S0":
			r.target = "the ceiling"
		case "S1", "S2":
			ratio := m.rps / med["S0"].rps
			r.measured += fmt.Sprintf(" (%.2f × S0)", ratio)
			r.target = fmt.Sprintf("≥ %.2f × S0, p99 ≤ %s", minTokenVsBare, dur(maxTokenP99))
			r.result = check(ratio >= minTokenVsBare && m.p99 <= maxTokenP99)
			if r.result != "ok" {
				var why []string
				if ratio < minTokenVsBare {
					why = append(why, "req/s")
				}
				if m.p99 > maxTokenP99 {
					why = append(why, "p99")
				}
				r.result += " (" + strings.Join(why, ", ") + ")"
			}
		case "S3":
			ratio := m.rps / med["S1"].rps
			r.measured += fmt.Sprintf(" (%.2f × S1)", ratio)
			r.target = fmt.Sprintf("≥ %.1f × S1", minLargeVsSmall)
			r.result = check(ratio >= minLargeVsSmall)
		case "S4":
			r.target = "reported (bcrypt-bound)"
		case "S5":
			ratio := m.rps / med["S0"].rps
			r.measured += fmt.Sprintf(" (%.2f × S0)", ratio)
			r.target = fmt.Sprintf("≥ %.2f × S0", minRobotVsBare)
			r.result = check(ratio >= minRobotVsBare, ratio)
		case "S6":
			ratio := m.rps / med["S1"].rps
			r.measured += fmt.Sprintf(" (%.2f × S1)", ratio)
			r.target = fmt.Sprintf("≥ %.1f × S1", minEventsVsS1)
			r.result = check(ratio >= minEventsVsS1, ratio)
		}
		out = append(out, r)
	}
	return append(out, ingestRows(gb, med["S0"].rps)...)
}

// ingestRows are the notification endpoint's throughput, each answer
// after the store has its events, beside S0's requests per second.
func ingestRows(gb goBench, s0 float64) []row {
	if gb.figs == nil {
		return nil
	}
	beside := ""
	if s0 > 0 {
		beside = fmt.Sprintf(" (S0: %s req/s)", thousands(s0))
	}
	one, many := gb.get("BenchmarkIngest/senders=1", "events/s"), gb.get("BenchmarkIngest/senders=32", "events/s")
	return []row{
		{"Notification ingest, one sender (a registry's queue), bbolt", thousands(one) + " events/s" + beside, fmt.Sprintf("≥ %s events/s", thousands(minIngest)), check(one >= minIngest, one)},
		{"Notification ingest, 32 senders, bbolt", thousands(many) + " events/s", "reported", ""},
	}
}

// namespaceRows are Authorize's with one share in ten a namespace share
// (100 of 1k, 100k of 1M), for a name below one (its own share and each
// prefix above it looked up) and for a name no share covers; then the
// same with one in a hundred made with a group, and the recipient in the
// most groups a domain may be in (each name's group shares scanned too).
// Each 1M figure is judged against the 1k one of the same name.
func namespaceRows(gb goBench) []row {
	var out []row
	for _, groups := range []struct{ bench, title string }{{"", ""}, {",groups=16", ", recipient in 16 groups"}} {
		for _, name := range []struct{ sub, title string }{
			{"covered", "a name below a namespace share"},
			{"uncovered", "a name no share covers"},
		} {
			out = append(out, namespaceRow(gb, groups.bench, groups.title, name.sub, name.title)...)
		}
	}
	return out
}

// namespaceRow are the 1k and 1M rows of one variant of namespaceRows.
func namespaceRow(gb goBench, groupsBench, groupsTitle, sub, title string) []row {
	var out []row
	var at1k float64
	for _, n := range []struct{ shares, namespaces string }{{"1k", "100"}, {"1M", "100k"}} {
		bench := "BenchmarkAuthorize/shares=" + n.shares + ",namespaces=" + n.namespaces + groupsBench + "/name=" + sub
		ns, allocs := gb.get(bench, "ns/op"), gb.get(bench, "allocs/op")
		r := row{figure: fmt.Sprintf("Authorize, %s shares (%s namespace shares%s), %s", n.shares, n.namespaces, groupsTitle, title),
			measured: nsOp(ns) + ", " + num(allocs) + " allocs/op"}
		if n.shares == "1k" {
			at1k = ns
		} else {
			r.measured += fmt.Sprintf(" (%.2f × 1k)", ns/at1k)
			r.target = fmt.Sprintf("≤ %.1f × 1k", maxAuthorizeRatio)
			r.result = check(ns <= maxAuthorizeRatio*at1k, ns, at1k)
		}
		out = append(out, r)
	}
	return out
}

// printNotes says what the rows that need it measure. reuse is S5's
// server's count of token requests answered with a token signed before,
// and with a new one.
func printNotes(w io.Writer, scenarios []*scenario, o options, reuse [2]float64) {
	for _, sc := range scenarios {
		if sc.id != "S5" {
			continue
		}
		fmt.Fprintf(w, "\nS5, cold robot logins: %s robot accounts (%d domains of %d, the most a domain may have), each with\n"+
			"pull on %s, which acme shared with its domain. wrk logs in as each in turn, so a credential comes back\n"+
			"only after the %s others, past the server's cache of signed tokens: every request checks a robot\n"+
			"secret's SHA-256 digest in constant time within the failed-login limits (robots have no cache of\n"+
			"verified credentials), decides through the share and signs a new token.",
			thousands(float64(o.robots)), robotDomains(o.robots), robotsPerDomain, repo, thousands(float64(o.robots-1)))
		if n := reuse[0] + reuse[1]; n > 0 {
			fmt.Fprintf(w, "\nS5's server answered %s token requests, %.1f%% of them with a newly signed token.", thousands(n), 100*reuse[1]/n)
		}
		fmt.Fprintln(w)
	}
	if o.only != "" {
		fmt.Fprintf(w, "\nOnly %s ran (-only).\n", o.only)
	}
}

// printTable writes a Markdown table, padded for the terminal.
func printTable(w io.Writer, rows []row) {
	head := row{"Figure", "Measured", "Target", "Result"}
	cols := func(r row) []string { return []string{r.figure, r.measured, r.target, r.result} }
	width := make([]int, 4)
	for _, r := range append([]row{head}, rows...) {
		for i, c := range cols(r) {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			b.WriteString("| " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " ")
		}
		fmt.Fprintln(w, b.String()+"|")
	}
	line(cols(head))
	sep := make([]string, 4)
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows {
		line(cols(r))
	}
}

func nsOp(ns float64) string {
	if math.IsNaN(ns) {
		return "missing"
	}
	return dur(time.Duration(ns)) + "/op"
}

func dur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(d)/float64(time.Microsecond))
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// msDur writes a figure in milliseconds in the unit that suits it: B often
// has a change before A's commit is acknowledged, a few µs.
func msDur(ms float64) string {
	if math.IsNaN(ms) {
		return "missing"
	}
	return dur(time.Duration(ms * float64(time.Millisecond)))
}

func secsOf(s float64) string {
	if math.IsNaN(s) {
		return "missing"
	}
	return fmt.Sprintf("%.2f s", s)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "missing"
	}
	return thousands(v)
}

// thousands writes v rounded, with thin groups: 12,345.
func thousands(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
