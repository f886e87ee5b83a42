package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// buildBinary compiles the command once per test binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ecdkp")
	out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, so.String(), se.String()}
}

// TestBinaryLifecycle drives create -> decrypt -> keys disable -> create
// (refused with the key-state code) through a temp keyring, as a user would.
func TestBinaryLifecycle(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	env := []string{"ECDKP_PASSPHRASE=test passphrase", "XDG_DATA_HOME=" + filepath.Join(dir, "xdg")}

	r := runBin(t, bin, env, "create", "--key-spec", "SM2", "--keyring", kr)
	require.Equal(t, 1, r.code, "an explicit --keyring that does not exist is not created by create")
	assert.Contains(t, r.stderr, kr)
	r = runBin(t, bin, env, "keys", "create", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "created keyring "+kr)
	r = runBin(t, bin, env, "create", "--key-spec", "SM2", "--keyring", kr, "--aad", "ctx", "--pem")
	require.Equal(t, 0, r.code, r.stderr)
	var created struct {
		provider.CreateEcDatakeyPairResponse
		PublicKeyPEM  string `json:"public_key_pem"`
		PrivateKeyPEM string `json:"private_key_pem"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created), r.stdout)
	assert.Equal(t, "SM2", created.KeySpec)
	blk, _ := pem.Decode([]byte(created.PrivateKeyPEM))
	require.NotNil(t, blk)
	assert.Equal(t, "PRIVATE KEY", blk.Type)
	priv, err := encoding.ParsePKCS8(blk.Bytes)
	require.NoError(t, err)
	st, err := os.Stat(kr)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	r = runBin(t, bin, env, "decrypt", "--cipher-text", created.PrivateKeyCipherText, "--aad", "ctx", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	var dec provider.DecryptDatakeyPairResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &dec))
	der, _ := base64.StdEncoding.DecodeString(dec.PrivateKeyPlainText)
	back, err := encoding.ParsePKCS8(der)
	require.NoError(t, err)
	assert.True(t, back.Equal(priv))

	r = runBin(t, bin, env, "decrypt", "--cipher-text", created.PrivateKeyCipherText, "--aad", "other", "--keyring", kr)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, huawei.CodeOf(provider.FailDecrypt).Code)
	assert.Empty(t, r.stdout)

	r = runBin(t, bin, env, "keys", "list", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	var keys []keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &keys))
	require.Len(t, keys, 1)
	assert.Equal(t, created.KeyID, keys[0].KeyID)

	r = runBin(t, bin, env, "keys", "disable", created.KeyID, "--keyring", kr)
	require.Equal(t, 1, r.code, "flags after the positional argument are not parsed by flag: %s", r.stderr)
	r = runBin(t, bin, env, "keys", "disable", "--keyring", kr, created.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	r = runBin(t, bin, env, "create", "--key-spec", "ECC_NIST_P256", "--keyring", kr)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, huawei.CodeOf(provider.FailKeyDisabled).Code)
	assert.Contains(t, r.stderr, "disabled")

	r = runBin(t, bin, env, "keys", "enable", "--keyring", kr, created.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	r = runBin(t, bin, env, "keys", "rotate", "--keyring", kr, created.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	var md keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	assert.Equal(t, uint32(2), md.CurrentVersion)
	r = runBin(t, bin, env, "decrypt", "--cipher-text", created.PrivateKeyCipherText, "--aad", "ctx", "--keyring", kr)
	assert.Equal(t, 0, r.code, "old ciphertext decrypts after rotation: %s", r.stderr)

	r = runBin(t, bin, env, "keys", "create", "--spec", "SM4", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	assert.Equal(t, keystore.SM4, md.KeySpec)
	r = runBin(t, bin, env, "create", "--key-spec", "ECC_SECG_P256K1", "--key-id", md.KeyID, "--with-plain-text=false", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "private_key_plain_text")

	// Wrong passphrase.
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=nope"}, "keys", "list", "--keyring", kr)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "wrong passphrase")
}

// TestDefaultKeyring: without --keyring the default keyring under
// XDG_DATA_HOME is created on first use, as README's main job does.
func TestDefaultKeyring(t *testing.T) {
	bin := buildBinary(t)
	xdg := t.TempDir()
	r := runBin(t, bin, []string{"XDG_DATA_HOME=" + xdg, "ECDKP_PASSPHRASE="}, "create", "--key-spec", "ECC_NIST_P384")
	require.Equal(t, 0, r.code, r.stderr)
	_, err := os.Stat(filepath.Join(xdg, "ecdkp", "keyring.json"))
	assert.NoError(t, err)
}

// TestUsage: --help on every subcommand exits 0 and describes flags; bad
// command lines exit 2 or 1 with a message on stderr.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "commands:"},
		{nil, 2, "commands:"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"create", "--help"}, 0, "-key-spec"},
		{[]string{"decrypt", "--help"}, 0, "-cipher-text"},
		{[]string{"keys", "--help"}, 0, "keys create"},
		{[]string{"keys", "create", "--help"}, 0, "-spec"},
		{[]string{"serve", "--help"}, 0, "-addr"},
		{[]string{"create", "--help"}, 0, "ECC_NIST_EDWARDS25519"},
		{[]string{"keys", "disable", "--help"}, 0, "usage: ecdkp keys disable [--keystore"},
		{[]string{"keys", "list", "--help"}, 0, "usage: ecdkp keys list ["},
		{[]string{"version", "--help"}, 0, "usage: ecdkp version\n"},
		{[]string{"create"}, 1, "--key-spec is required: ECC_NIST_P256, "},
		{[]string{"create", "--bogus"}, 2, "ecdkp create: flag provided but not defined: -bogus\nRun 'ecdkp create --help' for its flags.\n"},
		{[]string{"keys", "disable", "--bogus"}, 2, "ecdkp keys disable: flag provided but not defined: -bogus\nRun 'ecdkp keys disable --help'"},
		{[]string{"keys", "disable"}, 1, "disable takes one argument, the master key id"},
		{[]string{"keys", "disable", "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839", "--keyring", "kr.json"}, 1, "the flags go before the key id (ecdkp keys disable [flags] ID)"},
		{[]string{"keys", "list", "extra"}, 1, `list takes no argument, got "extra"`},
		{[]string{"keys", "explode"}, 1, "unknown keys subcommand"},
		{[]string{"serve", "--ak", "x"}, 1, "--ak needs its secret"},
		{[]string{"serve", "--addr", "127.0.0.1:0"}, 1, "no credentials"},
		{[]string{"serve", "--addr", "0.0.0.0:0", "--allow-unauthenticated"}, 1, "only on a loopback address"},
		{[]string{"serve", "--addr", "0.0.0.0:0", "--token-file", "/nonexistent"}, 1, "token-file"},
	} {
		var so, se bytes.Buffer
		code := run(context.Background(), &env{stdout: &so, stderr: &se, getenv: func(string) string { return "" }}, tc.args)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, se.String())
		assert.Contains(t, se.String(), tc.want, "%v", tc.args)
		if tc.code == 2 && len(tc.args) > 0 {
			assert.NotContains(t, se.String(), "-etcd-ca", "%v: a bad flag is not buried under every flag", tc.args)
		}
		if len(tc.args) == 2 && tc.args[1] == "--help" && tc.args[0] != "keys" {
			assert.Equal(t, tc.args[0] != "version", strings.Contains(se.String(), "\nflags:\n"),
				"%v: a flag list only when there are flags", tc.args)
		}
		assert.True(t, so.Len() == 0 || strings.HasPrefix(so.String(), "{"), "stdout holds only JSON")
	}
}

// TestNoKeyringYet: the commands that never create the default keyring
// (decrypt, keys list/enable/disable/rotate) say there is none yet, rather
// than list nothing under a warning that it is not sealed; create makes it
// and warns as before.
func TestNoKeyringYet(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_DATA_HOME", xdg)
	path := filepath.Join(xdg, "ecdkp", "keyring.json")
	noKeyring := "ecdkp: no keyring at " + path + " yet (create, keys create and serve make it on first use"
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"keys", "list"}, 0, "[]\n"},
		{[]string{"keys", "rotate", "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839"}, 1, ""},
		{[]string{"decrypt", "--cipher-text", "RUtQMQ" + strings.Repeat("A", 80)}, 1, ""},
	} {
		r := runInProcess(t, nil, tc.args...)
		assert.Equal(t, tc.code, r.code, "%v: %s", tc.args, r.stderr)
		assert.Equal(t, tc.stdout, r.stdout, "%v", tc.args)
		assert.Contains(t, r.stderr, noKeyring, "%v", tc.args)
		assert.NotContains(t, r.stderr, "not sealed", "%v", tc.args)
		_, err := os.Stat(path)
		assert.ErrorIs(t, err, os.ErrNotExist, "%v created the keyring", tc.args)
	}

	r := runInProcess(t, nil, "create", "--key-spec", "SM2")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "created keyring "+path)
	assert.Contains(t, r.stderr, "is not sealed")
	assert.NotContains(t, r.stderr, "no keyring at")
	r = runInProcess(t, nil, "keys", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "no keyring at")
	assert.Contains(t, r.stderr, "is not sealed")
}

// TestSealTwice: sealing a sealed keyring names the command that changes
// its passphrase, not the package's Go function.
func TestSealTwice(t *testing.T) {
	kr := newKeyringFile(t)
	vars := map[string]string{"ECDKP_PASSPHRASE": "seal twice"}
	r := runInProcess(t, vars, "keys", "seal", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	r = runInProcess(t, vars, "keys", "seal", "--keyring", kr)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "ecdkp keys: keyring: "+kr+": already sealed ('ecdkp keys passphrase' changes its passphrase)\n", r.stderr)
	assert.Empty(t, r.stdout)
	assert.NotContains(t, r.stderr, "seal twice")
}

// TestEtcdUnreachable: with no etcd at --etcd-endpoints, every command that
// opens the store says where it looked and what to check, not only
// "context deadline exceeded".
func TestEtcdUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	vars := map[string]string{"ECDKP_PASSPHRASE": "fleet secret"}
	for _, args := range [][]string{
		{"keys", "list"},
		{"create", "--key-spec", "SM2"},
	} {
		r := runInProcess(t, vars, append(args, "--keystore", "etcd", "--etcd-endpoints", endpoint)...)
		assert.Equal(t, 1, r.code, "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
		assert.Contains(t, r.stderr, "context deadline exceeded (no answer from etcd at "+endpoint+
			": check --etcd-endpoints and that the members are up; https:// members need --etcd-ca)\n", "%v", args)
		assert.NotContains(t, r.stderr, "fleet secret", "%v", args)
	}
}
