package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// RegistryTags reads tags with the registry's own API, using a token
// regshare issues to itself for each repository.
type RegistryTags struct {
	// URL is the registry's base address, e.g. http://registry:5000.
	URL    string
	Token  func(repository string) (string, error)
	Client *http.Client
}

// Tags implements Tags: GET /v2/<name>/tags/list.
func (rt *RegistryTags) Tags(ctx context.Context, repository string) ([]string, bool, error) {
	token, err := rt.Token(repository)
	if err != nil {
		return nil, false, err
	}
	u := strings.TrimSuffix(rt.URL, "/") + "/v2/" + repository + "/tags/list"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := rt.Client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, false, nil
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, false, fmt.Errorf("registry: GET %s: %s", (&url.URL{Path: req.URL.Path}).String(), resp.Status)
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&body); err != nil {
		return nil, false, fmt.Errorf("registry: tags of %s: %w", repository, err)
	}
	if body.Tags == nil {
		body.Tags = []string{}
	}
	return body.Tags, true, nil
}
