package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const installSkopeo = "the skopeo tests need Debian's skopeo: apt-get install -y skopeo"

// skopeoCLI is the skopeo binary, run with its own home and auth file so
// that nothing of the machine's configuration takes part.
type skopeoCLI struct {
	bin string
	env []string
}

// skopeo finds the binary. Without it the tests skip, except in CI, where
// they fail.
func skopeo(t *testing.T) skopeoCLI {
	t.Helper()
	p, err := exec.LookPath("skopeo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(installSkopeo)
		}
		t.Skip(installSkopeo)
	}
	home := t.TempDir()
	return skopeoCLI{bin: p, env: append(os.Environ(), "HOME="+home, "XDG_RUNTIME_DIR="+home,
		"REGISTRY_AUTH_FILE="+filepath.Join(home, "auth.json"))}
}

// run runs skopeo with args, and returns what it wrote.
func (s skopeoCLI) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"--insecure-policy"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pull copies repo as b to a dir: layout.
func (s skopeoCLI) pull(t *testing.T, registry, repo string, b robot, dir string) (string, error) {
	t.Helper()
	return s.run(t, "copy", "--src-tls-verify=false", "--src-creds", b.login+":"+b.secret, "docker://"+registry+"/"+repo, "dir:"+dir)
}

// manifestDigest is the digest of the manifest in a dir: layout, which
// keeps it as the registry served it.
func manifestDigest(t *testing.T, dir string) string {
	t.Helper()
	m, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(m)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// skopeo as a robot's client: it pulls the shared repository, and is
// refused a push there, a pull of another repository, a wrong secret, and
// any pull once the share is revoked.
func TestRobotSkopeo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	sk := skopeo(t)
	e, web, ci := newSharedRobot(t)

	dir := filepath.Join(t.TempDir(), "web")
	if out, err := sk.pull(t, e.registry, "acme/web:latest", ci, dir); err != nil {
		t.Fatalf("skopeo pull as the robot: %v: %s", err, out)
	}
	if got := manifestDigest(t, dir); got != web.String() {
		t.Fatalf("skopeo pulled %s, want %s", got, web)
	}
	out, err := sk.run(t, "copy", "--dest-tls-verify=false", "--dest-creds", ci.login+":"+ci.secret, "dir:"+dir, "docker://"+e.registry+"/acme/web:skopeo")
	wantCLIRefused(t, "skopeo push to the shared repository", registryDenied, out, err)
	e.wantNoTag("acme/web:skopeo")
	out, err = sk.pull(t, e.registry, "acme/other:latest", ci, filepath.Join(t.TempDir(), "other"))
	wantCLIRefused(t, "skopeo pull of an unshared repository", registryDenied, out, err)
	out, err = sk.pull(t, e.registry, "acme/web:latest", robot{ci.login, ci.secret + "x"}, filepath.Join(t.TempDir(), "wrong"))
	wantCLIRefused(t, "skopeo pull with a wrong secret", loginRefused, out, err)

	if _, err := e.app.grants.Revoke(context.Background(), e.user("alice"), webGlobex, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	out, err = sk.pull(t, e.registry, "acme/web:latest", ci, filepath.Join(t.TempDir(), "revoked"))
	wantCLIRefused(t, "skopeo pull after the revoke", registryDenied, out, err)
}
