// Package etcd is the share store for several replicas: the shares live in
// an etcd cluster, every change is an etcd transaction acknowledged once a
// quorum has it, and every replica's index follows the shares through a
// watch (see Follow).
//
// Keys, below the configured prefix:
//
//	shares/<repository>@<recipient>            the share, JSON
//	shares/~ends/<subject>@<id>                a token end, JSON (a logout on a lease)
//	shares/~fences/<random>                    a fence of a change attempt (see change.go)
//	shares/~dir/<kind>/<name>                  a directory record (see records.go)
//	history/<repository>@<recipient>/<id>      one event of its history, JSON
//
// where '%' and '@' (and '/' in the recipient) are %-escaped. A change
// writes the share and its history event in one transaction; history is
// read back in the order etcd committed it. Token ends and fences live
// below the shares' prefix ('~' begins no repository name), so that one
// watch and one revision order all; a logout is on a lease that outlives
// its token, and a fence on a lease of a day, so etcd forgets them by
// itself.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/regshare/regshare/grants"
)

// Store keeps shares in etcd. It is a grants.Store and a grants.Feed.
type Store struct {
	cfg     Config
	cli     *clientv3.Client
	log     *slog.Logger
	m       *metrics
	shares  string // key prefix of the shares (and the token ends)
	ends    string // key prefix of the token ends, below shares
	fences  string // key prefix of the fences of changes (see change.go), below shares
	dir     string // key prefix of the directory records, below shares
	history string // key prefix of the history events

	ctx       context.Context // ends with Close; bounds the feed
	cancel    context.CancelFunc
	done      chan struct{} // closed when the feed has stopped
	closeOnce sync.Once
	closeErr  error

	// acked is the highest revision this store answered from (see ack).
	acked atomic.Int64
	// current is when the index was last known to hold everything etcd had
	// (see proven), in Unix nanoseconds; 0 before the first load.
	current atomic.Int64
	// The feed's state, under mu.
	mu        sync.Mutex
	following bool
	loaded    bool
	applied   int64         // revision the index holds
	latest    int64         // newest revision seen
	advanced  chan struct{} // closed and replaced when applied grows
	// trustProgress: etcd's progress notifications come after the events
	// they cover (see version.go); known at the first load.
	trustProgress bool
	versionKnown  bool
	pending       proof // a progress notification ahead of the events applied
}

var (
	_ grants.Store = (*Store)(nil)
	_ grants.Feed  = (*Store)(nil)
)

// Open connects to etcd as cfg says. It does not wait for etcd to answer
// (unless a username is set: etcd's authentication happens at once), so a
// replica starts while etcd is away and loads its index once etcd is back.
// log and reg may be nil.
func Open(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	password, err := cfg.password()
	if err != nil {
		return nil, err
	}
	st := &Store{
		cfg:      cfg,
		log:      log,
		shares:   cfg.Prefix + "shares/",
		ends:     cfg.Prefix + "shares/~ends/",
		fences:   cfg.Prefix + "shares/~fences/",
		dir:      cfg.Prefix + "shares/~dir/",
		history:  cfg.Prefix + "history/",
		done:     make(chan struct{}),
		advanced: make(chan struct{}),
	}
	st.m, err = newMetrics(reg, st.FeedStatus)
	if err != nil {
		return nil, err
	}
	st.cli, err = clientv3.New(clientv3.Config{
		Endpoints:            cfg.Endpoints,
		DialTimeout:          cfg.DialTimeout,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		PermitWithoutStream:  true,
		TLS:                  tlsCfg,
		Username:             cfg.Username,
		Password:             password,
		Logger:               zap.NewNop(), // failures are reported by the store itself
		// The client's own bound (2 MiB) must not refuse what etcd takes.
		MaxCallSendMsgSize: max(2<<20, cfg.MaxRequestBytes+64<<10),
		DialOptions: []grpc.DialOption{
			// gRPC's default waits up to 2 minutes between attempts: too
			// long for an index that must catch up once etcd is back.
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
				MinConnectTimeout: cfg.DialTimeout,
			}),
		},
	})
	if err != nil {
		st.m.unregister()
		return nil, fmt.Errorf("%w: etcd %s: %w", grants.ErrUnavailable, strings.Join(cfg.Endpoints, ","), err)
	}
	st.ctx, st.cancel = context.WithCancel(context.Background())
	return st, nil
}

// Close stops the feed and closes the connection; closing again is a no-op.
func (st *Store) Close() error {
	st.closeOnce.Do(func() {
		st.cancel()
		st.mu.Lock()
		following := st.following
		st.mu.Unlock()
		if following {
			<-st.done
		}
		st.m.unregister()
		st.closeErr = st.cli.Close()
	})
	return st.closeErr
}

// Key is a key of etcd under the store's prefix, for what lives beside
// the shares (the webhook deliverer's election).
func (st *Store) Key(name string) string { return st.cfg.Prefix + name }

// Client is the etcd client, for tests and tools.
func (st *Store) Client() *clientv3.Client { return st.cli }

var (
	repositoryEscaper = strings.NewReplacer("%", "%25", "@", "%40")
	recipientEscaper  = strings.NewReplacer("%", "%25", "@", "%40", "/", "%2F")
)

func escapedKey(k grants.Key) string {
	return repositoryEscaper.Replace(k.Repository) + "@" + recipientEscaper.Replace(k.Recipient)
}

func (st *Store) shareKey(k grants.Key) string { return st.shares + escapedKey(k) }

// historyPrefix ends with '/', which no escaped recipient holds.
func (st *Store) historyPrefix(k grants.Key) string { return st.history + escapedKey(k) + "/" }

// parseShareKey is the inverse of shareKey.
func (st *Store) parseShareKey(key []byte) (grants.Key, error) {
	rest, ok := strings.CutPrefix(string(key), st.shares)
	if ok {
		repo, recipient, found := strings.Cut(rest, "@")
		if found {
			r, err1 := url.PathUnescape(repo)
			d, err2 := url.PathUnescape(recipient)
			if err1 == nil && err2 == nil {
				return grants.Key{Repository: r, Recipient: d}, nil
			}
		}
	}
	return grants.Key{}, fmt.Errorf("share store: unexpected key %q", key)
}

// do runs one etcd request within the request timeout, measures it, and
// turns its failure into grants.ErrUnavailable (unless ctx itself ended).
func (st *Store) do(ctx context.Context, op string, f func(ctx context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, st.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	err := f(rctx)
	st.m.observe(op, start, err)
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("etcd %s: %w", op, ctx.Err())
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: etcd did not answer within %v (%s)", grants.ErrUnavailable, st.cfg.RequestTimeout, op)
	default:
		return fmt.Errorf("%w: etcd %s: %w", grants.ErrUnavailable, op, err)
	}
}

// ack records that this store answered from etcd's revision rev (a change
// committed, or a share seen): Sync waits for the index to hold it. rev is
// always that of a key below the shares prefix, so an event of the watch
// reaches it. Hearing from a request is not hearing from the watch: the
// feed's freshness is left alone.
func (st *Store) ack(rev int64) {
	for {
		old := st.acked.Load()
		if rev <= old || st.acked.CompareAndSwap(old, rev) {
			return
		}
	}
}

func (st *Store) List(ctx context.Context) ([]grants.Share, error) {
	c, err := st.load(ctx, true)
	return c.shares, err
}

// content is what a load reads at one revision.
type content struct {
	shares []grants.Share
	ends   []grants.TokenEnd
	recs   []grants.Record
	rev    int64
}

// pageSize bounds one response of a full load.
const pageSize = 2000

// load reads every share at one revision, page by page. strict fails on a
// corrupt record; otherwise it is logged and left out.
func (st *Store) load(ctx context.Context, strict bool) (content, error) {
	var (
		out  content
		rev  int64
		from = st.shares
		end  = clientv3.GetPrefixRangeEnd(st.shares)
	)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(pageSize)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		var resp *clientv3.GetResponse
		if err := st.do(ctx, "list", func(ctx context.Context) (err error) {
			resp, err = st.cli.Get(ctx, from, opts...)
			return err
		}); err != nil {
			return content{}, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
			out = content{shares: make([]grants.Share, 0, resp.Count), rev: rev}
		}
		for _, kv := range resp.Kvs {
			if strings.HasPrefix(string(kv.Key), st.fences) {
				continue
			}
			if strings.HasPrefix(string(kv.Key), st.dir) {
				if r, err := st.parseRecordKey(kv.Key); err == nil {
					out.recs = append(out.recs, grants.Record{Kind: r.Kind, Name: r.Name, Value: kv.Value, Rev: kv.ModRevision})
				} else {
					st.log.Error("skipping an unexpected directory key", "err", err)
				}
				continue
			}
			if strings.HasPrefix(string(kv.Key), st.ends) {
				if e, err := grants.DecodeTokenEnd(kv.Key, kv.Value); err == nil {
					out.ends = append(out.ends, e)
				} else {
					st.log.Error("skipping a corrupt token end", "key", string(kv.Key), "err", err)
				}
				continue
			}
			s, err := grants.DecodeShare(kv.Key, kv.Value)
			if err != nil {
				if strict {
					return content{}, err
				}
				st.log.Error("skipping a corrupt share record; revoke it to repair", "key", string(kv.Key), "err", err)
				continue
			}
			out.shares = append(out.shares, s)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

func (st *Store) Get(ctx context.Context, k grants.Key) (grants.Share, error) {
	var resp *clientv3.GetResponse
	if err := st.do(ctx, "get", func(ctx context.Context) (err error) {
		resp, err = st.cli.Get(ctx, st.shareKey(k))
		return err
	}); err != nil {
		return grants.Share{}, err
	}
	if len(resp.Kvs) == 0 {
		return grants.Share{}, grants.ErrNotFound
	}
	return grants.DecodeShare(resp.Kvs[0].Key, resp.Kvs[0].Value)
}

func (st *Store) History(ctx context.Context, k grants.Key) ([]grants.Event, error) {
	var resp *clientv3.GetResponse
	if err := st.do(ctx, "history", func(ctx context.Context) (err error) {
		resp, err = st.cli.Get(ctx, st.historyPrefix(k), clientv3.WithPrefix(),
			clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]grants.Event, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		ev, err := grants.DecodeEvent(kv.Key, kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}
