package keystore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

func TestKeyIDRoundTrip(t *testing.T) {
	id := [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	s := keystore.FormatKeyID(id)
	assert.Equal(t, "deadbeef-0102-0304-0506-0708090a0b0c", s)
	back, err := keystore.ParseKeyID(s)
	require.NoError(t, err)
	assert.Equal(t, id, back)
}

func TestParseKeyIDRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"zzzzzzzz-0102-0304-0506-0708090a0b0c", // the API's format, but not hex
		"DEADBEEF-0102-0304-0506-0708090a0b0c", // upper case
		"deadbeef0102-0304-0506-0708090a0b0c0", // dash moved
		"deadbeef-0102-0304-0506-0708090a0b0",  // short
		"deadbeef-0102-0304-0506-0708090a0b0c0",
		"deadbeef-0102-0304-0506x0708090a0b0c",
	} {
		_, err := keystore.ParseKeyID(s)
		assert.ErrorIs(t, err, keystore.ErrInvalidKeyID, "%q", s)
	}
}

func TestNewKeyIDIsVersion4(t *testing.T) {
	seen := map[[16]byte]bool{}
	for range 64 {
		id := keystore.NewKeyID()
		assert.Equal(t, byte(0x40), id[6]&0xf0, "version nibble")
		assert.Equal(t, byte(0x80), id[8]&0xc0, "variant bits")
		assert.False(t, seen[id], "ids repeat")
		seen[id] = true
		back, err := keystore.ParseKeyID(keystore.FormatKeyID(id))
		require.NoError(t, err)
		assert.Equal(t, id, back)
	}
}

func TestKeyStates(t *testing.T) {
	for _, s := range []keystore.KeyState{keystore.KeyEnabled, keystore.KeyDisabled, keystore.KeyPendingDeletion, keystore.KeyPendingImport} {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []keystore.KeyState{"", "enabled", "2", "Deleted"} {
		assert.False(t, s.Valid(), s)
	}
}

func TestMasterKeySpecAlgorithm(t *testing.T) {
	_, ok := keystore.AES256.Algorithm()
	assert.True(t, ok)
	_, ok = keystore.SM4.Algorithm()
	assert.True(t, ok)
	_, ok = keystore.MasterKeySpec("RSA_2048").Algorithm()
	assert.False(t, ok)
}
