package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/internal/testlog"
	"github.com/regshare/regshare/tokenauth"
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
	for _, want := range []string{d.info.Registry, d.info.API, alice.Password, "docker login", "crane", "skopeo copy", "share create",
		"Once acme/hello is shared with globex (step 2), regshare dev makes robot$globex+ci"} {
		if !strings.Contains(d.stdout.String(), want) {
			t.Errorf("walkthrough lacks %q:\n%s", want, d.stdout)
		}
	}
	if d.info.Robot != nil {
		t.Fatalf("a robot before acme/hello is shared: %+v", d.info.Robot)
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
	// The walkthrough's CI step: once acme/hello is shared with globex, dev
	// makes globex's robot with pull on it alone, and prints its login.
	hello, err := pushAs(t, d.info.Registry, "acme/hello:1", alice.Name, alice.Password)
	if err != nil {
		t.Fatalf("push acme/hello as %s: %v", alice.Name, err)
	}
	shareVia(t, d.info.API, "acme/hello", "globex", alice.Name, alice.Password)
	rb := d.waitRobot(t, data)
	if rb.Login != "robot$globex+ci" || !strings.HasPrefix(rb.Secret, "rsr_") || rb.Repository != "acme/hello" {
		t.Fatalf("robot %+v", rb)
	}
	if left := time.Until(rb.Expires); left < grants.DefaultRobotMaxLifetime-time.Hour || left > grants.DefaultRobotMaxLifetime {
		t.Errorf("robot expires in %s, want the domain's longest lifetime, %s", left, grants.DefaultRobotMaxLifetime)
	}
	for _, want := range []string{"echo " + rb.Secret + " | docker login -u 'robot$globex+ci' --password-stdin " + d.info.Registry,
		"docker pull " + d.info.Registry + "/acme/hello:1"} {
		if !strings.Contains(d.stdout.String(), want) {
			t.Errorf("robot lines lack %q:\n%s", want, d.stdout)
		}
	}
	wantRobotGrants(t, d.info.TokenURL, rb)
	if got, err := pullAs(t, d.info.Registry, "acme/hello:1", rb.Login, rb.Secret); err != nil || got != hello {
		t.Fatalf("pull as %s: %v %v, want %v", rb.Login, got, err, hello)
	}
	robotFile, err := os.ReadFile(filepath.Join(data, devRobotFile))
	if err != nil {
		t.Fatal(err)
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
	// The robot too: the same secret, printed at once, still granted.
	if again, err := os.ReadFile(filepath.Join(data, devRobotFile)); err != nil || !bytes.Equal(again, robotFile) {
		t.Fatalf("robot.json changed across a restart: %v", err)
	}
	if d.info.Robot == nil || *d.info.Robot != rb {
		t.Fatalf("robot after a restart %+v, before %+v", d.info.Robot, rb)
	}
	if !strings.Contains(d.stdout.String(), "echo "+rb.Secret+" | docker login -u 'robot$globex+ci'") {
		t.Errorf("walkthrough after a restart lacks the robot's login:\n%s", d.stdout)
	}
	wantRobotGrants(t, d.info.TokenURL, rb)
	d.stop(t)
}

// waitRobot waits for dev.json to name the robot, and wants robot.json to
// hold the same, for the user alone.
func (d *devRun) waitRobot(t *testing.T, data string) devRobot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var info devInfo
		if b, err := os.ReadFile(filepath.Join(data, devInfoFile)); err == nil && json.Unmarshal(b, &info) == nil && info.Robot != nil {
			d.info = info
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no robot in dev.json 10 s after the share\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	path := filepath.Join(data, devRobotFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, want mode 0600", devRobotFile, err)
	}
	if stored, err := readDevRobot(path); err != nil || stored != *d.info.Robot {
		t.Fatalf("robot.json %+v (%v), dev.json %+v", stored, err, d.info.Robot)
	}
	return *d.info.Robot
}

// wantRobotGrants asks the token endpoint, as the robot, for push and pull
// of its repository (pull alone granted), and for a pull of acme/web
// (shared with globex, but not the robot's) and of globex/app (globex's
// own, not the robot's): nothing.
func wantRobotGrants(t *testing.T, tokenURL string, rb devRobot) {
	t.Helper()
	for _, c := range []struct {
		scope, repo string
		want        []string
	}{
		{"repository:" + rb.Repository + ":pull,push", rb.Repository, []string{"pull"}},
		{"repository:acme/web:pull", "acme/web", nil},
		{"repository:globex/app:pull", "globex/app", nil},
	} {
		req, err := http.NewRequest(http.MethodGet, tokenURL+"?"+url.Values{"service": {devService}, "scope": {c.scope}}.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(rb.Login, rb.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Token string `json:"token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s as %s: %d %v", c.scope, rb.Login, resp.StatusCode, err)
		}
		var claims tokenauth.Claims
		if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &claims); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range claims.Access {
			if a.Type == "repository" && a.Name == c.repo {
				got = a.Actions
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s as %s: granted %v, want %v", c.scope, rb.Login, got, c.want)
		}
	}
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

// TestDevRobotRenew: the robot is made once its repository is shared, kept
// while its secret logs in, and replaced once expired or deleted.
func TestDevRobotRenew(t *testing.T) {
	ctx := context.Background()
	var stored []devStoredUser
	for _, u := range devDirectory {
		h, err := bcrypt.GenerateFromPassword([]byte(u.Name+"-pw"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		u.Password = u.Name + "-pw"
		stored = append(stored, devStoredUser{devUser: u, PasswordHash: string(h)})
	}
	cfg, err := devDirectoryConfig(stored)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(ctx, dir, grants.NewMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	users := make([]devUser, len(stored))
	for i, u := range stored {
		users[i] = u.devUser
	}
	data := t.TempDir()
	seed := newDevRobotSeed(g, time.Now, data, users)
	if seed == nil || seed.repo != "acme/hello" || seed.domain != "globex" || seed.manager != "gus" {
		t.Fatalf("seed %+v", seed)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if rb, ok, err := seed.ensure(ctx, now); ok || err != nil {
		t.Fatalf("before the share: %+v %v %v", rb, ok, err)
	}
	alice, _ := g.Directory().Principal("alice")
	if _, err := g.Create(ctx, alice, grants.Share{Repository: "acme/hello", Recipient: "globex", Permit: grants.PermitRead}, now); err != nil {
		t.Fatal(err)
	}
	first, ok, err := seed.ensure(ctx, now)
	if !ok || err != nil || !first.Expires.Equal(now.Add(grants.DefaultRobotMaxLifetime)) {
		t.Fatalf("after the share: %+v %v %v", first, ok, err)
	}
	if again, ok, err := seed.ensure(ctx, now.Add(24*time.Hour)); !ok || err != nil || again != first {
		t.Fatalf("a day later: %+v %v %v, want %+v", again, ok, err, first)
	}
	later := first.Expires.Add(time.Second)
	renewed, ok, err := seed.ensure(ctx, later)
	if !ok || err != nil || renewed.Secret == first.Secret || !renewed.Expires.Equal(later.Add(grants.DefaultRobotMaxLifetime)) {
		t.Fatalf("once expired: %+v %v %v", renewed, ok, err)
	}
	if stored, err := readDevRobot(filepath.Join(data, devRobotFile)); err != nil || stored != renewed {
		t.Fatalf("robot.json %+v %v, want %+v", stored, err, renewed)
	}
	gus, _ := g.Directory().Principal("gus")
	if err := g.DeleteRobot(ctx, gus, "globex", devRobotName, later); err != nil {
		t.Fatal(err)
	}
	if remade, ok, err := seed.ensure(ctx, later); !ok || err != nil || remade.Secret == renewed.Secret {
		t.Fatalf("once deleted: %+v %v %v", remade, ok, err)
	}
}
