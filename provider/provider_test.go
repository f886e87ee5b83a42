package provider_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

func newKeyring(testing.TB) keystore.KeyManager { return keyring.New() }

// TestProviderSuite runs the shared suite over the in-memory keyring.
func TestProviderSuite(t *testing.T) {
	providertest.Run(t, newKeyring)
}

func TestNewRejects(t *testing.T) {
	_, err := provider.New(nil)
	assert.Error(t, err)
	_, err = provider.New(keyring.New(), provider.WithAuthorizer(nil))
	assert.Error(t, err)
}

// TestSequenceReplay: the same sequence from the same caller within the
// window is refused before any work; other callers and other sequences are
// not affected; WithReplayWindow(nil) turns the check off.
func TestSequenceReplay(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	alice := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "alice"})
	bob := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "bob"})
	seq := "919c82d4-8046-4722-9094-35c3c6524cff"
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256", Sequence: seq}
	first, err := f.P.CreateEcDatakeyPair(alice, req)
	require.NoError(t, err)
	_, err = f.P.CreateEcDatakeyPair(alice, req)
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailReplay, e.Failure)
	assert.Contains(t, e.Message, seq)
	_, err = f.P.CreateEcDatakeyPair(bob, req)
	assert.NoError(t, err, "another caller's sequence space")
	// The first response's ciphertext still decrypts, also with the same
	// sequence (another action).
	_, err = f.P.DecryptDatakeyPair(alice, &provider.DecryptDatakeyPairRequest{CipherText: first.PrivateKeyCipherText, Sequence: seq})
	assert.NoError(t, err)

	off, err := provider.New(f.Store, provider.WithReplayWindow(nil))
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		_, err = off.CreateEcDatakeyPair(alice, req)
		assert.NoError(t, err)
	}
}

// TestSequenceOfFailedRequestIsFree: a request that fails gives its
// sequence back, so garbage requests use no room and the caller's retry of
// a failed request is not a replay.
func TestSequenceOfFailedRequestIsFree(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	alice := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "alice"})
	seq := "0e3a8d77-54cb-4d9c-8a55-4f44f1f1c0d2"
	_, err := f.Store.SetKeyState(context.Background(), f.AES, keystore.KeyDisabled)
	require.NoError(t, err)
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256", Sequence: seq}
	_, err = f.P.CreateEcDatakeyPair(alice, req)
	require.Error(t, err, "disabled key")
	_, err = f.Store.SetKeyState(context.Background(), f.AES, keystore.KeyEnabled)
	require.NoError(t, err)
	// A failure after admission (the master key cannot seal) releases the
	// sequence too.
	failing, err := provider.New(sealFails{f.Store})
	require.NoError(t, err)
	_, err = failing.CreateEcDatakeyPair(alice, req)
	require.Error(t, err)
	// The failing provider has its own window; the claim it released is
	// checked there, and the real provider's is checked below.
	_, err = failing.CreateEcDatakeyPair(alice, req)
	var fe *provider.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, provider.FailInternal, fe.Failure, "not a replay: the first failed after admission and released its sequence")
	_, err = f.P.CreateEcDatakeyPair(alice, req)
	require.NoError(t, err, "the failed requests did not hold the sequence")
	_, err = f.P.CreateEcDatakeyPair(alice, req)
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailReplay, e.Failure)
}

// sealFails is a key store whose keys are found but cannot seal.
type sealFails struct{ keystore.KeyStore }

func (s sealFails) Key(ctx context.Context, id string) (keystore.MasterKey, error) {
	mk, err := s.KeyStore.Key(ctx, id)
	if err != nil {
		return nil, err
	}
	return noVersions{mk}, nil
}

type noVersions struct{ keystore.MasterKey }

func (noVersions) Version(uint32) (wrap.KeyCipher, error) {
	return nil, fmt.Errorf("%w: version gone", wrap.ErrKeyUnavailable)
}

// TestSequenceConcurrentReplay: of many concurrent requests with one
// sequence, exactly one succeeds.
func TestSequenceConcurrentReplay(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	alice := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "alice"})
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256", Sequence: "5d1c0b4e-2a6f-4e8d-9b7a-3c2e1f0a9b8c"}
	var wg sync.WaitGroup
	var ok, replayed atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.P.CreateEcDatakeyPair(alice, req)
			var e *provider.Error
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &e) && e.Failure == provider.FailReplay:
				replayed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
	assert.Equal(t, int32(15), replayed.Load())
}

// TestMaxInFlight: past the cap a request is refused at once with
// FailUnavailable; below it, everything runs.
func TestMaxInFlight(t *testing.T) {
	block := make(chan struct{})
	entered := make(chan struct{}, 4)
	f := providertest.NewFixture(t, newKeyring, providertest.WithProviderOptions(
		provider.WithMaxInFlight(2),
		provider.WithAuthorizer(provider.AuthorizerFunc(func(context.Context, *provider.AuthzRequest) error {
			entered <- struct{}{}
			<-block
			return nil
		}))))
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256"}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.P.CreateEcDatakeyPair(context.Background(), req)
			assert.NoError(t, err)
		}()
	}
	<-entered
	<-entered
	assert.Equal(t, 2, f.P.InFlight())
	_, err := f.P.CreateEcDatakeyPair(context.Background(), req)
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailUnavailable, e.Failure)
	_, err = f.P.DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{CipherText: "AAAA"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailUnavailable, e.Failure, "decrypt shares the cap")
	close(block)
	wg.Wait()
	assert.Equal(t, 0, f.P.InFlight())
	_, err = provider.New(f.Store, provider.WithMaxInFlight(-1))
	assert.Error(t, err)
}

// outage is a key store whose keys are found but whose device is gone (an
// HSM unplugged mid-request): every use of a key version fails wrapping
// keystore.ErrUnavailable.
type outage struct{ keystore.KeyStore }

func (s outage) Key(ctx context.Context, id string) (keystore.MasterKey, error) {
	mk, err := s.KeyStore.Key(ctx, id)
	if err != nil {
		return nil, err
	}
	return outageKey{mk}, nil
}

type outageKey struct{ keystore.MasterKey }

func (outageKey) Version(uint32) (wrap.KeyCipher, error) { return goneCipher{}, nil }

type goneCipher struct{}

var errGone = fmt.Errorf("token removed: %w", keystore.ErrUnavailable)

func (goneCipher) Seal(_, _, _, _ []byte) ([]byte, error)       { return nil, errGone }
func (goneCipher) Open(_, _, _, _ []byte) ([]byte, error)       { return nil, errGone }
func (goneCipher) AppendDerivedKey(_, _ []byte) ([]byte, error) { return nil, errGone }

// TestKeyStoreOutage: a key store that cannot use a key now (its error
// wraps keystore.ErrUnavailable) makes a create and a decrypt fail as
// unavailable, which clients retry, not as an internal error or as a
// ciphertext that does not decrypt (KMS.2203, InvalidCiphertextException),
// which tells a client its data is bad.
func TestKeyStoreOutage(t *testing.T) {
	ctx := context.Background()
	kr := keyring.New()
	md, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	good, err := provider.New(kr)
	require.NoError(t, err)
	resp, err := good.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "ECC_NIST_P256"})
	require.NoError(t, err)

	p, err := provider.New(outage{kr})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"create", func() error {
			_, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "ECC_NIST_P256"})
			return err
		}},
		{"decrypt", func() error {
			_, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *provider.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, provider.FailUnavailable, e.Failure, "%v", err)
			assert.ErrorIs(t, err, keystore.ErrUnavailable)
		})
	}
}
