package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

// S6's registry: it posts eventsPerSecond manifest pulls of acme/web by
// gina, ten to a request, one request at a time as a registry's endpoint
// queue does, to the token server's notification endpoint.
const (
	eventsPerSecond   = 1000
	eventsPerRequest  = 10
	benchNotifySecret = "regshare-bench-notifications"
)

func postEvents(ctx context.Context, base string) {
	every := time.Second * eventsPerRequest / eventsPerSecond
	t := time.NewTicker(every)
	defer t.Stop()
	client := &http.Client{Timeout: 5 * time.Second}
	seq := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var evs []any
		for range eventsPerRequest {
			seq++
			evs = append(evs, map[string]any{"id": fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), seq), "timestamp": time.Now().UTC(), "action": "pull",
				"target":  map[string]any{"repository": repo, "url": "http://registry/v2/" + repo + "/manifests/sha256:0", "mediaType": "application/vnd.oci.image.manifest.v1+json"},
				"request": map[string]any{"method": "GET"}, "actor": map[string]any{"name": user}})
		}
		b, _ := json.Marshal(map[string]any{"events": evs})
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/notifications/registry", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+benchNotifySecret)
		req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "S6: posting events:", err)
			}
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "S6: the notification endpoint answered", resp.Status)
		}
	}
}
