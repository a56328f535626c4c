// Package notify receives the registry's notifications and counts what
// they tell: each manifest fetched with GET is a pull of its repository
// by the token's subject's domain, each manifest PUT a push. HEAD
// requests and blob fetches, which the registry also reports as pulls,
// count nothing. The counts reach the store in batches, and an answer of
// 200 means the store has every event of the request (or had it before):
// the registry sends a request again until it gets one.
package notify

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/regshare/regshare/grants"
)

// MediaType is the type of the registry's notification bodies.
const MediaType = "application/vnd.docker.distribution.events.v2+json"

// envelope is a notification body: the registry's events, as far as they
// are read here.
type envelope struct {
	Events []event `json:"events"`
}

type event struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Action    string    `json:"action"`
	Target    struct {
		MediaType  string `json:"mediaType"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
	} `json:"target"`
	Request struct {
		Method string `json:"method"`
	} `json:"request"`
	Actor struct {
		Name string `json:"name"`
	} `json:"actor"`
}

// What became of an event, as the metrics count it.
const (
	resultCounted      = "counted"
	resultDuplicate    = "duplicate"    // counted before (the registry sent it again)
	resultIgnored      = "ignored"      // no manifest GET or PUT: a HEAD, a blob, a delete, a mount
	resultUnattributed = "unattributed" // a pull without a known user or robot
)

// Resolve names the domain of a user or robot login.
type Resolve func(login string) (domain string, ok bool)

// classify turns events into the pulls and pushes to count, and counts
// those it leaves out by their reason.
func classify(events []event, resolve Resolve, now time.Time, left map[string]int) (pulls []grants.Pull, pushes []grants.Push) {
	for _, e := range events {
		at := e.Timestamp
		if at.IsZero() {
			at = now
		}
		switch {
		case e.ID == "" || !isManifest(e.Target.URL) || grants.ValidateRepository(e.Target.Repository) != nil:
			left[resultIgnored]++
		case e.Action == "pull" && e.Request.Method == "GET":
			domain, ok := resolve(e.Actor.Name)
			if e.Actor.Name == "" || !ok {
				left[resultUnattributed]++
				continue
			}
			pulls = append(pulls, grants.Pull{ID: e.ID, Repository: e.Target.Repository, Domain: domain, Puller: e.Actor.Name, Time: at})
		case e.Action == "push" && e.Request.Method == "PUT":
			pushes = append(pushes, grants.Push{ID: e.ID, Repository: e.Target.Repository, Pusher: e.Actor.Name, Time: at})
		default:
			left[resultIgnored]++
		}
	}
	return pulls, pushes
}

// isManifest reports whether an event's target URL names a manifest
// (…/v2/<name>/manifests/<reference>), not a blob.
func isManifest(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	_, ref, ok := strings.Cut(u.Path, "/manifests/")
	return ok && ref != "" && !strings.Contains(ref, "/")
}

// decode reads a notification body.
func decode(body []byte) ([]event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return env.Events, nil
}
