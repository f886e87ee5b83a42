package wrap

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCustomKeyAlgorithmNames(t *testing.T) {
	assert.Equal(t, "RSAES_OAEP_SHA_256_AES_256_KEY_WRAP", RSAESOAEPSHA256AES256KeyWrap)
	assert.Equal(t, "SM2_ENVELOPED_KEY", SM2EnvelopedKey)
	assert.Equal(t, "HPKE_P256_SHA256_AES_256_GCM", HPKEP256SHA256AES256GCM)
	assert.Equal(t, "HPKE_P384_SHA384_AES_256_GCM", HPKEP384SHA384AES256GCM)
	assert.Equal(t, "HPKE_P521_SHA512_AES_256_GCM", HPKEP521SHA512AES256GCM)
	assert.Equal(t, []string{
		RSAESOAEPSHA256AES256KeyWrap, SM2EnvelopedKey,
		HPKEP256SHA256AES256GCM, HPKEP384SHA384AES256GCM, HPKEP521SHA512AES256GCM,
	}, CustomKeyAlgorithms())
	assert.Equal(t, "ecdkp wrapped_private_key v1", HPKEInfo)
}

// TestCustomKeyRoundTrip wraps a fresh key of every data-key spec with
// every algorithm and unwraps it with the holder's key.
func TestCustomKeyRoundTrip(t *testing.T) {
	ctx := context.Background()
	aad := []byte("request aad")
	specs := curves.Specs()
	require.NotEmpty(t, specs)
	opened := 0
	for _, alg := range CustomKeyAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			h := testHolderFor(t, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(t, err)
			u, err := NewCustomKeyUnwrapper(alg, h.holder)
			require.NoError(t, err)
			for _, spec := range specs {
				pkcs8 := testPKCS8(t, spec)
				env, err := w.Wrap(ctx, pkcs8, aad)
				if alg == SM2EnvelopedKey && spec != curves.SM2 {
					assert.ErrorIs(t, err, ErrUnsupportedAlgorithm, "%s", spec)
					assert.ErrorContains(t, err, string(spec))
					assert.ErrorContains(t, err, "only SM2 data keys")
					assert.ErrorIs(t, CheckCustomKeySpec(alg, spec), ErrUnsupportedAlgorithm)
					continue
				}
				require.NoError(t, err, "%s", spec)
				require.NoError(t, CheckCustomKeySpec(alg, spec))
				assert.False(t, bytes.Contains(env, pkcs8), "%s: the envelope holds no plaintext", spec)
				pt, err := u.Unwrap(ctx, env, aad)
				require.NoError(t, err, "%s", spec)
				assert.Equal(t, pkcs8, pt, "%s: unwrap gives back the PKCS#8", spec)
				opened++

				env2, err := w.Wrap(ctx, pkcs8, aad)
				require.NoError(t, err)
				assert.NotEqual(t, env, env2, "%s: each Wrap is randomized", spec)
			}
		})
	}
	assert.Equal(t, 4*len(specs)+1, opened, "round trips run: RSA and 3 HPKE for every spec, SM2 for SM2")
}

// TestCustomKeyWrongHolder: an envelope for one key does not open under
// another key of the same kind.
func TestCustomKeyWrongHolder(t *testing.T) {
	ctx := context.Background()
	for _, alg := range CustomKeyAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			h := testHolderFor(t, alg)
			other := testOtherHolderFor(t, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(t, err)
			env, err := w.Wrap(ctx, testPKCS8(t, testDataSpec(alg)), nil)
			require.NoError(t, err)
			u, err := NewCustomKeyUnwrapper(alg, other)
			require.NoError(t, err)
			pt, err := u.Unwrap(ctx, env, nil)
			assert.ErrorIs(t, err, ErrDecrypt)
			assert.Nil(t, pt)
		})
	}
}

// TestCustomKeyConcurrent shares one Wrapper and one Unwrapper per
// algorithm between goroutines (run with -race).
func TestCustomKeyConcurrent(t *testing.T) {
	ctx := context.Background()
	for _, alg := range CustomKeyAlgorithms() {
		h := testHolderFor(t, alg)
		w, err := NewCustomKeyWrapper(alg, h.spki)
		require.NoError(t, err)
		u, err := NewCustomKeyUnwrapper(alg, h.holder)
		require.NoError(t, err)
		pkcs8 := testPKCS8(t, testDataSpec(alg))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for g := range errs {
			wg.Go(func() {
				for range 4 {
					env, err := w.Wrap(ctx, pkcs8, []byte{byte(g)})
					if err == nil {
						var pt []byte
						pt, err = u.Unwrap(ctx, env, []byte{byte(g)})
						if err == nil && !bytes.Equal(pt, pkcs8) {
							err = errors.New("unwrapped a different key")
						}
					}
					if err != nil {
						errs[g] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for g, err := range errs {
			assert.NoError(t, err, "%s goroutine %d", alg, g)
		}
	}
}

func TestNewCustomKeyWrapperRejects(t *testing.T) {
	p256 := testECSPKI(t, curves.P256)
	offCurve := bytes.Clone(p256)
	offCurve[len(offCurve)-1] ^= 1
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edSPKI, err := x509.MarshalPKIXPublicKey(edPub)
	require.NoError(t, err)
	rsa2048 := testRSASPKI(t, &testRSAKey(t).PublicKey)

	tests := []struct {
		name, alg string
		spki      []byte
		class     error
		msg       []string
	}{
		{"empty algorithm", "", rsa2048, ErrUnsupportedAlgorithm, []string{"algorithm is empty"}},
		{"unknown algorithm", "RSAES_OAEP_SHA_1", rsa2048, ErrUnsupportedAlgorithm, []string{"unknown wrapping algorithm", `"RSAES_OAEP_SHA_1"`}},
		{"names are case sensitive", "hpke_p256_sha256_aes_256_gcm", p256, ErrUnsupportedAlgorithm, []string{"unknown wrapping algorithm"}},
		{"unknown algorithm before a bad key", "AES_256", []byte{1}, ErrUnsupportedAlgorithm, []string{`"AES_256"`}},
		{"empty SPKI", RSAESOAEPSHA256AES256KeyWrap, nil, ErrInvalidWrappingKey, []string{"public key is empty"}},
		{"malformed SPKI", RSAESOAEPSHA256AES256KeyWrap, []byte{0x30, 0x03, 1, 2, 3}, ErrInvalidWrappingKey, []string{"not a DER SubjectPublicKeyInfo"}},
		{"truncated SPKI", HPKEP256SHA256AES256GCM, p256[:len(p256)-1], ErrInvalidWrappingKey, []string{"not a DER SubjectPublicKeyInfo"}},
		{"trailing data after SPKI", RSAESOAEPSHA256AES256KeyWrap, append(bytes.Clone(rsa2048), 0), ErrInvalidWrappingKey, []string{"not a DER SubjectPublicKeyInfo"}},
		{"off-curve point", HPKEP256SHA256AES256GCM, offCurve, ErrInvalidWrappingKey, []string{"wrapping public key"}},
		{"Ed25519 key", HPKEP256SHA256AES256GCM, edSPKI, ErrInvalidWrappingKey, []string{"1.3.101.112", "not supported"}},
		{"RSA 1024", RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, 1024), ErrInvalidWrappingKey, []string{"1024 bits", "2048 to 4096"}},
		{"RSA 1536", RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, 1536), ErrInvalidWrappingKey, []string{"1536 bits", "2048 to 4096"}},
		{"RSA 2047", RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, 2047), ErrInvalidWrappingKey, []string{"2047 bits"}},
		{"RSA 4097", RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, 4097), ErrInvalidWrappingKey, []string{"4097 bits"}},
		{"RSA 8192", RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, 8192), ErrInvalidWrappingKey, []string{"8192 bits", "2048 to 4096"}},
		{"RSA even exponent", RSAESOAEPSHA256AES256KeyWrap, testRSASPKIWith(t, 2048, 65536), ErrInvalidWrappingKey, []string{"exponent 65536"}},
		{"RSA exponent 1", RSAESOAEPSHA256AES256KeyWrap, testRSASPKIWith(t, 2048, 1), ErrInvalidWrappingKey, []string{"exponent 1 "}},
		{"EC key for the RSA algorithm", RSAESOAEPSHA256AES256KeyWrap, p256, ErrInvalidWrappingKey, []string{"needs an RSA wrapping key", "EC key on ECC_NIST_P256"}},
		{"SM2 key for the RSA algorithm", RSAESOAEPSHA256AES256KeyWrap, testECSPKI(t, curves.SM2), ErrInvalidWrappingKey, []string{"needs an RSA wrapping key", "EC key on SM2"}},
		{"P-384 key for HPKE P-256", HPKEP256SHA256AES256GCM, testECSPKI(t, curves.P384), ErrInvalidWrappingKey, []string{"on ECC_NIST_P256", "EC key on ECC_NIST_P384"}},
		{"P-256 key for HPKE P-384", HPKEP384SHA384AES256GCM, p256, ErrInvalidWrappingKey, []string{"on ECC_NIST_P384", "EC key on ECC_NIST_P256"}},
		{"P-384 key for HPKE P-521", HPKEP521SHA512AES256GCM, testECSPKI(t, curves.P384), ErrInvalidWrappingKey, []string{"on ECC_NIST_P521", "EC key on ECC_NIST_P384"}},
		{"secp256k1 key for HPKE P-256", HPKEP256SHA256AES256GCM, testECSPKI(t, curves.Secp256k1), ErrInvalidWrappingKey, []string{"EC key on ECC_SECG_P256K1"}},
		{"SM2 key for HPKE P-256", HPKEP256SHA256AES256GCM, testECSPKI(t, curves.SM2), ErrInvalidWrappingKey, []string{"EC key on SM2"}},
		{"RSA key for HPKE P-256", HPKEP256SHA256AES256GCM, rsa2048, ErrInvalidWrappingKey, []string{"RSA-2048 key"}},
		{"P-256 key for SM2", SM2EnvelopedKey, p256, ErrInvalidWrappingKey, []string{"needs an SM2 wrapping key", "EC key on ECC_NIST_P256"}},
		{"secp256k1 key for SM2", SM2EnvelopedKey, testECSPKI(t, curves.Secp256k1), ErrInvalidWrappingKey, []string{"needs an SM2 wrapping key", "ECC_SECG_P256K1"}},
		{"RSA key for SM2", SM2EnvelopedKey, rsa2048, ErrInvalidWrappingKey, []string{"needs an SM2 wrapping key", "RSA-2048"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewCustomKeyWrapper(tt.alg, tt.spki)
			require.Error(t, err)
			assert.Nil(t, w)
			assert.ErrorIs(t, err, tt.class)
			for _, m := range tt.msg {
				assert.ErrorContains(t, err, m)
			}
			other := ErrInvalidWrappingKey
			if tt.class == ErrInvalidWrappingKey {
				other = ErrUnsupportedAlgorithm
			}
			assert.False(t, errors.Is(err, other), "exactly one error class")
		})
	}
}

func TestNewCustomKeyWrapperAcceptsRSASizes(t *testing.T) {
	for _, bits := range []int{2048, 3072, 4096} {
		w, err := NewCustomKeyWrapper(RSAESOAEPSHA256AES256KeyWrap, testRSAModulusSPKI(t, bits))
		require.NoError(t, err, "%d bits", bits)
		// The modulus is no real key, but encryption under it works.
		env, err := w.Wrap(context.Background(), []byte("0123456789abcdef"), nil)
		require.NoError(t, err, "%d bits", bits)
		assert.Len(t, env, bits/8+8+16)
	}
}

func TestNewCustomKeyUnwrapperRejects(t *testing.T) {
	p256 := testCurveKey(t, curves.P256)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tests := []struct {
		name, alg string
		holder    any
		class     error
		msg       string
	}{
		{"empty algorithm", "", p256, ErrUnsupportedAlgorithm, "algorithm is empty"},
		{"unknown algorithm", "NOPE", p256, ErrUnsupportedAlgorithm, `"NOPE"`},
		{"unknown algorithm, nil holder", "NOPE", nil, ErrUnsupportedAlgorithm, `"NOPE"`},
		{"nil holder", HPKEP256SHA256AES256GCM, nil, ErrInvalidWrappingKey, "no holder private key"},
		{"EC key for RSA", RSAESOAEPSHA256AES256KeyWrap, p256, ErrInvalidWrappingKey, "needs an RSA private key"},
		{"RSA 1024 holder", RSAESOAEPSHA256AES256KeyWrap, rsa1024, ErrInvalidWrappingKey, "1024 bits"},
		{"P-384 key for HPKE P-256", HPKEP256SHA256AES256GCM, testCurveKey(t, curves.P384), ErrInvalidWrappingKey, "got one on ECC_NIST_P384"},
		{"SM2 key for HPKE P-256", HPKEP256SHA256AES256GCM, testCurveKey(t, curves.SM2), ErrInvalidWrappingKey, "got one on SM2"},
		{"ecdh P-521 key for HPKE P-256", HPKEP256SHA256AES256GCM, testECDHKey(t, ecdh.P521()), ErrInvalidWrappingKey, "got one on P-521"},
		{"RSA key for HPKE", HPKEP384SHA384AES256GCM, testRSAKey(t), ErrInvalidWrappingKey, "*rsa.PrivateKey"},
		{"P-256 key for SM2", SM2EnvelopedKey, p256, ErrInvalidWrappingKey, "got one on ECC_NIST_P256"},
		{"ecdh key for SM2", SM2EnvelopedKey, testECDHKey(t, ecdh.P256()), ErrInvalidWrappingKey, "*ecdh.PrivateKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := NewCustomKeyUnwrapper(tt.alg, tt.holder)
			require.Error(t, err)
			assert.Nil(t, u)
			assert.ErrorIs(t, err, tt.class)
			assert.ErrorContains(t, err, tt.msg)
		})
	}
}

// TestCustomKeyTamper flips one bit in every byte of an envelope, cuts it
// and extends it: each change fails to unwrap with a typed error.
func TestCustomKeyTamper(t *testing.T) {
	ctx := context.Background()
	for _, alg := range CustomKeyAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			h := testHolderFor(t, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(t, err)
			u, err := NewCustomKeyUnwrapper(alg, h.holder)
			require.NoError(t, err)
			env, err := w.Wrap(ctx, testPKCS8(t, testDataSpec(alg)), nil)
			require.NoError(t, err)

			var cases [][]byte
			for i := range env {
				bad := bytes.Clone(env)
				bad[i] ^= 1 << (i % 8)
				cases = append(cases, bad)
			}
			cases = append(cases, nil, env[:1], env[:len(env)-1], env[:len(env)-8], append(bytes.Clone(env), 0))
			for i, bad := range cases {
				pt, err := u.Unwrap(ctx, bad, nil)
				require.Error(t, err, "case %d of %d", i, len(cases))
				assert.True(t, errors.Is(err, ErrDecrypt) || errors.Is(err, ErrMalformedEnvelope), "case %d: %v", i, err)
				assert.Nil(t, pt, "case %d", i)
			}
			assert.Equal(t, len(env)+5, len(cases))
		})
	}
}

func BenchmarkCustomKeyWrap(b *testing.B) {
	ctx := context.Background()
	for _, alg := range CustomKeyAlgorithms() {
		spec := testDataSpec(alg)
		b.Run(alg+"/"+string(spec), func(b *testing.B) {
			h := testHolderFor(b, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(b, err)
			pkcs8 := testPKCS8(b, spec)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Wrap(ctx, pkcs8, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCustomKeyUnwrap(b *testing.B) {
	ctx := context.Background()
	for _, alg := range CustomKeyAlgorithms() {
		spec := testDataSpec(alg)
		b.Run(alg+"/"+string(spec), func(b *testing.B) {
			h := testHolderFor(b, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(b, err)
			u, err := NewCustomKeyUnwrapper(alg, h.holder)
			require.NoError(b, err)
			env, err := w.Wrap(ctx, testPKCS8(b, spec), nil)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := u.Unwrap(ctx, env, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Fixtures.

// testDataSpec is the data-key spec the single-spec tests wrap: P-256,
// or SM2 for the algorithm that takes nothing else.
func testDataSpec(alg string) curves.Spec {
	if alg == SM2EnvelopedKey {
		return curves.SM2
	}
	return curves.P256
}

type testHolder struct {
	spki   []byte
	holder any
}

var (
	testRSAOnce sync.Once
	testRSAPriv *rsa.PrivateKey
	testRSAErr  error
)

// testRSAKey is one RSA-2048 key shared by the tests (generation is slow).
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testRSAOnce.Do(func() { testRSAPriv, testRSAErr = rsa.GenerateKey(rand.Reader, 2048) })
	require.NoError(t, testRSAErr)
	return testRSAPriv
}

func testRSASPKI(t testing.TB, pub *rsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return der
}

// testRSAModulusSPKI is the SPKI of a random odd modulus of exactly bits
// bits with e = 65537: enough for the size checks, which never factor.
func testRSAModulusSPKI(t testing.TB, bits int) []byte {
	return testRSASPKIWith(t, bits, 65537)
}

func testRSASPKIWith(t testing.TB, bits, e int) []byte {
	t.Helper()
	buf := make([]byte, (bits+7)/8)
	_, _ = rand.Read(buf)
	n := new(big.Int).SetBytes(buf)
	n.SetBit(n, bits-1, 1)
	for i := bits; i < 8*len(buf); i++ {
		n.SetBit(n, i, 0)
	}
	n.SetBit(n, 0, 1)
	require.Equal(t, bits, n.BitLen())
	return testRSASPKI(t, &rsa.PublicKey{N: n, E: e})
}

func testCurveKey(t testing.TB, spec curves.Spec) *curves.PrivateKey {
	t.Helper()
	c, err := curves.Lookup(spec)
	require.NoError(t, err)
	k, err := c.GenerateKey()
	require.NoError(t, err)
	return k
}

func testECDHKey(t testing.TB, c ecdh.Curve) *ecdh.PrivateKey {
	t.Helper()
	k, err := c.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}

func testECSPKI(t testing.TB, spec curves.Spec) []byte {
	t.Helper()
	der, err := encoding.MarshalSPKI(testCurveKey(t, spec).PublicKey())
	require.NoError(t, err)
	return der
}

// testPKCS8 is the PKCS#8 of a fresh data key of spec.
func testPKCS8(t testing.TB, spec curves.Spec) []byte {
	t.Helper()
	der, err := encoding.MarshalPKCS8(testCurveKey(t, spec))
	require.NoError(t, err)
	return der
}

// testHolderFor returns a wrapping key pair for alg.
func testHolderFor(t testing.TB, alg string) testHolder {
	t.Helper()
	switch alg {
	case RSAESOAEPSHA256AES256KeyWrap:
		priv := testRSAKey(t)
		return testHolder{testRSASPKI(t, &priv.PublicKey), priv}
	case SM2EnvelopedKey:
		return testCurveHolder(t, curves.SM2)
	default:
		return testCurveHolder(t, hpkeSuiteOf(alg).spec)
	}
}

func testCurveHolder(t testing.TB, spec curves.Spec) testHolder {
	t.Helper()
	k := testCurveKey(t, spec)
	der, err := encoding.MarshalSPKI(k.PublicKey())
	require.NoError(t, err)
	return testHolder{der, k}
}

// testOtherHolderFor returns a private key of the right kind for alg
// that is not testHolderFor's.
func testOtherHolderFor(t testing.TB, alg string) any {
	t.Helper()
	if alg == RSAESOAEPSHA256AES256KeyWrap {
		// Same modulus size, different key: decryption fails in OAEP.
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		return k
	}
	return testCurveHolder(t, testHolderSpec(alg)).holder
}

func testHolderSpec(alg string) curves.Spec {
	if alg == SM2EnvelopedKey {
		return curves.SM2
	}
	return hpkeSuiteOf(alg).spec
}
