package etcdtest

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Proxy forwards TCP connections to a server. Cut closes them all and
// refuses new ones until Restore: a network partition of one client.
// Freeze holds every byte, in both directions, until Thaw, keeping the
// connections open: a server that hangs.
type Proxy struct {
	t      testing.TB
	target string
	ln     net.Listener
	wg     sync.WaitGroup // serve and every connection's forwarding
	mu     sync.Mutex
	// wake is broadcast on Thaw and whenever a link closes, so that a
	// frozen copy loop notices either.
	wake        *sync.Cond
	cut, frozen bool
	trigger     []byte // FreezeOn's pattern, until it is seen
	links       map[*link]struct{}
}

// link is one forwarded connection: the client's, then the one to the
// target once dialled. Guarded by Proxy.mu.
type link struct {
	conns  [2]net.Conn
	closed bool
}

// NewProxy listens on a loopback port and forwards to target (host:port or
// an http:// URL); it stops when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		target = u.Host
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, target: target, ln: ln, links: map[*link]struct{}{}}
	p.wake = sync.NewCond(&p.mu)
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		// Cut wakes frozen copy loops too: none outlives the test.
		p.wg.Wait()
	})
	return p
}

// Endpoint is the proxy's address as an etcd endpoint.
func (p *Proxy) Endpoint() string { return "http://" + p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		// serve is itself counted in wg, so this Add never races Wait.
		p.wg.Go(func() { p.forward(c) })
	}
}

func (p *Proxy) forward(c net.Conn) {
	l := &link{conns: [2]net.Conn{c}}
	p.mu.Lock()
	ok := !p.cut
	if ok {
		p.links[l] = struct{}{}
	}
	p.mu.Unlock()
	if !ok {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.close(l)
		return
	}
	p.mu.Lock()
	if ok = !l.closed; ok {
		l.conns[1] = up
	}
	p.mu.Unlock()
	if !ok { // cut while dialling
		up.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.copy(l, up, c, true) })
	wg.Go(func() { p.copy(l, c, up, false) })
	wg.Wait()
}

// copy forwards src to dst until either fails, holding each chunk read
// while the proxy is frozen: order is kept, and nothing is closed.
func (p *Proxy) copy(l *link, dst, src net.Conn, toServer bool) {
	defer p.close(l)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if toServer && p.trigger != nil && bytes.Contains(buf[:n], p.trigger) {
				p.frozen, p.trigger = true, nil
			}
			for p.frozen && !l.closed {
				p.wake.Wait()
			}
			closed := l.closed
			p.mu.Unlock()
			if closed {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) close(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked(l)
}

func (p *Proxy) closeLocked(l *link) {
	if l.closed {
		return
	}
	l.closed = true
	for _, c := range l.conns {
		if c != nil {
			c.Close()
		}
	}
	delete(p.links, l)
	p.wake.Broadcast()
}

// Cut closes every connection, frozen or not, and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for l := range p.links {
		p.closeLocked(l)
	}
}

// Restore accepts connections again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// Freeze stops forwarding, in both directions, on every connection,
// including ones accepted while frozen; they stay open.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
}

// FreezeOn freezes the proxy as soon as a client sends pattern, before
// the server receives it: a server that hangs just as a given request
// arrives (say, a write, after the reads that prepared it).
func (p *Proxy) FreezeOn(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trigger = []byte(pattern)
}

// Frozen reports whether the proxy holds the bytes now.
func (p *Proxy) Frozen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen
}

// Thaw forwards again, first what was held, in order.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	p.wake.Broadcast()
}
