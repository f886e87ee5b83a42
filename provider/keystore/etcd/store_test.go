package etcd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// TestProviderSuite runs the suite every key store runs, each fixture on a
// fresh prefix of the shared cluster.
func TestProviderSuite(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	kek := testKEK(t)
	providertest.Run(t, func(t testing.TB) keystore.KeyManager {
		return openT(t, cli, testPrefix(t), kek)
	})
}

// TestOpen: a store is created once and opened again with the same KEK;
// any other KEK, or none, is refused before any record is used.
func TestOpen(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	ctx := context.Background()
	prefix := testPrefix(t)
	_, err := Open(ctx, cli, Passphrase("pw"), WithPrefix(prefix), cheapArgon, WithoutCreate())
	assert.ErrorIs(t, err, ErrNotInitialized)

	s := openT(t, cli, prefix, Passphrase("pw"))
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4, Project: "p1"})
	require.NoError(t, err)
	assert.True(t, md.Default, "the first key is the default")
	assert.NoError(t, s.Check(ctx), "ready")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "twice")
	_, err = s.Key(ctx, md.KeyID)
	assert.ErrorIs(t, err, keystore.ErrUnavailable, "a closed store does not vouch")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, s.Check(ctx), ErrClosed, "a closed store is not ready")

	again := openT(t, cli, prefix, Passphrase("pw"), WithoutCreate())
	mk, err := again.Key(ctx, md.KeyID)
	require.NoError(t, err)
	assert.Equal(t, md, mk.Metadata())

	for _, tc := range []struct {
		name string
		kek  KEKSource
		opts []Option
		want error
	}{
		{"wrong passphrase", Passphrase("wp"), nil, ErrWrongKEK},
		{"a KEK cipher for a passphrase store", testKEK(t), nil, ErrWrongKEK},
		{"costs over the limits", Passphrase("pw"), []Option{WithArgon2Limits(Argon2Params{Time: 1, MemoryKiB: 32, Threads: 1}), WithArgon2(Argon2Params{Time: 1, MemoryKiB: 8, Threads: 1})}, ErrKDFLimits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(ctx, cli, tc.kek, append([]Option{WithPrefix(prefix), cheapArgon, WithLogger(quietLog)}, tc.opts...)...)
			assert.ErrorIs(t, err, tc.want)
			assert.NotContains(t, err.Error(), "wp", "no passphrase in errors")
		})
	}
	_, err = Open(ctx, cli, KEKSource{}, WithPrefix(prefix))
	assert.Error(t, err)
	_, err = Open(ctx, cli, Passphrase(""), WithPrefix(prefix))
	assert.Error(t, err)

	// A KEK cipher store opens only with its own cipher and label.
	cp := testPrefix(t)
	kek := testKEK(t)
	openT(t, cli, cp, kek).Close()
	_, err = Open(ctx, cli, testKEK(t), WithPrefix(cp))
	assert.ErrorIs(t, err, ErrWrongKEK, "another label")
	_, err = Open(ctx, cli, KEKCipher(kek.label, testKEK(t).cipher), WithPrefix(cp))
	assert.ErrorIs(t, err, ErrWrongKEK, "same label, another key")
	_, err = Open(ctx, cli, Passphrase("pw"), WithPrefix(cp))
	assert.ErrorIs(t, err, ErrWrongKEK)
	openT(t, cli, cp, kek, WithoutCreate())
}

// TestOpenRace: replicas starting together on an empty prefix end up with
// one store and one default key.
func TestOpenRace(t *testing.T) {
	c := sharedCluster(t)
	prefix := testPrefix(t)
	kek := testKEK(t)
	var wg sync.WaitGroup
	defaults := make([]string, 4)
	for i := range defaults {
		cli := c.client(t)
		wg.Go(func() {
			s, err := Open(context.Background(), cli, kek, WithPrefix(prefix), WithLogger(quietLog))
			if !assert.NoError(t, err) {
				return
			}
			defer s.Close()
			md, err := s.DefaultKey(context.Background())
			if assert.NoError(t, err) {
				defaults[i] = md.KeyID
				assert.True(t, md.Default)
			}
		})
	}
	wg.Wait()
	for _, d := range defaults {
		assert.Equal(t, defaults[0], d)
	}
	s := openT(t, c.client(t), prefix, kek)
	list, err := s.ListKeys(context.Background())
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

// TestChangeKEK: the store key is resealed; the old KEK no longer opens the
// store, the new one does, and a running replica is not disturbed.
func TestChangeKEK(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	ctx := context.Background()
	prefix := testPrefix(t)
	s := openT(t, cli, prefix, Passphrase("old"))
	other := openT(t, c.client(t), prefix, Passphrase("old"))
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	kek := testKEK(t)
	require.NoError(t, s.ChangeKEK(ctx, kek))
	_, err = Open(ctx, cli, Passphrase("old"), WithPrefix(prefix), cheapArgon)
	assert.ErrorIs(t, err, ErrWrongKEK)
	n := openT(t, cli, prefix, kek)
	_, err = n.Key(ctx, md.KeyID)
	assert.NoError(t, err)
	require.NoError(t, n.ChangeKEK(ctx, Passphrase("new")))
	openT(t, cli, prefix, Passphrase("new"))

	// The running replica follows the store record's changes.
	_, err = other.RotateKey(ctx, md.KeyID)
	require.NoError(t, err)
	_, ok := eventually(waitFor, func() bool {
		mk, err := s.Key(ctx, md.KeyID)
		return err == nil && mk.CurrentVersion() == 2
	})
	assert.True(t, ok)
	list, err := other.ListKeys(ctx)
	require.NoError(t, err, "the store record still verifies")
	assert.Len(t, list, 1)
}

// waitFor bounds what the tests wait for a replica to see a change: the
// fleet's promise is one second.
const waitFor = time.Second

// TestManagement: creation order, default, states, rotation, errors.
func TestManagement(t *testing.T) {
	c := sharedCluster(t)
	ctx := context.Background()
	s := openT(t, c.client(t), testPrefix(t), testKEK(t))
	def, err := s.DefaultKey(ctx)
	require.NoError(t, err)
	assert.True(t, def.Default)
	assert.Equal(t, keystore.AES256, def.KeySpec)
	assert.Equal(t, keystore.DefaultProject, def.Project)
	again, err := s.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, def, again)
	var ids []string
	ids = append(ids, def.KeyID)
	for range 3 {
		md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
		require.NoError(t, err)
		assert.False(t, md.Default)
		assert.Equal(t, uint32(1), md.CurrentVersion)
		ids = append(ids, md.KeyID)
	}
	list, err := s.ListKeys(ctx)
	require.NoError(t, err)
	var got []string
	for _, md := range list {
		got = append(got, md.KeyID)
	}
	assert.Equal(t, ids, got, "creation order")

	md, err := s.SetKeyState(ctx, ids[1], keystore.KeyPendingDeletion)
	require.NoError(t, err)
	assert.Equal(t, keystore.KeyPendingDeletion, md.KeyState)
	mk, err := s.Key(ctx, ids[1])
	require.NoError(t, err)
	assert.Equal(t, keystore.KeyPendingDeletion, mk.Metadata().KeyState, "the writer's own cache has it at once")
	_, err = s.SetKeyState(ctx, ids[1], "Gone")
	assert.Error(t, err)
	md, err = s.RotateKey(ctx, def.KeyID)
	require.NoError(t, err)
	assert.True(t, md.Default)
	assert.Equal(t, uint32(2), md.CurrentVersion)

	missing := "00000000-0000-4000-8000-000000000000"
	for name, err := range map[string]error{
		"key":    func() error { _, err := s.Key(ctx, missing); return err }(),
		"state":  func() error { _, err := s.SetKeyState(ctx, missing, keystore.KeyDisabled); return err }(),
		"rotate": func() error { _, err := s.RotateKey(ctx, missing); return err }(),
	} {
		assert.ErrorIs(t, err, keystore.ErrKeyNotFound, name)
	}
	printed := fmtAll(mk)
	assert.Contains(t, printed, "material REDACTED")
	assert.NotContains(t, printed, "{", "no struct (and so no key schedule) is printed")
}

func fmtAll(v any) string {
	return strings.Join([]string{fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s %x", v, v, v, v, v)}, " ")
}

// TestConcurrentWriters: rotations of one key through two replicas at once
// are all kept (compare-and-swap, retried), and both replicas agree.
func TestConcurrentWriters(t *testing.T) {
	c := sharedCluster(t)
	ctx := context.Background()
	prefix, kek := testPrefix(t), testKEK(t)
	a := openT(t, c.client(t), prefix, kek)
	b := openT(t, c.client(t), prefix, kek)
	md, err := a.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	const each = 6
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			for range each {
				_, err := s.RotateKey(ctx, md.KeyID)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	want := uint32(1 + 4*each)
	for name, s := range map[string]*Store{"a": a, "b": b} {
		_, ok := eventually(waitFor, func() bool {
			mk, err := s.Key(ctx, md.KeyID)
			return err == nil && mk.CurrentVersion() == want
		})
		assert.True(t, ok, "replica %s has every version", name)
	}
}

// TestTampered: a record changed in etcd by anyone but the store is
// refused: the key is not used (neither the edit nor the last good
// version), the provider answers an internal error, and the log says why.
func TestTampered(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	ctx := context.Background()
	prefix, kek := testPrefix(t), testKEK(t)
	var logs logBuffer
	s := openT(t, cli, prefix, kek, WithLogger(logs.logger()))
	p, err := provider.New(s)
	require.NoError(t, err)
	newKey := func() string {
		md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		return md.KeyID
	}
	get := func(id string) []byte {
		resp, err := cli.Get(ctx, s.keyName(id))
		require.NoError(t, err)
		require.Len(t, resp.Kvs, 1)
		return resp.Kvs[0].Value
	}
	put := func(id string, v []byte) {
		_, err := cli.Put(ctx, s.keyName(id), string(v))
		require.NoError(t, err)
	}
	editRecord := func(v []byte, f func(map[string]any)) []byte {
		var env struct {
			Record map[string]any `json:"record"`
			MAC    string         `json:"mac"`
		}
		require.NoError(t, json.Unmarshal(v, &env))
		f(env.Record)
		out, err := json.Marshal(env)
		require.NoError(t, err)
		return out
	}

	for _, tc := range []struct {
		name   string
		tamper func(id string)
	}{
		{"state enabled again", func(id string) {
			_, err := s.SetKeyState(ctx, id, keystore.KeyDisabled)
			require.NoError(t, err)
			put(id, editRecord(get(id), func(r map[string]any) { r["key_state"] = "Enabled" }))
		}},
		{"project changed", func(id string) {
			put(id, editRecord(get(id), func(r map[string]any) { r["project"] = "other" }))
		}},
		{"an older record written again", func(id string) {
			old := get(id)
			_, err := s.SetKeyState(ctx, id, keystore.KeyDisabled)
			require.NoError(t, err)
			put(id, old)
		}},
		{"another key's record", func(id string) { put(id, get(newKey())) }},
		{"a version dropped", func(id string) {
			_, err := s.RotateKey(ctx, id)
			require.NoError(t, err)
			put(id, editRecord(get(id), func(r map[string]any) {
				r["versions"] = r["versions"].([]any)[:1]
				r["current_version"] = 1
			}))
		}},
		{"generation bumped to pass an old record", func(id string) {
			put(id, editRecord(get(id), func(r map[string]any) { r["generation"] = 2 }))
		}},
		{"not json", func(id string) { put(id, []byte("{")) }},
		{"whitespace added", func(id string) {
			v := get(id)
			put(id, []byte(strings.Replace(string(v), `{"record":{`, `{"record":{ `, 1)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := newKey()
			_, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: id, KeySpec: "ECC_NIST_P256"})
			require.NoError(t, err)
			tc.tamper(id)
			var keyErr error
			_, ok := eventually(waitFor, func() bool {
				_, keyErr = s.Key(ctx, id)
				return keyErr != nil && !strings.Contains(keyErr.Error(), "disabled")
			})
			require.True(t, ok, "the tampered record is refused within a second")
			assert.ErrorIs(t, keyErr, ErrAltered)
			var re *RecordError
			require.ErrorAs(t, keyErr, &re)
			assert.Equal(t, s.keyName(id), re.Key)
			_, err = p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: id, KeySpec: "ECC_NIST_P256"})
			assert.Equal(t, provider.FailInternal, failure(err))
			_, err = s.ListKeys(ctx)
			assert.ErrorIs(t, err, ErrAltered, "listing names the refused record")
			_, err = s.SetKeyState(ctx, id, keystore.KeyEnabled)
			assert.ErrorIs(t, err, ErrAltered, "a refused record is not rewritten (laundered)")
			assert.Contains(t, logs.String(), "record refused")
			assert.Contains(t, logs.String(), s.keyName(id))
			// A fresh replica refuses it too.
			fresh := openT(t, c.client(t), prefix, kek)
			_, err = fresh.Key(ctx, id)
			assert.ErrorIs(t, err, ErrAltered)
			// Clean up for the next case: the store lists again.
			_, err = cli.Delete(ctx, s.keyName(id))
			require.NoError(t, err)
			_, ok = eventually(waitFor, func() bool { _, err := s.ListKeys(ctx); return err == nil })
			require.True(t, ok)
		})
	}

	t.Run("store record", func(t *testing.T) {
		id := newKey()
		resp, err := cli.Get(ctx, s.metaName)
		require.NoError(t, err)
		v := resp.Kvs[0].Value
		_, err = cli.Put(ctx, s.metaName, string(editRecord(v, func(r map[string]any) { r["default_key_id"] = id })))
		require.NoError(t, err)
		_, ok := eventually(waitFor, func() bool { _, err := s.ListKeys(ctx); return err != nil })
		require.True(t, ok)
		_, err = s.ListKeys(ctx)
		assert.ErrorIs(t, err, ErrAltered)
		_, err = s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		assert.ErrorIs(t, err, ErrAltered, "no write over a refused store record")
		_, err = s.Key(ctx, id)
		assert.NoError(t, err, "key records verify on their own")
		_, err = Open(ctx, cli, kek, WithPrefix(prefix))
		assert.ErrorIs(t, err, ErrAltered, "a replica does not start on it")
		_, err = cli.Put(ctx, s.metaName, string(v))
		require.NoError(t, err)
		_, err = Open(ctx, cli, kek, WithPrefix(prefix))
		assert.ErrorIs(t, err, ErrAltered, "nor on an older store record written again")
	})

	t.Run("unknown record", func(t *testing.T) {
		_, err := cli.Put(ctx, prefix+"store/other", "x")
		require.NoError(t, err)
		_, ok := eventually(waitFor, func() bool { return strings.Contains(logs.String(), prefix+"store/other") })
		assert.True(t, ok, "logged")
	})
}

// TestDeletedRecord: a key whose record is deleted in etcd is gone from
// every replica, and from one that missed the event (the heartbeat's count).
func TestDeletedRecord(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	ctx := context.Background()
	prefix, kek := testPrefix(t), testKEK(t)
	s := openT(t, cli, prefix, kek)
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = cli.Delete(ctx, s.keyName(md.KeyID))
	require.NoError(t, err)
	_, ok := eventually(waitFor, func() bool { _, err := s.Key(ctx, md.KeyID); return err != nil })
	require.True(t, ok)
	_, err = s.Key(ctx, md.KeyID)
	assert.ErrorIs(t, err, keystore.ErrKeyNotFound)

	// The heartbeat alone finds a deletion too.
	md2, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	st := s.state.Load()
	_, err = cli.Delete(ctx, s.keyName(md2.KeyID))
	require.NoError(t, err)
	_, ok = eventually(waitFor, func() bool { _, err := s.Key(ctx, md2.KeyID); return err != nil })
	require.True(t, ok)
	s.mu.Lock()
	s.state.Store(st) // as if the watch had not delivered the delete
	s.mu.Unlock()
	_, err = s.Key(ctx, md2.KeyID)
	require.NoError(t, err)
	require.NoError(t, s.check(ctx))
	_, err = s.Key(ctx, md2.KeyID)
	assert.ErrorIs(t, err, keystore.ErrKeyNotFound)
}

// TestWatchCompacted: a replica whose watch is behind a revision etcd has
// since compacted (the watch restarts from a revision no longer kept)
// reloads everything and misses no change made meanwhile: a disable, a new
// key, a rotation, a deletion. The heartbeat is stopped, so the watch
// alone brings them.
func TestWatchCompacted(t *testing.T) {
	c := sharedCluster(t)
	cli := c.client(t)
	ctx := context.Background()
	prefix, kek := testPrefix(t), testKEK(t)
	var logs logBuffer
	s := openT(t, cli, prefix, kek, WithLogger(logs.logger()))
	w := openT(t, c.client(t), prefix, kek)
	a, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	b, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	gone, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)

	s.cancel() // the replica stops following etcd
	s.wg.Wait()
	_, err = w.SetKeyState(ctx, a.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	_, err = w.RotateKey(ctx, b.KeyID)
	require.NoError(t, err)
	added, err := w.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	_, err = cli.Delete(ctx, s.keyName(gone.KeyID))
	require.NoError(t, err)
	resp, err := cli.Get(ctx, s.metaName)
	require.NoError(t, err)
	_, err = cli.Compact(ctx, resp.Header.Revision)
	require.NoError(t, err)
	require.Less(t, s.Revision(), resp.Header.Revision, "the replica is behind the compaction")

	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel // Close stops the watch restarted here
	s.wg.Add(1)
	go s.watch(wctx)

	_, ok := eventually(5*time.Second, func() bool {
		st := s.state.Load()
		ka, kb := st.keys[a.KeyID], st.keys[b.KeyID]
		_, stillGone := st.keys[gone.KeyID]
		_, isAdded := st.keys[added.KeyID]
		return ka != nil && ka.md.KeyState == keystore.KeyDisabled && kb != nil && kb.md.CurrentVersion == 2 && !stillGone && isAdded
	})
	assert.True(t, ok, "every change made while the watch was behind is applied")
	assert.Contains(t, logs.String(), "compacted")
	assert.GreaterOrEqual(t, s.Revision(), resp.Header.Revision)
}
