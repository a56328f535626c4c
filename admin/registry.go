package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	return rt.tags(ctx, repository, token)
}

// tags is Tags with a pull token of the repository at hand.
func (rt *RegistryTags) tags(ctx context.Context, repository, token string) ([]string, bool, error) {
	resp, err := rt.get(ctx, "/v2/"+repository+"/tags/list", token)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, false, nil
	default:
		return nil, false, statusError(resp)
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

// get sends an authenticated GET to the registry at path (which starts
// with /v2/).
func (rt *RegistryTags) get(ctx context.Context, path, token string, accept ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(rt.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for _, a := range accept {
		req.Header.Add("Accept", a)
	}
	return rt.Client.Do(req)
}

// statusError drains a refused answer and says what was refused.
func statusError(resp *http.Response) error {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return fmt.Errorf("registry: GET %s: %s", resp.Request.URL.EscapedPath(), resp.Status)
}
