package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// TestRecipientHolder: with an attestation document for an enclave's RSA
// key, ciphertext_recipient opens with that key to the private key of the
// response's public key, for every spec; the verified PCRs reach the
// Authorizer; no plaintext is returned.
func TestRecipientHolder(t *testing.T) {
	pki := nitrotest.NewPKI(t)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conds []map[string][]string
	)
	f := providertest.NewFixture(t, newKeyring, providertest.WithProviderOptions(provider.WithAttestationVerifier(v),
		provider.WithAuthorizer(provider.AuthorizerFunc(func(_ context.Context, r *provider.AuthzRequest) error {
			mu.Lock()
			defer mu.Unlock()
			conds = append(conds, r.Conditions)
			if slices.Contains(r.Conditions["kms:RecipientAttestation:ImageSha384"], hex.EncodeToString(nitrotest.PCR(0x99))) {
				return errors.New("image not allowed")
			}
			return nil
		}))))
	enclave, spki := nitrotest.RSA(t, 2048)
	doc := base64.StdEncoding.EncodeToString(pki.Doc(t, pki.Fields(spki)))
	u, err := wrap.NewRecipientUnwrapper(enclave)
	require.NoError(t, err)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
			KeyID: f.AES, KeySpec: string(spec),
			Recipient: &provider.Recipient{AttestationDocument: doc, KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256},
		})
		require.NoError(t, err, spec)
		assert.Empty(t, resp.PrivateKeyPlainText)
		assert.Empty(t, resp.WrappedPrivateKey)
		pkcs8, err := u.Unwrap(ctx, b64(t, resp.CiphertextRecipient), nil)
		require.NoError(t, err)
		priv, err := encoding.ParsePKCS8(pkcs8)
		require.NoError(t, err)
		pub, err := encoding.ParseSPKI(b64(t, resp.PublicKey))
		require.NoError(t, err)
		assert.True(t, priv.PublicKey().Equal(pub), spec)
	}
	mu.Lock()
	require.Len(t, conds, len(curves.Specs()))
	assert.Equal(t, []string{hex.EncodeToString(nitrotest.PCR(0x10))}, conds[0]["kms:RecipientAttestation:PCR0"])
	assert.Equal(t, []string{hex.EncodeToString(nitrotest.PCR(0x10))}, conds[0]["kms:RecipientAttestation:ImageSha384"])
	assert.Equal(t, []string{hex.EncodeToString(nitrotest.PCR(0x20))}, conds[0]["kms:RecipientAttestation:PCR1"])
	mu.Unlock()

	// A policy pinning the image refuses another image.
	fields := pki.Fields(spki)
	fields["pcrs"] = map[uint64][]byte{0: nitrotest.PCR(0x99)}
	other := base64.StdEncoding.EncodeToString(pki.Doc(t, fields))
	_, err = f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2",
		Recipient: &provider.Recipient{AttestationDocument: other, KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256}})
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailForbidden, e.Failure)
}

func TestRecipientRejects(t *testing.T) {
	pki := nitrotest.NewPKI(t)
	stranger := nitrotest.NewPKI(t)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	f := providertest.NewFixture(t, newKeyring, providertest.WithProviderOptions(provider.WithAttestationVerifier(v)))
	_, spki := nitrotest.RSA(t, 2048)
	_, small := nitrotest.RSA(t, 1024)
	enc := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	noKey := pki.Fields(spki)
	delete(noKey, "public_key")
	for _, tc := range []struct {
		name, doc, alg string
		want           provider.Failure
	}{
		{"unknown root", enc(stranger.Doc(t, stranger.Fields(spki))), wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailInvalidAttestation},
		{"garbage", enc([]byte("not cbor at all")), wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailInvalidAttestation},
		{"not base64", "%%%", wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailInvalidAttestation},
		{"missing public_key", enc(pki.Doc(t, noKey)), wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailInvalidAttestation},
		{"rsa 1024", enc(pki.Doc(t, pki.Fields(small))), wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailInvalidWrappingKey},
		{"unknown algorithm", enc(pki.Doc(t, pki.Fields(spki))), "RSAES_OAEP_SHA_1", provider.FailUnsupportedAlgorithm},
		{"no algorithm", enc(pki.Doc(t, pki.Fields(spki))), "", provider.FailMissingParameter},
		{"no document", "", wrap.KeyEncryptionRSAESOAEPSHA256, provider.FailMissingParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.P.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256",
				Recipient: &provider.Recipient{AttestationDocument: tc.doc, KeyEncryptionAlgorithm: tc.alg}})
			var e *provider.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.want, e.Failure, e.Message)
		})
	}
	// The default verifier trusts AWS's root only, so a test document fails.
	def := providertest.NewFixture(t, newKeyring)
	_, err = def.P.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{KeyID: def.AES, KeySpec: "SM2",
		Recipient: &provider.Recipient{AttestationDocument: enc(pki.Doc(t, pki.Fields(spki))), KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256}})
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailInvalidAttestation, e.Failure)
}
