package providertest

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

// testEnvelopeVersions: every store seals envelope v2 naming the key spec,
// bound to the Huawei context of the AAD; an envelope v1 sealed under the
// store's key still decrypts (the spec found by trial, with and without a
// hint); a v2 header naming an unregistered spec is an invalid
// ciphertext, and a hint other than the header's spec does not decrypt.
func (s *suite) testEnvelopeVersions(t *testing.T) {
	f := s.fixture(t)
	ctx := context.Background()
	for _, keyID := range f.MasterKeys() {
		mk, err := f.Store.Key(ctx, keyID)
		require.NoError(t, err)
		for _, spec := range []curves.Spec{curves.P256, curves.SM2} {
			const aad = "tenant=42"
			resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: keyID, KeySpec: string(spec), AdditionalAuthenticatedData: aad})
			require.NoError(t, err)
			env := b64(t, resp.PrivateKeyCipherText)
			h, err := wrap.ParseMasterHeader(env)
			require.NoError(t, err)
			assert.Equal(t, 2, h.Version, "new envelopes are v2")
			assert.Equal(t, spec, h.KeySpec, "the v2 header names the spec")
			assert.Len(t, env, wrap.MasterV2Overhead(spec)+len(b64(t, resp.PrivateKeyPlainText)))
			pt, err := wrap.MasterKeyUnwrapper{Key: mk}.Unwrap(ctx, env, wrap.HuaweiContext(aad))
			require.NoError(t, err, "the envelope binds the Huawei context of the AAD")
			assert.Equal(t, b64(t, resp.PrivateKeyPlainText), pt)

			v1, err := wrap.MasterKeyWrapper{Key: mk, Spec: spec, V1: true}.Wrap(ctx, pt, wrap.HuaweiContext(aad))
			require.NoError(t, err)
			for _, hint := range []string{"", string(spec)} {
				dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
					CipherText: base64.StdEncoding.EncodeToString(v1), AdditionalAuthenticatedData: aad, KeySpec: hint})
				require.NoError(t, err, "envelope v1 of %s, hint %q", spec, hint)
				assert.Equal(t, string(spec), dec.KeySpec)
				assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
			}

			other := curves.SM2
			if spec == curves.SM2 {
				other = curves.P256
			}
			for _, tc := range []struct {
				name, hint string
				env        []byte
				want       provider.Failure
				msg        string
			}{
				{"unregistered spec in the header", "", replaceSpec(env, strings.Repeat("X", len(spec))), provider.FailInvalidCiphertext, "not registered"},
				{"hint other than the header's spec", string(other), env, provider.FailDecrypt, "key_spec " + string(other)},
				{"v1 with the other spec as hint", string(other), v1, provider.FailDecrypt, "does not decrypt"},
			} {
				_, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
					CipherText: base64.StdEncoding.EncodeToString(tc.env), AdditionalAuthenticatedData: aad, KeySpec: tc.hint})
				var e *provider.Error
				require.True(t, errors.As(err, &e), "%s: %v", tc.name, err)
				assert.Equal(t, tc.want, e.Failure, "%s: %s", tc.name, e.Message)
				assert.Contains(t, e.Message, tc.msg, tc.name)
			}
		}
	}
}

// replaceSpec returns a copy of a v2 envelope whose header names spec, of
// the same length as the one it names.
func replaceSpec(env []byte, spec string) []byte {
	out := append([]byte(nil), env...)
	copy(out[wrap.MasterV2FixedSize:wrap.MasterV2FixedSize+int(out[25])], spec)
	return out
}
