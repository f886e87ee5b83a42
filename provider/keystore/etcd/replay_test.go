package etcd

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/etcd/etcdtest"
)

// TestReplayWindowShared: a sequence claimed through one replica's window
// is refused through another's, per scope; a release frees it.
func TestReplayWindowShared(t *testing.T) {
	c := sharedCluster(t)
	prefix := testPrefix(t)
	ctx := context.Background()
	w1, err := NewReplayWindow(c.client(t), prefix, time.Minute)
	require.NoError(t, err)
	w2, err := NewReplayWindow(c.client(t), prefix, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, time.Minute, w1.Window())

	release, err := w1.Claim(ctx, "p\x00alice\x00create", "seq-1")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, scope, seq string
		replayed         bool
	}{
		{"same scope and sequence", "p\x00alice\x00create", "seq-1", true},
		{"another principal", "p\x00bob\x00create", "seq-1", false},
		{"another action", "p\x00alice\x00decrypt", "seq-1", false},
		{"another sequence", "p\x00alice\x00create", "seq-2", false},
		{"scope and sequence split elsewhere", "p\x00alice\x00create" + "s", "eq-1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range []*ReplayWindow{w1, w2} {
				rel, err := w.Claim(ctx, tc.scope, tc.seq)
				if tc.replayed {
					assert.ErrorIs(t, err, keystore.ErrReplayed)
					continue
				}
				require.NoError(t, err)
				rel()
			}
		})
	}
	release()
	release() // safe twice
	rel, err := w2.Claim(ctx, "p\x00alice\x00create", "seq-1")
	require.NoError(t, err, "released: the sequence may be used again")
	release() // an old release does not free the new claim
	_, err = w1.Claim(ctx, "p\x00alice\x00create", "seq-1")
	assert.ErrorIs(t, err, keystore.ErrReplayed)
	rel()

	// Claims of one bucket share a lease.
	before := w1.grants.Load()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			rel, err := w1.Claim(ctx, "scope", fmt.Sprint("bulk-", i))
			if assert.NoError(t, err) {
				rel()
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, w1.grants.Load()-before, int64(2), "one lease per bucket (two when a bucket ends meanwhile)")
}

// TestReplayWindowExpiry: a claim is held at least the window and is gone
// within window + one bucket + 2 s.
func TestReplayWindowExpiry(t *testing.T) {
	c := sharedCluster(t)
	ctx := context.Background()
	const window = 2 * time.Second
	w, err := NewReplayWindow(c.client(t), testPrefix(t), window)
	require.NoError(t, err)
	require.Equal(t, time.Second, w.bucket, "buckets are at least a second")
	claimed := time.Now()
	_, err = w.Claim(ctx, "s", "q")
	require.NoError(t, err)
	for time.Since(claimed) < window-100*time.Millisecond {
		_, err := w.Claim(ctx, "s", "q")
		require.ErrorIs(t, err, keystore.ErrReplayed, "%s after the claim", time.Since(claimed))
		time.Sleep(100 * time.Millisecond)
	}
	var rel func()
	took, ok := eventually(window+w.bucket+3*time.Second, func() bool {
		rel, err = w.Claim(ctx, "s", "q")
		return err == nil
	})
	require.True(t, ok, "the claim expires")
	rel()
	t.Logf("claim of a %s window gone after %s (polled %s)", window, time.Since(claimed), took)
	assert.Less(t, time.Since(claimed), window+w.bucket+3*time.Second)
}

// TestReplayAcrossReplicas: through the provider, a sequence used on one
// replica is refused on the others; a request that fails keeps no
// sequence; an unreachable etcd is unavailable, not a replay.
func TestReplayAcrossReplicas(t *testing.T) {
	c := sharedCluster(t)
	prefix, kek := testPrefix(t), testKEK(t)
	a := newReplica(t, "a", c.Endpoints(0), prefix, kek)
	b := newReplica(t, "b", c.Endpoints(1, 2), prefix, kek)
	ctx := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "alice"})
	md, err := a.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	off, err := a.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = a.s.SetKeyState(ctx, off.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	_, ok := eventually(waitFor, func() bool {
		k, err := b.s.Key(ctx, off.KeyID)
		return err == nil && k.Metadata().KeyState == keystore.KeyDisabled
	})
	require.True(t, ok)
	req := func(key, seq string) *provider.CreateEcDatakeyPairRequest {
		return &provider.CreateEcDatakeyPairRequest{KeyID: key, KeySpec: "ECC_NIST_P256", Sequence: seq}
	}

	seq := newSequence()
	_, err = a.p.CreateEcDatakeyPair(ctx, req(md.KeyID, seq))
	require.NoError(t, err)
	_, err = b.p.CreateEcDatakeyPair(ctx, req(md.KeyID, seq))
	assert.Equal(t, provider.FailReplay, failure(err), "replayed on another replica")
	_, err = a.p.CreateEcDatakeyPair(ctx, req(md.KeyID, seq))
	assert.Equal(t, provider.FailReplay, failure(err), "replayed on the same replica")
	other := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "bob"})
	_, err = b.p.CreateEcDatakeyPair(other, req(md.KeyID, seq))
	assert.NoError(t, err, "another caller's sequences are its own")

	failed := newSequence()
	_, err = a.p.CreateEcDatakeyPair(ctx, req(off.KeyID, failed))
	require.Equal(t, provider.FailKeyDisabled, failure(err))
	_, err = b.p.CreateEcDatakeyPair(ctx, req(md.KeyID, failed))
	assert.NoError(t, err, "a failed request kept no sequence")

	// A window whose etcd does not answer refuses as unavailable.
	dead := dialT(t, []string{fmt.Sprintf("http://127.0.0.1:%d", etcdtest.FreePorts(t, 1)[0])})
	w, err := NewReplayWindow(dead, prefix, time.Minute, WithClaimTimeout(300*time.Millisecond))
	require.NoError(t, err)
	_, err = w.Claim(context.Background(), "s", "q")
	require.Error(t, err)
	assert.NotErrorIs(t, err, keystore.ErrReplayed)
	assert.ErrorIs(t, err, keystore.ErrUnavailable)
	p, err := provider.New(a.s, provider.WithReplayWindow(w))
	require.NoError(t, err)
	_, err = p.CreateEcDatakeyPair(ctx, req(md.KeyID, newSequence()))
	assert.Equal(t, provider.FailUnavailable, failure(err))
}

func TestNewReplayWindowChecks(t *testing.T) {
	for name, f := range map[string]func() error{
		"no prefix":    func() error { _, err := NewReplayWindow(nil, "", time.Minute); return err },
		"short window": func() error { _, err := NewReplayWindow(nil, "/p/", time.Millisecond); return err },
		"no buckets":   func() error { _, err := NewReplayWindow(nil, "/p/", time.Minute, WithBuckets(0)); return err },
		"no timeout":   func() error { _, err := NewReplayWindow(nil, "/p/", time.Minute, WithClaimTimeout(0)); return err },
	} {
		assert.Error(t, f(), name)
	}
}
