package wrap

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
	"github.com/ecdkp/ecdkp/wrap/internal/cms/cmstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awsSDKDecrypt opens an envelope as aws-nitro-enclaves-sdk-c's kms.c does
// after its parser (cmstest.ParseLikeAWSSDK): RSA-OAEP-SHA-256 on the key,
// then AES-256-CBC with PKCS#7 padding.
func awsSDKDecrypt(priv *rsa.PrivateKey, envelope []byte) ([]byte, error) {
	ek, iv, ct, err := cmstest.ParseLikeAWSSDK(envelope)
	if err != nil {
		return nil, err
	}
	cek, err := rsa.DecryptOAEP(sha256.New(), nil, priv, ek, nil)
	if err != nil {
		return nil, err
	}
	return cms.OpenCBC(cek, iv, ct)
}

// TestAWSSDKModelOpensOurEnvelopes: enclave code on the AWS SDK opens what
// we send, for every key spec; the same envelope in DER, which the SDK's
// parser cannot walk, is refused: that is why we send BER.
func TestAWSSDKModelOpensOurEnvelopes(t *testing.T) {
	w, _, priv := testRecipient(t, 2048)
	ctx := context.Background()
	n := 0
	for _, spec := range curves.Specs() {
		pkcs8 := testPKCS8(t, spec)
		env, err := w.Wrap(ctx, pkcs8, nil)
		require.NoError(t, err)
		got, err := awsSDKDecrypt(priv, env)
		require.NoError(t, err, spec)
		assert.Equal(t, pkcs8, got, spec)

		der, err := cms.BERToDER(env)
		require.NoError(t, err)
		_, _, _, err = cmstest.ParseLikeAWSSDK(der)
		assert.ErrorIs(t, err, cmstest.ErrAWSSDK, "a DER envelope does not parse in the AWS SDK")
		n++
	}
	assert.Equal(t, len(curves.Specs()), n)
}
