package provider_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/policy"
	"github.com/ecdkp/ecdkp/wrap"
)

// TestDecryptKeySpecAuthorized: a Deny on kms:KeySpec holds for decrypt
// whether or not the request names the pair's spec: the Authorizer is
// asked on the spec of the envelope (its v2 header, or for v1 what opening
// it tells), not only on the caller's key_spec, which a caller leaves out.
func TestDecryptKeySpecAuthorized(t *testing.T) {
	ctx := context.Background()
	kr := keyring.New()
	md, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	mk, err := kr.Key(ctx, md.KeyID)
	require.NoError(t, err)
	az, err := policy.Parse([]byte(`{"Version":"1.1","Statement":[
		{"Sid":"NoSM2","Effect":"Deny","Action":"kms:cmk:*","Condition":{"StringEquals":{"kms:KeySpec":"SM2"}}},
		{"Sid":"All","Effect":"Allow","Action":"kms:cmk:*"}]}`))
	require.NoError(t, err)
	open, err := provider.New(kr)
	require.NoError(t, err)
	p, err := provider.New(kr, provider.WithAuthorizer(az))
	require.NoError(t, err)

	v2 := func(spec curves.Spec) string {
		resp, err := open.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: string(spec)})
		require.NoError(t, err)
		return resp.PrivateKeyCipherText
	}
	v1 := func(spec curves.Spec) string {
		c, err := curves.Lookup(spec)
		require.NoError(t, err)
		key, err := c.GenerateKey()
		require.NoError(t, err)
		der, err := encoding.MarshalPKCS8(key)
		require.NoError(t, err)
		env, err := wrap.MasterKeyWrapper{Key: mk, Spec: spec, V1: true}.Wrap(ctx, der, nil)
		require.NoError(t, err)
		return base64.StdEncoding.EncodeToString(env)
	}
	for _, tc := range []struct {
		name, cipherText, hint string
		denied                 bool
	}{
		{"v2 SM2 named", v2(curves.SM2), "SM2", true},
		{"v2 SM2 left out", v2(curves.SM2), "", true},
		{"v2 SM2 named as P-256", v2(curves.SM2), "ECC_NIST_P256", true}, // the header's spec decides
		{"v2 P-256 left out", v2(curves.P256), "", false},
		{"v1 SM2 named", v1(curves.SM2), "SM2", true},
		{"v1 SM2 left out", v1(curves.SM2), "", true},
		{"v1 P-256 left out", v1(curves.P256), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: tc.cipherText, KeySpec: tc.hint})
			if tc.denied {
				var e *provider.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, provider.FailForbidden, e.Failure)
				assert.Contains(t, e.Message, "NoSM2")
				assert.Nil(t, resp)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "ECC_NIST_P256", resp.KeySpec)
		})
	}
}
