package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/regshare/regshare/tokenauth"

	// The registry registers its token access controller and its storage
	// drivers from init functions, and finds them by name in its
	// configuration; importing them is the registry's only way to use them.
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// startDevRegistry builds the registry for lns, storing in data and
// trusting the root in data's keys. Its background work ends with
// Shutdown, after the servers have drained, not at Ctrl-C.
func startDevRegistry(ctx context.Context, data string, lns *devListeners, notifySecret string) (*handlers.App, error) {
	if _, ok := os.LookupEnv("OTEL_TRACES_EXPORTER"); !ok {
		os.Setenv("OTEL_TRACES_EXPORTER", "none")
	}
	logrus.SetLevel(logrus.WarnLevel) // the registry logs through logrus
	return newDevRegistry(context.WithoutCancel(ctx), devRegistryConfig{
		root:       filepath.Join(data, "registry"),
		addr:       lns.registry.Addr().String(),
		realm:      lns.api() + "/token",
		rootBundle: filepath.Join(devKeysDir(data), tokenauth.RootCertFile),
		notifyURL:  lns.api() + notificationsPath,
		notifyAuth: "Bearer " + notifySecret,
	})
}

type devRegistryConfig struct {
	root, addr, realm, rootBundle string
	// notifyURL, when set, is where the registry sends its events, with
	// notifyAuth as their Authorization header.
	notifyURL, notifyAuth string
}

// newDevRegistry builds the registry from a YAML text, so that
// configuration.Parse applies the defaults a config file would get.
func newDevRegistry(ctx context.Context, c devRegistryConfig) (app *handlers.App, err error) {
	conf := map[string]any{
		"version": "0.1",
		"log":     map[string]any{"level": "warn"},
		"storage": map[string]any{
			"filesystem": map[string]any{"rootdirectory": c.root},
			"delete":     map[string]any{"enabled": true},
		},
		"http": map[string]any{"addr": c.addr, "secret": rand.Text()},
		"auth": map[string]any{"token": map[string]any{
			"realm":          c.realm,
			"service":        devService,
			"issuer":         devIssuer,
			"rootcertbundle": c.rootBundle,
		}},
	}
	if c.notifyURL != "" {
		conf["notifications"] = devNotifications(c.notifyURL, c.notifyAuth)
	}
	text, err := yaml.Marshal(conf)
	if err != nil {
		return nil, err
	}
	cfg, err := configuration.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("registry configuration: %w", err)
	}
	// NewApp reports a configuration it cannot use by panicking.
	defer func() {
		if r := recover(); r != nil {
			app, err = nil, fmt.Errorf("registry: %v", r)
		}
	}()
	return handlers.NewApp(ctx, cfg), nil
}

// devNotifications is the registry's notifications section that sends
// its events to url, retried soon (a short backoff) while regshare does
// not answer 200.
func devNotifications(url, auth string) map[string]any {
	return map[string]any{"endpoints": []any{map[string]any{
		"name":      "regshare",
		"url":       url,
		"headers":   map[string]any{"Authorization": []string{auth}},
		"timeout":   "5s",
		"threshold": 3,
		"backoff":   "1s",
	}}}
}

// devWaitReady waits until regshare's /readyz answers, then checks the
// pair the way docker login does: a token for user from regshare must open
// the registry's /v2/. The whole check is bounded by devReadyTimeout (a
// bcrypt comparison is slow under the race detector on a busy machine). It
// returns nil at once when ctx ends.
func devWaitReady(ctx context.Context, regshare, registry string, user devUser, errc <-chan error) error {
	cctx, cancel := context.WithTimeout(ctx, devReadyTimeout)
	defer cancel()
	get := func(u string, setAuth func(*http.Request)) (int, []byte, error) {
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		setAuth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, body, err
	}
	for {
		code, _, err := get(regshare+"/readyz", func(*http.Request) {})
		if err == nil && code == http.StatusOK {
			break
		}
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			return nil
		case <-cctx.Done():
			return fmt.Errorf("regshare not ready after %s: %d %v", devReadyTimeout, code, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	code, body, err := get(regshare+"/token?service="+devService+"&account="+user.Name, func(r *http.Request) {
		r.SetBasicAuth(user.Name, user.Password)
	})
	if ctx.Err() != nil {
		return nil
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err != nil || code != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		return fmt.Errorf("self-check: token for %s: %d %v", user.Name, code, err)
	}
	code, _, err = get(registry+"/v2/", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.Token) })
	if ctx.Err() != nil {
		return nil
	}
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("self-check: the registry refused regshare's token: %d %v", code, err)
	}
	return nil
}
