package provider_test

import (
	"context"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
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
// not affected; WithReplayWindow(0) turns the check off.
func TestSequenceReplay(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	alice := provider.WithCaller(context.Background(), provider.Caller{ProjectID: "p", Principal: "alice"})
	bob := provider.WithCaller(context.Background(), provider.Caller{ProjectID: "p", Principal: "bob"})
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

	off, err := provider.New(f.Store, provider.WithReplayWindow(0))
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		_, err = off.CreateEcDatakeyPair(alice, req)
		assert.NoError(t, err)
	}
}
