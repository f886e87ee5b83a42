package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// tempFiles lists the temporary files of the keyring at path.
func tempFiles(t testing.TB, path string) []string {
	t.Helper()
	prefix, suffix := tempPattern(path)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), suffix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// sealedFixture writes a sealed keyring with three keys: the default
// (AES_256, disabled), an SM4 key with two versions, and a key of another
// project. It returns the path and the keys.
func sealedFixture(t *testing.T, pass string) (string, []keystore.KeyMetadata) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := openT(t, path, WithPassphrase(pass), fastArgon, WithReload(0))
	require.NoError(t, err)
	a, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = r.SetKeyState(ctx, a.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	s, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	_, err = r.RotateKey(ctx, s.KeyID)
	require.NoError(t, err)
	_, err = r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256, Project: "0123456789abcdef0123456789abcdef"})
	require.NoError(t, err)
	list, err := r.ListKeys(ctx)
	require.NoError(t, err)
	return path, list
}

func readDoc(t *testing.T, path string) fileJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc fileJSON
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}

func writeDoc(t *testing.T, path string, doc fileJSON, fixChecksum bool) []byte {
	t.Helper()
	if fixChecksum {
		doc.Checksum = ""
		if doc.Format == formatV2 {
			doc.Checksum = checksum(doc)
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return b
}

// TestTamperSealed edits each member of a sealed file, as an attacker who
// can write the file (but does not know the passphrase) would. Each edit is
// refused, with the checksum recomputed (the seal refuses it) and without
// (the checksum does), naming the file; a keyring opened before the edit
// refuses to change the file, which stays as the attacker left it.
func TestTamperSealed(t *testing.T) {
	const pass = "correct horse"
	path, keys := sealedFixture(t, pass)
	orig := readDoc(t, path)
	require.Len(t, orig.Keys, 3)
	require.NotNil(t, orig.KDF)
	clearMaterial := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xaa}, 32))

	for _, tc := range []struct {
		name string
		edit func(d *fileJSON)
		want error
	}{
		{"state", func(d *fileJSON) { d.Keys[0].KeyState = keystore.KeyEnabled }, ErrAltered},
		{"spec", func(d *fileJSON) { d.Keys[1].KeySpec = keystore.AES256 }, ErrAltered},
		{"usage", func(d *fileJSON) { d.Keys[1].KeyUsage = "SIGN_VERIFY" }, ErrAltered},
		{"origin", func(d *fileJSON) { d.Keys[1].Origin = keystore.OriginExternal }, ErrAltered},
		{"project", func(d *fileJSON) { d.Keys[2].Project = keystore.DefaultProject }, ErrAltered},
		{"creation date", func(d *fileJSON) { d.Keys[0].CreationDate = d.Keys[0].CreationDate.Add(1) }, ErrAltered},
		{"drop a version", func(d *fileJSON) { d.Keys[1].Versions = d.Keys[1].Versions[:1]; d.Keys[1].CurrentVersion = 1 }, ErrAltered},
		{"swap versions", func(d *fileJSON) { v := d.Keys[1].Versions; v[0], v[1] = v[1], v[0] }, ErrAltered},
		{"version of another key", func(d *fileJSON) { d.Keys[2].Versions[0] = d.Keys[0].Versions[0] }, ErrAltered},
		{"current version", func(d *fileJSON) { d.Keys[1].CurrentVersion = 1 }, ErrAltered},
		{"default key", func(d *fileJSON) {
			d.DefaultKeyID, d.Keys[0].Default, d.Keys[1].Default = d.Keys[1].KeyID, false, true
		}, ErrAltered},
		{"no default key", func(d *fileJSON) { d.DefaultKeyID, d.Keys[0].Default = "", false }, ErrAltered},
		{"duplicate a key", func(d *fileJSON) { d.Keys = append(d.Keys, d.Keys[0]) }, ErrAltered},
		{"remove a key", func(d *fileJSON) { d.Keys = d.Keys[:2] }, ErrAltered},
		{"reorder keys", func(d *fileJSON) { d.Keys[1], d.Keys[2] = d.Keys[2], d.Keys[1] }, ErrAltered},
		{"remove the MAC", func(d *fileJSON) { d.MAC = "" }, ErrAltered},
		{"another MAC", func(d *fileJSON) { d.MAC = base64.StdEncoding.EncodeToString(make([]byte, 32)) }, ErrAltered},
		// The kdf section decides the derived keys, so an edit of it shows as
		// a wrong passphrase, or is refused before any derivation.
		{"kdf time", func(d *fileJSON) { d.KDF.Time = 2 }, ErrWrongPassphrase},
		{"kdf salt", func(d *fileJSON) { d.KDF.Salt = base64.StdEncoding.EncodeToString(make([]byte, 16)) }, ErrWrongPassphrase},
		{"kdf check", func(d *fileJSON) { d.KDF.Check = base64.StdEncoding.EncodeToString(make([]byte, 32)) }, ErrWrongPassphrase},
		{"kdf memory 4 GiB", func(d *fileJSON) { d.KDF.MemoryKiB = 4 << 20 }, ErrKDFLimits},
		{"kdf 64 passes", func(d *fileJSON) { d.KDF.Time = 64 }, ErrKDFLimits},
		{"kdf 255 threads", func(d *fileJSON) { d.KDF.Threads = 255; d.KDF.MemoryKiB = 8 * 255 }, ErrKDFLimits},
		{"kdf zero threads", func(d *fileJSON) { d.KDF.Threads = 0 }, ErrDamaged},
		{"kdf algorithm", func(d *fileJSON) { d.KDF.Algorithm = "argon2i" }, ErrDamaged},
		{"kdf short salt", func(d *fileJSON) { d.KDF.Salt = "AAAA" }, ErrDamaged},
		// Downgrades: the seal removed, the material left sealed or replaced
		// by known material in the clear.
		{"remove the kdf", func(d *fileJSON) { d.KDF, d.MAC = nil, "" }, ErrNotSealed},
		{"known material in the clear", func(d *fileJSON) {
			d.KDF, d.MAC = nil, ""
			for i := range d.Keys {
				d.Keys[i].KeySpec, d.Keys[i].Versions, d.Keys[i].CurrentVersion = keystore.AES256, []string{clearMaterial}, 1
			}
		}, ErrNotSealed},
		{"format v1", func(d *fileJSON) { d.Format, d.MAC, d.KDF.Check = formatV1, "", "" }, ErrLegacySealed},
	} {
		for _, fix := range []bool{true, false} {
			name := tc.name
			if !fix {
				name += "/checksum not recomputed"
			}
			t.Run(name, func(t *testing.T) {
				good, err := os.ReadFile(path)
				require.NoError(t, err)
				t.Cleanup(func() { require.NoError(t, os.WriteFile(path, good, 0o600)) })
				live, err := openT(t, path, WithPassphrase(pass), WithReload(0))
				require.NoError(t, err)

				doc := readDoc(t, path)
				tc.edit(&doc)
				tampered := writeDoc(t, path, doc, fix)
				derivations := deriveCount.Load()

				_, err = openT(t, path, WithPassphrase(pass))
				switch {
				case fix:
					assert.ErrorIs(t, err, tc.want)
				case doc.Format == formatV1:
					assert.ErrorIs(t, err, ErrDamaged, "a v1 file has no checksum member")
				default:
					assert.ErrorIs(t, err, ErrDamaged)
					assert.ErrorContains(t, err, "checksum", "the checksum refuses it before the passphrase is tried")
				}
				assert.ErrorContains(t, err, path, "the error names the file")
				if tc.want == ErrKDFLimits || !fix {
					assert.Equal(t, derivations, deriveCount.Load(), "refused before any Argon2id run")
				}

				_, err = live.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
				assert.Error(t, err, "a change rereads the file and refuses it")
				_, err = live.SetKeyState(context.Background(), keys[0].KeyID, keystore.KeyEnabled)
				assert.Error(t, err)
				after, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, tampered, after, "nothing written")
				assert.Empty(t, tempFiles(t, path))
				mk, err := live.Key(context.Background(), keys[0].KeyID)
				require.NoError(t, err)
				assert.Equal(t, keystore.KeyDisabled, mk.Metadata().KeyState, "the open keyring keeps what it verified")
			})
		}
	}

	t.Run("untouched", func(t *testing.T) {
		writeDoc(t, path, readDoc(t, path), true)
		r, err := openT(t, path, WithPassphrase(pass))
		require.NoError(t, err, "a file rewritten without change still verifies")
		list, err := r.ListKeys(context.Background())
		require.NoError(t, err)
		assert.Equal(t, keys, list)
	})
}

// TestFlipEveryByte: any one flipped bit of a file, sealed or not, is
// refused, or leaves what is loaded exactly as it was (a member name's
// case: encoding/json matches names without regard to case).
func TestFlipEveryByte(t *testing.T) {
	for _, pass := range []string{"", "pw"} {
		t.Run("passphrase="+pass, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "keyring.json")
			r, err := openT(t, path, WithPassphrase(pass), fastArgon, WithReload(0))
			require.NoError(t, err)
			_, err = r.DefaultKey(ctx)
			require.NoError(t, err)
			md, err := r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4, Project: "p1"})
			require.NoError(t, err)
			_, err = r.RotateKey(ctx, md.KeyID)
			require.NoError(t, err)
			want := snapshot(t, r)
			good, err := os.ReadFile(path)
			require.NoError(t, err)
			refused := 0
			for i := range good {
				b := bytes.Clone(good)
				b[i] ^= 0x01
				require.NoError(t, os.WriteFile(path, b, 0o600))
				r2, err := Open(path, WithPassphrase(pass), fastArgon, WithReload(0))
				if err != nil {
					refused++
					continue
				}
				assert.Equal(t, want, snapshot(t, r2), "byte %d flipped, accepted, and loaded differently", i)
			}
			assert.Greater(t, refused, len(good)*9/10)
		})
	}
}

// snapshot is everything a keyring holds, material included.
func snapshot(t *testing.T, r *Keyring) string {
	t.Helper()
	st := r.state.Load()
	var sb strings.Builder
	sb.WriteString(st.defaultID)
	for _, id := range st.order {
		k := st.keys[id]
		b, err := json.Marshal(k.md)
		require.NoError(t, err)
		sb.Write(b)
		for _, m := range k.material {
			sb.WriteString(base64.StdEncoding.EncodeToString(m))
		}
	}
	return sb.String()
}

// TestPassphraseMismatch: a passphrase for an unsealed file, or none for a
// sealed one, is an error that changes nothing, never a silent seal.
func TestPassphraseMismatch(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := openT(t, path, WithReload(0))
	require.NoError(t, err)
	assert.False(t, r.Sealed())
	_, err = r.DefaultKey(ctx)
	require.NoError(t, err)
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	_, err = openT(t, path, WithPassphrase("pw"), fastArgon)
	assert.ErrorIs(t, err, ErrNotSealed)
	assert.ErrorContains(t, err, path)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A keyring opened with a passphrase on a new file seals it; another
	// process without one then cannot change it.
	sealedPath := filepath.Join(t.TempDir(), "sealed.json")
	s, err := openT(t, sealedPath, WithPassphrase("pw"), fastArgon, WithReload(0))
	require.NoError(t, err)
	assert.True(t, s.Sealed(), "a new file opened with a passphrase will be sealed")
	u, err := openT(t, sealedPath, WithReload(0))
	require.NoError(t, err, "not there yet: an empty keyring")
	_, err = s.DefaultKey(ctx)
	require.NoError(t, err)
	_, err = u.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	assert.ErrorIs(t, err, ErrPassphraseRequired, "the change rereads the file, now sealed")
	assert.Len(t, readDoc(t, sealedPath).Keys, 1)
}

// TestDowngrade: with a passphrase, a file that is not sealed is refused,
// whatever format it claims, so known key material cannot be slipped in.
func TestDowngrade(t *testing.T) {
	const pass = "pw"
	path, _ := sealedFixture(t, pass)
	known := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, format := range []string{formatV2, formatV1} {
		t.Run(format, func(t *testing.T) {
			doc := fileJSON{Format: format, DefaultKeyID: "00000000-0000-4000-8000-000000000000", Keys: []keyJSON{{
				KeyMetadata: keystore.KeyMetadata{KeyID: "00000000-0000-4000-8000-000000000000", Project: keystore.DefaultProject,
					KeySpec: keystore.AES256, KeyUsage: keystore.UsageEncryptDecrypt, KeyState: keystore.KeyEnabled,
					Origin: keystore.OriginKMS, CurrentVersion: 1, Default: true},
				Versions: []string{known},
			}}}
			written := writeDoc(t, path, doc, true)
			_, err := openT(t, path, WithPassphrase(pass))
			assert.ErrorIs(t, err, ErrNotSealed)
			_, err = ChangePassphrase(path, pass, "new", fastArgon)
			assert.ErrorIs(t, err, ErrNotSealed)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, written, after)
		})
	}
}

func TestWithoutCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "typo.json")
	_, err := openT(t, path, WithoutCreate())
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorContains(t, err, path)
	_, err = os.Stat(filepath.Join(dir, "sub"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "nothing created")

	// The file removed under an open keyring: a change does not recreate it.
	path = filepath.Join(dir, "k.json")
	r, err := openT(t, path, WithReload(0))
	require.NoError(t, err)
	_, err = r.DefaultKey(context.Background())
	require.NoError(t, err)
	r2, err := openT(t, path, WithoutCreate(), WithReload(0))
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	_, err = r2.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestCreatedHook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	var created []string
	r, err := openT(t, path, WithCreated(func(p string) { created = append(created, p) }), WithReload(0))
	require.NoError(t, err)
	_, err = r.DefaultKey(context.Background())
	require.NoError(t, err)
	_, err = r.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	assert.Equal(t, []string{path}, created, "called once, by the write that made the file")
}

// TestSealAndChangePassphrase: seal an unsealed keyring, change its
// passphrase; old envelopes open throughout.
func TestSealAndChangePassphrase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := openT(t, path, WithReload(0))
	require.NoError(t, err)
	md, err := r.DefaultKey(ctx)
	require.NoError(t, err)
	env := sealEnvelope(t, r, md.KeyID)

	_, err = ChangePassphrase(path, "a", "b", fastArgon)
	assert.ErrorIs(t, err, ErrNotSealed)
	_, err = Seal(path, "", fastArgon)
	assert.Error(t, err)
	keys, err := Seal(path, "first", fastArgon)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, md.KeyID, keys[0].KeyID)
	assert.NotContains(t, string(mustRead(t, path)), base64.StdEncoding.EncodeToString(r.state.Load().keys[md.KeyID].material[0]))

	_, err = openT(t, path)
	assert.ErrorIs(t, err, ErrPassphraseRequired)
	_, err = Seal(path, "first", fastArgon)
	assert.ErrorIs(t, err, ErrSealed)
	_, err = Seal(path, "other", fastArgon)
	assert.ErrorIs(t, err, ErrSealed, "already sealed, whatever the passphrase")
	_, err = ChangePassphrase(path, "wrong", "second", fastArgon)
	assert.ErrorIs(t, err, ErrWrongPassphrase)
	_, err = ChangePassphrase(path, "first", "", fastArgon)
	assert.Error(t, err)
	_, err = ChangePassphrase(path, "first", "second", fastArgon)
	require.NoError(t, err)
	_, err = openT(t, path, WithPassphrase("first"))
	assert.ErrorIs(t, err, ErrWrongPassphrase)
	r2, err := openT(t, path, WithPassphrase("second"))
	require.NoError(t, err)
	openEnvelope(t, r2, env)

	_, err = Seal(filepath.Join(t.TempDir(), "missing.json"), "x", fastArgon)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = Seal(path, "x", WithArgon2(Argon2Params{Time: 1, MemoryKiB: 1 << 30, Threads: 1}))
	assert.ErrorIs(t, err, ErrKDFLimits)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func sealEnvelope(t *testing.T, r *Keyring, keyID string) []byte {
	t.Helper()
	mk, err := r.Key(context.Background(), keyID)
	require.NoError(t, err)
	env, err := wrap.MasterKeyWrapper{Key: mk, Spec: curves.P256}.Wrap(context.Background(), []byte("pkcs8"), nil)
	require.NoError(t, err)
	return env
}

func openEnvelope(t *testing.T, r *Keyring, env []byte) {
	t.Helper()
	for _, md := range r.state.Load().list() {
		mk, err := r.Key(context.Background(), md.KeyID)
		require.NoError(t, err)
		if pt, err := (wrap.MasterKeyUnwrapper{Key: mk, Spec: curves.P256}).Unwrap(context.Background(), env, nil); err == nil {
			assert.Equal(t, "pkcs8", string(pt))
			return
		}
	}
	t.Fatal("no key of the keyring opens the envelope")
}

// writeV1 writes a keyring as ecdkp wrote it before format v2: no
// checksum, and when sealed only the material sealed (under the Argon2id
// output itself, bound to format v1, key id and version).
func writeV1(t *testing.T, path, pass string, st *state) {
	t.Helper()
	f := &fileStore{path: path, opts: newOptions([]Option{fastArgon}), passphrase: []byte(pass)}
	doc := fileJSON{Format: formatV1, DefaultKeyID: st.defaultID}
	var d *derived
	if pass != "" {
		salt := bytes.Repeat([]byte{7}, 16)
		var err error
		d, err = f.deriveFrom(salt, kdfJSON{Algorithm: "argon2id", Salt: base64.StdEncoding.EncodeToString(salt), Argon2Params: f.opts.params}, true)
		require.NoError(t, err)
		kdf := d.kdf
		doc.KDF = &kdf
	}
	for _, id := range st.order {
		k := st.keys[id]
		kj := keyJSON{KeyMetadata: k.md}
		kj.Project = "" // v1 files written before projects had none
		for i, m := range k.material {
			if d != nil {
				s, err := d.seal(m, id, uint32(i+1))
				require.NoError(t, err)
				m = s
			}
			kj.Versions = append(kj.Versions, base64.StdEncoding.EncodeToString(m))
		}
		doc.Keys = append(doc.Keys, kj)
	}
	writeDoc(t, path, doc, false)
}

// TestV1Files: an unsealed v1 file opens and is rewritten as v2 by the next
// change; a sealed one is refused until Seal (or ChangePassphrase) rewrites
// it, after which its old envelopes still open.
func TestV1Files(t *testing.T) {
	ctx := context.Background()
	mem := New()
	md, err := mem.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	sm, err := mem.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	_, err = mem.RotateKey(ctx, sm.KeyID)
	require.NoError(t, err)
	env := sealEnvelope(t, mem, sm.KeyID)

	t.Run("unsealed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "keyring.json")
		writeV1(t, path, "", mem.state.Load())
		r, err := openT(t, path, WithReload(0))
		require.NoError(t, err)
		list, err := r.ListKeys(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, keystore.DefaultProject, list[0].Project, "keys stored before projects belong to DefaultProject")
		assert.True(t, list[0].Default)
		_, err = r.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		doc := readDoc(t, path)
		assert.Equal(t, formatV2, doc.Format)
		assert.NotEmpty(t, doc.Checksum)
		assert.Equal(t, keystore.DefaultProject, doc.Keys[0].Project)
		openEnvelope(t, r, env)
	})
	for _, via := range []string{"seal", "change passphrase"} {
		t.Run("sealed/"+via, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyring.json")
			writeV1(t, path, "old", mem.state.Load())
			_, err := openT(t, path, WithPassphrase("old"))
			assert.ErrorIs(t, err, ErrLegacySealed)
			assert.ErrorContains(t, err, path)
			_, err = Seal(path, "wrong", fastArgon)
			assert.ErrorIs(t, err, ErrWrongPassphrase)
			pass := "old"
			if via == "seal" {
				keys, err := Seal(path, pass, fastArgon)
				require.NoError(t, err)
				assert.Len(t, keys, 2)
			} else {
				pass = "new"
				_, err := ChangePassphrase(path, "old", pass, fastArgon)
				require.NoError(t, err)
			}
			doc := readDoc(t, path)
			assert.Equal(t, formatV2, doc.Format)
			assert.NotEmpty(t, doc.MAC)
			r, err := openT(t, path, WithPassphrase(pass))
			require.NoError(t, err)
			got, err := r.Key(ctx, md.KeyID)
			require.NoError(t, err)
			assert.True(t, got.Metadata().Default)
			openEnvelope(t, r, env)
		})
	}
}

// TestArgon2Limits: costs above the limits are refused before deriving,
// unless WithArgon2Limits raises them; WithArgon2 is held to them too.
func TestArgon2Limits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	r, err := openT(t, path, WithPassphrase("pw"), WithArgon2(Argon2Params{Time: 2, MemoryKiB: 64, Threads: 1}), WithReload(0))
	require.NoError(t, err)
	_, err = r.DefaultKey(context.Background())
	require.NoError(t, err)

	low := WithArgon2Limits(Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	n := deriveCount.Load()
	_, err = openT(t, path, WithPassphrase("pw"), low, fastArgon)
	assert.ErrorIs(t, err, ErrKDFLimits)
	assert.Equal(t, n, deriveCount.Load())
	_, err = openT(t, path, WithPassphrase("pw"), WithArgon2Limits(Argon2Params{Time: 2, MemoryKiB: 64, Threads: 1}), fastArgon)
	assert.NoError(t, err)
	_, err = openT(t, path, WithPassphrase("pw"), WithArgon2(Argon2Params{Time: 11, MemoryKiB: 64, Threads: 1}))
	assert.ErrorIs(t, err, ErrKDFLimits)
}
