package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Cluster is an embedded etcd cluster of several members in this process.
// The members talk raft to each other directly on loopback; each one's
// clients go through its own Proxy, so that one member can be cut off or
// frozen for clients alone.
type Cluster struct {
	t       testing.TB
	members []*Server
}

// clusters numbers the clusters of this process, so that each has its own
// cluster token and a member can never join another test's cluster on a
// reused port.
var clusters atomic.Int64

// StartCluster starts a cluster of n members on free loopback ports, with
// each one's data in a new temporary directory, and waits until all are
// ready. It is stopped when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	var err error
	// A port clash shows only when a member binds; the members name each
	// other's ports, so pick them all again.
	for range 3 {
		if err = c.launch(n); err == nil {
			break
		}
		stop(c.members)
	}
	if err != nil {
		t.Fatalf("start etcd cluster: %v", err)
	}
	for _, s := range c.members {
		s.ready()
	}
	return c
}

// launch starts every member without waiting: none is ready before a
// quorum of them runs.
func (c *Cluster) launch(n int) error {
	c.members = make([]*Server, n)
	peers := make([]string, n)
	for i := range c.members {
		s := newServer(c.t, fmt.Sprintf("m%d", i))
		c.members[i] = s
		peers[i] = s.name + "=" + s.peerURL.String()
	}
	// Registered after the members' temporary directories, so run
	// before their removal.
	members := c.members
	c.t.Cleanup(func() { stop(members) })
	token := fmt.Sprintf("etcdtest-%d", clusters.Add(1))
	for _, s := range c.members {
		s.initial, s.token = strings.Join(peers, ","), token
		if err := s.launch(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// stop stops all members at once rather than a second each.
func stop(members []*Server) {
	for _, s := range members {
		s.halt()
	}
	for _, s := range members {
		s.wait()
	}
}

// Endpoints are the members' client endpoints (their proxies), in order.
func (c *Cluster) Endpoints() []string {
	eps := make([]string, len(c.members))
	for i, s := range c.members {
		eps[i] = s.Endpoint()
	}
	return eps
}

// Member is the i-th member, for what Server offers (Client, Endpoint...).
func (c *Cluster) Member(i int) *Server { return c.members[i] }

// Client returns a new client of every member, closed when the test ends.
func (c *Cluster) Client() *clientv3.Client {
	c.t.Helper()
	return newClient(c.t, c.Endpoints())
}

// StopMember stops member i as a crash would: its clients' connections are
// cut and raft stops without handing on leadership. Its data stays. It
// returns at once; RestartMember waits for the ports to be free.
func (c *Cluster) StopMember(i int) { c.members[i].halt() }

// RestartMember starts member i again on its data and addresses and waits
// until it is ready, which takes a quorum of members running.
func (c *Cluster) RestartMember(i int) {
	c.t.Helper()
	c.members[i].Restart()
}

// FreezeMember holds all traffic between member i and its clients, leaving
// the connections open; raft between members goes on.
func (c *Cluster) FreezeMember(i int) { c.members[i].Freeze() }

// ThawMember undoes FreezeMember.
func (c *Cluster) ThawMember(i int) { c.members[i].Thaw() }

// Leader is the index of the current leader, waiting up to 5s for one:
// a running member that leads by its own account and by that of a
// majority of the members. It is -1 if there is none by then.
func (c *Cluster) Leader() int {
	for deadline := time.Now().Add(5 * time.Second); ; {
		if l := c.leader(); l >= 0 || time.Now().After(deadline) {
			return l
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *Cluster) leader() int {
	votes := map[uint64]int{}
	ids := make([]uint64, len(c.members))
	for i, s := range c.members {
		if e := s.running(); e != nil {
			ids[i] = uint64(e.Server.MemberID())
			votes[e.Server.Lead()]++
		}
	}
	for i, id := range ids {
		if id != 0 && votes[id] > len(c.members)/2 {
			return i
		}
	}
	return -1
}

// WaitHealthy waits until a linearizable Get through each running member's
// endpoint answers, which takes a leader and that member's proxy passing
// traffic (a frozen member keeps it waiting).
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	for i, s := range c.members {
		if s.running() == nil {
			continue
		}
		if err := waitGet(ctx, s.Endpoint()); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
	}
	return nil
}

func waitGet(ctx context.Context, endpoint string) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	for {
		// Each try is short: a request sent over a connection that a
		// restart then cut may fail only at its deadline.
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := cli.Get(tctx, "health-probe")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
