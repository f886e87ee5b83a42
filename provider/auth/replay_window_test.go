package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// TestWindowReplayCacheAcrossReplicas: two verifiers (two replicas) sharing
// one replay window: a signature accepted by one is refused by the other,
// in both schemes, and other signatures and access keys pass.
func TestWindowReplayCacheAcrossReplicas(t *testing.T) {
	for _, s := range schemes {
		t.Run(s.name, func(t *testing.T) {
			w := provider.MemoryReplayWindow(2 * DefaultMaxSkew)
			now := func() time.Time { return time.Now() }
			a := s.auth(now, WithReplayCache(WindowReplayCache(w)))
			b := s.auth(now, WithReplayCache(WindowReplayCache(w)))
			r, body := s.request(t, "/1", time.Now())
			signed := r.Header.Clone()
			_, err := a.Authenticate(r, body)
			require.NoError(t, err)
			r, body = s.request(t, "/1", time.Now())
			r.Header = signed
			_, err = b.Authenticate(r, body)
			require.ErrorIs(t, err, ErrReplayed, "replayed to the other replica")

			r, body = s.request(t, "/2", time.Now())
			_, err = b.Authenticate(r, body)
			require.NoError(t, err, "another request")
			r, body = s.request(t, "/1", time.Now())
			r.Header = signed.Clone()
			require.NoError(t, s.sign(r, body, "AKOTHER", "other-secret", time.Now()))
			_, err = b.Authenticate(r, body)
			require.NoError(t, err, "the same request signed by another access key")
		})
	}
}

// fakeWindow is a replay window that answers err to every claim.
type fakeWindow struct {
	window time.Duration
	err    error
	claims int
}

func (f *fakeWindow) Claim(context.Context, string, string) (func(), error) {
	f.claims++
	return func() {}, f.err
}
func (f *fakeWindow) Window() time.Duration { return f.window }

// TestWindowReplayCacheRefusals: a window too short for the skew is never
// trusted, a full window is ErrReplayCacheFull, and an unreachable one
// refuses the request with its error.
func TestWindowReplayCacheRefusals(t *testing.T) {
	unavailable := fmt.Errorf("%w: etcd unreachable", keystore.ErrUnavailable)
	for _, tc := range []struct {
		name   string
		w      *fakeWindow
		is     error
		claims int
	}{
		{"too short", &fakeWindow{window: DefaultMaxSkew}, nil, 0},
		{"full", &fakeWindow{window: time.Hour, err: keystore.ErrReplayWindowFull}, ErrReplayCacheFull, 1},
		{"unavailable", &fakeWindow{window: time.Hour, err: unavailable}, keystore.ErrUnavailable, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := schemes[0].auth(func() time.Time { return testNow }, WithReplayCache(WindowReplayCache(tc.w)))
			r, body := schemes[0].request(t, "/", testNow.Add(DefaultMaxSkew-time.Second))
			_, err := a.Authenticate(r, body)
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.False(t, errors.Is(err, ErrReplayed))
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			} else {
				assert.Contains(t, err.Error(), "less than")
			}
			assert.Equal(t, tc.claims, tc.w.claims)
		})
	}
}
