package wrap

import (
	"context"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/x509"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHPKECustomKeyAADBinding(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []string{HPKEP256SHA256AES256GCM, HPKEP384SHA384AES256GCM, HPKEP521SHA512AES256GCM} {
		t.Run(alg, func(t *testing.T) {
			h := testHolderFor(t, alg)
			w, err := NewCustomKeyWrapper(alg, h.spki)
			require.NoError(t, err)
			u, err := NewCustomKeyUnwrapper(alg, h.holder)
			require.NoError(t, err)
			pkcs8 := testPKCS8(t, curves.P256)
			env, err := w.Wrap(ctx, pkcs8, []byte("aad-1"))
			require.NoError(t, err)

			pt, err := u.Unwrap(ctx, env, []byte("aad-1"))
			require.NoError(t, err)
			assert.Equal(t, pkcs8, pt)
			for _, other := range [][]byte{nil, []byte("aad-2"), []byte("aad-")} {
				pt, err := u.Unwrap(ctx, env, other)
				assert.ErrorIs(t, err, ErrDecrypt, "aad %q", other)
				assert.ErrorContains(t, err, "another AAD")
				assert.Nil(t, pt)
			}
		})
	}
}

// TestHPKECustomKeyLayout pins enc || ciphertext against crypto/hpke's own
// single-shot Seal and Open (which use an empty aad) and the key sizes.
func TestHPKECustomKeyLayout(t *testing.T) {
	ctx := context.Background()
	for _, s := range hpkeSuites {
		alg := s.algorithm
		t.Run(alg, func(t *testing.T) {
			holder := testCurveKey(t, s.spec)
			spki, err := encoding.MarshalSPKI(holder.PublicKey())
			require.NoError(t, err)
			w, err := NewCustomKeyWrapper(alg, spki)
			require.NoError(t, err)
			u, err := NewCustomKeyUnwrapper(alg, holder)
			require.NoError(t, err)
			pkcs8 := testPKCS8(t, curves.P384)

			env, err := w.Wrap(ctx, pkcs8, nil)
			require.NoError(t, err)
			require.Len(t, env, s.encLen+len(pkcs8)+16)
			_, err = s.curve.NewPublicKey(env[:s.encLen])
			assert.NoError(t, err, "enc is an uncompressed %s point", s.spec)

			priv, err := s.curve.NewPrivateKey(holder.Bytes())
			require.NoError(t, err)
			sk, err := hpke.NewDHKEMPrivateKey(priv)
			require.NoError(t, err)
			pt, err := hpke.Open(sk, s.kdf, hpke.AES256GCM(), []byte(HPKEInfo), env)
			require.NoError(t, err, "crypto/hpke.Open reads our envelope")
			assert.Equal(t, pkcs8, pt)

			pk, err := hpke.NewDHKEMPublicKey(priv.PublicKey())
			require.NoError(t, err)
			sealed, err := hpke.Seal(pk, s.kdf, hpke.AES256GCM(), []byte(HPKEInfo), pkcs8)
			require.NoError(t, err)
			pt, err = u.Unwrap(ctx, sealed, nil)
			require.NoError(t, err, "Unwrap reads crypto/hpke.Seal's output")
			assert.Equal(t, pkcs8, pt)

			// A different info string does not open.
			sealed, err = hpke.Seal(pk, s.kdf, hpke.AES256GCM(), []byte("other info"), pkcs8)
			require.NoError(t, err)
			_, err = u.Unwrap(ctx, sealed, nil)
			assert.ErrorIs(t, err, ErrDecrypt)
		})
	}
}

// TestHPKECustomKeyHolderTypes opens one envelope with each accepted kind of
// holder key.
func TestHPKECustomKeyHolderTypes(t *testing.T) {
	ctx := context.Background()
	holder := testCurveKey(t, curves.P256)
	spki, err := encoding.MarshalSPKI(holder.PublicKey())
	require.NoError(t, err)
	w, err := NewCustomKeyWrapper(HPKEP256SHA256AES256GCM, spki)
	require.NoError(t, err)
	pkcs8 := testPKCS8(t, curves.Secp256k1)
	env, err := w.Wrap(ctx, pkcs8, []byte("a"))
	require.NoError(t, err)

	ecdhKey, err := ecdh.P256().NewPrivateKey(holder.Bytes())
	require.NoError(t, err)
	holderDER, err := encoding.MarshalPKCS8(holder)
	require.NoError(t, err)
	ecdsaKey, err := x509.ParsePKCS8PrivateKey(holderDER)
	require.NoError(t, err)

	for name, k := range map[string]any{"curves": holder, "ecdh": ecdhKey, "ecdsa": ecdsaKey} {
		u, err := NewCustomKeyUnwrapper(HPKEP256SHA256AES256GCM, k)
		require.NoError(t, err, name)
		pt, err := u.Unwrap(ctx, env, []byte("a"))
		require.NoError(t, err, name)
		assert.Equal(t, pkcs8, pt, name)
	}
}

func TestHPKECustomKeyShortEnvelope(t *testing.T) {
	u, err := NewCustomKeyUnwrapper(HPKEP521SHA512AES256GCM, testCurveKey(t, curves.P521))
	require.NoError(t, err)
	_, err = u.Unwrap(context.Background(), make([]byte, 133+15), nil)
	assert.ErrorIs(t, err, ErrMalformedEnvelope)
	assert.ErrorContains(t, err, "shorter than enc (133) and tag (16)")
}

// hpkeSuiteOf returns the HPKE suite of a custom-key algorithm, nil for an
// algorithm that is not HPKE.
func hpkeSuiteOf(alg string) *hpkeSuite {
	for _, s := range hpkeSuites {
		if s.algorithm == alg {
			return s
		}
	}
	return nil
}
