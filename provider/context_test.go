package provider_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

// TestEncryptionContext: an AWS EncryptionContext is bound into the
// envelope as wrap.AWSContext; decrypting needs the same map, neither
// another map nor the Huawei AAD of the same bytes opens it, and it cannot
// be combined with an AAD.
func TestEncryptionContext(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	ec := map[string]string{"tenant": "t1", "purpose": "sign"}
	resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2", EncryptionContext: ec})
	require.NoError(t, err)
	env, err := base64.StdEncoding.DecodeString(resp.PrivateKeyCipherText)
	require.NoError(t, err)
	pt, err := wrap.MasterKeyUnwrapper{Key: mustKey(t, f, f.AES)}.Unwrap(ctx, env, wrap.AWSContext(ec))
	require.NoError(t, err, "the envelope binds wrap.AWSContext(ec)")
	clear(pt)

	dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, EncryptionContext: map[string]string{"purpose": "sign", "tenant": "t1"}})
	require.NoError(t, err)
	assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
	for _, bad := range []provider.DecryptDatakeyPairRequest{
		{EncryptionContext: map[string]string{"tenant": "t1"}},
		{EncryptionContext: map[string]string{"tenant": "t1", "purpose": "sign", "x": ""}},
		{},
		{AdditionalAuthenticatedData: string(wrap.AWSContext(ec)[1:])},
	} {
		bad.CipherText = resp.PrivateKeyCipherText
		_, err := f.P.DecryptDatakeyPair(ctx, &bad)
		assertFailure(t, err, provider.FailDecrypt)
	}
	_, err = f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2", EncryptionContext: ec, AdditionalAuthenticatedData: "x"})
	assertFailure(t, err, provider.FailInvalidParameter)
	_, err = f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2", EncryptionContext: map[string]string{"": "v"}})
	assertFailure(t, err, provider.FailInvalidParameter)
}

// TestDryRun: a dry run is admitted (authorized, its key looked up and
// checked) and then answered FailDryRun, creating nothing and keeping no
// sequence.
func TestDryRun(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := provider.WithCaller(context.Background(), provider.Caller{Principal: "a"})
	seq := "3b1b6a52-0d6f-4c1e-9e0b-5f0d2f9c8a71"
	_, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2", DryRun: true, Sequence: seq})
	assertFailure(t, err, provider.FailDryRun)
	_, err = f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: "00000000-0000-4000-8000-000000000000", KeySpec: "SM2", DryRun: true})
	assertFailure(t, err, provider.FailKeyNotFound)
	resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2", Sequence: seq})
	require.NoError(t, err, "the dry run kept no sequence")
	_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, DryRun: true})
	assertFailure(t, err, provider.FailDryRun)
}

// TestDecryptChecksKeyID: a decrypt naming a master key other than the
// envelope's is refused with FailIncorrectKey before anything is opened.
func TestDecryptChecksKeyID(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2"})
	require.NoError(t, err)
	_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeyID: f.AES})
	require.NoError(t, err)
	_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeyID: f.SM4})
	assertFailure(t, err, provider.FailIncorrectKey)
	_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeyID: "nope"})
	assertFailure(t, err, provider.FailInvalidKeyID)
}

func assertFailure(t *testing.T, err error, want provider.Failure) {
	t.Helper()
	var e *provider.Error
	if assert.ErrorAs(t, err, &e) {
		assert.Equal(t, want, e.Failure, e.Message)
	}
}

func mustKey(t *testing.T, f *providertest.Fixture, id string) wrap.MasterKey {
	t.Helper()
	mk, err := f.Store.Key(context.Background(), id)
	require.NoError(t, err)
	return mk
}
