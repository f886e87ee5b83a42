//go:build cgo

package pkcs11

import (
	"context"
	"errors"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// TestTokenCallsHonourTheContext: with every session of the pool busy (a
// slow HSM), a request whose caller gives up returns at once instead of
// waiting in line; once a session is free, requests go on.
func TestTokenCallsHonourTheContext(t *testing.T) {
	s := newStore(t)
	md, err := s.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	p, err := provider.New(s)
	require.NoError(t, err)
	req := &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: string(curves.P256)}
	_, err = p.CreateEcDatakeyPair(t.Context(), req)
	require.NoError(t, err)

	// Hold every session.
	release := make(chan struct{})
	held := make(chan struct{}, cap(s.pool.ch))
	for range cap(s.pool.ch) {
		go func() {
			_ = s.pool.with(context.Background(), func(p11.SessionHandle) error {
				held <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	for range cap(s.pool.ch) {
		<-held
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.CreateEcDatakeyPair(ctx, req)
	var e *provider.Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, provider.FailCanceled, e.Failure, e.Message)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline ended the wait")
	assert.Less(t, time.Since(start), 2*time.Second, "no waiting past the caller's deadline")

	close(release)
	_, err = p.CreateEcDatakeyPair(t.Context(), req)
	assert.NoError(t, err, "sessions are back")
}
