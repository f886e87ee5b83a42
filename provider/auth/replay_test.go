package auth

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/internal/race"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replayKeys are the access keys the verifiers of the replay tests know.
var replayKeys = map[string]string{testAK: testSK, "AKOTHER": "other-secret"}

// scheme abstracts the two signature schemes for the tests they share.
type scheme struct {
	name string
	// auth returns a verifier of replayKeys with the given clock.
	auth func(now func() time.Time, opts ...Option) Authenticator
	// request returns a request signed at signedAt, with its body.
	request func(t *testing.T, path string, signedAt time.Time) (*http.Request, []byte)
	// sign re-signs r with ak/sk at signedAt.
	sign func(r *http.Request, body []byte, ak, sk string, signedAt time.Time) error
}

var schemes = []scheme{
	{
		name: "aksk",
		auth: func(now func() time.Time, opts ...Option) Authenticator {
			return AKSK(StaticCredentials(replayKeys), append([]Option{WithClock(now)}, opts...)...)
		},
		request: func(t *testing.T, path string, at time.Time) (*http.Request, []byte) {
			body := []byte(`{"key_id":"k"}`)
			return signedServerRequest(t, http.MethodPost, "https://kms.test"+path, body, at), body
		},
		sign: func(r *http.Request, body []byte, ak, sk string, at time.Time) error {
			return Sign(r, body, ak, sk, at)
		},
	},
	{
		name: "sigv4",
		auth: func(now func() time.Time, opts ...Option) Authenticator {
			return SigV4(StaticCredentials(replayKeys),
				append([]Option{WithClock(now), WithRegion(awsRegion)}, opts...)...)
		},
		request: func(t *testing.T, path string, at time.Time) (*http.Request, []byte) {
			body := []byte(`{"KeyId":"k"}`)
			return v4ServerRequest(t, "https://kms.test"+path, body, at), body
		},
		sign: func(r *http.Request, body []byte, ak, sk string, at time.Time) error {
			return SignV4(r, body, ak, sk, awsRegion, "kms", at)
		},
	},
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestReplayRefused(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			clk := &clock{t: testNow}
			a := s.auth(clk.now)
			r, body := s.request(t, "/", testNow)
			_, err := a.Authenticate(r, body)
			require.NoError(t, err)

			// The same bytes again, a minute later: refused as a replay.
			clk.set(testNow.Add(time.Minute))
			_, err = a.Authenticate(r, body)
			require.ErrorIs(t, err, ErrReplayed)
			assert.ErrorIs(t, err, ErrUnauthenticated)
			assert.False(t, errors.Is(err, ErrNoCredentials))
			assert.Contains(t, err.Error(), "auth: unauthenticated: replayed request: "+s.name+": this signature was already accepted")

			// At the last instant of the window, still a replay.
			clk.set(testNow.Add(DefaultMaxSkew))
			_, err = a.Authenticate(r, body)
			require.ErrorIs(t, err, ErrReplayed)

			// Past it, the skew check refuses it (the cache may forget it).
			clk.set(testNow.Add(DefaultMaxSkew + time.Second))
			_, err = a.Authenticate(r, body)
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.False(t, errors.Is(err, ErrReplayed))
			assert.Contains(t, err.Error(), "is outside ±5m0s")

			// A new signature of the same request, a second later, is new.
			clk.set(testNow)
			r2, body2 := s.request(t, "/", testNow.Add(time.Second))
			_, err = a.Authenticate(r2, body2)
			require.NoError(t, err)
			// ... and so is the same second's signature of another path.
			r3, body3 := s.request(t, "/other", testNow)
			_, err = a.Authenticate(r3, body3)
			require.NoError(t, err)
		})
	}
}

// TestSetNonceMakesTwinsDiffer: two identical requests signed in one
// second are one signature; with SetNonce before signing they are two.
func TestSetNonceMakesTwinsDiffer(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			a := s.auth(func() time.Time { return testNow })
			twin := func(nonce bool) error {
				r, body := s.request(t, "/twins", testNow)
				if nonce {
					SetNonce(r.Header)
					require.NoError(t, s.sign(r, body, testAK, testSK, testNow))
					assert.Contains(t, r.Header.Get("Authorization"), "x-ecdkp-nonce")
				}
				_, err := a.Authenticate(r, body)
				return err
			}
			require.NoError(t, twin(false))
			require.ErrorIs(t, twin(false), ErrReplayed)
			require.NoError(t, twin(true))
			require.NoError(t, twin(true))
		})
	}
}

// TestReplayNotRecordedOnFailure: a refused request must not enter the
// cache, or anyone could block a signature by sending it first, garbled.
func TestReplayNotRecordedOnFailure(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			rc := NewMemoryReplayCache(0)
			a := s.auth(func() time.Time { return testNow }, WithReplayCache(rc))
			r, body := s.request(t, "/", testNow)
			_, err := a.Authenticate(r, append(body, 'x'))
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.Equal(t, 0, rc.Len())
			_, err = a.Authenticate(r, body)
			require.NoError(t, err)
			assert.Equal(t, 1, rc.Len())
		})
	}
}

// TestReplayCacheSharedAcrossSchemes: one cache given to both verifiers
// bounds an access key across both schemes.
func TestReplayCacheSharedAcrossSchemes(t *testing.T) {
	rc := NewMemoryReplayCache(2)
	now := func() time.Time { return testNow }
	aksk := schemes[0].auth(now, WithReplayCache(rc))
	v4 := schemes[1].auth(now, WithReplayCache(rc))

	r, b := schemes[0].request(t, "/1", testNow)
	_, err := aksk.Authenticate(r, b)
	require.NoError(t, err)
	r, b = schemes[1].request(t, "/1", testNow)
	_, err = v4.Authenticate(r, b)
	require.NoError(t, err)
	r, b = schemes[0].request(t, "/2", testNow)
	_, err = aksk.Authenticate(r, b)
	require.ErrorIs(t, err, ErrReplayCacheFull)
	assert.ErrorIs(t, err, ErrUnauthenticated)
	assert.Contains(t, err.Error(), "too many recent requests for this access key: aksk: ")
}

func TestReplayCacheFullPerKey(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			clk := &clock{t: testNow}
			a := s.auth(clk.now, WithReplayCache(NewMemoryReplayCache(3)))
			for i := range 3 {
				r, b := s.request(t, fmt.Sprintf("/%d", i), testNow)
				_, err := a.Authenticate(r, b)
				require.NoError(t, err, i)
			}
			r, b := s.request(t, "/3", testNow)
			_, err := a.Authenticate(r, b)
			require.ErrorIs(t, err, ErrReplayCacheFull)
			assert.False(t, errors.Is(err, ErrReplayed))

			// Another access key is not affected by the full one.
			r, b = s.request(t, "/3", testNow)
			require.NoError(t, s.sign(r, b, "AKOTHER", "other-secret", testNow))
			p, err := a.Authenticate(r, b)
			require.NoError(t, err, "the other key has its own bound")
			assert.Equal(t, "AKOTHER", p.ID)

			// Once the entries expire there is room again.
			clk.set(testNow.Add(DefaultMaxSkew + time.Second))
			r, b = s.request(t, "/4", clk.now())
			_, err = a.Authenticate(r, b)
			require.NoError(t, err)
		})
	}
}

// failingCache is a ReplayCache that cannot be reached.
type failingCache struct{}

func (failingCache) Admit(context.Context, string, []byte, time.Time, time.Time) error {
	return errors.New("store unreachable")
}

func TestReplayCacheErrorRefuses(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			a := s.auth(func() time.Time { return testNow }, WithReplayCache(failingCache{}))
			r, b := s.request(t, "/", testNow)
			_, err := a.Authenticate(r, b)
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.False(t, errors.Is(err, ErrReplayed))
			assert.Contains(t, err.Error(), s.name+": replay check failed: store unreachable")
		})
	}
}

func TestMemoryReplayCache(t *testing.T) {
	ctx := context.Background()
	sig := func(i byte) []byte { s := make([]byte, 32); s[0], s[31] = i, 0xff; return s }
	t0 := testNow
	t.Run("replay, expiry and rounding", func(t *testing.T) {
		c := NewMemoryReplayCache(0)
		exp := t0.Add(10*time.Second + 300*time.Millisecond) // remembered through t0+11s
		require.NoError(t, c.Admit(ctx, "k", sig(1), t0, exp))
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(1), t0.Add(time.Second), exp), ErrReplayed)
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(1), t0.Add(11*time.Second), exp), ErrReplayed)
		assert.Equal(t, 1, c.Len())
		require.NoError(t, c.Admit(ctx, "k", sig(2), t0.Add(12*time.Second), t0.Add(20*time.Second)))
		assert.Equal(t, 1, c.Len(), "sig 1 was swept")
		require.NoError(t, c.Admit(ctx, "k", sig(1), t0.Add(12*time.Second), t0.Add(20*time.Second)),
			"forgotten after its expiry")
		require.NoError(t, c.Admit(ctx, "other", sig(2), t0.Add(12*time.Second), t0.Add(20*time.Second)),
			"keys do not share signatures")
	})
	t.Run("bound per key", func(t *testing.T) {
		c := NewMemoryReplayCache(2)
		require.NoError(t, c.Admit(ctx, "k", sig(1), t0, t0.Add(time.Minute)))
		require.NoError(t, c.Admit(ctx, "k", sig(2), t0, t0.Add(2*time.Minute)))
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(3), t0, t0.Add(time.Minute)), ErrReplayCacheFull)
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(1), t0, t0.Add(time.Minute)), ErrReplayed, "a replay is still a replay when full")
		require.NoError(t, c.Admit(ctx, "j", sig(3), t0, t0.Add(time.Minute)))
		// sig 1 expires, sig 2 stays: room for exactly one more.
		now := t0.Add(time.Minute + time.Second)
		require.NoError(t, c.Admit(ctx, "k", sig(3), now, now.Add(time.Minute)))
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(4), now, now.Add(time.Minute)), ErrReplayCacheFull)
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(2), now, t0.Add(2*time.Minute)), ErrReplayed)
	})
	t.Run("long idle gap sweeps everything", func(t *testing.T) {
		c := NewMemoryReplayCache(0)
		for i := range 100 {
			require.NoError(t, c.Admit(ctx, "k", sig(byte(i)), t0, t0.Add(time.Duration(i)*time.Second)))
		}
		later := t0.Add(1000 * time.Hour)
		require.NoError(t, c.Admit(ctx, "k", sig(200), later, later.Add(time.Second)))
		assert.Equal(t, 1, c.Len())
	})
	t.Run("clock going back", func(t *testing.T) {
		c := NewMemoryReplayCache(0)
		require.NoError(t, c.Admit(ctx, "k", sig(1), t0, t0.Add(time.Minute)))
		back := t0.Add(-time.Hour)
		require.NoError(t, c.Admit(ctx, "k", sig(2), back, back.Add(time.Minute)))
		assert.ErrorIs(t, c.Admit(ctx, "k", sig(1), back, t0.Add(time.Minute)), ErrReplayed)
		// Forward again past both expiries: both are swept, none leaks.
		fwd := t0.Add(2 * time.Minute)
		require.NoError(t, c.Admit(ctx, "k", sig(3), fwd, fwd.Add(time.Second)))
		assert.Equal(t, 1, c.Len())
	})
	t.Run("short signatures", func(t *testing.T) {
		c := NewMemoryReplayCache(0)
		require.NoError(t, c.Admit(ctx, "k", []byte{1}, t0, t0.Add(time.Minute)))
		assert.ErrorIs(t, c.Admit(ctx, "k", []byte{1}, t0, t0.Add(time.Minute)), ErrReplayed)
		require.NoError(t, c.Admit(ctx, "k", nil, t0, t0.Add(time.Minute)))
	})
}

func TestMemoryReplayCacheConcurrent(t *testing.T) {
	c := NewMemoryReplayCache(0)
	ctx := context.Background()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			// Everyone races for signature 0 of key "a"; each also adds
			// its own signatures under its own key and a shared one.
			if c.Admit(ctx, "a", []byte{0, 0, 0, 0, 0, 0, 0, 0}, testNow, testNow.Add(time.Minute)) == nil {
				wins.Add(1)
			}
			for i := range 50 {
				s := []byte{byte(g), byte(i), 1, 1, 1, 1, 1, 1}
				assert.NoError(t, c.Admit(ctx, fmt.Sprint("g", g), s, testNow, testNow.Add(time.Minute)))
				assert.NoError(t, c.Admit(ctx, "shared", s, testNow, testNow.Add(time.Minute)))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, 1+16*50*2, c.Len())
}

func BenchmarkMemoryReplayCacheAdmit(b *testing.B) {
	c := NewMemoryReplayCache(1 << 30)
	ctx := context.Background()
	sig := make([]byte, 32)
	now := testNow
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sig[0], sig[1], sig[2], sig[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		if i%10000 == 0 {
			now = now.Add(time.Second)
		}
		if err := c.Admit(ctx, testAK, sig, now, now.Add(DefaultMaxSkew)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMemoryReplayCacheFrozen: once a second's entries are frozen into
// their sorted slice, replays of them are still refused, new entries of
// that second still go in, and expiry still forgets them.
func TestMemoryReplayCacheFrozen(t *testing.T) {
	ctx := context.Background()
	c := NewMemoryReplayCache(0)
	exp := testNow.Add(time.Minute)
	sig := func(i int) []byte { return []byte{byte(i >> 8), byte(i), 7, 7, 7, 7, 7, 7} }
	for i := range 300 {
		require.NoError(t, c.Admit(ctx, "k", sig(i), testNow, exp))
	}
	later := testNow.Add(2 * time.Second) // the sweep freezes the set
	for i := range 300 {
		require.ErrorIs(t, c.Admit(ctx, "k", sig(i), later, exp), ErrReplayed, "frozen entry %d", i)
	}
	require.NoError(t, c.Admit(ctx, "k", sig(1000), later, exp), "a late entry of a frozen second")
	assert.ErrorIs(t, c.Admit(ctx, "k", sig(1000), later.Add(3*time.Second), exp), ErrReplayed, "frozen again")
	assert.Equal(t, 301, c.Len())
	past := exp.Add(2 * time.Second)
	require.NoError(t, c.Admit(ctx, "k", sig(0), past, past.Add(time.Minute)))
	assert.Equal(t, 1, c.Len(), "the expired second is forgotten whole")
}

// TestMemoryReplayCacheFootprint: a second's worth of signatures costs
// about 8 bytes each once frozen (the bound DefaultReplayEntriesPerKey's
// doc states), measured on the live heap.
func TestMemoryReplayCacheFootprint(t *testing.T) {
	if race.Enabled {
		t.Skip("heap sizes are not meaningful under the race detector")
	}
	const n, perSecond = 1 << 20, 12000
	c := NewMemoryReplayCache(n)
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sig := make([]byte, 32)
	now := testNow
	for i := range n {
		binary.BigEndian.PutUint32(sig, uint32(i)*2654435761)
		if i%perSecond == 0 {
			now = now.Add(time.Second)
		}
		require.NoError(t, c.Admit(ctx, testAK, sig, now, now.Add(DefaultMaxSkew)))
	}
	// Every second but the last was frozen by the next one's first Admit.
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes an entry", per)
	assert.Less(t, per, 10.0)
	runtime.KeepAlive(c)
}
