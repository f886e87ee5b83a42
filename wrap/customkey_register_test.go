package wrap_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/wrap"
)

// An algorithm an embedder registers from outside the package: HPKE with
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM, envelope
// enc || ciphertext, for any data key spec but SM2 (so the test sees its
// CheckSpec consulted).
const x25519Algorithm = "TEST_HPKE_X25519_SHA256_AES_256_GCM"

var x25519Info = []byte("wrap_test X25519 custom key")

func x25519HPKE() wrap.CustomKeyAlgorithm {
	return wrap.CustomKeyAlgorithm{
		Name: x25519Algorithm,
		CheckSpec: func(spec curves.Spec) error {
			if spec == curves.SM2 {
				return fmt.Errorf("%w: %s does not take SM2 data keys", wrap.ErrUnsupportedAlgorithm, x25519Algorithm)
			}
			return nil
		},
		NewWrapper: func(spki []byte) (wrap.Wrapper, error) {
			k, err := x509.ParsePKIXPublicKey(spki)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", wrap.ErrInvalidWrappingKey, err)
			}
			pub, ok := k.(*ecdh.PublicKey)
			if !ok || pub.Curve() != ecdh.X25519() {
				return nil, fmt.Errorf("%w: %s needs an X25519 key, got %T", wrap.ErrInvalidWrappingKey, x25519Algorithm, k)
			}
			pk, err := hpke.NewDHKEMPublicKey(pub)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", wrap.ErrInvalidWrappingKey, err)
			}
			return x25519Wrapper{pk}, nil
		},
		NewUnwrapper: func(holder crypto.PrivateKey) (wrap.Unwrapper, error) {
			k, ok := holder.(*ecdh.PrivateKey)
			if !ok || k.Curve() != ecdh.X25519() {
				return nil, fmt.Errorf("%w: %s needs an X25519 *ecdh.PrivateKey, got %T", wrap.ErrInvalidWrappingKey, x25519Algorithm, holder)
			}
			sk, err := hpke.NewDHKEMPrivateKey(k)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", wrap.ErrInvalidWrappingKey, err)
			}
			return x25519Unwrapper{sk}, nil
		},
	}
}

type x25519Wrapper struct{ pk hpke.PublicKey }

func (w x25519Wrapper) Wrap(_ context.Context, plaintext, aad []byte) ([]byte, error) {
	enc, s, err := hpke.NewSender(w.pk, hpke.HKDFSHA256(), hpke.AES256GCM(), x25519Info)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", wrap.ErrInvalidWrappingKey, err)
	}
	ct, err := s.Seal(aad, plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", wrap.ErrUnsupportedAlgorithm, err)
	}
	return append(enc, ct...), nil
}

type x25519Unwrapper struct{ sk hpke.PrivateKey }

func (u x25519Unwrapper) Unwrap(_ context.Context, envelope, aad []byte) ([]byte, error) {
	const encLen, tagLen = 32, 16
	if len(envelope) < encLen+tagLen {
		return nil, fmt.Errorf("%w: %s envelope of %d bytes", wrap.ErrMalformedEnvelope, x25519Algorithm, len(envelope))
	}
	r, err := hpke.NewRecipient(envelope[:encLen], u.sk, hpke.HKDFSHA256(), hpke.AES256GCM(), x25519Info)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: bad encapsulated key", wrap.ErrDecrypt, x25519Algorithm)
	}
	pt, err := r.Open(aad, envelope[encLen:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: envelope does not authenticate", wrap.ErrDecrypt, x25519Algorithm)
	}
	return pt, nil
}

// dataKeyPKCS8 is the PKCS#8 of a fresh data key of spec.
func dataKeyPKCS8(t *testing.T, spec curves.Spec) []byte {
	t.Helper()
	c, err := curves.Lookup(spec)
	require.NoError(t, err)
	k, err := c.GenerateKey()
	require.NoError(t, err)
	der, err := encoding.MarshalPKCS8(k)
	require.NoError(t, err)
	return der
}

// TestRegisterCustomKeyAlgorithm registers an algorithm from outside the
// package and finds it listed, consulted and used by the same functions
// that serve the built-in ones.
func TestRegisterCustomKeyAlgorithm(t *testing.T) {
	t.Cleanup(wrap.SnapshotCustomKeyAlgorithms())
	builtin := wrap.CustomKeyAlgorithms()
	require.NoError(t, wrap.RegisterCustomKeyAlgorithm(x25519HPKE()))
	assert.Equal(t, append(builtin, x25519Algorithm), wrap.CustomKeyAlgorithms(), "listed after the built-in ones")

	assert.NoError(t, wrap.CheckCustomKeySpec(x25519Algorithm, curves.P256))
	err := wrap.CheckCustomKeySpec(x25519Algorithm, curves.SM2)
	assert.ErrorIs(t, err, wrap.ErrUnsupportedAlgorithm)
	assert.ErrorContains(t, err, "does not take SM2 data keys")

	holder, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	spki, err := x509.MarshalPKIXPublicKey(holder.PublicKey())
	require.NoError(t, err)
	w, err := wrap.NewCustomKeyWrapper(x25519Algorithm, spki)
	require.NoError(t, err)
	u, err := wrap.NewCustomKeyUnwrapper(x25519Algorithm, holder)
	require.NoError(t, err)
	ctx := context.Background()
	pkcs8 := dataKeyPKCS8(t, curves.Secp256k1)
	env, err := w.Wrap(ctx, pkcs8, []byte("aad"))
	require.NoError(t, err)
	assert.Len(t, env, 32+len(pkcs8)+16)
	pt, err := u.Unwrap(ctx, env, []byte("aad"))
	require.NoError(t, err)
	assert.Equal(t, pkcs8, pt)
	_, err = u.Unwrap(ctx, env, []byte("other aad"))
	assert.ErrorIs(t, err, wrap.ErrDecrypt)

	// Its own checks, and the table's, apply.
	p256, err := curves.Lookup(curves.P256)
	require.NoError(t, err)
	p256Key, err := p256.GenerateKey()
	require.NoError(t, err)
	p256SPKI, err := encoding.MarshalSPKI(p256Key.PublicKey())
	require.NoError(t, err)
	_, err = wrap.NewCustomKeyWrapper(x25519Algorithm, p256SPKI)
	assert.ErrorIs(t, err, wrap.ErrInvalidWrappingKey)
	assert.ErrorContains(t, err, "needs an X25519 key")
	_, err = wrap.NewCustomKeyUnwrapper(x25519Algorithm, nil)
	assert.ErrorIs(t, err, wrap.ErrInvalidWrappingKey)
	assert.ErrorContains(t, err, x25519Algorithm+": no holder private key")
	_, err = wrap.NewCustomKeyUnwrapper(x25519Algorithm, p256Key)
	assert.ErrorIs(t, err, wrap.ErrInvalidWrappingKey)

	// A built-in algorithm still refuses the X25519 key it does not take.
	_, err = wrap.NewCustomKeyWrapper(wrap.HPKEP256SHA256AES256GCM, spki)
	assert.ErrorIs(t, err, wrap.ErrInvalidWrappingKey)
}

// TestRegisterCustomKeyAlgorithmRefuses: entries without a name or a
// constructor, and names already taken (built-in or registered), are
// refused and leave the table as it was.
func TestRegisterCustomKeyAlgorithmRefuses(t *testing.T) {
	t.Cleanup(wrap.SnapshotCustomKeyAlgorithms())
	require.NoError(t, wrap.RegisterCustomKeyAlgorithm(x25519HPKE()))
	listed := wrap.CustomKeyAlgorithms()
	require.Len(t, listed, 6)

	type refusal struct {
		name   string
		mutate func(a *wrap.CustomKeyAlgorithm)
		want   string
	}
	tests := []refusal{
		{"empty name", func(a *wrap.CustomKeyAlgorithm) { a.Name = "" }, "wrap: register custom-key algorithm: empty name"},
		{"no NewWrapper", func(a *wrap.CustomKeyAlgorithm) { a.Name, a.NewWrapper = "OTHER", nil }, `algorithm "OTHER": NewWrapper and NewUnwrapper are both required`},
		{"no NewUnwrapper", func(a *wrap.CustomKeyAlgorithm) { a.Name, a.NewUnwrapper = "OTHER", nil }, "NewWrapper and NewUnwrapper are both required"},
		{"registered twice", func(*wrap.CustomKeyAlgorithm) {}, `algorithm "TEST_HPKE_X25519_SHA256_AES_256_GCM": already registered`},
	}
	for _, name := range listed[:5] {
		tests = append(tests, refusal{"built-in " + name, func(a *wrap.CustomKeyAlgorithm) { a.Name = name }, fmt.Sprintf("algorithm %q: already registered", name)})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := x25519HPKE()
			tc.mutate(&a)
			err := wrap.RegisterCustomKeyAlgorithm(a)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
			assert.Equal(t, listed, wrap.CustomKeyAlgorithms(), "the table is unchanged")
		})
	}
	// The built-in names still reach the built-in algorithms.
	_, err := wrap.NewCustomKeyWrapper(wrap.SM2EnvelopedKey, []byte{1})
	assert.ErrorIs(t, err, wrap.ErrInvalidWrappingKey)
	assert.ErrorContains(t, err, "SM2_ENVELOPED_KEY: wrapping public key is not a DER SubjectPublicKeyInfo")
	assert.ErrorIs(t, wrap.CheckCustomKeySpec(wrap.SM2EnvelopedKey, curves.P256), wrap.ErrUnsupportedAlgorithm)
}
