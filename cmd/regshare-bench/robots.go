package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
)

// S5's world: robots spread over robot domains of grants.MaxRobotsPerDomain
// robots each (ci000, ci001, ...), each domain owning the namespace of its
// name, with acme/web shared with it and every robot of it holding pull on
// acme/web: CI fleets pulling a partner's image. With acme/web shared with
// at most grants.MaxSharesPerRepository domains, every figure stays within
// the documented limits.
const (
	robotsPerDomain = grants.MaxRobotsPerDomain
	maxBenchRobots  = grants.MaxSharesPerRepository * robotsPerDomain
)

func robotDomain(i int) string { return fmt.Sprintf("ci%03d", i/robotsPerDomain) }
func robotName(i int) string   { return fmt.Sprintf("r%03d", i%robotsPerDomain) }

func robotDomains(n int) int { return (n + robotsPerDomain - 1) / robotsPerDomain }

// robotCred is one robot's login and secret.
type robotCred struct{ login, secret string }

// newRobotCreds draws n robots' secrets, as CreateRobot would.
func newRobotCreds(n int) []robotCred {
	out := make([]robotCred, n)
	for i := range out {
		out[i] = robotCred{grants.RobotLogin(robotDomain(i), robotName(i)), grants.NewRobotSecret()}
	}
	return out
}

// writeRobotCreds writes one login and secret a line, for the server that
// seeds the robots, and their Authorization headers, one a line, for wrk's
// script.
func writeRobotCreds(path, authPath string, creds []robotCred) error {
	var b, auth strings.Builder
	for _, c := range creds {
		b.WriteString(c.login + " " + c.secret + "\n")
		auth.WriteString("Basic " + basicAuth(c.login, c.secret) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(authPath, []byte(auth.String()), 0o600)
}

func readRobotCreds(path string) ([]robotCred, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []robotCred
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		login, secret, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			return nil, fmt.Errorf("%s: malformed line %q", path, sc.Text())
		}
		out = append(out, robotCred{login, secret})
	}
	return out, sc.Err()
}

// robotRecords are the robots' records as a store hands them to the index
// on its first load: the whole directory is built once, however many robots
// there are (ChangeRecords would rebuild it once per change).
func robotRecords(creds []robotCred, now time.Time) ([]grants.Record, error) {
	out := make([]grants.Record, len(creds))
	for i, c := range creds {
		rec := grants.RobotRecord{Domain: robotDomain(i), Name: robotName(i), Description: "bench CI runner",
			Permissions: []grants.Permission{{Repository: repo, Actions: []string{grants.ActionPull}}},
			Expires:     now.Add(grants.DefaultRobotMaxLifetime).UTC(), Digest: grants.SecretDigest(c.secret),
			Created: now.UTC(), Updated: now.UTC(), UpdatedBy: "bench"}
		if grants.RobotLogin(rec.Domain, rec.Name) != c.login {
			return nil, fmt.Errorf("robot %d: login %q, want %q", i, c.login, grants.RobotLogin(rec.Domain, rec.Name))
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		out[i] = grants.Record{Kind: grants.KindRobot, Name: rec.Domain + "+" + rec.Name, Value: v, Rev: int64(i + 1)}
	}
	return out, nil
}

// robotShares shares acme/web with each of the robot domains.
func robotShares(domains int, now time.Time) []grants.Share {
	out := make([]grants.Share, domains)
	for d := range out {
		out[d] = grants.Share{Repository: repo, Owner: "acme", Recipient: robotDomain(d * robotsPerDomain), Permit: grants.PermitRead,
			CreatorID: "alice", CreatorName: "alice", Created: now, Updated: now}
	}
	return out
}

// robotScript is wrk's Lua script for S5: each request logs in as the
// next robot of authPath, in turn, so that no credential comes back before
// every other one was used; with several wrk threads, each takes its share
// of the robots. The requests are formatted once, in init: the script then
// costs wrk no more than a fixed header does.
func robotScript(authPath string, threads int) string {
	return fmt.Sprintf(`local threads, next_id = %d, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
local reqs, i = {}, 0
function init(args)
  local k = 0
  for a in io.lines(%q) do
    if k %% threads == id then
      reqs[#reqs + 1] = wrk.format(nil, nil, { ["Authorization"] = a, ["Host"] = wrk.headers["Host"] })
    end
    k = k + 1
  end
end
function request()
  i = i %% #reqs + 1
  return reqs[i]
end
`, threads, authPath)
}

// checkRobotPull logs in once as c and wants a token granting pull on
// repo: a robot refused, or a token granting nothing, would make S5 measure
// something else than robot logins.
func checkRobotPull(u string, c robotCred) ([]byte, error) {
	body, err := fetch(http.MethodGet, u, "Basic "+basicAuth(c.login, c.secret), "")
	if err != nil {
		return nil, fmt.Errorf("robot %s: %w", c.login, err)
	}
	var resp struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("robot %s: %w", c.login, err)
	}
	parts := strings.Split(resp.Token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("robot %s: the answer holds no JWT: %s", c.login, body)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("robot %s: token payload: %w", c.login, err)
	}
	var claims struct {
		Access []struct {
			Name    string   `json:"name"`
			Actions []string `json:"actions"`
		} `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("robot %s: token claims: %w", c.login, err)
	}
	for _, a := range claims.Access {
		if a.Name == repo && slices.Contains(a.Actions, grants.ActionPull) {
			return body, nil
		}
	}
	return nil, fmt.Errorf("robot %s: the token grants no pull on %s: %s", c.login, repo, payload)
}

// tokenReuse reads, from a token server's /metrics, how many token requests
// it answered with a token signed before (hits) and with a new one.
func tokenReuse(base string) (hits, misses float64, err error) {
	body, err := fetch(http.MethodGet, base+"/metrics", "", "")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(body)) {
		name, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		f, perr := strconv.ParseFloat(v, 64)
		switch {
		case perr != nil:
		case name == `regshare_token_reuse_total{result="hit"}`:
			hits = f
		case name == `regshare_token_reuse_total{result="miss"}`:
			misses = f
		}
	}
	return hits, misses, nil
}
