package provider_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

// caller is a holder key of one custom-key algorithm.
type caller struct {
	alg    string
	spki   []byte
	holder any
	specs  []curves.Spec // data key specs the algorithm takes
}

func customCallers(t testing.TB) []caller {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaSPKI, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	out := []caller{{wrap.RSAESOAEPSHA256AES256KeyWrap, rsaSPKI, rsaKey, curves.Specs()}}

	sm2c, _ := curves.Lookup(curves.SM2)
	sm2Key, err := sm2c.GenerateKey()
	require.NoError(t, err)
	sm2SPKI, err := encoding.MarshalSPKI(sm2Key.PublicKey())
	require.NoError(t, err)
	out = append(out, caller{wrap.SM2EnvelopedKey, sm2SPKI, sm2Key, []curves.Spec{curves.SM2}})

	for _, h := range []struct {
		alg  string
		spec curves.Spec
	}{
		{wrap.HPKEP256SHA256AES256GCM, curves.P256},
		{wrap.HPKEP384SHA384AES256GCM, curves.P384},
		{wrap.HPKEP521SHA512AES256GCM, curves.P521},
	} {
		alg := h.alg
		c, _ := curves.Lookup(h.spec)
		k, err := c.GenerateKey()
		require.NoError(t, err)
		spki, err := encoding.MarshalSPKI(k.PublicKey())
		require.NoError(t, err)
		out = append(out, caller{alg, spki, k, curves.Specs()})
	}
	return out
}

// TestCustomKeyHolders: for every algorithm and every data key spec it
// takes, wrapped_private_key unwraps with the caller's key to the private
// key of the response's public key, and no plaintext is returned.
func TestCustomKeyHolders(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	n := 0
	for _, c := range customCallers(t) {
		u, err := wrap.NewCustomKeyUnwrapper(c.alg, c.holder)
		require.NoError(t, err, c.alg)
		for _, spec := range c.specs {
			t.Run(c.alg+"/"+string(spec), func(t *testing.T) {
				resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
					KeyID: f.AES, KeySpec: string(spec), AdditionalAuthenticatedData: "aad",
					WrappingPublicKey: base64.StdEncoding.EncodeToString(c.spki), WrappingAlgorithm: c.alg,
				})
				require.NoError(t, err)
				assert.Empty(t, resp.PrivateKeyPlainText, "a holder suppresses the plaintext")
				assert.Empty(t, resp.CiphertextRecipient)
				require.NotEmpty(t, resp.WrappedPrivateKey)
				pkcs8, err := u.Unwrap(ctx, b64(t, resp.WrappedPrivateKey), []byte("aad"))
				require.NoError(t, err)
				priv, err := encoding.ParsePKCS8(pkcs8)
				require.NoError(t, err)
				pub, err := encoding.ParseSPKI(b64(t, resp.PublicKey))
				require.NoError(t, err)
				assert.True(t, priv.PublicKey().Equal(pub))
				// The master-key ciphertext still decrypts to the same key.
				dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: "aad"})
				require.NoError(t, err)
				assert.Equal(t, pkcs8, b64(t, dec.PrivateKeyPlainText))
				n++
			})
		}
	}
	const specs = 6 // Huawei's five and Ed25519
	assert.Equal(t, specs+1+3*specs, n, "RSA and the three HPKE suites take every spec, SM2_ENVELOPED_KEY only SM2")
}

func TestCustomKeyRejects(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	smallSPKI, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	p384, _ := ecdh.P384().GenerateKey(rand.Reader)
	p384SPKI, _ := x509.MarshalPKIXPublicKey(p384.PublicKey())
	enc := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name, spec, key, alg string
		want                 provider.Failure
	}{
		{"malformed spki", "ECC_NIST_P256", enc([]byte{0x30, 0x03, 1, 2, 3}), wrap.RSAESOAEPSHA256AES256KeyWrap, provider.FailInvalidWrappingKey},
		{"not base64", "ECC_NIST_P256", "%%%", wrap.RSAESOAEPSHA256AES256KeyWrap, provider.FailInvalidWrappingKey},
		{"rsa 1024", "ECC_NIST_P256", enc(smallSPKI), wrap.RSAESOAEPSHA256AES256KeyWrap, provider.FailInvalidWrappingKey},
		{"curve mismatch", "ECC_NIST_P256", enc(p384SPKI), wrap.HPKEP256SHA256AES256GCM, provider.FailInvalidWrappingKey},
		{"ec key for rsa", "ECC_NIST_P256", enc(p384SPKI), wrap.RSAESOAEPSHA256AES256KeyWrap, provider.FailInvalidWrappingKey},
		{"sm2 algorithm for p256 data key", "ECC_NIST_P256", enc(p384SPKI), wrap.SM2EnvelopedKey, provider.FailUnsupportedAlgorithm},
		{"sm2 algorithm for ed25519 data key", "ECC_NIST_EDWARDS25519", enc(p384SPKI), wrap.SM2EnvelopedKey, provider.FailUnsupportedAlgorithm},
		{"unknown algorithm", "ECC_NIST_P256", enc(p384SPKI), "RSAES_PKCS1_V1_5", provider.FailUnsupportedAlgorithm},
		{"algorithm without key", "ECC_NIST_P256", "", wrap.HPKEP384SHA384AES256GCM, provider.FailMissingParameter},
		{"key without algorithm", "ECC_NIST_P256", enc(p384SPKI), "", provider.FailMissingParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
				KeyID: f.AES, KeySpec: tc.spec, WrappingPublicKey: tc.key, WrappingAlgorithm: tc.alg,
			})
			var e *provider.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, tc.want, e.Failure, e.Message)
		})
	}
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}
