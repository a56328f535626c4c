package admin_test

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/regshare/regshare/admin"
)

// fakeRegistry is a registry as maps repository -> tags and "repo:tag" ->
// manifest; its catalog is every repository it has. err, when set, is what
// every call returns.
type fakeRegistry struct {
	mu        sync.Mutex
	repos     map[string][]string
	manifests map[string]admin.Manifest
	err       error
	calls     []string // of Tags
}

func (f *fakeRegistry) Tags(_ context.Context, repo string) ([]string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, repo)
	if f.err != nil {
		return nil, false, f.err
	}
	tags, ok := f.repos[repo]
	return slices.Clone(tags), ok, nil
}

func (f *fakeRegistry) Manifest(_ context.Context, repo, ref string) (admin.Manifest, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return admin.Manifest{}, false, f.err
	}
	m, ok := f.manifests[repo+":"+ref]
	return m, ok, nil
}

func (f *fakeRegistry) Catalog(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return slices.Sorted(maps.Keys(f.repos)), nil
}

// set gives repo its tags; nil removes it from the registry.
func (f *fakeRegistry) set(repo string, tags []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tags == nil {
		delete(f.repos, repo)
		return
	}
	f.repos[repo] = tags
}

// setManifest gives repo:tag its manifest.
func (f *fakeRegistry) setManifest(repo, tag string, m admin.Manifest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.manifests[repo+":"+tag] = m
}

func (f *fakeRegistry) setErr(err error) { f.mu.Lock(); defer f.mu.Unlock(); f.err = err }

func (f *fakeRegistry) resetCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// blockingRegistry answers only when the request's context is done.
type blockingRegistry struct{}

func (blockingRegistry) Tags(ctx context.Context, _ string) ([]string, bool, error) {
	<-ctx.Done()
	return nil, false, ctx.Err()
}

func (blockingRegistry) Manifest(ctx context.Context, _, _ string) (admin.Manifest, bool, error) {
	<-ctx.Done()
	return admin.Manifest{}, false, ctx.Err()
}

func (blockingRegistry) Catalog(ctx context.Context) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
