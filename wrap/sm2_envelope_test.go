package wrap

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/emmansun/gmsm/sm2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cryptobyteasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// testSM2Parts are the four fields of an SM2EnvelopedKey, each a whole
// DER element.
type testSM2Parts struct {
	algID, cipher, pub, encPriv []byte
}

func testSM2Split(t *testing.T, env []byte) testSM2Parts {
	t.Helper()
	in := cryptobyte.String(env)
	var body, a, c, p, e cryptobyte.String
	require.True(t, in.ReadASN1(&body, cryptobyteasn1.SEQUENCE) && in.Empty())
	require.True(t, body.ReadASN1Element(&a, cryptobyteasn1.SEQUENCE))
	require.True(t, body.ReadASN1Element(&c, cryptobyteasn1.SEQUENCE))
	require.True(t, body.ReadASN1Element(&p, cryptobyteasn1.BIT_STRING))
	require.True(t, body.ReadASN1Element(&e, cryptobyteasn1.BIT_STRING))
	require.True(t, body.Empty())
	return testSM2Parts{a, c, p, e}
}

func (p testSM2Parts) join(t *testing.T) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cryptobyteasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(p.algID)
		b.AddBytes(p.cipher)
		b.AddBytes(p.pub)
		b.AddBytes(p.encPriv)
	})
	der, err := b.Bytes()
	require.NoError(t, err)
	return der
}

func testDER(t *testing.T, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	require.NoError(t, err)
	return der
}

// TestSM2EnvelopeGmsmInterop checks both directions against gmsm used
// directly: our envelope opens with sm2.ParseEnvelopedPrivateKey, and
// sm2.MarshalEnvelopedPrivateKey's opens with our Unwrap.
func TestSM2EnvelopeGmsmInterop(t *testing.T) {
	ctx := context.Background()
	holder := testCurveKey(t, curves.SM2)
	spki, err := encoding.MarshalSPKI(holder.PublicKey())
	require.NoError(t, err)
	holderSM2, err := sm2.NewPrivateKey(holder.Bytes())
	require.NoError(t, err)
	data := testCurveKey(t, curves.SM2)
	pkcs8, err := encoding.MarshalPKCS8(data)
	require.NoError(t, err)

	w, err := NewCustomKeyWrapper(SM2EnvelopedKey, spki)
	require.NoError(t, err)
	env, err := w.Wrap(ctx, pkcs8, nil)
	require.NoError(t, err)
	got, err := sm2.ParseEnvelopedPrivateKey(holderSM2, env)
	require.NoError(t, err)
	assert.Equal(t, data.Bytes(), got.D.FillBytes(make([]byte, 32)))

	parts := testSM2Split(t, env)
	assert.Equal(t, testDER(t, struct {
		OID  asn1.ObjectIdentifier
		Null asn1.RawValue
	}{oidSM4ECB, asn1.NullRawValue}), parts.algID, "sm4-ecb with NULL parameters")
	assert.Equal(t, testDER(t, asn1.BitString{Bytes: data.PublicKey().Bytes(), BitLength: 8 * 65}), parts.pub,
		"the data key's public point")

	dataSM2, err := sm2.NewPrivateKey(data.Bytes())
	require.NoError(t, err)
	theirs, err := sm2.MarshalEnvelopedPrivateKey(rand.Reader, &holderSM2.PublicKey, dataSM2)
	require.NoError(t, err)
	for name, h := range map[string]any{"curves": holder, "gmsm": holderSM2} {
		u, err := NewCustomKeyUnwrapper(SM2EnvelopedKey, h)
		require.NoError(t, err, name)
		pt, err := u.Unwrap(ctx, theirs, nil)
		require.NoError(t, err, name)
		assert.Equal(t, pkcs8, pt, name)
	}
}

func TestSM2EnvelopeRejectsShapes(t *testing.T) {
	ctx := context.Background()
	h := testHolderFor(t, SM2EnvelopedKey)
	w, err := NewCustomKeyWrapper(SM2EnvelopedKey, h.spki)
	require.NoError(t, err)
	u, err := NewCustomKeyUnwrapper(SM2EnvelopedKey, h.holder)
	require.NoError(t, err)
	env, err := w.Wrap(ctx, testPKCS8(t, curves.SM2), nil)
	require.NoError(t, err)
	good := testSM2Split(t, env)
	encPriv := func(n int) []byte {
		return testDER(t, asn1.BitString{Bytes: make([]byte, n), BitLength: 8 * n})
	}
	aesAlgID := testDER(t, struct{ OID asn1.ObjectIdentifier }{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 41}})
	sm4NoParams := testDER(t, struct{ OID asn1.ObjectIdentifier }{oidSM4})
	sm4OctetParams := testDER(t, struct {
		OID asn1.ObjectIdentifier
		P   []byte
	}{oidSM4ECB, nil})
	compressed := testCompressPoint(good.pub)

	tests := []struct {
		name  string
		parts func(p *testSM2Parts)
		class error
		msg   string
	}{
		{"AES instead of SM4", func(p *testSM2Parts) { p.algID = aesAlgID }, ErrMalformedEnvelope, "is not SM4"},
		{"OCTET STRING parameters", func(p *testSM2Parts) { p.algID = sm4OctetParams }, ErrMalformedEnvelope, "absent or NULL"},
		{"private key of 31 bytes (not whole SM4 blocks)", func(p *testSM2Parts) { p.encPriv = encPriv(31) }, ErrMalformedEnvelope, "must be 32 bytes"},
		{"private key of 48 bytes", func(p *testSM2Parts) { p.encPriv = encPriv(48) }, ErrMalformedEnvelope, "must be 32 bytes"},
		{"compressed public point", func(p *testSM2Parts) { p.pub = compressed }, ErrMalformedEnvelope, "65-byte uncompressed point"},
		{"SM4 without parameters still opens", func(p *testSM2Parts) { p.algID = sm4NoParams }, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.parts(&p)
			pt, err := u.Unwrap(ctx, p.join(t), nil)
			if tt.class == nil {
				require.NoError(t, err)
				assert.NotEmpty(t, pt)
				return
			}
			assert.ErrorIs(t, err, tt.class)
			assert.ErrorContains(t, err, tt.msg)
			assert.Nil(t, pt)
		})
	}
	pt, err := u.Unwrap(ctx, append(bytes.Clone(env), 0x05, 0x00), nil)
	assert.ErrorIs(t, err, ErrMalformedEnvelope)
	assert.ErrorContains(t, err, "not a DER SM2EnvelopedKey")
	assert.Nil(t, pt)
}

// testCompressPoint turns the BIT STRING of an uncompressed point into that of the
// compressed point.
func testCompressPoint(pubBitString []byte) []byte {
	var bs asn1.BitString
	if _, err := asn1.Unmarshal(pubBitString, &bs); err != nil || len(bs.Bytes) != 65 {
		return nil
	}
	c := append([]byte{2 | bs.Bytes[64]&1}, bs.Bytes[1:33]...)
	der, _ := asn1.Marshal(asn1.BitString{Bytes: c, BitLength: 8 * len(c)})
	return der
}

func TestSM2EnvelopeWrapRejectsPlaintext(t *testing.T) {
	h := testHolderFor(t, SM2EnvelopedKey)
	w, err := NewCustomKeyWrapper(SM2EnvelopedKey, h.spki)
	require.NoError(t, err)
	_, err = w.Wrap(context.Background(), []byte("not a PKCS#8"), nil)
	assert.ErrorIs(t, err, ErrMalformedEnvelope)
	assert.ErrorContains(t, err, "not a PKCS#8")
	_, err = w.Wrap(context.Background(), testPKCS8(t, curves.P256), nil)
	assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
	assert.ErrorContains(t, err, `not "ECC_NIST_P256"`)
}
