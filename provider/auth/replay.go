package auth

import (
	"context"
	"encoding/binary"
	"sync"
	"time"
)

// ReplayCache remembers accepted signatures so that a captured request
// cannot be sent again while its date is still within the skew window.
//
// The verifiers call Admit after a signature has verified, never before, so
// only holders of a secret key can add entries, and only for their own
// access key. Admit must be safe for concurrent use and atomic: of two
// concurrent Admits of one signature exactly one may succeed.
//
// A fleet shares one implementation among its replicas (for example keys
// created in a transaction under a lease that ends at expires);
// [MemoryReplayCache] is the in-process one.
type ReplayCache interface {
	// Admit records that signature, made with accessKey, was accepted at
	// now and must be refused again until expires. It returns nil when
	// the signature was not already recorded, an error wrapping
	// ErrReplayed when it was, and an error wrapping ErrReplayCacheFull
	// when there is no room to record it (the request is then refused:
	// see MemoryReplayCache for why). Any other error also refuses the
	// request.
	Admit(ctx context.Context, accessKey string, signature []byte, now, expires time.Time) error
}

// DefaultReplayEntriesPerKey is how many unexpired signatures a
// MemoryReplayCache remembers per access key unless told otherwise: with
// the 5-minute DefaultMaxSkew, about 14,000 requests a second sustained by
// one access key, at about 8 bytes an entry once its second has passed
// (32 MiB for a key at the bound; TestMemoryReplayCacheFootprint measures
// it).
const DefaultReplayEntriesPerKey = 1 << 22

// MemoryReplayCache is the in-process ReplayCache: a bounded set of
// signatures per access key, each forgotten once its expiry has passed.
//
// When an access key's set is full, Admit refuses (ErrReplayCacheFull)
// rather than forgetting unexpired entries. Forgetting would silently
// reopen replay for exactly the requests of the busiest key, and a replay
// then succeeds without any sign of it; refusing is visible, and it can
// only hurt the holders of that one access key: entries are added only
// after a signature verifies, so no one can fill another key's set, and
// the bound is per key, so a flood by one key costs the others nothing.
// Memory is bounded by the entries per key times the number of access keys
// that sign requests, which the credential store bounds.
//
// Each signature is remembered by its first 64 bits under its expiry
// second: the verifiers derive the expiry from the signed date (the date
// plus the skew), so a replay, which carries the same date, meets the same
// second, and the entries of a second are forgotten together once it has
// passed. Two different signatures of one access key sharing an expiry
// second and 64 bits (a chance of about n/2^64 with n entries in the
// second) would make the second refused as a replay, never the reverse;
// only the key's holder could search for such a pair, to no gain.
type MemoryReplayCache struct {
	perKey int
	mu     sync.RWMutex
	keys   map[string]*replayBucket
}

// replayBucket holds the signatures of one access key, by expiry second.
type replayBucket struct {
	mu    sync.Mutex
	byExp map[int64]*expirySet // expiry second (rounded up) -> signature prefixes
	n     int                  // entries in byExp
	swept int64                // every expiry second <= swept has been swept
}

// NewMemoryReplayCache returns an empty MemoryReplayCache that remembers at
// most perKey unexpired signatures per access key; perKey <= 0 means
// DefaultReplayEntriesPerKey.
func NewMemoryReplayCache(perKey int) *MemoryReplayCache {
	if perKey <= 0 {
		perKey = DefaultReplayEntriesPerKey
	}
	return &MemoryReplayCache{perKey: perKey, keys: make(map[string]*replayBucket)}
}

// Admit implements ReplayCache. It also forgets the access key's entries
// whose expiry has passed.
func (c *MemoryReplayCache) Admit(_ context.Context, accessKey string, signature []byte, now, expires time.Time) error {
	nowSec := now.Unix()
	b := c.bucket(accessKey, nowSec)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(nowSec)
	id := signaturePrefix(signature)
	exp := expires.Unix()
	if expires.Nanosecond() != 0 {
		exp++
	}
	set := b.byExp[exp]
	if set != nil && set.has(id) {
		return ErrReplayed
	}
	if b.n >= c.perKey {
		return ErrReplayCacheFull
	}
	if set == nil {
		set = &expirySet{}
		b.byExp[exp] = set
	}
	set.add(id, nowSec)
	b.n++
	if exp <= b.swept { // the clock went back: make the next sweep see it
		b.swept = exp - 1
	}
	return nil
}

// Len returns how many signatures the cache remembers, expired ones not
// yet swept included.
func (c *MemoryReplayCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, b := range c.keys {
		b.mu.Lock()
		n += b.n
		b.mu.Unlock()
	}
	return n
}

// bucket returns the access key's bucket, creating it.
func (c *MemoryReplayCache) bucket(accessKey string, nowSec int64) *replayBucket {
	c.mu.RLock()
	b := c.keys[accessKey]
	c.mu.RUnlock()
	if b != nil {
		return b
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b = c.keys[accessKey]; b == nil {
		b = &replayBucket{byExp: make(map[int64]*expirySet), swept: nowSec - 1}
		c.keys[accessKey] = b
	}
	return b
}

// sweep forgets every entry whose expiry second is before nowSec, whole
// seconds at a time, and freezes the sets that took no entry in the last
// second. It runs once a second per access key at most.
func (b *replayBucket) sweep(nowSec int64) {
	last := nowSec - 1
	if last <= b.swept {
		return
	}
	for s, set := range b.byExp {
		if s <= last {
			b.n -= set.len()
			delete(b.byExp, s)
			continue
		}
		set.freeze(nowSec)
	}
	b.swept = last
}

// signaturePrefix is the first 64 bits of sig (zero-padded when shorter).
func signaturePrefix(sig []byte) uint64 {
	var p [8]byte
	copy(p[:], sig)
	return binary.BigEndian.Uint64(p[:])
}
