package etcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// BinaryEnv names the etcd binary StartExternal runs instead of the
// etcd found on PATH.
const BinaryEnv = "REGSHARE_ETCD_BIN"

const installEtcd = "the tests against the oldest etcd regshare supports need Debian's etcd-server 3.4.23 " +
	"(the etcd binary on PATH, or the one " + BinaryEnv + " names): apt-get install etcd-server"

// StartExternal starts the etcd binary found on PATH, or the one named by
// REGSHARE_ETCD_BIN, as a cluster of one on free loopback ports with its
// data in a new temporary directory, and waits until a Get answers. It
// offers what Start's server does: Stop kills the process (SIGKILL, a
// crash), Restart runs it again on the same data and address. What the
// process writes is logged only if the test fails. Without the binary the
// test is skipped, except when CI=true: then it fails.
func StartExternal(t testing.TB) *Server {
	t.Helper()
	bin := etcdBinary(t)
	s := newServer(t, "test")
	s.bin, s.out = bin, &output{}
	// A directory etcd makes itself, private as it wants it: it warns of
	// a data directory others can read.
	s.dir = filepath.Join(s.dir, "data")
	// Registered before Stop, so run after it: the output ends with the
	// process's end.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output of %s:\n%s", bin, s.out)
		}
	})
	t.Cleanup(s.Stop)
	s.start()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if resp, err := s.Client().Status(ctx, s.Endpoint()); err == nil {
		t.Logf("etcd %s (%s) at %s", resp.Version, bin, s.Endpoint())
	}
	return s
}

// etcdBinary finds the etcd binary, or skips (fails, in CI) the test.
func etcdBinary(t testing.TB) string {
	t.Helper()
	name := "etcd"
	if b := os.Getenv(BinaryEnv); b != "" {
		name = b
	}
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("no etcd binary: %v; %s", err, installEtcd)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// errExited tells that etcd exited before it served.
var errExited = errors.New("exited")

// launchExternal runs the etcd binary and waits until it serves.
func (s *Server) launchExternal() error {
	var err error
	// The ports were free a moment ago; on a rare clash etcd exits at
	// once: try again.
	for range 3 {
		var p *process
		if p, err = s.spawn(); err != nil {
			return err
		}
		if err = p.serving(s.clientURL.String(), 30*time.Second); err == nil {
			s.mu.Lock()
			s.proc = p
			s.mu.Unlock()
			return nil
		}
		<-p.kill()
		if !errors.Is(err, errExited) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: %w", s.bin, err)
}

func (s *Server) args() []string {
	state := "new"
	if s.started {
		state = "existing"
	}
	client, peer := s.clientURL.String(), s.peerURL.String()
	return []string{
		"--name", s.name,
		"--data-dir", s.dir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", s.name + "=" + peer,
		"--initial-cluster-state", state,
		// As the embedded etcd's: elections take one election timeout.
		"--heartbeat-interval", "10",
		"--election-timeout", "100",
		"--logger", "zap",
		"--log-outputs", "stderr",
	}
}

// spawn starts the etcd process.
func (s *Server) spawn() (*process, error) {
	cmd := exec.Command(s.bin, s.args()...)
	// etcd takes every flag from an ETCD_* variable too: none of the
	// caller's may change this one.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ETCD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// etcd 3.4 refuses to run but on amd64 and ppc64le unless told.
	if a := runtime.GOARCH; a != "amd64" && a != "ppc64le" {
		cmd.Env = append(cmd.Env, "ETCD_UNSUPPORTED_ARCH="+a)
	}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	dieWithTest(cmd)
	fmt.Fprintf(s.out, "--- %s: %s %s\n", time.Now().Format("15:04:05.000"), s.bin, strings.Join(cmd.Args[1:], " "))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		defer close(p.exited)
		p.err = cmd.Wait()
		fmt.Fprintf(s.out, "--- %s: %v\n", time.Now().Format("15:04:05.000"), p.err)
	}()
	return p, nil
}

// process is a running etcd binary.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once it has exited and been waited for
	err    error         // Wait's, once exited
}

// serving waits until a Get on endpoint answers, the process exits, or
// timeout passes.
func (p *process) serving(endpoint string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got := make(chan error, 1)
	go func() {
		// A client that found the port closed waits a second before it
		// dials again: let it dial once the port is open.
		if err := listening(ctx, endpoint); err != nil {
			got <- err
			return
		}
		got <- waitGet(ctx, endpoint)
	}()
	select {
	case err := <-got:
		if err != nil {
			return fmt.Errorf("no answer within %v: %w", timeout, err)
		}
		return nil
	case <-p.exited:
		cancel()
		<-got
		return fmt.Errorf("%w before it served: %v", errExited, p.err)
	}
}

// listening waits until endpoint accepts connections.
func listening(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// kill kills the process as a crash would, and returns a channel closed
// once it is gone (and its ports free).
func (p *process) kill() <-chan struct{} {
	p.cmd.Process.Kill() // fails only if it exited already
	return p.exited
}

// output is what an external etcd wrote: safe for its writers and a
// reader at once.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
