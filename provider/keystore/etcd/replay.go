package etcd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// ReplayWindow is a keystore.ReplayWindow in etcd, shared by every replica
// that uses the same prefix: a sequence claimed through one is refused
// through every other for at least the window.
//
// A claim is one transaction: if PREFIX/replay/H does not exist (create
// revision 0), put it, attached to a lease; else read it. H is SHA-256 of
// the scope and the sequence, so neither appears in etcd. The value is a
// random claim id, which makes a retried claim (after a request that
// failed without an answer) recognize its own earlier success instead of
// calling it a replay, and lets release delete only its own claim.
//
// Leases are shared: time (this process's monotonic clock) is cut into
// buckets of Window()/buckets (WithBuckets; at least a second), and every
// claim of a bucket is attached to one lease, granted by the bucket's
// first claim with a TTL reaching window past the bucket's end (rounded up
// to whole seconds, plus one). So a replica grants about one lease per
// bucket, not one per claim, and holds at most buckets+1 live leases.
//
// Guarantee: a claim is kept at least Window() from the moment it is made,
// since a lease is used only while it has Window() left to run (its expiry
// is counted from before it was asked for). It is normally gone within
// Window() + one bucket + 2 s; etcd may keep it longer (a leader change
// restarts the leases' time to live), never shorter.
type ReplayWindow struct {
	cli     *clientv3.Client
	prefix  string
	window  time.Duration
	bucket  time.Duration
	timeout time.Duration
	attempt time.Duration
	base    time.Time

	mu     sync.Mutex
	leases map[int64]*bucketLease
	grants atomic.Int64 // leases granted, for tests
}

// bucketLease is the lease of one bucket; done is closed once it was
// granted (or failed).
type bucketLease struct {
	done    chan struct{}
	id      clientv3.LeaseID
	expires time.Duration // on the window's clock, no later than the lease's end
	err     error
}

// ReplayOption configures NewReplayWindow.
type ReplayOption func(*replayOptions)

type replayOptions struct {
	buckets int
	timeout time.Duration
}

// Defaults of the replay options.
const (
	// DefaultBuckets is how many lease buckets a window is cut into.
	DefaultBuckets = 10
	// DefaultClaimTimeout bounds a claim: past it the request is refused
	// as unavailable.
	DefaultClaimTimeout = 5 * time.Second
)

// WithBuckets cuts the window into n lease buckets (DefaultBuckets when
// not given): more buckets hold claims closer to the window and grant more
// leases.
func WithBuckets(n int) ReplayOption { return func(o *replayOptions) { o.buckets = n } }

// WithClaimTimeout bounds a claim, its retries included
// (DefaultClaimTimeout when not given). Each attempt gets a fifth of it
// (at least 200 ms), so a claim outlasts an etcd leader election.
func WithClaimTimeout(d time.Duration) ReplayOption { return func(o *replayOptions) { o.timeout = d } }

// NewReplayWindow returns the replay window under prefix (the store's
// prefix, such as DefaultPrefix; claims live under PREFIX/replay/),
// remembering each sequence for window (at least a second).
func NewReplayWindow(cli *clientv3.Client, prefix string, window time.Duration, opts ...ReplayOption) (*ReplayWindow, error) {
	o := replayOptions{buckets: DefaultBuckets, timeout: DefaultClaimTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case prefix == "":
		return nil, errors.New("etcd: the prefix is empty")
	case window < time.Second:
		return nil, fmt.Errorf("etcd: replay window %s is shorter than a second", window)
	case o.buckets < 1:
		return nil, fmt.Errorf("etcd: %d lease buckets", o.buckets)
	case o.timeout <= 0:
		return nil, fmt.Errorf("etcd: claim timeout %s is not positive", o.timeout)
	}
	return &ReplayWindow{
		cli: cli, prefix: prefix + replaySuffix, window: window, timeout: o.timeout,
		attempt: min(o.timeout, max(o.timeout/5, 200*time.Millisecond)),
		bucket:  max(window/time.Duration(o.buckets), time.Second),
		base:    time.Now(), leases: map[int64]*bucketLease{},
	}, nil
}

// Window implements keystore.ReplayWindow.
func (w *ReplayWindow) Window() time.Duration { return w.window }

func (w *ReplayWindow) name(scope, seq string) string {
	h := sha256.New()
	h.Write(binary.AppendUvarint(nil, uint64(len(scope))))
	h.Write([]byte(scope))
	h.Write([]byte(seq))
	return w.prefix + hex.EncodeToString(h.Sum(nil))
}

// Claim implements keystore.ReplayWindow. A sequence already held in scope
// fails wrapping keystore.ErrReplayed; etcd not answering within the claim
// timeout fails wrapping keystore.ErrUnavailable (the provider answers
// unavailable).
func (w *ReplayWindow) Claim(ctx context.Context, scope, seq string) (func(), error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	name := w.name(scope, seq)
	var idb [16]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	pause := 20 * time.Millisecond
	var lastErr error
	for ctx.Err() == nil {
		// Each attempt gets a part of the timeout: a request to a member
		// that lost its leader can hang until etcd's own request timeout,
		// and a retry through another member would succeed meanwhile.
		actx, acancel := context.WithTimeout(ctx, w.attempt)
		lease, err := w.lease(actx)
		if err == nil {
			var resp *clientv3.TxnResponse
			resp, err = w.cli.Txn(actx).
				If(clientv3.Compare(clientv3.CreateRevision(name), "=", 0)).
				Then(clientv3.OpPut(name, id, clientv3.WithLease(lease.id))).
				Else(clientv3.OpGet(name)).
				Commit()
			acancel()
			if err == nil {
				if !resp.Succeeded {
					kvs := resp.Responses[0].GetResponseRange().GetKvs()
					if len(kvs) != 1 || string(kvs[0].Value) != id {
						return nil, fmt.Errorf("etcd: %w within %s", keystore.ErrReplayed, w.window)
					}
					// An earlier attempt committed before its answer was lost.
				}
				var once sync.Once
				return func() { once.Do(func() { w.release(name, id) }) }, nil
			}
			if errors.Is(err, rpctypes.ErrLeaseNotFound) {
				w.drop(lease)
				continue
			}
		}
		acancel()
		lastErr = err
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	return nil, fmt.Errorf("etcd: recording the sequence (%w): %w", keystore.ErrUnavailable, lastErr)
}

// release deletes a claim if it is still this one.
func (w *ReplayWindow) release(name, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	for ctx.Err() == nil {
		_, err := w.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.Value(name), "=", id)).
			Then(clientv3.OpDelete(name)).
			Commit()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Not released: the sequence stays claimed until its lease ends.
}

// lease returns a lease with at least the window left to run, granting the
// current bucket's when needed (one grant per bucket; concurrent claims
// wait for it).
func (w *ReplayWindow) lease(ctx context.Context) (*bucketLease, error) {
	now := time.Since(w.base)
	b := int64(now / w.bucket)
	w.mu.Lock()
	l := w.leases[b]
	grant := false
	if l != nil {
		select {
		case <-l.done:
			if l.err != nil || l.expires-now < w.window {
				l = nil
			}
		default:
		}
	}
	if l == nil {
		l = &bucketLease{done: make(chan struct{})}
		w.leases[b] = l
		grant = true
		for k := range w.leases {
			if k < b {
				delete(w.leases, k)
			}
		}
	}
	w.mu.Unlock()
	if grant {
		end := time.Duration(b+1)*w.bucket + w.window
		ttl := int64((end-now+time.Second-1)/time.Second) + 1
		sent := time.Since(w.base)
		w.grants.Add(1)
		resp, err := w.cli.Grant(ctx, ttl)
		if err != nil {
			l.err = err
		} else {
			l.id, l.expires = resp.ID, sent+time.Duration(resp.TTL)*time.Second
		}
		close(l.done)
	}
	select {
	case <-l.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if l.err != nil {
		w.drop(l)
		return nil, l.err
	}
	if l.expires-time.Since(w.base) < w.window {
		w.drop(l)
		return nil, errors.New("etcd: the bucket's lease has less than the window left")
	}
	return l, nil
}

// drop forgets a lease that failed or that etcd no longer has.
func (w *ReplayWindow) drop(l *bucketLease) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range w.leases {
		if v == l {
			delete(w.leases, k)
		}
	}
}

var _ keystore.ReplayWindow = (*ReplayWindow)(nil)
