package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/internal/testlog"
)

// devRun is one `regshare dev` started by a test.
type devRun struct {
	info           devInfo
	cancel         context.CancelFunc
	done           chan struct{} // closed when run returned, with err
	err            error
	stdout, stderr *testlog.Buffer
}

// launchDev runs `regshare dev` on data with free ports and waits for its
// dev.json.
func launchDev(t *testing.T, data string) *devRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &devRun{cancel: cancel, done: make(chan struct{}), stdout: &testlog.Buffer{}, stderr: &testlog.Buffer{}}
	go func() {
		defer close(d.done)
		d.err = run(ctx, []string{"dev", "--data", data,
			"--addr", "127.0.0.1:0", "--registry-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"},
			strings.NewReader(""), d.stdout, d.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-d.done:
		case <-time.After(15 * time.Second):
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(data, devInfoFile)); err == nil {
			if err := json.Unmarshal(b, &d.info); err != nil {
				t.Fatalf("dev.json: %v", err)
			}
			return d
		}
		select {
		case <-d.done:
			t.Fatalf("regshare dev ended before writing dev.json: %v\n%s", d.err, d.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dev.json after 60 s\n%s", d.stderr)
		}
	}
}

// stop cancels the run and wants run to return nil within a few seconds.
func (d *devRun) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case <-d.done:
		if d.err != nil {
			t.Fatalf("regshare dev returned %v after Ctrl-C", d.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("regshare dev still running 10 s after Ctrl-C")
	}
}

func (d *devRun) user(t *testing.T, domain string, role grants.Role) devUser {
	t.Helper()
	for _, u := range d.info.Users {
		if u.Domain == domain && u.Role == role {
			return u
		}
	}
	t.Fatalf("dev.json has no %s user in %s: %+v", role, domain, d.info.Users)
	return devUser{}
}

func TestDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	data := t.TempDir()
	d := launchDev(t, data)
	if !strings.HasPrefix(d.info.Registry, "localhost:") || d.info.TokenURL != d.info.API+"/token" || !strings.HasPrefix(d.info.API, "http://localhost:") {
		t.Fatalf("dev.json addresses: %+v", d.info)
	}
	for _, f := range []string{devInfoFile, devUsersFile} {
		if fi, err := os.Stat(filepath.Join(data, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, want mode 0600", f, err)
		}
	}
	alice := d.user(t, "acme", grants.RoleManage)
	gina := d.user(t, "globex", grants.RoleRead)
	d.user(t, "acme", grants.RoleRead)
	d.user(t, "globex", grants.RoleManage)
	for _, want := range []string{d.info.Registry, d.info.API, alice.Password, "docker login", "crane", "skopeo copy", "share create"} {
		if !strings.Contains(d.stdout.String(), want) {
			t.Errorf("walkthrough lacks %q:\n%s", want, d.stdout)
		}
	}

	digest, err := pushAs(t, d.info.Registry, "acme/web:1", alice.Name, alice.Password)
	if err != nil {
		t.Fatalf("push as %s: %v", alice.Name, err)
	}
	_, err = pullAs(t, d.info.Registry, "acme/web:1", gina.Name, gina.Password)
	wantRefused(t, "globex pull before the share", err)
	shareVia(t, d.info.API, "acme/web", "globex", alice.Name, alice.Password)
	if got, err := pullAs(t, d.info.Registry, "acme/web:1", gina.Name, gina.Password); err != nil || got != digest {
		t.Fatalf("pull as %s after the share: %v %v, want %v", gina.Name, got, err, digest)
	}
	users, err := os.ReadFile(filepath.Join(data, devUsersFile))
	if err != nil {
		t.Fatal(err)
	}
	first := d.info
	d.stop(t)
	if _, err := os.Stat(filepath.Join(data, devInfoFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dev.json still there after the end: %v", err)
	}

	// Again on the same folder: same users and passwords, the share and
	// the image are still there.
	d = launchDev(t, data)
	again, err := os.ReadFile(filepath.Join(data, devUsersFile))
	if err != nil || !bytes.Equal(again, users) {
		t.Fatalf("users.json changed across a restart: %v", err)
	}
	if len(d.info.Users) != len(first.Users) {
		t.Fatalf("users %+v, before %+v", d.info.Users, first.Users)
	}
	for i, u := range d.info.Users {
		if u != first.Users[i] {
			t.Fatalf("user %+v was %+v before the restart", u, first.Users[i])
		}
	}
	if code, body := apiCall(t, http.MethodGet, sharesURL(d.info.API, "acme/web")+"/globex", alice.Name, alice.Password, nil); code != http.StatusOK {
		t.Fatalf("the share after a restart: %d %s", code, body)
	}
	if got, err := pullAs(t, d.info.Registry, "acme/web:1", gina.Name, gina.Password); err != nil || got != digest {
		t.Fatalf("pull as %s after a restart: %v %v, want %v", gina.Name, got, err, digest)
	}
	d.stop(t)
}

func TestDevPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	for _, flag := range []string{"--registry-addr", "--addr", "--metrics-addr"} {
		t.Run(flag, func(t *testing.T) {
			args := []string{"dev", "--data", t.TempDir(),
				"--addr", "127.0.0.1:0", "--registry-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", flag, busy.Addr().String()}
			_, _, err := cliRun(t, "", args...)
			if err == nil || !strings.HasSuffix(err.Error(), "with "+flag) || !strings.Contains(err.Error(), "port "+port) {
				t.Fatalf("got %v, want an error naming port %s and %s", err, port, flag)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}
