package keyring

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

var fastArgon = WithArgon2(Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})

func TestSuiteMemory(t *testing.T) {
	providertest.Run(t, func(testing.TB) keystore.KeyManager { return New() })
}

// TestSuiteFile runs the provider suite over a passphrase-sealed file, so
// every state change and rotation goes through a save.
func TestSuiteFile(t *testing.T) {
	providertest.Run(t, func(t testing.TB) keystore.KeyManager {
		r, err := Open(filepath.Join(t.TempDir(), "keyring.json"), WithPassphrase("pw"), fastArgon)
		require.NoError(t, err)
		return r
	})
}

func TestDefaultKeyCreatedOnFirstUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "keyring.json")
	r, err := Open(path)
	require.NoError(t, err)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "opening does not write")

	md, err := r.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, keystore.AES256, md.KeySpec)
	assert.True(t, md.Default)
	again, err := r.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, md.KeyID, again.KeyID, "the default key is made once")

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	r2, err := Open(path)
	require.NoError(t, err)
	md2, err := r2.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, md.KeyID, md2.KeyID, "the default key persists")
}

// TestPersistence: keys, states and versions survive a reopen, and an
// envelope sealed before the reopen still opens.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	for _, pass := range []string{"", "correct horse"} {
		t.Run("passphrase="+pass, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyring.json")
			r, err := Open(path, WithPassphrase(pass), fastArgon)
			require.NoError(t, err)
			a, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
			require.NoError(t, err)
			s, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
			require.NoError(t, err)
			_, err = r.RotateKey(ctx, s.KeyID)
			require.NoError(t, err)
			_, err = r.SetKeyState(ctx, a.KeyID, keystore.KeyDisabled)
			require.NoError(t, err)
			mk, err := r.Key(ctx, s.KeyID)
			require.NoError(t, err)
			env, err := wrap.MasterKeyWrapper{Key: mk, Spec: curves.P256}.Wrap(ctx, []byte("secret pkcs8"), nil)
			require.NoError(t, err)

			r2, err := Open(path, WithPassphrase(pass), fastArgon)
			require.NoError(t, err)
			list, err := r2.ListKeys(ctx)
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Equal(t, a.KeyID, list[0].KeyID)
			assert.Equal(t, keystore.KeyDisabled, list[0].KeyState)
			assert.True(t, list[0].Default)
			assert.Equal(t, uint32(2), list[1].CurrentVersion)
			mk2, err := r2.Key(ctx, s.KeyID)
			require.NoError(t, err)
			pt, err := wrap.MasterKeyUnwrapper{Key: mk2, Spec: curves.P256}.Unwrap(ctx, env, nil)
			require.NoError(t, err)
			assert.Equal(t, "secret pkcs8", string(pt))

			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			km := mk2.(*masterKey)
			for _, m := range km.material {
				plain := base64.StdEncoding.EncodeToString(m)
				if pass == "" {
					assert.Contains(t, string(raw), plain, "unsealed file stores material in the clear")
				} else {
					assert.NotContains(t, string(raw), plain, "sealed file must not hold material in the clear")
				}
			}
		})
	}
}

func TestWrongPassphrase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := Open(path, WithPassphrase("right"), fastArgon)
	require.NoError(t, err)
	_, err = r.DefaultKey(ctx)
	require.NoError(t, err)

	_, err = Open(path, WithPassphrase("wrong"))
	assert.ErrorIs(t, err, ErrWrongPassphrase)
	_, err = Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ECDKP_PASSPHRASE")
	_, err = Open(path, WithPassphrase("right"))
	assert.NoError(t, err, "the file keeps its own Argon2 parameters")
}

// TestDefaultArgon2 derives once with the production parameters.
func TestDefaultArgon2(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB Argon2id derivation skipped in -short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := Open(path, WithPassphrase("pw"))
	require.NoError(t, err)
	_, err = r.DefaultKey(ctx)
	require.NoError(t, err)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"memory_kib": 65536`)
	assert.Contains(t, string(raw), `"algorithm": "argon2id"`)
}

// TestCrashSafety: a save that fails after the temporary file is written
// leaves the previous file intact, rolls memory back, and leaves no
// temporary file behind.
func TestCrashSafety(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	r, err := Open(path)
	require.NoError(t, err)
	md, err := r.DefaultKey(ctx)
	require.NoError(t, err)
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	writeHook = func(tmp string) error { return errors.New("power cut") }
	defer func() { writeHook = nil }()
	_, err = r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.ErrorContains(t, err, "power cut")
	_, err = r.RotateKey(ctx, md.KeyID)
	require.Error(t, err)
	_, err = r.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	require.Error(t, err)
	writeHook = nil

	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the old file is intact")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
	list, err := r.ListKeys(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1, "memory rolled back with the file")
	assert.Equal(t, keystore.KeyEnabled, list[0].KeyState)
	assert.Equal(t, uint32(1), list[0].CurrentVersion)
}

func TestOpenRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not json":        "{",
		"wrong format":    `{"format":"other/v9","keys":[]}`,
		"bad key id":      `{"format":"ecdkp-keyring/v1","keys":[{"key_id":"nope","key_spec":"AES_256","key_state":"Enabled","current_version":1,"versions":["AAAA"]}]}`,
		"bad spec":        `{"format":"ecdkp-keyring/v1","keys":[{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"RSA","key_state":"Enabled","current_version":1,"versions":["AAAA"]}]}`,
		"bad state":       `{"format":"ecdkp-keyring/v1","keys":[{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"AES_256","key_state":"Zombie","current_version":1,"versions":["AAAA"]}]}`,
		"version count":   `{"format":"ecdkp-keyring/v1","keys":[{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"AES_256","key_state":"Enabled","current_version":2,"versions":["AAAA"]}]}`,
		"short material":  `{"format":"ecdkp-keyring/v1","keys":[{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"AES_256","key_state":"Enabled","current_version":1,"versions":["AAAA"]}]}`,
		"unknown default": `{"format":"ecdkp-keyring/v1","default_key_id":"00000000-0000-4000-8000-000000000001","keys":[]}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		_, err := Open(p)
		assert.Error(t, err, name)
	}
}

func TestManagementErrors(t *testing.T) {
	ctx := context.Background()
	r := New()
	_, err := r.CreateKey(ctx, keystore.KeyParams{Spec: "RSA_2048"})
	assert.Error(t, err)
	_, err = r.SetKeyState(ctx, "00000000-0000-4000-8000-000000000000", keystore.KeyDisabled)
	assert.ErrorIs(t, err, keystore.ErrKeyNotFound)
	_, err = r.RotateKey(ctx, "00000000-0000-4000-8000-000000000000")
	assert.ErrorIs(t, err, keystore.ErrKeyNotFound)
	md, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = r.SetKeyState(ctx, md.KeyID, "Zombie")
	assert.Error(t, err)
	mk, err := r.Key(ctx, md.KeyID)
	require.NoError(t, err)
	_, err = mk.Version(2)
	assert.ErrorIs(t, err, wrap.ErrKeyUnavailable)
	_, err = mk.Version(0)
	assert.ErrorIs(t, err, wrap.ErrKeyUnavailable)
}

func TestMasterKeyRedacted(t *testing.T) {
	r := New()
	md, err := r.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	mk, err := r.Key(context.Background(), md.KeyID)
	require.NoError(t, err)
	material := mk.(*masterKey).material[0]
	kc, err := mk.Version(1)
	require.NoError(t, err)
	for _, v := range []any{mk, *mk.(*masterKey), kc, r} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, fmt.Sprintf("%x", material[:8]), verb)
			assert.NotContains(t, out, fmt.Sprint(material[:4]), verb)
			assert.NotContains(t, out, fmt.Sprintf("%v", []byte(material[:4])), verb)
		}
	}
}
