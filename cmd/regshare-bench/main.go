// Command regshare-bench loads regshare's token endpoint with wrk and prints
// one table of figures with their targets: the load runs, and the Go
// benchmarks whose output -gobench names. `make bench` runs it.
//
// Each server runs in a child process of its own (this program, started
// with -serve), so a large share index does not weigh on the others.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "regshare-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	gobench         string
	duration        time.Duration
	conns, threads  int
	runs            int
	shares, sharesL int
	robots          int
	only            string
}

func run() error {
	var o options
	flag.StringVar(&o.gobench, "gobench", "", "`file` holding go test -bench output to include in the table")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each wrk run (whole seconds)")
	flag.IntVar(&o.conns, "connections", 16, "wrk connections")
	// One wrk thread: on a 2-core machine two of them and the server's two
	// Ps oversubscribe the cores, and p99 then measures the scheduler's
	// time slices (S0, the bare handler, too). One thread is not the limit:
	// it drives S0 as fast as two.
	flag.IntVar(&o.threads, "threads", 1, "wrk threads")
	flag.IntVar(&o.runs, "runs", 3, "runs per scenario; the median is reported")
	flag.IntVar(&o.shares, "shares", 100_000, "shares in the index for S1, S2 and S4")
	flag.IntVar(&o.sharesL, "shares-large", 1_000_000, "shares in the index for S3")
	flag.IntVar(&o.robots, "robots", maxBenchRobots, "robot credentials S5 logs in with, in turn (more than the token server's cache of signed tokens)")
	flag.StringVar(&o.only, "only", "", "run only these `scenarios` (comma-separated, e.g. S0,S5); S0 always runs")
	serve := flag.String("serve", "", "(internal) run one server, token or bare, and print its address")
	keys := flag.String("keys", "", "(internal) keys directory of a token server")
	n := flag.Int("n", 0, "(internal) shares of a token server, body size of a bare one")
	cold := flag.Bool("cold", false, "(internal) no cache of verified credentials")
	robots := flag.String("robots-file", "", "(internal) `file` of robot logins and secrets a token server seeds")
	notifySecret := flag.String("notify", "", "(internal) serve the notification endpoint with this secret")
	flag.Parse()
	switch *serve {
	case "":
		return bench(o)
	case "token":
		h, err := tokenHandler(*keys, *n, !*cold, *robots, *notifySecret)
		if err != nil {
			return err
		}
		return serveChild(h)
	case "bare":
		return serveChild(bareHandler(*n))
	}
	return fmt.Errorf("-serve %q: want token or bare", *serve)
}

// scenario is one load run's target.
type scenario struct {
	id, title string
	url       string
	header    string // extra request header
	script    string // wrk Lua script
	// during, when set, runs beside each wrk run until its context ends.
	during  func(ctx context.Context)
	results []wrkResult
}

// serverSpec is a token server child and the scenarios it serves.
type serverSpec struct {
	name      string
	scenarios []string
	args      []string
}

func bench(o options) error {
	wrk, err := lookWrk()
	if err != nil {
		return err
	}
	want, err := selected(o.only)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "regshare-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	keys := filepath.Join(tmp, "keys")
	if err := tokenauth.GenerateKeys(keys, tokenauth.AlgES256, time.Now()); err != nil {
		return err
	}
	var creds []robotCred
	robotsFile, authFile := filepath.Join(tmp, "robots.txt"), filepath.Join(tmp, "robots.auth")
	if want("S5") {
		if o.robots < 1 || o.robots > maxBenchRobots {
			return fmt.Errorf("-robots %d: want 1 to %d (%d domains of %d robots, the most a repository is shared with)",
				o.robots, maxBenchRobots, grants.MaxSharesPerRepository, robotsPerDomain)
		}
		creds = newRobotCreds(o.robots)
		if err := writeRobotCreds(robotsFile, authFile, creds); err != nil {
			return err
		}
	}

	token := func(n int, extra ...string) []string {
		return append([]string{"-serve", "token", "-keys", keys, "-n", strconv.Itoa(n)}, extra...)
	}
	var specs []serverSpec
	for _, sp := range []serverSpec{
		{"warm", []string{"S1", "S2"}, token(o.shares)},
		{"large", []string{"S3"}, token(o.sharesL)},
		{"cold", []string{"S4"}, token(o.shares, "-cold")},
		{"robots", []string{"S5"}, token(o.shares, "-robots-file", robotsFile)},
		{"events", []string{"S6"}, token(o.shares, "-notify", benchNotifySecret)},
	} {
		if slices.ContainsFunc(sp.scenarios, want) {
			specs = append(specs, sp)
		}
	}
	fmt.Fprintf(os.Stderr, "starting token servers (indexes of %d and %d shares, %d robots)...\n", o.shares, o.sharesL, len(creds))
	start := time.Now()
	children := make([]*child, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Go(func() { children[i], errs[i] = startChild(sp.name, sp.args...) })
	}
	wg.Wait()
	srv := map[string]string{} // server name -> address
	for i, c := range children {
		if c != nil {
			defer c.stop()
			srv[specs[i].name] = "http://" + c.addr
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "servers ready in %s\n", time.Since(start).Round(time.Second))

	// One request each warms the caches (credentials, signed tokens) and
	// gives the size of a real token response, for S0.
	basic := "Basic " + basicAuth(user, password)
	pull := "/token?" + url.Values{"service": {service}, "scope": {"repository:" + repo + ":pull"}}.Encode()
	var body []byte
	for _, name := range []string{"warm", "large", "cold"} {
		if u, ok := srv[name]; ok {
			b, err := fetch(http.MethodGet, u+pull, basic, "")
			if err != nil {
				return err
			}
			if body == nil {
				body = b
			}
		}
	}
	var robotScriptFile string
	if u, ok := srv["robots"]; ok {
		if body, err = checkRobotPull(u+pull, creds[len(creds)-1]); err != nil {
			return err
		}
		robotScriptFile = filepath.Join(tmp, "robots.lua")
		if err := os.WriteFile(robotScriptFile, []byte(robotScript(authFile, o.threads)), 0o600); err != nil {
			return err
		}
	}
	var refreshScript string
	if u, ok := srv["warm"]; ok {
		if refreshScript, err = refreshSetup(u, basic, tmp); err != nil {
			return err
		}
	}
	bare, err := startChild("bare", "-serve", "bare", "-n", strconv.Itoa(len(body)))
	if err != nil {
		return err
	}
	defer bare.stop()

	var scenarios []*scenario
	for _, sc := range []*scenario{
		{id: "S0", title: fmt.Sprintf("bare net/http, %d B JSON", len(body)), url: "http://" + bare.addr + pull},
		{id: "S1", title: fmt.Sprintf("GET /token, Basic, warm, %s shares", count(o.shares)), url: srv["warm"] + pull, header: "Authorization: " + basic},
		{id: "S2", title: fmt.Sprintf("POST /token refresh_token, %s shares", count(o.shares)), url: srv["warm"] + "/token", script: refreshScript},
		{id: "S3", title: fmt.Sprintf("S1 with %s shares", count(o.sharesL)), url: srv["large"] + pull, header: "Authorization: " + basic},
		{id: "S4", title: "GET /token, Basic, cache cold", url: srv["cold"] + pull, header: "Authorization: " + basic},
		{id: "S5", title: fmt.Sprintf("GET /token, robot logins, %s robots in turn", count(len(creds))), url: srv["robots"] + pull, script: robotScriptFile},
		{id: "S6", title: fmt.Sprintf("S1 while the registry posts %s pull events/s", thousands(eventsPerSecond)), url: srv["events"] + pull,
			header: "Authorization: " + basic, during: func(ctx context.Context) { postEvents(ctx, srv["events"]) }},
	} {
		if want(sc.id) {
			scenarios = append(scenarios, sc)
		}
	}
	// Rounds rather than one scenario after another: drift on a shared
	// machine then falls on every scenario alike.
	for r := range o.runs {
		for _, sc := range scenarios {
			res, err := runWrk(wrk, o, sc)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.id, err)
			}
			sc.results = append(sc.results, res)
			fmt.Fprintf(os.Stderr, "run %d/%d %s: %s req/s, p50 %s, p99 %s\n", r+1, o.runs, sc.id, thousands(res.rps), dur(res.p50), dur(res.p99))
		}
	}

	var gb goBench
	if o.gobench != "" {
		f, err := os.Open(o.gobench)
		if err != nil {
			return err
		}
		gb = parseGoBench(f)
		f.Close()
	}
	fmt.Printf("\nregshare bench: %d CPUs%s, %s; wrk -t%d -c%d -d%s, median of %d runs\n\n",
		runtime.NumCPU(), gb.cpuNote(), runtime.Version(), o.threads, o.conns, o.duration, o.runs)
	printTable(os.Stdout, rows(gb, scenarios))
	var reuse [2]float64 // S5's server: tokens reused, newly signed
	if u, ok := srv["robots"]; ok {
		if reuse[0], reuse[1], err = tokenReuse(u); err != nil {
			return err
		}
	}
	printNotes(os.Stdout, scenarios, o, reuse)
	return nil
}

// selected parses -only: the scenarios to run, S0 always among them.
func selected(only string) (func(id string) bool, error) {
	if only == "" {
		return func(string) bool { return true }, nil
	}
	ids := map[string]bool{"S0": true}
	for id := range strings.SplitSeq(only, ",") {
		id = strings.ToUpper(strings.TrimSpace(id))
		if !slices.Contains([]string{"S0", "S1", "S2", "S3", "S4", "S5", "S6"}, id) {
			return nil, fmt.Errorf("-only: unknown scenario %q (S0 to S6)", id)
		}
		ids[id] = true
	}
	return func(id string) bool { return ids[id] }, nil
}

// refreshSetup gets a refresh token from the warm server (docker login's
// offline token) and writes S2's script, which posts it.
func refreshSetup(base, basic, tmp string) (string, error) {
	login, err := fetch(http.MethodGet, base+"/token?"+url.Values{"service": {service}, "offline_token": {"true"}}.Encode(), basic, "")
	if err != nil {
		return "", err
	}
	var lr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(login, &lr); err != nil || lr.RefreshToken == "" {
		return "", fmt.Errorf("GET /token?offline_token=true gave no refresh token: %s", login)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {lr.RefreshToken}, "service": {service},
		"scope": {"repository:" + repo + ":pull"}, "client_id": {"regshare-bench"}}.Encode()
	if _, err := fetch(http.MethodPost, base+"/token", "", form); err != nil {
		return "", err
	}
	script := filepath.Join(tmp, "refresh.lua")
	lua := "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nwrk.body = \"" + form + "\"\n"
	return script, os.WriteFile(script, []byte(lua), 0o600)
}

func basicAuth(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// fetch makes one request and wants 200.
func fetch(method, u, auth, form string) ([]byte, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		return nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, req.URL.Path, resp.Status, body)
	}
	return body, nil
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}
