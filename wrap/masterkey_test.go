package wrap

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/wycheproof"
)

// testMasterKey is an in-memory MasterKey with any number of versions.
type testMasterKey struct {
	id      [16]byte
	alg     Algorithm
	ciphers []KeyCipher
}

func newTestMasterKey(t testing.TB, alg Algorithm, id byte, versions ...[]byte) *testMasterKey {
	t.Helper()
	k := &testMasterKey{alg: alg}
	for i := range k.id {
		k.id[i] = id + byte(i)
	}
	for _, m := range versions {
		c, err := NewKeyCipher(alg, m)
		require.NoError(t, err)
		k.ciphers = append(k.ciphers, c)
	}
	return k
}

func (k *testMasterKey) ID() [16]byte           { return k.id }
func (k *testMasterKey) Algorithm() Algorithm   { return k.alg }
func (k *testMasterKey) CurrentVersion() uint32 { return uint32(len(k.ciphers)) }
func (k *testMasterKey) Version(v uint32) (KeyCipher, error) {
	if v == 0 || int(v) > len(k.ciphers) {
		return nil, fmt.Errorf("%w: no version %d", ErrKeyUnavailable, v)
	}
	return k.ciphers[v-1], nil
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// TestKeyCipherWycheproof runs the AEAD vectors with the envelope's shape
// (96-bit IV, 128-bit tag) through NewKeyCipher: AES with 256-bit keys and
// SM4 (128-bit keys).
func TestKeyCipherWycheproof(t *testing.T) {
	for _, tc := range []struct {
		file    string
		alg     Algorithm
		keyBits int
		min     int
	}{
		{"aes_gcm_test.json", AES256GCM, 256, 50},
		{"sm4_gcm_test.json", SM4GCM, 128, 50},
	} {
		t.Run(tc.alg.String(), func(t *testing.T) {
			f := wycheproof.Load(t, tc.file)
			ran := 0
			for _, g := range f.TestGroups {
				if g.IVSize != 96 || g.TagSize != 128 || g.KeySize != tc.keyBits {
					continue
				}
				for _, v := range g.Tests {
					ran++
					kc, err := NewKeyCipher(tc.alg, v.Key)
					require.NoError(t, err, "tc %d", v.TcID)
					ct := append(append([]byte(nil), v.CT...), v.Tag...)
					pt, err := kc.Open(nil, v.IV, ct, v.AAD)
					if v.Result == "invalid" {
						assert.Error(t, err, "tc %d (%s) must fail", v.TcID, v.Comment)
						continue
					}
					require.NoError(t, err, "tc %d", v.TcID)
					assert.Equal(t, []byte(v.Msg), append([]byte{}, pt...), "tc %d", v.TcID)
					sealed, err := kc.Seal(nil, v.IV, v.Msg, v.AAD)
					require.NoError(t, err)
					assert.Equal(t, ct, sealed, "tc %d", v.TcID)
				}
			}
			assert.GreaterOrEqual(t, ran, tc.min, "vectors run from %s", tc.file)
			t.Logf("%s: ran %d of %d vectors (the 96-bit IV, 128-bit tag, %d-bit key ones)", tc.file, ran, f.Count(), tc.keyBits)
		})
	}
}

func TestNewKeyCipherRejects(t *testing.T) {
	for _, tc := range []struct {
		alg  Algorithm
		key  []byte
		want error
	}{
		{AES256GCM, seq(16, 0), ErrKeyUnavailable},
		{AES256GCM, seq(31, 0), ErrKeyUnavailable},
		{SM4GCM, seq(32, 0), ErrKeyUnavailable},
		{Algorithm(9), seq(32, 0), ErrUnsupportedAlgorithm},
	} {
		_, err := NewKeyCipher(tc.alg, tc.key)
		assert.ErrorIs(t, err, tc.want, "%s with %d-byte key", tc.alg, len(tc.key))
	}
}

// TestMasterEnvelopeLayout pins the v1 layout with a fixed nonce: the header
// fields sit where DESIGN.md says and the GCM additional data is
// header || key_spec || 0x00 || aad.
func TestMasterEnvelopeLayout(t *testing.T) {
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		size := 32
		if alg == SM4GCM {
			size = 16
		}
		mk := newTestMasterKey(t, alg, 0xa0, seq(size, 1), seq(size, 2), seq(size, 3))
		nonce := seq(12, 0x50)
		pt := []byte("pkcs8 bytes")
		env, err := MasterKeyWrapper{Key: mk, Spec: curves.SM2, Rand: bytes.NewReader(nonce)}.Wrap(context.Background(), pt, []byte("ctx"))
		require.NoError(t, err)
		require.Len(t, env, MasterOverhead+len(pt))
		assert.Equal(t, "EKP1", string(env[:4]))
		assert.Equal(t, byte(alg), env[4])
		assert.Equal(t, mk.id[:], env[5:21])
		assert.Equal(t, []byte{0, 0, 0, 3}, env[21:25], "current version")
		assert.Equal(t, nonce, env[25:37])

		// Recompute independently with the version-3 cipher.
		kc, _ := mk.Version(3)
		ad := append(append(append([]byte{}, env[:25]...), "SM2\x00"...), "ctx"...)
		want, err := kc.Seal(nil, nonce, pt, ad)
		require.NoError(t, err)
		assert.Equal(t, want, env[37:], "ciphertext||tag over header||spec||0||aad")

		h, err := ParseMasterHeader(env)
		require.NoError(t, err)
		assert.Equal(t, MasterHeader{Algorithm: alg, KeyID: mk.id, KeyVersion: 3}, h)
		t.Logf("%s envelope: %s", alg, hex.EncodeToString(env))
	}
}

func TestMasterEnvelopeRoundTripAndBinding(t *testing.T) {
	ctx := context.Background()
	mk := newTestMasterKey(t, AES256GCM, 1, seq(32, 7))
	other := newTestMasterKey(t, AES256GCM, 2, seq(32, 7)) // same material, other id
	pt := seq(138, 0)
	env, err := MasterKeyWrapper{Key: mk, Spec: curves.P256}.Wrap(ctx, pt, []byte("aad"))
	require.NoError(t, err)

	got, err := MasterKeyUnwrapper{Key: mk, Spec: curves.P256}.Unwrap(ctx, env, []byte("aad"))
	require.NoError(t, err)
	assert.Equal(t, pt, got)

	for name, tc := range map[string]struct {
		u   MasterKeyUnwrapper
		aad string
	}{
		"other aad":      {MasterKeyUnwrapper{Key: mk, Spec: curves.P256}, "aae"},
		"empty aad":      {MasterKeyUnwrapper{Key: mk, Spec: curves.P256}, ""},
		"other key spec": {MasterKeyUnwrapper{Key: mk, Spec: curves.P384}, "aad"},
		"other key id":   {MasterKeyUnwrapper{Key: other, Spec: curves.P256}, "aad"},
	} {
		_, err := tc.u.Unwrap(ctx, env, []byte(tc.aad))
		assert.ErrorIs(t, err, ErrDecrypt, name)
	}

	// Swapping the key id in the header to another key with the same
	// material must fail too: the header is authenticated.
	swapped := append([]byte{}, env...)
	copy(swapped[5:21], other.id[:])
	_, err = MasterKeyUnwrapper{Key: other, Spec: curves.P256}.Unwrap(ctx, swapped, []byte("aad"))
	assert.ErrorIs(t, err, ErrDecrypt)
}

// TestMasterEnvelopeEveryBitFlip flips each bit of one envelope: every one
// must fail, either as malformed (magic, algorithm) or as not authentic.
func TestMasterEnvelopeEveryBitFlip(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		size := map[Algorithm]int{AES256GCM: 32, SM4GCM: 16}[alg]
		mk := newTestMasterKey(t, alg, 3, seq(size, 9), seq(size, 10))
		env, err := MasterKeyWrapper{Key: mk, Spec: curves.Secp256k1}.Wrap(ctx, seq(64, 1), []byte("a"))
		require.NoError(t, err)
		u := MasterKeyUnwrapper{Key: mk, Spec: curves.Secp256k1}
		flips := 0
		for i := 0; i < len(env)*8; i++ {
			bad := append([]byte{}, env...)
			bad[i/8] ^= 1 << (i % 8)
			_, err := u.Unwrap(ctx, bad, []byte("a"))
			require.Error(t, err, "%s: bit %d flipped was accepted", alg, i)
			assert.True(t, isOneOf(err, ErrDecrypt, ErrMalformedEnvelope, ErrKeyUnavailable), "bit %d: %v", i, err)
			flips++
		}
		assert.Equal(t, len(env)*8, flips)
	}
}

func isOneOf(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func TestMasterEnvelopeTruncated(t *testing.T) {
	ctx := context.Background()
	mk := newTestMasterKey(t, AES256GCM, 4, seq(32, 1))
	env, err := MasterKeyWrapper{Key: mk, Spec: curves.P521}.Wrap(ctx, seq(40, 0), nil)
	require.NoError(t, err)
	u := MasterKeyUnwrapper{Key: mk, Spec: curves.P521}
	for n := 0; n < len(env); n++ {
		_, err := u.Unwrap(ctx, env[:n], nil)
		require.Error(t, err, "truncated to %d bytes", n)
		if n < MasterOverhead {
			assert.ErrorIs(t, err, ErrMalformedEnvelope, "truncated to %d bytes", n)
		}
	}
	_, err = u.Unwrap(ctx, append(append([]byte{}, env...), 0), nil)
	assert.ErrorIs(t, err, ErrDecrypt, "appended byte")
}

// TestMasterEnvelopeRotation: new envelopes use the newest version, old ones
// still open, and an envelope naming a missing version is refused.
func TestMasterEnvelopeRotation(t *testing.T) {
	ctx := context.Background()
	mk := newTestMasterKey(t, SM4GCM, 5, seq(16, 1))
	old, err := MasterKeyWrapper{Key: mk, Spec: curves.SM2}.Wrap(ctx, []byte("old"), nil)
	require.NoError(t, err)
	c, err := NewKeyCipher(SM4GCM, seq(16, 2))
	require.NoError(t, err)
	mk.ciphers = append(mk.ciphers, c)
	fresh, err := MasterKeyWrapper{Key: mk, Spec: curves.SM2}.Wrap(ctx, []byte("new"), nil)
	require.NoError(t, err)
	hOld, _ := ParseMasterHeader(old)
	hNew, _ := ParseMasterHeader(fresh)
	assert.Equal(t, uint32(1), hOld.KeyVersion)
	assert.Equal(t, uint32(2), hNew.KeyVersion)
	u := MasterKeyUnwrapper{Key: mk, Spec: curves.SM2}
	for want, env := range map[string][]byte{"old": old, "new": fresh} {
		got, err := u.Unwrap(ctx, env, nil)
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	mk.ciphers = mk.ciphers[:1]
	_, err = u.Unwrap(ctx, fresh, nil)
	assert.ErrorIs(t, err, ErrKeyUnavailable)
}

func BenchmarkMasterKeyWrap(b *testing.B) {
	ctx := context.Background()
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		size := map[Algorithm]int{AES256GCM: 32, SM4GCM: 16}[alg]
		mk := newTestMasterKey(b, alg, 6, seq(size, 1))
		w := MasterKeyWrapper{Key: mk, Spec: curves.P256}
		pt := seq(138, 0) // a P-256 PKCS#8
		b.Run(alg.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Wrap(ctx, pt, []byte("aad")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// badLengthCipher is a KeyCipher that drops the tag, as a broken HSM might.
type badLengthCipher struct{ KeyCipher }

func (c badLengthCipher) Seal(dst, nonce, plaintext, ad []byte) ([]byte, error) {
	out, err := c.KeyCipher.Seal(dst, nonce, plaintext, ad)
	return out[:len(out)-MasterTagSize], err
}

// TestMasterKeyAppendWrap checks that AppendWrap keeps dst's bytes, appends
// exactly the envelope Wrap makes for the same nonce (in place when dst has
// the room, growing it when not), and refuses a cipher that returns the
// wrong length.
func TestMasterKeyAppendWrap(t *testing.T) {
	ctx := context.Background()
	mk := newTestMasterKey(t, AES256GCM, 3, seq(32, 9))
	pt, aad, nonce := seq(138, 0), []byte("aad"), seq(12, 0x70)
	w := MasterKeyWrapper{Key: mk, Spec: curves.P384, Rand: bytes.NewReader(nonce)}
	want, err := w.Wrap(ctx, pt, aad)
	require.NoError(t, err)
	room := MasterOverhead + len(pt) + MasterHeaderSize + len(curves.P384) + 1 + len(aad)
	for name, spare := range map[string]int{"room": room, "no room": 0, "short by one": room - 1} {
		t.Run(name, func(t *testing.T) {
			prefix := []byte("prefix")
			dst := append(make([]byte, 0, len(prefix)+spare), prefix...)
			w.Rand = bytes.NewReader(nonce)
			out, err := w.AppendWrap(ctx, dst, pt, aad)
			require.NoError(t, err)
			assert.Equal(t, prefix, out[:len(prefix)])
			assert.Equal(t, want, out[len(prefix):])
			assert.Equal(t, spare >= room, &out[0] == &dst[0], "in place exactly when dst has the room")
			got, err := MasterKeyUnwrapper{Key: mk, Spec: curves.P384}.Unwrap(ctx, out[len(prefix):], aad)
			require.NoError(t, err)
			assert.Equal(t, pt, got)
		})
	}

	broken := &testMasterKey{id: mk.id, alg: mk.alg, ciphers: []KeyCipher{badLengthCipher{mk.ciphers[0]}}}
	_, err = MasterKeyWrapper{Key: broken, Spec: curves.P384}.AppendWrap(ctx, nil, pt, aad)
	assert.ErrorIs(t, err, ErrKeyUnavailable)
	assert.ErrorContains(t, err, "produced a 175-byte envelope, want 191")
}
