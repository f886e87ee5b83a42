package keyring

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// syncBuffer is a log sink the watcher writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// within waits up to d for cond, and says how long it took.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keyState(r *Keyring, id string) (keystore.KeyMetadata, bool) {
	k, err := r.Key(context.Background(), id)
	if err != nil {
		return keystore.KeyMetadata{}, false
	}
	return k.Metadata(), true
}

// TestReloadFollowsTheFile: a keyring with reload on sees another
// keyring's (another process's) disable, create and rotate within a
// second; a damaged file is logged once and the last good keys stay; a
// reload of a sealed file runs no Argon2id; Close stops following.
func TestReloadFollowsTheFile(t *testing.T) {
	for _, pass := range []string{"", "pw"} {
		t.Run("passphrase="+pass, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "keyring.json")
			writer, err := openT(t, path, WithPassphrase(pass), fastArgon, WithReload(0))
			require.NoError(t, err)
			def, err := writer.DefaultKey(ctx)
			require.NoError(t, err)
			var logs syncBuffer
			var adopted, refused atomic.Int32
			reader, err := openT(t, path, WithPassphrase(pass), WithReload(20*time.Millisecond),
				WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				WithReloadEvents(func(err error) {
					if err != nil {
						refused.Add(1)
					} else {
						adopted.Add(1)
					}
				}))
			require.NoError(t, err)
			derivations := deriveCount.Load()

			_, err = writer.SetKeyState(ctx, def.KeyID, keystore.KeyDisabled)
			require.NoError(t, err)
			within(t, time.Second, "disable seen", func() bool {
				md, _ := keyState(reader, def.KeyID)
				return md.KeyState == keystore.KeyDisabled
			})
			nk, err := writer.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
			require.NoError(t, err)
			within(t, time.Second, "new key seen", func() bool { _, ok := keyState(reader, nk.KeyID); return ok })
			_, err = writer.RotateKey(ctx, nk.KeyID)
			require.NoError(t, err)
			within(t, time.Second, "rotation seen", func() bool {
				md, _ := keyState(reader, nk.KeyID)
				return md.CurrentVersion == 2
			})
			assert.Equal(t, derivations, deriveCount.Load(), "no Argon2id run for a reload or a change under an unchanged kdf")

			good := mustRead(t, path)
			require.NoError(t, writeAtomic(path, []byte(`{"format":"ecdkp-keyring/v2","keys":[]}`)))
			within(t, time.Second, "damage logged", func() bool { return strings.Contains(logs.String(), "reload failed") })
			time.Sleep(100 * time.Millisecond)
			assert.Equal(t, 1, strings.Count(logs.String(), "reload failed"), "logged once per version of the file")
			assert.Equal(t, int32(1), refused.Load(), "one refused reload reported")
			assert.GreaterOrEqual(t, adopted.Load(), int32(3), "the adopted changes reported")
			assert.Contains(t, logs.String(), path)
			md, ok := keyState(reader, nk.KeyID)
			require.True(t, ok, "the last good keys stay")
			assert.Equal(t, uint32(2), md.CurrentVersion)

			require.NoError(t, writeAtomic(path, good))
			_, err = writer.SetKeyState(ctx, nk.KeyID, keystore.KeyDisabled)
			require.NoError(t, err)
			within(t, time.Second, "recovered", func() bool {
				md, _ := keyState(reader, nk.KeyID)
				return md.KeyState == keystore.KeyDisabled
			})
			assert.Contains(t, logs.String(), "reloaded")

			require.NoError(t, reader.Close())
			require.NoError(t, reader.Close(), "Close twice is fine")
			_, err = writer.SetKeyState(ctx, nk.KeyID, keystore.KeyEnabled)
			require.NoError(t, err)
			time.Sleep(100 * time.Millisecond)
			md, _ = keyState(reader, nk.KeyID)
			assert.Equal(t, keystore.KeyDisabled, md.KeyState, "a closed keyring no longer follows")
		})
	}
}

// TestWatcherGoroutines: Close stops each watcher, and a keyring nobody
// closed stops its watcher once it is unreachable.
func TestWatcherGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	base := runtime.NumGoroutine()
	var rs []*Keyring
	for range 8 {
		r, err := Open(path, WithReload(time.Millisecond))
		require.NoError(t, err)
		rs = append(rs, r)
	}
	assert.GreaterOrEqual(t, runtime.NumGoroutine(), base+8)
	for _, r := range rs {
		require.NoError(t, r.Close())
	}
	within(t, time.Second, "closed keyrings stop their watchers", func() bool { return runtime.NumGoroutine() <= base })

	func() {
		for range 8 {
			_, err := Open(path, WithReload(time.Millisecond))
			require.NoError(t, err)
		}
	}()
	within(t, 5*time.Second, "unreachable keyrings stop their watchers", func() bool {
		runtime.GC()
		return runtime.NumGoroutine() <= base
	})
}

// TestConcurrentKeyrings: keyrings opened separately on one new file (as
// processes would) agree on one default key and lose no key.
func TestConcurrentKeyrings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	const n, each = 8, 5
	defaults := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		r, err := openT(t, path, WithReload(0))
		require.NoError(t, err)
		wg.Go(func() {
			md, err := r.DefaultKey(ctx)
			assert.NoError(t, err)
			defaults[i] = md.KeyID
			for range each {
				_, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	for _, d := range defaults {
		assert.Equal(t, defaults[0], d)
	}
	r, err := openT(t, path)
	require.NoError(t, err)
	list, err := r.ListKeys(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1+n*each)
}

// TestReloadBeforeFirstUse: a keyring whose file is not created yet logs
// nothing while it waits, and follows the file once another process makes
// it; a file removed after that is reported.
func TestReloadBeforeFirstUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	var logs syncBuffer
	r, err := openT(t, path, WithReload(5*time.Millisecond), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	assert.Empty(t, logs.String())
	w, err := openT(t, path, WithReload(0))
	require.NoError(t, err)
	md, err := w.DefaultKey(context.Background())
	require.NoError(t, err)
	within(t, time.Second, "the new file is followed", func() bool { _, ok := keyState(r, md.KeyID); return ok })
	require.NoError(t, os.Remove(path))
	within(t, time.Second, "the removal is reported", func() bool { return strings.Contains(logs.String(), "does not exist") })
	_, ok := keyState(r, md.KeyID)
	assert.True(t, ok, "the last good keys stay")
}
