package wrap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/cbcmac"
	"github.com/emmansun/gmsm/sm4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/race"
	"github.com/ecdkp/ecdkp/internal/wycheproof"
)

// The vectors of ../shared/vectors/xaes-256-gcm.md (the AES ones are the
// C2SP specification's).
const xNonce = "ABCDEFGHIJKLMNOPQRSTUVWX"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func newXBlock(t testing.TB, key []byte) cipher.Block {
	t.Helper()
	var (
		b   cipher.Block
		err error
	)
	if len(key) == 16 {
		b, err = sm4.NewCipher(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	require.NoError(t, err)
	return b
}

func newXAEAD(t testing.TB, key []byte) cipher.AEAD {
	t.Helper()
	newAEAD := NewXAES256GCM
	if len(key) == 16 {
		newAEAD = NewXSM4GCM
	}
	a, err := newAEAD(key)
	require.NoError(t, err)
	return a
}

// checkXVector checks one (key, nonce, plaintext, aad) -> Kx, ciphertext
// vector in both directions, through the AEAD and through the derived-key
// helpers with Kx from the in-process and the CMAC deriver.
func checkXVector(t *testing.T, key, nonce, kx, pt, ad, ct []byte) {
	t.Helper()
	a := newXAEAD(t, key)
	assert.Equal(t, XNonceSize, a.NonceSize())
	assert.Equal(t, XTagSize, a.Overhead())
	assert.Equal(t, ct, a.Seal(nil, nonce, pt, ad), "Seal")
	got, err := a.Open(nil, nonce, ct, ad)
	require.NoError(t, err, "Open")
	assert.Equal(t, pt, got, "Open")

	d, err := NewXAESDeriverFromBlock(len(key), newXBlock(t, key))
	require.NoError(t, err)
	dc, err := NewXAESDeriverCMAC(len(key), newCMACRemote(t, key))
	require.NoError(t, err)
	for name, d := range map[string]*XAESDeriver{"block": d, "cmac": dc} {
		k, err := d.AppendDerivedKey(nil, nonce)
		require.NoError(t, err, name)
		assert.Equal(t, kx, k, "%s: Kx", name)
	}
	sealed, err := SealWithDerivedKey(nil, kx, nonce, pt, ad)
	require.NoError(t, err)
	assert.Equal(t, ct, sealed, "SealWithDerivedKey")
	got, err = OpenWithDerivedKey(nil, kx, nonce, ct, ad)
	require.NoError(t, err)
	assert.Equal(t, pt, got, "OpenWithDerivedKey")
}

func TestXAESC2SPVectors(t *testing.T) {
	for _, tc := range []struct {
		key, l, k1, kx, ad, ct string
	}{
		{
			key: "0101010101010101010101010101010101010101010101010101010101010101",
			l:   "7298caa565031eadc6ce23d23ea66378", k1: "e531954aca063d5b8d9c47a47d4cc6f0",
			kx: "c8612c9ed53fe43e8e005b828a1631a0bbcb6ab2f46514ec4f439fcfd0fa969b",
			ct: "ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271",
		},
		{ // the top bit of L is 1
			key: "0303030303030303030303030303030303030303030303030303030303030303",
			l:   "91c08762876dccf9ba204a33768fa5fe", k1: "23810ec50edb99f374409466ed1f4b7b",
			kx: "e9c621d4cdd9b11b00a6427ad7e559aeedd66b3857646677748f8ca796cb3fd8",
			ad: hex.EncodeToString([]byte("c2sp.org/XAES-256-GCM")),
			ct: "986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d",
		},
	} {
		t.Run(tc.key[:2], func(t *testing.T) {
			key := unhex(t, tc.key)
			var l [16]byte
			newXBlock(t, key).Encrypt(l[:], l[:])
			assert.Equal(t, unhex(t, tc.l), l[:], "L")
			k1 := dbl(l)
			assert.Equal(t, unhex(t, tc.k1), k1[:], "K1 = dbl(L)")
			d, err := NewXAESDeriverFromBlock(32, newXBlock(t, key))
			require.NoError(t, err)
			assert.Equal(t, k1, d.k1, "the deriver's K1")
			checkXVector(t, key, []byte(xNonce), unhex(t, tc.kx), []byte("XAES-256-GCM"), unhex(t, tc.ad), unhex(t, tc.ct))
		})
	}
}

func TestXSM4Vectors(t *testing.T) {
	for _, tc := range []struct{ key, kx, ct, ctAD string }{
		{"01010101010101010101010101010101", "12f69ea9c5f3e51bf70735b40e3973be",
			"66875b231204a6c70f157d47b00d895cee24df2d7cb3960a", "66875b231204a6c7d0fd75ece0ddb9b0a9f685619c10cf62"},
		{"03030303030303030303030303030303", "c6ffe5c6955e4df8820c644e9ddb95ca",
			"2501bdd87f6cade274c2a4018cd67f3700d845d282e5978a", "2501bdd87f6cade2944436a3119c88e0cf8d63e220a63acb"},
		{"0123456789abcdeffedcba9876543210", "3e259ab4e929dfc7d7a9636362ae067c",
			"afa1a561529aac85397d205db7ec948d213e3f4759170084", "afa1a561529aac85234decc4d393e0df61b4f174c82a6a5e"},
	} {
		t.Run(tc.key[:4], func(t *testing.T) {
			key, kx, pt := unhex(t, tc.key), unhex(t, tc.kx), []byte("XSM4-GCM")
			checkXVector(t, key, []byte(xNonce), kx, pt, nil, unhex(t, tc.ct))
			checkXVector(t, key, []byte(xNonce), kx, pt, []byte("ecdkp"), unhex(t, tc.ctAD))
		})
	}
}

// xaesAccumulated runs the C2SP accumulated randomized test for n iterations.
func xaesAccumulated(t *testing.T, n int) string {
	rng, hash := sha3.NewSHAKE128(), sha3.NewSHAKE128()
	key, nonce, n1 := make([]byte, 32), make([]byte, 24), make([]byte, 1)
	pt, ad, ct := make([]byte, 256), make([]byte, 256), make([]byte, 0, 256+XTagSize)
	for range n {
		rng.Read(key)
		rng.Read(nonce)
		rng.Read(n1)
		rng.Read(pt[:n1[0]])
		p := pt[:n1[0]]
		rng.Read(n1)
		rng.Read(ad[:n1[0]])
		a, err := NewXAES256GCM(key)
		if err != nil {
			t.Fatal(err)
		}
		ct = a.Seal(ct[:0], nonce, p, ad[:n1[0]])
		hash.Write(ct)
	}
	out := make([]byte, 32)
	hash.Read(out)
	return hex.EncodeToString(out)
}

func TestXAESAccumulated(t *testing.T) {
	start := make([]byte, 16)
	sha3.NewSHAKE128().Read(start)
	require.Equal(t, "7f9c2ba4e88f827d616045507605853e", hex.EncodeToString(start), "the RNG stream")

	var perIter time.Duration
	t.Run("10000", func(t *testing.T) {
		began := time.Now()
		assert.Equal(t, "e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939", xaesAccumulated(t, 10_000))
		perIter = time.Since(began) / 10_000
	})
	// The 1,000,000-iteration run takes about 4 s here, 12 s under -race.
	t.Run("1000000", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: skipping the 1,000,000-iteration accumulated test")
		}
		if est := perIter * 1_000_000; est > 30*time.Second {
			t.Skipf("skipping the 1,000,000-iteration accumulated test: it would take about %v here (race detector on: %v)", est.Round(time.Second), race.Enabled)
		}
		began := time.Now()
		assert.Equal(t, "2163ae1445985a30b60585ee67daa55674df06901b890593e824b8a7c885ab15", xaesAccumulated(t, 1_000_000))
		t.Logf("1,000,000 iterations in %v", time.Since(began).Round(100*time.Millisecond))
	})
}

// remoteEncrypter stands for an HSM: it copies the blocks out, encrypts them
// elsewhere and copies the result back, counting calls and refusing anything
// but whole blocks.
type remoteEncrypter struct {
	mu            sync.Mutex
	b             cipher.Block
	calls, blocks int
	inPlace       bool
	fail          error
}

func (r *remoteEncrypter) EncryptBlocks(dst, src []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if len(src) == 0 || len(src)%16 != 0 || len(dst) != len(src) {
		return fmt.Errorf("remote: %d bytes into %d, not whole blocks", len(src), len(dst))
	}
	r.inPlace = r.inPlace && &dst[0] == &src[0]
	if r.fail != nil {
		return r.fail
	}
	r.blocks += len(src) / 16
	in, out := bytes.Clone(src), make([]byte, len(src))
	for i := 0; i < len(in); i += 16 {
		r.b.Encrypt(out[i:i+16], in[i:i+16])
	}
	copy(dst, out)
	return nil
}

// cmacRemote is an HSM's CKM_AES_CMAC, from gmsm's CMAC (an implementation
// of its own of the subkey K1).
type cmacRemote struct {
	b     cipher.Block
	calls int
}

func newCMACRemote(t testing.TB, key []byte) *cmacRemote {
	return &cmacRemote{b: newXBlock(t, key)}
}

func (c *cmacRemote) MACBlocks(dst, src []byte) error {
	c.calls++
	if len(src)%16 != 0 || len(dst) != len(src) {
		return errors.New("remote: not whole blocks")
	}
	for i := 0; i < len(src); i += 16 {
		copy(dst[i:i+16], cbcmac.NewCMAC(c.b, 16).MAC(src[i:i+16]))
	}
	return nil
}

// TestXAESRemoteDeriver: a deriver over a remote block cipher or CMAC gives
// the same Kx and ciphertexts as the in-process AEAD, and calls the remote
// once per derivation (plus once at construction for L, over ECB).
func TestXAESRemoteDeriver(t *testing.T) {
	for _, keySize := range []int{32, 16} {
		t.Run(fmt.Sprint(keySize), func(t *testing.T) {
			key := seq(keySize, 0x11)
			enc := &remoteEncrypter{b: newXBlock(t, key), inPlace: true}
			d, err := NewXAESDeriver(keySize, enc)
			require.NoError(t, err)
			assert.Equal(t, 1, enc.calls, "construction computes L with one call")
			mac := newCMACRemote(t, key)
			dc, err := NewXAESDeriverCMAC(keySize, mac)
			require.NoError(t, err)
			assert.Equal(t, 0, mac.calls, "a CMAC deriver needs no L")
			a := newXAEAD(t, key)
			local, err := NewXAESDeriverFromBlock(keySize, newXBlock(t, key))
			require.NoError(t, err)
			assert.Equal(t, keySize, d.KeySize())

			const n = 20
			for i := range n {
				nonce, pt, ad := seq(XNonceSize, byte(7*i)), seq(i*9, byte(i)), seq(i%5, 0xa0)
				want := a.Seal(nil, nonce, pt, ad)
				prefix := []byte("prefix")
				kxRemote, err := d.AppendDerivedKey(bytes.Clone(prefix), nonce)
				require.NoError(t, err)
				assert.Equal(t, prefix, kxRemote[:len(prefix)], "AppendDerivedKey keeps dst")
				kx := kxRemote[len(prefix):]
				kxLocal, err := local.AppendDerivedKey(nil, nonce)
				require.NoError(t, err)
				kxCMAC, err := dc.AppendDerivedKey(make([]byte, 0, keySize), nonce)
				require.NoError(t, err)
				assert.Equal(t, kxLocal, kx, "remote ECB Kx")
				assert.Equal(t, kxLocal, kxCMAC, "remote CMAC Kx")
				sealed, err := SealWithDerivedKey(nil, kx, nonce, pt, ad)
				require.NoError(t, err)
				assert.Equal(t, want, sealed)
				opened, err := OpenWithDerivedKey(nil, kxCMAC, nonce, want, ad)
				require.NoError(t, err)
				assert.Equal(t, pt, append([]byte{}, opened...))
			}
			assert.Equal(t, 1+n, enc.calls, "one call per derivation")
			assert.Equal(t, 1+n*keySize/16, enc.blocks, "blocks encrypted")
			assert.True(t, enc.inPlace, "every call in place")
			assert.Equal(t, n, mac.calls, "one CMAC call per derivation")
		})
	}
}

// TestXAESWycheproof runs the AES-256-GCM and SM4-GCM vectors (96-bit IV,
// 128-bit tag) through the derived-key helpers, the key as Kx and the IV as
// the second half of a 24-byte nonce.
func TestXAESWycheproof(t *testing.T) {
	for _, tc := range []struct {
		file    string
		keyBits int
	}{
		{"aes_gcm_test.json", 256},
		{"sm4_gcm_test.json", 128},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := wycheproof.Load(t, tc.file)
			ran := 0
			for _, g := range f.TestGroups {
				if g.IVSize != 96 || g.TagSize != 128 || g.KeySize != tc.keyBits {
					continue
				}
				for _, v := range g.Tests {
					ran++
					nonce := append(seq(12, 0xe0), v.IV...)
					ct := append(bytes.Clone(v.CT), v.Tag...)
					pt, err := OpenWithDerivedKey(nil, v.Key, nonce, ct, v.AAD)
					if v.Result == "invalid" {
						assert.ErrorIs(t, err, ErrDecrypt, "tc %d (%s) must fail", v.TcID, v.Comment)
						continue
					}
					require.NoError(t, err, "tc %d", v.TcID)
					assert.Equal(t, []byte(v.Msg), append([]byte{}, pt...), "tc %d", v.TcID)
					sealed, err := SealWithDerivedKey(nil, v.Key, nonce, v.Msg, v.AAD)
					require.NoError(t, err)
					assert.Equal(t, ct, sealed, "tc %d", v.TcID)
				}
			}
			assert.GreaterOrEqual(t, ran, 50, "vectors run from %s", tc.file)
			t.Logf("%s: ran %d of %d vectors", tc.file, ran, f.Count())
		})
	}
}

func TestXAESRejects(t *testing.T) {
	des8, err := des.NewCipher(seq(8, 1))
	require.NoError(t, err)
	hsmDown := errors.New("token removed")
	down := &remoteEncrypter{b: newXBlock(t, seq(32, 1)), fail: hsmDown}
	for _, tc := range []struct {
		name string
		err  func() error
		want error
	}{
		{"AES key 16", func() error { _, err := NewXAES256GCM(seq(16, 0)); return err }, ErrKeyUnavailable},
		{"AES key 31", func() error { _, err := NewXAES256GCM(seq(31, 0)); return err }, ErrKeyUnavailable},
		{"AES key nil", func() error { _, err := NewXAES256GCM(nil); return err }, ErrKeyUnavailable},
		{"SM4 key 32", func() error { _, err := NewXSM4GCM(seq(32, 0)); return err }, ErrKeyUnavailable},
		{"SM4 key 15", func() error { _, err := NewXSM4GCM(seq(15, 0)); return err }, ErrKeyUnavailable},
		{"deriver size 24", func() error { _, err := NewXAESDeriver(24, down); return err }, ErrUnsupportedAlgorithm},
		{"deriver size 0", func() error { _, err := NewXAESDeriverCMAC(0, nil); return err }, ErrUnsupportedAlgorithm},
		{"8-byte block", func() error { _, err := NewXAESDeriverFromBlock(16, des8); return err }, ErrUnsupportedAlgorithm},
		{"HSM fails for L", func() error { _, err := NewXAESDeriver(32, down); return err }, ErrKeyUnavailable},
		{"derived key 24", func() error {
			_, err := SealWithDerivedKey(nil, seq(24, 0), seq(24, 0), nil, nil)
			return err
		}, ErrKeyUnavailable},
		{"derived key 0 (open)", func() error {
			_, err := OpenWithDerivedKey(nil, nil, seq(24, 0), seq(16, 0), nil)
			return err
		}, ErrKeyUnavailable},
		{"seal nonce 12", func() error {
			_, err := SealWithDerivedKey(nil, seq(32, 0), seq(12, 0), nil, nil)
			return err
		}, ErrMalformedEnvelope},
		{"open nonce 25", func() error {
			_, err := OpenWithDerivedKey(nil, seq(16, 0), seq(25, 0), seq(16, 0), nil)
			return err
		}, ErrMalformedEnvelope},
	} {
		assert.ErrorIs(t, tc.err(), tc.want, tc.name)
	}

	for _, keySize := range []int{32, 16} {
		enc := &remoteEncrypter{b: newXBlock(t, seq(keySize, 1))}
		d, err := NewXAESDeriver(keySize, enc)
		require.NoError(t, err)
		for _, n := range []int{0, 12, 23, 25} {
			_, err := d.AppendDerivedKey(nil, seq(n, 0))
			assert.ErrorIs(t, err, ErrMalformedEnvelope, "%d-byte nonce", n)
		}
		enc.fail = hsmDown
		_, err = d.AppendDerivedKey(nil, seq(24, 0))
		assert.ErrorIs(t, err, ErrKeyUnavailable, "HSM fails for Kx")
		assert.ErrorContains(t, err, hsmDown.Error(), "the HSM's reason reaches the operator")

		a := newXAEAD(t, seq(keySize, 1))
		assert.Panics(t, func() { a.Seal(nil, seq(12, 0), []byte("x"), nil) }, "Seal with a 12-byte nonce")
		_, err = a.Open(nil, seq(12, 0), seq(32, 0), nil)
		assert.ErrorIs(t, err, ErrMalformedEnvelope, "Open with a 12-byte nonce")
	}
}

// TestXAESOpenRefuses: every change to key, nonce, ciphertext, tag or AAD
// fails with ErrDecrypt and nothing more; truncation below the tag is
// malformed.
func TestXAESOpenRefuses(t *testing.T) {
	for _, keySize := range []int{32, 16} {
		key, nonce, pt, ad := seq(keySize, 3), seq(24, 0x40), []byte("pkcs8 private key"), []byte("ctx")
		a := newXAEAD(t, key)
		ct := a.Seal(nil, nonce, pt, ad)
		flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
		for _, tc := range []struct {
			name           string
			key, nonce, ct []byte
			ad             []byte
			want           error
		}{
			{"ciphertext", key, nonce, flip(ct, 0), ad, ErrDecrypt},
			{"tag", key, nonce, flip(ct, len(ct)-1), ad, ErrDecrypt},
			{"aad", key, nonce, ct, []byte("ctY"), ErrDecrypt},
			{"no aad", key, nonce, ct, nil, ErrDecrypt},
			{"nonce, KDF half", key, flip(nonce, 0), ct, ad, ErrDecrypt},
			{"nonce, GCM half", key, flip(nonce, 23), ct, ad, ErrDecrypt},
			{"key", flip(key, 5), nonce, ct, ad, ErrDecrypt},
			{"one byte short", key, nonce, ct[:len(ct)-1], ad, ErrDecrypt},
			{"tag only", key, nonce, ct[len(pt):], ad, ErrDecrypt},
			{"shorter than the tag", key, nonce, ct[:XTagSize-1], ad, ErrMalformedEnvelope},
			{"empty", key, nonce, nil, ad, ErrMalformedEnvelope},
		} {
			_, err := newXAEAD(t, tc.key).Open(nil, tc.nonce, tc.ct, tc.ad)
			assert.ErrorIs(t, err, tc.want, "%d: %s", keySize, tc.name)
			if tc.want == ErrDecrypt {
				assert.Equal(t, ErrDecrypt, err, "%d: %s reveals only failure", keySize, tc.name)
			}
			d, err := NewXAESDeriverFromBlock(keySize, newXBlock(t, tc.key))
			require.NoError(t, err)
			kx, err := d.AppendDerivedKey(nil, tc.nonce)
			require.NoError(t, err)
			_, err = OpenWithDerivedKey(nil, kx, tc.nonce, tc.ct, tc.ad)
			assert.ErrorIs(t, err, tc.want, "%d: %s (derived key)", keySize, tc.name)
		}
	}
}

// TestXAESConcurrent shares one AEAD between goroutines (run with -race).
func TestXAESConcurrent(t *testing.T) {
	for _, key := range [][]byte{seq(32, 9), seq(16, 9)} {
		a := newXAEAD(t, key)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 50 {
					nonce, pt := seq(24, byte(g*50+i)), seq(i, byte(g))
					ct := a.Seal(nil, nonce, pt, nil)
					got, err := a.Open(nil, nonce, ct, nil)
					assert.NoError(t, err)
					assert.Equal(t, pt, append([]byte{}, got...))
				}
			})
		}
		wg.Wait()
	}
}

// TestXAESRedacted: neither the AEAD nor the deriver prints key material.
func TestXAESRedacted(t *testing.T) {
	key := seq(32, 1)
	d, err := NewXAESDeriverFromBlock(32, newXBlock(t, key))
	require.NoError(t, err)
	a := newXAEAD(t, key)
	for _, v := range []any{d, *d, a, ecb{newXBlock(t, key)}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.Contains(t, out, "REDACTED", verb)
			assert.NotContains(t, out, hex.EncodeToString(d.k1[:4]), verb)
			assert.NotContains(t, out, fmt.Sprint(d.k1[:4]), verb)
		}
	}
}

// TestXAESAllocs pins the allocations of one Seal with a dst of sufficient
// capacity: the inner cipher and GCM (one each), nothing for Kx.
func TestXAESAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, tc := range []struct {
		key          []byte
		seal, derive float64
	}{
		{seq(32, 1), 2, 0},
		{seq(16, 1), 2, 0},
	} {
		a := newXAEAD(t, tc.key)
		d, err := NewXAESDeriverFromBlock(len(tc.key), newXBlock(t, tc.key))
		require.NoError(t, err)
		nonce, pt := seq(24, 0), seq(138, 0)
		dst := make([]byte, 0, len(pt)+XTagSize)
		ct := a.Seal(nil, nonce, pt, nil)
		kxBuf := make([]byte, 0, 32)
		seal := testing.AllocsPerRun(200, func() { a.Seal(dst, nonce, pt, nil) })
		open := testing.AllocsPerRun(200, func() { _, _ = a.Open(dst, nonce, ct, nil) })
		derive := testing.AllocsPerRun(200, func() { _, _ = d.AppendDerivedKey(kxBuf, nonce) })
		t.Logf("key %d bytes: Seal %.0f allocs, Open %.0f, AppendDerivedKey %.0f", len(tc.key), seal, open, derive)
		assert.LessOrEqual(t, seal, tc.seal, "Seal")
		assert.LessOrEqual(t, open, tc.seal, "Open")
		assert.LessOrEqual(t, derive, tc.derive, "AppendDerivedKey")
	}
}

func BenchmarkXAES(b *testing.B) {
	pt := seq(138, 0) // a P-256 PKCS#8 private key
	nonce := seq(24, 0)
	for _, keySize := range []int{32, 16} {
		name := map[int]string{32: "AES-256", 16: "SM4"}[keySize]
		key := seq(keySize, 1)
		a := newXAEAD(b, key)
		inner, err := newInnerGCM(key)
		require.NoError(b, err)
		d, err := NewXAESDeriverFromBlock(keySize, newXBlock(b, key))
		require.NoError(b, err)
		dst := make([]byte, 0, len(pt)+XTagSize)
		kx := make([]byte, 0, 32)
		ct := a.Seal(nil, nonce, pt, nil)
		b.Run(name+"/GCM-Seal-v1", func(b *testing.B) { // v1: one GCM per key version
			b.ReportAllocs()
			for b.Loop() {
				inner.Seal(dst, nonce[12:], pt, nil)
			}
		})
		b.Run(name+"/NewGCM-per-call-Seal", func(b *testing.B) { // the baseline of the per-call path
			b.ReportAllocs()
			for b.Loop() {
				g, _ := newInnerGCM(key)
				g.Seal(dst, nonce[12:], pt, nil)
			}
		})
		b.Run(name+"/DeriveKey", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = d.AppendDerivedKey(kx, nonce)
			}
		})
		b.Run(name+"/X-Seal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.Seal(dst, nonce, pt, nil)
			}
		})
		b.Run(name+"/X-Open", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = a.Open(dst, nonce, ct, nil)
			}
		})
	}
}
