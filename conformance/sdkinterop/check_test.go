package sdkinterop_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kms/v2/model"
	"github.com/stretchr/testify/assert"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
)

// sdkSpec pairs one of our key specs with the SDK's enum value for it.
type sdkSpec struct {
	spec curves.Spec
	sdk  model.CreateEcDatakeyPairRequestBodyKeySpec
}

// sdkSpecs lists the five key specs through the SDK's own enum. The SDK
// offers all five; secp256k1's Go field is ECC_SECG_P256_K1, its wire value
// ECC_SECG_P256K1.
func sdkSpecs() []sdkSpec {
	e := model.GetCreateEcDatakeyPairRequestBodyKeySpecEnum()
	return []sdkSpec{
		{curves.P256, e.ECC_NIST_P256},
		{curves.P384, e.ECC_NIST_P384},
		{curves.P521, e.ECC_NIST_P521},
		{curves.Secp256k1, e.ECC_SECG_P256_K1},
		{curves.SM2, e.SM2},
	}
}

// newSequence returns a fresh 36-byte sequence in the UUID form of Huawei's
// examples.
func newSequence() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checkPair checks one successful create-ec-datakey-pair answer as the SDK
// parsed it: public_key is an SPKI of spec; private_key_plain_text, present
// exactly when wantPlain, is a PKCS#8 of the same key; the cipher text opens
// in process under aad to the same key, and not under another AAD. It uses
// only assert, so goroutines may call it, and reports whether every check
// held.
func checkPair(t assert.TestingT, ctx context.Context, s *server, spec curves.Spec, aad string, wantPlain bool, resp *model.CreateEcDatakeyPairResponse) bool {
	if !assert.NotNil(t, resp, "response") {
		return false
	}
	ok := assert.Equal(t, 200, resp.HttpStatusCode, "HttpStatusCode")
	ok = assert.Equal(t, s.keyID, deref(resp.KeyId), "key_id") && ok
	if assert.NotNil(t, resp.KeySpec, "key_spec") {
		ok = assert.Equal(t, string(spec), resp.KeySpec.Value(), "key_spec") && ok
	} else {
		ok = false
	}
	ok = assert.Nil(t, resp.WrappedPrivateKey, "wrapped_private_key") && ok
	ok = assert.Nil(t, resp.CiphertextRecipient, "ciphertext_recipient") && ok

	spki, good := decodeField(t, "public_key", resp.PublicKey)
	if !good {
		return false
	}
	pub, err := encoding.ParseSPKI(spki)
	if !assert.NoError(t, err, "public_key is not an SPKI we parse") {
		return false
	}
	ok = assert.Equal(t, spec, pub.Curve().Spec(), "public_key curve") && ok
	again, err := encoding.MarshalSPKI(pub)
	ok = assert.NoError(t, err) && assert.Equal(t, spki, again, "public_key is not canonical DER") && ok

	var plainPKCS8 []byte
	if wantPlain {
		der, good := decodeField(t, "private_key_plain_text", resp.PrivateKeyPlainText)
		if !good {
			return false
		}
		priv, err := encoding.ParsePKCS8(der)
		if !assert.NoError(t, err, "private_key_plain_text is not a PKCS#8 we parse") {
			return false
		}
		ok = assert.Equal(t, spec, priv.Curve().Spec(), "private key curve") && ok
		ok = assert.True(t, pub.Equal(priv.PublicKey()), "private_key_plain_text does not belong to public_key") && ok
		priv.Destroy()
		plainPKCS8 = der
	} else {
		ok = assert.Nil(t, resp.PrivateKeyPlainText, "with_plain_text=false must omit private_key_plain_text") && ok
	}

	if !assert.NotNil(t, resp.PrivateKeyCipherText, "private_key_cipher_text") {
		return false
	}
	dec, err := s.p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
		CipherText:                  *resp.PrivateKeyCipherText,
		AdditionalAuthenticatedData: aad,
	})
	if !assert.NoError(t, err, "private_key_cipher_text does not decrypt with its AAD") {
		return false
	}
	ok = assert.Equal(t, s.keyID, dec.KeyID, "decrypted key_id") && ok
	ok = assert.Equal(t, string(spec), dec.KeySpec, "decrypted key_spec") && ok
	ok = assert.Equal(t, *resp.PublicKey, dec.PublicKey, "decrypted public_key") && ok
	der, err := base64.StdEncoding.DecodeString(dec.PrivateKeyPlainText)
	if !assert.NoError(t, err) {
		return false
	}
	if wantPlain {
		ok = assert.Equal(t, plainPKCS8, der, "decrypted PKCS#8 differs from private_key_plain_text") && ok
	} else {
		priv, err := encoding.ParsePKCS8(der)
		if !assert.NoError(t, err, "decrypted PKCS#8") {
			return false
		}
		ok = assert.True(t, pub.Equal(priv.PublicKey()), "decrypted private key does not belong to public_key") && ok
		priv.Destroy()
	}

	_, err = s.p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
		CipherText:                  *resp.PrivateKeyCipherText,
		AdditionalAuthenticatedData: otherAAD(aad),
	})
	var pe *provider.Error
	if assert.ErrorAs(t, err, &pe, "a different AAD must not decrypt") {
		ok = assert.Equal(t, provider.FailDecrypt, pe.Failure, "failure of a wrong AAD") && ok
	} else {
		ok = false
	}
	return ok
}

// decodeField base64-decodes a response field that must be present.
func decodeField(t assert.TestingT, name string, v *string) ([]byte, bool) {
	if !assert.NotNil(t, v, name) || !assert.NotEmpty(t, *v, name) {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(*v)
	return b, assert.NoError(t, err, "%s is not standard base64", name)
}

// otherAAD returns an AAD of the same length as aad (at least one byte)
// that differs from it in its last byte.
func otherAAD(aad string) string {
	if aad == "" {
		return "x"
	}
	last := byte('x')
	if aad[len(aad)-1] == last {
		last = 'y'
	}
	return aad[:len(aad)-1] + string(last)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
