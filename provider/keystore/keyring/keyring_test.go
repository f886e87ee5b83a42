package keyring

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
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

// openT opens a keyring file and closes it when the test ends.
func openT(t testing.TB, path string, opts ...Option) (*Keyring, error) {
	t.Helper()
	r, err := Open(path, opts...)
	if err == nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

func TestSuiteMemory(t *testing.T) {
	providertest.Run(t, func(testing.TB) keystore.KeyManager { return New() })
}

// TestSuiteFile runs the provider suite over a passphrase-sealed file, so
// every state change and rotation goes through a save.
func TestSuiteFile(t *testing.T) {
	providertest.Run(t, func(t testing.TB) keystore.KeyManager {
		r, err := openT(t, filepath.Join(t.TempDir(), "keyring.json"), WithPassphrase("pw"), fastArgon)
		require.NoError(t, err)
		return r
	})
}

func TestDefaultKeyCreatedOnFirstUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "keyring.json")
	r, err := openT(t, path)
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

	r2, err := openT(t, path)
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
			r, err := openT(t, path, WithPassphrase(pass), fastArgon)
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

			r2, err := openT(t, path, WithPassphrase(pass), fastArgon)
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
	r, err := openT(t, path, WithPassphrase("right"), fastArgon)
	require.NoError(t, err)
	_, err = r.DefaultKey(ctx)
	require.NoError(t, err)

	_, err = openT(t, path, WithPassphrase("wrong"))
	assert.ErrorIs(t, err, ErrWrongPassphrase)
	assert.ErrorContains(t, err, path, "the error names the file")
	_, err = openT(t, path)
	assert.ErrorIs(t, err, ErrPassphraseRequired)
	assert.ErrorContains(t, err, path)
	_, err = openT(t, path, WithPassphrase("right"))
	assert.NoError(t, err, "the file keeps its own Argon2 parameters")
}

// TestDefaultArgon2 derives once with the production parameters.
func TestDefaultArgon2(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB Argon2id derivation skipped in -short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := openT(t, path, WithPassphrase("pw"))
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
	r, err := openT(t, path)
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
	assert.Empty(t, tempFiles(t, path), "no temporary file is left behind")
	list, err := r.ListKeys(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1, "memory rolled back with the file")
	assert.Equal(t, keystore.KeyEnabled, list[0].KeyState)
	assert.Equal(t, uint32(1), list[0].CurrentVersion)
}

func TestOpenRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	const good = `"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"AES_256","key_usage":"ENCRYPT_DECRYPT","key_state":"Enabled","origin":"kms","current_version":1,"versions":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]`
	v1 := func(key string) string {
		return `{"format":"ecdkp-keyring/v1","keys":[{` + key + `}]}`
	}
	for _, tc := range []struct{ name, content, want string }{
		{"not json", "{", "not a keyring file"},
		{"trailing data", v1(good) + "{}", "data after"},
		{"unknown member", `{"format":"ecdkp-keyring/v1","keys":[],"extra":1}`, "unknown field"},
		{"bad key id", v1(strings.Replace(good, "00000000-0000-4000-8000-000000000000", "nope", 1)), "bad key id"},
		{"bad spec", v1(strings.Replace(good, "AES_256", "RSA", 1)), "RSA"},
		{"bad state", v1(strings.Replace(good, `"Enabled"`, `"Zombie"`, 1)), "unknown state"},
		{"bad usage", v1(strings.Replace(good, "ENCRYPT_DECRYPT", "SIGN_VERIFY", 1)), "usage"},
		{"bad origin", v1(strings.Replace(good, `"kms"`, `"moon"`, 1)), "origin"},
		{"bad project", v1(good + `,"project":"a b"`), "project"},
		{"version count", v1(strings.Replace(good, `"current_version":1`, `"current_version":2`, 1)), "versions but current_version"},
		{"short material", v1(strings.Replace(good, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAA", 1)), "version 1"},
		{"not base64", v1(strings.Replace(good, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "!!", 1)), "not base64"},
		{"duplicate", `{"format":"ecdkp-keyring/v1","keys":[{` + good + `},{` + good + `}]}`, "appears twice"},
		{"unknown default", `{"format":"ecdkp-keyring/v1","default_key_id":"00000000-0000-4000-8000-000000000001","keys":[]}`, "not in the keyring"},
		{"default flag", v1(good + `,"default":true`), "default flag"},
		{"v1 with a checksum", `{"format":"ecdkp-keyring/v1","keys":[],"checksum":"00"}`, "members of v2"},
		{"v2 without checksum", `{"format":"ecdkp-keyring/v2","keys":[]}`, "no checksum"},
		{"v2 wrong checksum", `{"format":"ecdkp-keyring/v2","keys":[],"checksum":"00"}`, "checksum does not match"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
		require.NoError(t, os.WriteFile(p, []byte(tc.content), 0o600))
		_, err := openT(t, p)
		assert.ErrorIs(t, err, ErrDamaged, tc.name)
		assert.ErrorContains(t, err, p, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	p := filepath.Join(dir, "v9")
	require.NoError(t, os.WriteFile(p, []byte(`{"format":"other/v9","keys":[]}`), 0o600))
	_, err := openT(t, p)
	assert.ErrorContains(t, err, `format "other/v9"`)
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

// TestFileDeletedWhileOpen: a keyring whose file existed when it was read
// and is gone at its next change refuses the change, keeps its keys and
// writes no file: it does not start over from an empty keyring, which
// would drop every key it holds and replace the file with one holding only
// the new key (restoring a backup would then lose that one).
func TestFileDeletedWhileOpen(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(r *Keyring, id string) error
	}{
		{"create", func(r *Keyring, _ string) error {
			_, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
			return err
		}},
		{"rotate", func(r *Keyring, id string) error { _, err := r.RotateKey(ctx, id); return err }},
		{"disable", func(r *Keyring, id string) error {
			_, err := r.SetKeyState(ctx, id, keystore.KeyDisabled)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyring.json")
			r, err := openT(t, path, WithReload(0))
			require.NoError(t, err)
			md, err := r.DefaultKey(ctx)
			require.NoError(t, err)
			require.NoError(t, os.Remove(path))

			err = tc.change(r, md.KeyID)
			require.ErrorIs(t, err, fs.ErrNotExist, "the change is refused")
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, path, fe.Path)
			assert.Contains(t, err.Error(), "was there")
			_, err = os.Stat(path)
			assert.ErrorIs(t, err, fs.ErrNotExist, "no new file replaces the deleted one")
			k, err := r.Key(ctx, md.KeyID)
			require.NoError(t, err, "the keys held are kept")
			assert.Equal(t, keystore.KeyEnabled, k.Metadata().KeyState)
			assert.Equal(t, uint32(1), k.CurrentVersion())
		})
	}
}
