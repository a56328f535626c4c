package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/tokenauth"
)

// childEnv switches the test binary into `regshare` itself: the crash,
// reload and shutdown tests run the real command in a child process by
// re-executing the test binary, without building a second binary.
const childEnv = "REGSHARE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main() // exits 1 on error
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childLog collects the JSON log lines a child writes on stderr.
type childLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []map[string]any
	raw     []string
	changed chan struct{} // closed and replaced at each new line
}

func newChildLog() *childLog { return &childLog{changed: make(chan struct{})} }

func (l *childLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			m = map[string]any{"msg": line} // a panic or a race report
		}
		l.lines = append(l.lines, m)
		l.raw = append(l.raw, line)
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

// String returns everything logged so far, for failure messages.
func (l *childLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.raw, "\n") + string(l.partial)
}

// mark is the number of lines logged so far: waitFor looks past it.
func (l *childLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// waitFor returns the first line from index from on whose msg is msg.
func (l *childLog) waitFor(from int, msg string, timeout time.Duration, exited <-chan struct{}) (map[string]any, bool) {
	limit := time.After(timeout)
	for {
		l.mu.Lock()
		for _, m := range l.lines[min(from, len(l.lines)):] {
			if m["msg"] == msg {
				l.mu.Unlock()
				return m, true
			}
		}
		from = len(l.lines)
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-exited:
			exited = nil // read what it wrote before dying, then give up
			limit = time.After(0)
		case <-limit:
			return nil, false
		}
	}
}

// child is `regshare serve` running in a child process.
type child struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  *childLog
	addr string // host:port of the token endpoint and the API
	base string // http://addr
	done chan struct{}
	err  error // of Wait, once done is closed
}

// startChild runs `regshare serve --config config` and waits until it
// listens and answers /healthz.
func startChild(t *testing.T, config string) *child {
	t.Helper()
	c := spawnChild(t, config)
	m, ok := c.log.waitFor(0, "listening", 30*time.Second, c.done)
	if !ok {
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("regshare serve did not start (%v):\n%s", c.err, c.log)
	}
	c.addr, _ = m["addr"].(string)
	c.base = "http://" + c.addr
	for i := 0; ; i++ {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if i == 100 {
			t.Fatalf("/healthz: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// spawnChild starts `regshare serve --config config` without waiting.
func spawnChild(t *testing.T, config string) *child {
	t.Helper()
	c := &child{t: t, log: newChildLog(), done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "serve", "--config", config)
	// Under -race a process sleeps a second before it exits (GORACE
	// atexit_sleep_ms), which would hide how long shutdown takes.
	c.cmd.Env = append(os.Environ(), childEnv+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	c.cmd.Stderr = c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if out := c.log.String(); strings.Contains(out, "WARNING: DATA RACE") || strings.Contains(out, "panic:") {
			t.Errorf("regshare serve reported a data race or panicked:\n%s", out)
		}
	})
	return c
}

// signal sends sig to the child.
func (c *child) signal(sig syscall.Signal) {
	c.t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		c.t.Fatalf("signal %v: %v", sig, err)
	}
}

// kill ends the child with SIGKILL and waits for it.
func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// wait waits at most timeout for the child to exit and returns its exit
// code, or fails the test.
func (c *child) wait(timeout time.Duration) int {
	c.t.Helper()
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		c.t.Fatalf("regshare serve still running after %s:\n%s", timeout, c.log)
		return -1
	}
}

// childSetup holds what the child tests' configurations share: keys made
// once per test and a MinCost bcrypt hash per password.
type childSetup struct {
	dir    string
	hashes map[string]string
}

func newChildSetup(t *testing.T) *childSetup {
	t.Helper()
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(filepath.Join(dir, "keys"), tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	return &childSetup{dir: dir, hashes: map[string]string{}}
}

func (s *childSetup) hash(t *testing.T, password string) string {
	t.Helper()
	if h, ok := s.hashes[password]; ok {
		return h
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s.hashes[password] = string(h)
	return string(h)
}

// childDomain is one domain of a child's configuration.
type childDomain struct {
	namespaces []string
	users      map[string][2]string // name -> role, password hash
}

// config writes regshare.yml in the setup's directory: loopback on a free
// port, no metrics listener, a bolt file next to it, and extra appended
// as is (for registry settings). It returns the file's path.
func (s *childSetup) config(t *testing.T, domains map[string]childDomain, extra string) string {
	t.Helper()
	return s.write(t, configBody(domains, extra))
}

// configBody is the text config writes.
func configBody(domains map[string]childDomain, extra string) string {
	var b strings.Builder
	b.WriteString(`listen: 127.0.0.1:0
metrics_listen: ""
token: {service: registry.test, issuer: regshare-test}
keys: {signing_key: keys/signing.key, signing_cert: keys/signing.crt}
store: {type: bolt, path: shares.db}
login_limit: {failures_per_minute: 600, burst: 100}
`)
	b.WriteString(extra)
	b.WriteString("domains:\n")
	for name, d := range domains {
		fmt.Fprintf(&b, "  %s:\n    namespaces: [%s]\n    users:", name, strings.Join(d.namespaces, ", "))
		if len(d.users) == 0 {
			b.WriteString(" {}")
		}
		b.WriteString("\n")
		for u, rh := range d.users {
			fmt.Fprintf(&b, "      %s: {role: %s, password_hash: %q}\n", u, rh[0], rh[1])
		}
	}
	return b.String()
}

// write replaces regshare.yml with body, as an editor would.
func (s *childSetup) write(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(s.dir, "regshare.yml")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *childSetup) storePath() string { return filepath.Join(s.dir, "shares.db") }
