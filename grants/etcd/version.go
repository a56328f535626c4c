package etcd

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Before these releases, etcd could answer a progress request with a
// revision ahead of events it had not yet sent to a watch that was catching
// up (etcd issue 15220, fixed by PR 15237; PR 17557 fixed a hang of that
// fix). Of older servers, no progress notification is asked for (see
// Store.watch).
var progressFixed = map[int]int{ // minor of 3.x: first fixed patch
	4: 31,
	5: 13,
}

// progressTrusted reports whether etcd version v (e.g. "3.4.23") sends its
// progress notifications after the events they cover.
func progressTrusted(v string) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 3 {
		return false
	}
	var n [3]int
	for i, p := range parts {
		p, _, _ = strings.Cut(p, "-") // 3.6.0-rc.1
		x, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		n[i] = x
	}
	switch {
	case n[0] != 3:
		return n[0] > 3
	case n[1] >= 6:
		return true
	}
	fixed, ok := progressFixed[n[1]]
	return ok && n[2] >= fixed
}

// checkVersion asks every endpoint its etcd version, once: the oldest
// answering decides whether progress notifications are trusted. At least
// one must answer.
func (st *Store) checkVersion() error {
	st.mu.Lock()
	known := st.versionKnown
	st.mu.Unlock()
	if known {
		return nil
	}
	var versions []string
	trusted := true
	var lastErr error
	for _, ep := range st.cfg.Endpoints {
		ctx, cancel := context.WithTimeout(st.ctx, min(st.cfg.RequestTimeout, 2*time.Second))
		resp, err := st.cli.Status(ctx, ep)
		cancel()
		if err != nil {
			lastErr = err
			continue
		}
		versions = append(versions, resp.Version)
		trusted = trusted && progressTrusted(resp.Version)
	}
	if len(versions) == 0 {
		return fmt.Errorf("etcd version: no endpoint answered: %w", lastErr)
	}
	if !trusted {
		st.log.Warn("this etcd version may send progress notifications ahead of events (etcd issue 15220): none is asked for; each replica proves its index current by reading the newest revision of its keys every progress_interval, which costs etcd a sort of them all; upgrade etcd to 3.4.31, 3.5.13, 3.6.0 or later",
			"versions", versions)
	}
	st.mu.Lock()
	st.trustProgress, st.versionKnown = trusted, true
	st.mu.Unlock()
	return nil
}
