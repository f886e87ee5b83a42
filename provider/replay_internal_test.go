package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

func TestMemoryWindowExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	w := newMemoryWindow(time.Minute, func() time.Time { return now })
	claim := func(scope, seq string) error { _, err := w.Claim(ctx, scope, seq); return err }
	require.NoError(t, claim("s", "a"))
	assert.ErrorIs(t, claim("s", "a"), keystore.ErrReplayed, "replay within the window")
	assert.NoError(t, claim("other", "a"), "another scope")
	now = now.Add(59 * time.Second)
	assert.ErrorIs(t, claim("s", "a"), keystore.ErrReplayed)
	require.NoError(t, claim("s", "b"))
	now = now.Add(2 * time.Second)
	assert.NoError(t, claim("s", "a"), "remembered for the window only")
	assert.ErrorIs(t, claim("s", "b"), keystore.ErrReplayed, "b is still inside its own window")
	now = now.Add(time.Hour)
	assert.NoError(t, claim("s", "b"))
	assert.LessOrEqual(t, len(w.scopes["s"].seen), 2, "expired entries are dropped")
	assert.Equal(t, time.Minute, w.Window())
}

func TestMemoryWindowRelease(t *testing.T) {
	ctx := context.Background()
	w := newMemoryWindow(time.Minute, time.Now)
	release, err := w.Claim(ctx, "s", "a")
	require.NoError(t, err)
	release()
	release() // twice is harmless
	assert.Equal(t, 0, w.total)
	again, err := w.Claim(ctx, "s", "a")
	require.NoError(t, err, "a released sequence can be claimed again")
	release() // the old release does not drop the new claim
	_, err = w.Claim(ctx, "s", "a")
	assert.ErrorIs(t, err, keystore.ErrReplayed)
	again()
}

// TestMemoryWindowScopesIsolated: one caller filling its window forgets
// only its own oldest sequences, never another caller's.
func TestMemoryWindowScopesIsolated(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	w := newMemoryWindow(time.Hour, func() time.Time { return now })
	_, err := w.Claim(ctx, "alice", "mine")
	require.NoError(t, err)
	for i := range maxPerScope + 5000 {
		_, err := w.Claim(ctx, "mallory", fmt.Sprint(i))
		require.NoError(t, err)
	}
	_, err = w.Claim(ctx, "alice", "mine")
	assert.ErrorIs(t, err, keystore.ErrReplayed, "mallory's flood did not evict alice's sequence")
	assert.LessOrEqual(t, len(w.scopes["mallory"].seen), maxPerScope)
	_, err = w.Claim(ctx, "mallory", fmt.Sprint(maxPerScope+4999))
	assert.ErrorIs(t, err, keystore.ErrReplayed, "recent ones are kept")
	_, err = w.Claim(ctx, "mallory", "0")
	assert.NoError(t, err, "the scope's oldest were forgotten first")
}

// TestMemoryWindowFull: with every scope at its bound and nothing
// expired, a new claim is refused rather than forgetting a live one; the
// map of scopes is swept of expired ones.
func TestMemoryWindowFull(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	w := newMemoryWindow(time.Minute, func() time.Time { return now })
	w.total = maxTotal // as if full
	_, err := w.Claim(ctx, "new", "x")
	assert.ErrorIs(t, err, keystore.ErrReplayWindowFull)
	w.total = 0
	for i := range 3 * sweepEvery {
		_, err := w.Claim(ctx, fmt.Sprint("scope", i), "x")
		require.NoError(t, err)
		now = now.Add(time.Second)
	}
	assert.Less(t, len(w.scopes), 2*sweepEvery, "expired scopes are swept")
}
