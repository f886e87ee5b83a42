package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11/softhsmtest"
)

// softHSMEnv makes a SoftHSM2 token in a temp dir and returns the
// environment that points the command at it, or skips.
func softHSMEnv(t *testing.T) []string {
	t.Helper()
	return softhsmtest.New(t, "ecdkp-cli").Env()
}

// TestBinaryPKCS11: keys create and create/decrypt with --keystore pkcs11.
func TestBinaryPKCS11(t *testing.T) {
	env := softHSMEnv(t)
	bin := buildBinary(t)
	r := runBin(t, bin, env, "keys", "create", "--keystore", "pkcs11")
	require.Equal(t, 0, r.code, r.stderr)
	var md keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	assert.Equal(t, keystore.OriginHSM, md.Origin)

	r = runBin(t, bin, env, "create", "--keystore", "pkcs11", "--key-id", md.KeyID, "--key-spec", "ECC_NIST_P256", "--aad", "x")
	require.Equal(t, 0, r.code, r.stderr)
	var created provider.CreateEcDatakeyPairResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	r = runBin(t, bin, env, "decrypt", "--keystore", "pkcs11", "--cipher-text", created.PrivateKeyCipherText, "--aad", "x")
	require.Equal(t, 0, r.code, r.stderr)
	var dec provider.DecryptDatakeyPairResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &dec))
	assert.Equal(t, created.PrivateKeyPlainText, dec.PrivateKeyPlainText)

	r = runBin(t, bin, append(env, "ECDKP_PKCS11_PIN=9999"), "keys", "list", "--keystore", "pkcs11")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "CKR_PIN_INCORRECT")
	assert.NotContains(t, r.stderr, "9999")
}
