package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// softHSMEnv makes a SoftHSM2 token in a temp dir and returns the
// environment that points the command at it, or skips.
func softHSMEnv(t *testing.T) []string {
	t.Helper()
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Skip("softhsm2-util not installed (apt-get install softhsm2); skipping the PKCS#11 command test")
	}
	var module string
	for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	require.NotEmpty(t, module, "softhsm2-util is installed but libsofthsm2.so was not found")
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	require.NoError(t, os.Mkdir(tokens, 0o700))
	conf := filepath.Join(dir, "softhsm2.conf")
	require.NoError(t, os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600))
	env := []string{"SOFTHSM2_CONF=" + conf}
	cmd := exec.Command(util, "--init-token", "--free", "--label", "ecdkp-cli", "--pin", "1234", "--so-pin", "5678")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return append(env, "ECDKP_PKCS11_MODULE="+module, "ECDKP_PKCS11_TOKEN=ecdkp-cli", "ECDKP_PKCS11_PIN=1234")
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
