package etcd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

// cheapArgon keeps passphrase stores fast in tests.
var cheapArgon = WithArgon2(Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})

// testKEK is a KEK cipher under a fresh random key.
func testKEK(tb testing.TB) KEKSource {
	tb.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	c, err := wrap.NewKeyCipher(wrap.AES256GCM, key)
	require.NoError(tb, err)
	return KEKCipher("test:"+base64.RawURLEncoding.EncodeToString(key[:6]), c)
}

// openT opens a store, closed when tb ends.
func openT(tb testing.TB, cli *clientv3.Client, prefix string, kek KEKSource, opts ...Option) *Store {
	tb.Helper()
	s, err := Open(context.Background(), cli, kek, append([]Option{WithPrefix(prefix), cheapArgon, WithLogger(quietLog)}, opts...)...)
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	return s
}

var quietLog = slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError + 1}))

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// logBuffer collects a store's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// failure is the provider failure of err, or -1 for none.
func failure(err error) provider.Failure {
	var e *provider.Error
	if errors.As(err, &e) {
		return e.Failure
	}
	return -1
}

// eventually polls cond every 10 ms until it holds or d passes, returning
// how long it took and whether it held.
func eventually(d time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
