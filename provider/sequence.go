package provider

import (
	"sync"
	"time"
)

// Replay protection for the optional sequence field.
//
// A request's sequence is the caller's serial number for it. When the same
// caller (project and principal) sends the same sequence again within the
// window, the request is refused with FailReplay (409, KMS.0206) before any
// key is generated or decrypted. Returning the first response instead would
// mean keeping private keys in memory to replay them, which a KMS must not
// do; returning only its key_id would answer a different question. A refused
// replay is therefore the safe and honest answer: the caller knows its first
// request may have succeeded and can decrypt that response's ciphertext.
//
// The window is DefaultReplayWindow unless WithReplayWindow changes it (0
// turns the check off). Memory is bounded: at most maxSequences recent
// sequences are kept per provider; past that the oldest are forgotten first.

// DefaultReplayWindow is how long a sequence is remembered.
const DefaultReplayWindow = 5 * time.Minute

const maxSequences = 1 << 16

// WithReplayWindow sets how long a sequence is remembered; 0 disables
// replay detection.
func WithReplayWindow(d time.Duration) Option {
	return func(p *Provider) {
		if d <= 0 {
			p.seqs = nil
			return
		}
		p.seqs = newSequenceCache(d, time.Now)
	}
}

type seqEntry struct {
	key     string
	expires time.Time
}

// sequenceCache remembers sequences in arrival order; since every entry
// lives for the same window, expiry is FIFO.
type sequenceCache struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	seen   map[string]time.Time
	fifo   []seqEntry
	head   int
}

func newSequenceCache(window time.Duration, now func() time.Time) *sequenceCache {
	return &sequenceCache{window: window, now: now, seen: map[string]time.Time{}}
}

// admit records key and reports whether it was not seen within the window.
func (c *sequenceCache) admit(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for c.head < len(c.fifo) && (!c.fifo[c.head].expires.After(now) || len(c.fifo)-c.head >= maxSequences) {
		e := c.fifo[c.head]
		if c.seen[e.key].Equal(e.expires) {
			delete(c.seen, e.key)
		}
		c.fifo[c.head] = seqEntry{}
		c.head++
	}
	if c.head > len(c.fifo)/2 && c.head > 1024 {
		c.fifo = append(c.fifo[:0], c.fifo[c.head:]...)
		c.head = 0
	}
	if exp, ok := c.seen[key]; ok && exp.After(now) {
		return false
	}
	exp := now.Add(c.window)
	c.seen[key] = exp
	c.fifo = append(c.fifo, seqEntry{key, exp})
	return true
}

// checkReplay refuses a sequence this caller already used within the window.
func (p *Provider) checkReplay(c Caller, action, seq string) error {
	if seq == "" || p.seqs == nil {
		return nil
	}
	if !p.seqs.admit(c.ProjectID + "\x00" + c.Principal + "\x00" + action + "\x00" + seq) {
		return Errorf(FailReplay, "sequence %s was already used within the last %s; send a new sequence for a new request", seq, p.seqs.window)
	}
	return nil
}
