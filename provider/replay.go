package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Replay protection for the optional sequence field.
//
// A request's sequence is the caller's serial number for it. When the same
// caller (project and principal) sends the same sequence for the same
// action again within the window, the request is refused with FailReplay
// (409, KMS.0206) before any key is generated or decrypted. Returning the
// first response instead would mean keeping private keys in memory to
// replay them, which a KMS must not do; returning only its key_id would
// answer a different question. A refused replay is therefore the safe and
// honest answer: the caller knows its first request may have succeeded and
// can decrypt that response's ciphertext.
//
// A sequence is claimed when the request is admitted and released again if
// the request then fails, so failed requests use no room and a retry of a
// failed request is not a replay. The window is a keystore.ReplayWindow:
// by default MemoryReplayWindow(DefaultReplayWindow), per provider;
// WithReplayWindow shares another (a fleet's).

// DefaultReplayWindow is how long a sequence is remembered.
const DefaultReplayWindow = 5 * time.Minute

// WithReplayWindow sets the window sequences are claimed in; nil disables
// replay detection.
func WithReplayWindow(w keystore.ReplayWindow) Option {
	return func(p *Provider) { p.replay = w }
}

// claim claims the request's sequence, returning the release to call if
// the request fails.
func (p *Provider) claim(ctx context.Context, c Caller, action, seq string) (func(), error) {
	if seq == "" || p.replay == nil {
		return func() {}, nil
	}
	release, err := p.replay.Claim(ctx, c.ProjectID+"\x00"+c.Principal+"\x00"+action, seq)
	switch {
	case err == nil:
		return release, nil
	case errors.Is(err, keystore.ErrReplayed):
		return nil, Wrapf(FailReplay, err, "sequence %s was already used within the last %s; send a new sequence for a new request", seq, p.replay.Window())
	case errors.Is(err, keystore.ErrReplayWindowFull):
		return nil, Wrapf(FailUnavailable, err, "too many recent sequences from this caller; retry later")
	case ctx.Err() != nil:
		return nil, Wrapf(FailCanceled, ctx.Err(), "request canceled while recording its sequence")
	}
	return nil, Wrapf(FailUnavailable, err, "the replay window could not record sequence %s; retry later", seq)
}

// Bounds of the memory window.
const (
	// maxPerScope bounds the sequences one caller holds: past it, the
	// caller's own oldest are forgotten first, never another caller's.
	maxPerScope = 1 << 14
	// maxTotal bounds the sequences of all callers together; when it is
	// reached with nothing expired, new claims fail (ErrReplayWindowFull).
	maxTotal = 1 << 20
)

// MemoryReplayWindow returns a keystore.ReplayWindow held in this
// process's memory, remembering each sequence for window. Each scope (a
// caller) holds at most 16384 sequences, forgetting its own oldest first,
// so one caller cannot push another's out; all scopes together hold at most
// 2^20, and a claim that would pass that bound with nothing expired is
// refused.
func MemoryReplayWindow(window time.Duration) keystore.ReplayWindow {
	return newMemoryWindow(window, time.Now)
}

type memoryWindow struct {
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	scopes map[string]*scopeWindow
	total  int // live sequences of all scopes
	claims int // claims since the last sweep of every scope
}

// sweepEvery is how many claims pass between sweeps that drop the scopes
// whose sequences all expired, so the map of scopes stays bounded too.
const sweepEvery = 4096

// scopeWindow is one caller's sequences in claim order; every entry lives
// for the same window, so expiry is FIFO.
type scopeWindow struct {
	seen map[string]time.Time // sequence -> expiry
	fifo []seqEntry
	head int
}

type seqEntry struct {
	seq     string
	expires time.Time
}

func newMemoryWindow(window time.Duration, now func() time.Time) *memoryWindow {
	return &memoryWindow{window: window, now: now, scopes: map[string]*scopeWindow{}}
}

func (m *memoryWindow) Window() time.Duration { return m.window }

// Len is the number of sequences remembered.
func (m *memoryWindow) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}

// ReplayEntries is the number of sequences the replay window remembers,
// when it can tell (the memory window can); 0 otherwise.
func (p *Provider) ReplayEntries() int {
	if l, ok := p.replay.(interface{ Len() int }); ok {
		return l.Len()
	}
	return 0
}

func (m *memoryWindow) Claim(_ context.Context, scope, seq string) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	s := m.scopes[scope]
	if s == nil {
		s = &scopeWindow{seen: map[string]time.Time{}}
		m.scopes[scope] = s
	}
	if m.claims++; m.claims >= sweepEvery {
		m.claims = 0
		m.sweep(now)
	}
	m.expire(s, now, 0)
	if exp, ok := s.seen[seq]; ok && exp.After(now) {
		return nil, fmt.Errorf("%w: within %s", keystore.ErrReplayed, m.window)
	}
	if m.total >= maxTotal {
		m.sweep(now)
		if m.total >= maxTotal {
			return nil, keystore.ErrReplayWindowFull
		}
	}
	m.expire(s, now, maxPerScope-1)
	exp := now.Add(m.window)
	s.seen[seq] = exp
	s.fifo = append(s.fifo, seqEntry{seq, exp})
	m.total++
	var once sync.Once
	return func() { once.Do(func() { m.release(scope, seq, exp) }) }, nil
}

// expire forgets s's expired entries and, while it holds more than keep
// (0: no bound), its oldest ones.
func (m *memoryWindow) expire(s *scopeWindow, now time.Time, keep int) {
	for s.head < len(s.fifo) {
		e := s.fifo[s.head]
		if e.expires.After(now) && (keep == 0 || len(s.seen) <= keep) {
			break
		}
		if exp, ok := s.seen[e.seq]; ok && exp.Equal(e.expires) {
			delete(s.seen, e.seq)
			m.total--
		}
		s.fifo[s.head] = seqEntry{}
		s.head++
	}
	if s.head > len(s.fifo)/2 && s.head > 1024 || s.head == len(s.fifo) {
		s.fifo = append(s.fifo[:0], s.fifo[s.head:]...)
		s.head = 0
	}
}

// release forgets a claim, if it is still the one recorded.
func (m *memoryWindow) release(scope, seq string, exp time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.scopes[scope]
	if s == nil {
		return
	}
	if got, ok := s.seen[seq]; ok && got.Equal(exp) {
		delete(s.seen, seq) // its fifo entry no longer matches and is skipped
		m.total--
	}
}

// sweep expires every scope and drops the empty ones.
func (m *memoryWindow) sweep(now time.Time) {
	for k, s := range m.scopes {
		m.expire(s, now, 0)
		if len(s.seen) == 0 {
			delete(m.scopes, k)
		}
	}
}
