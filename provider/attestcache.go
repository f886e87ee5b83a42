package provider

import (
	"sync"
	"time"
)

// failureCache remembers attestation documents that failed verification,
// by their SHA-256, so a caller sending the same bad document again costs a
// hash and a map lookup instead of certificate and signature checks. It is
// bounded: when full, the oldest half is forgotten.
type failureCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[[32]byte]failedDoc
}

type failedDoc struct {
	err     error
	expires time.Time
}

// Defaults of the attestation failure cache.
const (
	attestFailureTTL = time.Minute
	attestFailureMax = 4096
)

func newFailureCache(ttl time.Duration, max int, now func() time.Time) *failureCache {
	return &failureCache{ttl: ttl, max: max, now: now, entries: map[[32]byte]failedDoc{}}
}

// lookup returns the remembered error of a document, or nil.
func (c *failureCache) lookup(key [32]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil
	}
	return e.err
}

// add remembers a document's error.
func (c *failureCache) add(key [32]byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) || len(c.entries) >= c.max/2 {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = failedDoc{err: err, expires: now.Add(c.ttl)}
}
