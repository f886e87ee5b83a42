package provider_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

func newKeyring(testing.TB) provider.KeyManager { return keyring.New() }

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

func TestKeyIDFormat(t *testing.T) {
	id := [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	s := provider.FormatKeyID(id)
	assert.Equal(t, "deadbeef-0102-0304-0506-0708090a0b0c", s)
	back, err := provider.ParseKeyID(s)
	require.NoError(t, err)
	assert.Equal(t, id, back)
	_, err = provider.ParseKeyID("zzzzzzzz-0102-0304-0506-0708090a0b0c")
	assert.Error(t, err, "format-valid but not hex")
	_, err = provider.ParseKeyID("deadbeef0102-0304-0506-0708090a0b0c0")
	assert.Error(t, err)
}
