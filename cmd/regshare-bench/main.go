// Command regshare-bench loads regshare's token endpoint with wrk and prints
// one table of figures with their targets: the load runs, and the Go
// benchmarks whose output -gobench names. `make bench` runs it.
//
// Each server runs in a child process of its own (this program, started
// with -serve), so a large share index does not weigh on the others.
package main

import (
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
	"strconv"
	"strings"
	"sync"
	"time"

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
	serve := flag.String("serve", "", "(internal) run one server, token or bare, and print its address")
	keys := flag.String("keys", "", "(internal) keys directory of a token server")
	n := flag.Int("n", 0, "(internal) shares of a token server, body size of a bare one")
	cold := flag.Bool("cold", false, "(internal) no cache of verified credentials")
	flag.Parse()
	switch *serve {
	case "":
		return bench(o)
	case "token":
		h, err := tokenHandler(*keys, *n, !*cold)
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
	results   []wrkResult
}

func bench(o options) error {
	wrk, err := lookWrk()
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

	fmt.Fprintf(os.Stderr, "starting token servers (indexes of %d and %d shares)...\n", o.shares, o.sharesL)
	start := time.Now()
	specs := []struct{ name, n, cold string }{
		{"warm", strconv.Itoa(o.shares), "false"},
		{"large", strconv.Itoa(o.sharesL), "false"},
		{"cold", strconv.Itoa(o.shares), "true"},
	}
	children := make([]*child, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Go(func() {
			children[i], errs[i] = startChild(sp.name, "-serve", "token", "-keys", keys, "-n", sp.n, "-cold="+sp.cold)
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range children {
			if c != nil {
				c.stop()
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	warm, large, cold := children[0], children[1], children[2]
	fmt.Fprintf(os.Stderr, "servers ready in %s\n", time.Since(start).Round(time.Second))

	// One request each warms the caches (credentials, signed tokens) and
	// gives the size of a real token response.
	basic := "Basic " + basicAuth(user, password)
	pull := "/token?" + url.Values{"service": {service}, "scope": {"repository:" + repo + ":pull"}}.Encode()
	body, err := fetch(http.MethodGet, "http://"+warm.addr+pull, basic, "")
	if err != nil {
		return err
	}
	for _, c := range []*child{large, cold} {
		if _, err := fetch(http.MethodGet, "http://"+c.addr+pull, basic, ""); err != nil {
			return err
		}
	}
	login, err := fetch(http.MethodGet, "http://"+warm.addr+"/token?"+url.Values{"service": {service}, "offline_token": {"true"}}.Encode(), basic, "")
	if err != nil {
		return err
	}
	var lr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(login, &lr); err != nil || lr.RefreshToken == "" {
		return fmt.Errorf("GET /token?offline_token=true gave no refresh token: %s", login)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {lr.RefreshToken}, "service": {service},
		"scope": {"repository:" + repo + ":pull"}, "client_id": {"regshare-bench"}}.Encode()
	if _, err := fetch(http.MethodPost, "http://"+warm.addr+"/token", "", form); err != nil {
		return err
	}
	script := filepath.Join(tmp, "refresh.lua")
	lua := "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nwrk.body = \"" + form + "\"\n"
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return err
	}
	bare, err := startChild("bare", "-serve", "bare", "-n", strconv.Itoa(len(body)))
	if err != nil {
		return err
	}
	defer bare.stop()

	scenarios := []*scenario{
		{id: "S0", title: fmt.Sprintf("bare net/http, %d B JSON", len(body)), url: "http://" + bare.addr + pull},
		{id: "S1", title: fmt.Sprintf("GET /token, Basic, warm, %s shares", count(o.shares)), url: "http://" + warm.addr + pull, header: "Authorization: " + basic},
		{id: "S2", title: fmt.Sprintf("POST /token refresh_token, %s shares", count(o.shares)), url: "http://" + warm.addr + "/token", script: script},
		{id: "S3", title: fmt.Sprintf("S1 with %s shares", count(o.sharesL)), url: "http://" + large.addr + pull, header: "Authorization: " + basic},
		{id: "S4", title: "GET /token, Basic, cache cold", url: "http://" + cold.addr + pull, header: "Authorization: " + basic},
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
	return nil
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
