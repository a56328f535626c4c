package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const installDocker = "the Docker engine test needs Debian's docker.io and containerd, and root: " +
	"apt-get install -y --no-install-recommends docker.io containerd (it starts its own dockerd and containerd, " +
	"on sockets and state of its own; no system service is used)"

// dockerTools finds dockerd, containerd and the docker CLI. Without them,
// or without root, the test skips, except in CI, where it fails.
func dockerTools(t *testing.T) (dockerd, containerd, docker string) {
	t.Helper()
	var missing []string
	find := func(name string) string {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
		}
		return p
	}
	dockerd, containerd, docker = find("dockerd"), find("containerd"), find("docker")
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("missing %s; %s", strings.Join(missing, ", "), installDocker)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dockerd, containerd, docker
}

// lowPort returns a free loopback address below 32768, outside the range
// the kernel hands out for port 0, so that no outgoing connection takes it
// between now and the registry's listen.
func lowPort(t *testing.T) string {
	t.Helper()
	for range 50 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	t.Fatal("no free port below 32768")
	return ""
}

// registryAt makes newE2E serve the registry on addr.
func registryAt(addr string) e2eOption {
	return func(cfg *Config, _ *string) { cfg.Registry.Host = addr }
}

// socketDir is a directory for unix sockets, whose paths must stay within
// 108 bytes: t.TempDir() when it is short enough, else a short one.
func socketDir(t *testing.T) string {
	t.Helper()
	if dir := t.TempDir(); len(dir) < 60 {
		return dir
	}
	dir, err := os.MkdirTemp("", "rsd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// dockerEngine is a dockerd with its own containerd, their state in
// temporary directories, reached through their own sockets.
type dockerEngine struct {
	t      *testing.T
	cli    string
	socket string
	config string // DOCKER_CONFIG
}

// startDockerEngine starts containerd and dockerd, which trusts registry
// over plain HTTP, and waits until dockerd answers. Both are stopped, by
// their PIDs, when the test ends.
func startDockerEngine(t *testing.T, dockerd, containerd, cli, registry string) *dockerEngine {
	t.Helper()
	dir, sock := t.TempDir(), socketDir(t)
	ctdConfig := filepath.Join(dir, "containerd.toml")
	writeFile(t, ctdConfig, fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "containerd-root"), filepath.Join(dir, "containerd-state"), filepath.Join(sock, "c.sock"), filepath.Join(dir, "containerd-opt")))
	daemonJSON := filepath.Join(dir, "daemon.json") // not /etc/docker's
	writeFile(t, daemonJSON, "{}")
	d := &dockerEngine{t: t, cli: cli, socket: filepath.Join(sock, "d.sock"), config: t.TempDir()}

	ctd := startDaemon(t, filepath.Join(dir, "containerd.log"), containerd, "--config", ctdConfig)
	waitFor(t, ctd, 30*time.Second, "containerd's socket", func() bool {
		_, err := os.Stat(filepath.Join(sock, "c.sock"))
		return err == nil
	})
	dd := startDaemon(t, filepath.Join(dir, "dockerd.log"), dockerd,
		"--config-file", daemonJSON,
		"--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
		"--data-root", filepath.Join(dir, "docker-data"), "--exec-root", filepath.Join(dir, "docker-exec"),
		"-H", "unix://"+d.socket, "--containerd", filepath.Join(sock, "c.sock"),
		"--insecure-registry", registry, "--pidfile", filepath.Join(dir, "docker.pid"))
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", d.socket)
	}}}
	waitFor(t, dd, time.Minute, "dockerd's /_ping", func() bool {
		resp, err := client.Get("http://docker/_ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return d
}

// daemon is a process the test started, and its output file.
type daemon struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startDaemon runs bin with args, its output in log, and stops it at
// cleanup: SIGTERM to its PID, SIGKILL after 20 s. Its output is logged
// if the test failed.
func startDaemon(t *testing.T, log, bin string, args ...string) *daemon {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: exec.Command(bin, args...), log: log, done: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = f, f
	if err := d.cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { d.cmd.Wait(); f.Close(); close(d.done) }()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", bin, tail(log, 40))
		}
	})
	return d
}

// waitFor polls ready until it holds, failing if d exits first or the
// time is up.
func waitFor(t *testing.T, d *daemon, limit time.Duration, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ready() {
		select {
		case <-d.done:
			t.Fatalf("%s exited (%v) before %s was ready:\n%s", d.cmd.Path, d.cmd.ProcessState, what, tail(d.log, 40))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s:\n%s", what, limit, tail(d.log, 40))
		}
	}
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// docker runs the docker CLI against this engine with stdin, and returns
// what it wrote.
func (d *dockerEngine) docker(stdin string, args ...string) (string, error) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.cli, append([]string{"--host", "unix://" + d.socket}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+d.config)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tinyImage is an OCI image for linux of one layer with one small file,
// as scripts/smoketool writes it.
func tinyImage(t *testing.T) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	content := []byte("regshare robot test\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	tw.Write(content)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err = mutate.ConfigFile(img, &v1.ConfigFile{Architecture: runtime.GOARCH, OS: "linux", RootFS: v1.RootFS{Type: "layers"}}); err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		t.Fatal(err)
	}
	return img
}

// The real Docker engine as a robot's client: docker login keeps the
// secret (no identity token), docker pull of the shared repository works,
// a push there is refused, and after the revoke the pull is refused.
func TestRobotDockerEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry and a Docker engine")
	}
	dockerd, containerd, cli := dockerTools(t)
	e := newE2E(t, registryAt(lowPort(t)))
	img := tinyImage(t)
	if err := remote.Write(e.ref("acme/web:latest"), img, auth("alice")); err != nil {
		t.Fatal(err)
	}
	web, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})
	ci := e.newRobot("ci", e.clock.Now().Add(24*time.Hour), pullOf("acme/web"))
	d := startDockerEngine(t, dockerd, containerd, cli, e.registry)
	if out, err := d.docker("", "version", "--format", "{{.Server.Version}}"); err == nil {
		t.Logf("Docker engine %s", strings.TrimSpace(out))
	}

	out, err := d.docker(ci.secret+"x\n", "login", "-u", ci.login, "--password-stdin", e.registry)
	wantCLIRefused(t, "docker login with a wrong secret", loginRefused, out, err)
	if out, err := d.docker(ci.secret+"\n", "login", "-u", ci.login, "--password-stdin", e.registry); err != nil {
		t.Fatalf("docker login as the robot: %v: %s", err, out)
	}
	// Without a refresh token docker keeps the secret itself.
	var cfg struct {
		Auths map[string]struct{ Auth, IdentityToken string }
	}
	b, err := os.ReadFile(filepath.Join(d.config, "config.json"))
	if err != nil || json.Unmarshal(b, &cfg) != nil {
		t.Fatalf("docker's config.json: %v: %s", err, b)
	}
	stored := cfg.Auths[e.registry]
	if creds, _ := base64.StdEncoding.DecodeString(stored.Auth); string(creds) != ci.login+":"+ci.secret || stored.IdentityToken != "" {
		t.Fatalf("docker stored for %s: the robot's secret %v, an identity token of %d bytes; want the secret and none",
			e.registry, string(creds) == ci.login+":"+ci.secret, len(stored.IdentityToken))
	}

	image := e.registry + "/acme/web:latest"
	if out, err := d.docker("", "pull", image); err != nil {
		t.Fatalf("docker pull as the robot: %v: %s", err, out)
	}
	if out, err := d.docker("", "image", "inspect", "--format", "{{join .RepoDigests \" \"}}", image); err != nil || !strings.Contains(out, "/acme/web@"+web.String()) {
		t.Fatalf("pulled image's digests: %v %q, want %s", err, out, web)
	}
	pushed := e.registry + "/acme/web:docker"
	if out, err := d.docker("", "tag", image, pushed); err != nil {
		t.Fatalf("docker tag: %v: %s", err, out)
	}
	out, err = d.docker("", "push", pushed)
	wantCLIRefused(t, "docker push to the shared repository as the robot", registryDenied, out, err)
	e.wantNoTag("acme/web:docker")

	if _, err := e.app.grants.Revoke(context.Background(), e.user("alice"), webGlobex, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	out, err = d.docker("", "pull", image)
	wantCLIRefused(t, "docker pull after the revoke", registryDenied, out, err)
}
