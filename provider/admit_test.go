package provider_test

import (
	"context"
	"encoding/base64"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// countingStore counts key lookups.
type countingStore struct {
	keystore.KeyStore
	lookups atomic.Int32
}

func (c *countingStore) Key(ctx context.Context, id string) (keystore.MasterKey, error) {
	c.lookups.Add(1)
	return c.KeyStore.Key(ctx, id)
}

// countingVerifier counts attestation verifications.
type countingVerifier struct {
	attest.Verifier
	calls atomic.Int32
}

func (c *countingVerifier) Verify(doc []byte) (*attest.Document, error) {
	c.calls.Add(1)
	return c.Verifier.Verify(doc)
}

// phaseAuthorizer refuses at one phase and records the phases it saw.
type phaseAuthorizer struct {
	refuseAt provider.AuthzPhase
	seen     []provider.AuthzPhase
	known    []map[string][]string
}

func (a *phaseAuthorizer) Authorize(_ context.Context, r *provider.AuthzRequest) (provider.Decision, error) {
	a.seen = append(a.seen, r.Phase)
	cp := map[string][]string{}
	for k, v := range r.Conditions {
		cp[k] = v
	}
	a.known = append(a.known, cp)
	return provider.Decision{Allowed: r.Phase != a.refuseAt, By: "phase-" + r.Phase.String()}, nil
}

// TestTenancy: a key of another project is "not found", with the message
// of a key that does not exist; in process (no project) every key is
// reachable.
func TestTenancy(t *testing.T) {
	ctx := context.Background()
	kr := keyring.New()
	mine, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256, Project: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
	require.NoError(t, err)
	p, err := provider.New(kr)
	require.NoError(t, err)
	as := func(project string) context.Context {
		return provider.WithCaller(ctx, provider.Caller{ProjectID: project, Principal: "x"})
	}
	_, err = p.CreateEcDatakeyPair(as("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), &provider.CreateEcDatakeyPairRequest{KeyID: mine.KeyID, KeySpec: "SM2"})
	require.NoError(t, err)
	resp, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mine.KeyID, KeySpec: "SM2"})
	require.NoError(t, err, "in process, no project is checked")

	missing := "00000000-0000-4000-8000-000000000000"
	_, errOther := p.CreateEcDatakeyPair(as("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), &provider.CreateEcDatakeyPairRequest{KeyID: mine.KeyID, KeySpec: "SM2"})
	_, errMissing := p.CreateEcDatakeyPair(as("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), &provider.CreateEcDatakeyPairRequest{KeyID: missing, KeySpec: "SM2"})
	var eo, em *provider.Error
	require.ErrorAs(t, errOther, &eo)
	require.ErrorAs(t, errMissing, &em)
	assert.Equal(t, provider.FailKeyNotFound, eo.Failure)
	assert.Equal(t, em.Failure, eo.Failure)
	assert.Equal(t, "master key "+mine.KeyID+" does not exist", eo.Message)
	assert.Equal(t, "master key "+missing+" does not exist", em.Message, "the same shape")

	_, err = p.DecryptDatakeyPair(as("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
	require.ErrorAs(t, err, &eo)
	assert.Equal(t, provider.FailKeyNotFound, eo.Failure, "decrypt is held to the project too")
}

// TestAdmissionOrder: a caller refused on what the request says costs no
// key lookup and no attestation verification; one refused on what the key
// says costs no verification; the phases come in order, each knowing more.
func TestAdmissionOrder(t *testing.T) {
	ctx := context.Background()
	pki := nitrotest.NewPKI(t)
	inner, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	_, spki := nitrotest.RSA(t, 2048)
	doc := base64.StdEncoding.EncodeToString(pki.Doc(t, pki.Fields(spki)))
	kr := keyring.New()
	md, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	req := &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "ECC_NIST_P256",
		Recipient: &provider.Recipient{AttestationDocument: doc, KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256"}}
	for _, tc := range []struct {
		refuseAt          provider.AuthzPhase
		lookups, verifies int32
		phases            []provider.AuthzPhase
	}{
		{provider.PhaseRequest, 0, 0, []provider.AuthzPhase{provider.PhaseRequest}},
		{provider.PhaseKey, 1, 0, []provider.AuthzPhase{provider.PhaseRequest, provider.PhaseKey}},
		{provider.PhaseFinal, 1, 1, []provider.AuthzPhase{provider.PhaseRequest, provider.PhaseKey, provider.PhaseFinal}},
		{-1, 1, 1, []provider.AuthzPhase{provider.PhaseRequest, provider.PhaseKey, provider.PhaseFinal}},
	} {
		t.Run(tc.refuseAt.String(), func(t *testing.T) {
			store := &countingStore{KeyStore: kr}
			verifier := &countingVerifier{Verifier: inner}
			az := &phaseAuthorizer{refuseAt: tc.refuseAt}
			p, err := provider.New(store, provider.WithAuthorizer(az), provider.WithAttestationVerifier(verifier))
			require.NoError(t, err)
			resp, err := p.CreateEcDatakeyPair(ctx, req)
			if tc.refuseAt >= 0 {
				var e *provider.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, provider.FailForbidden, e.Failure)
				assert.Contains(t, e.Message, "phase-"+tc.refuseAt.String())
			} else {
				require.NoError(t, err)
				assert.NotEmpty(t, resp.CiphertextRecipient)
			}
			assert.Equal(t, tc.lookups, store.lookups.Load(), "key lookups")
			assert.Equal(t, tc.verifies, verifier.calls.Load(), "attestation verifications")
			assert.Equal(t, tc.phases, az.seen)
			for i, known := range az.known {
				for k := range known {
					assert.True(t, provider.KnownAt(k, az.seen[i]), "%s given at phase %s", k, az.seen[i])
				}
				_, hasOrigin := known[provider.CondKeyOrigin]
				assert.Equal(t, az.seen[i] >= provider.PhaseKey, hasOrigin, "phase %s", az.seen[i])
				_, hasPCR := known["kms:RecipientAttestation:PCR0"]
				assert.Equal(t, az.seen[i] == provider.PhaseFinal, hasPCR, "phase %s", az.seen[i])
			}
		})
	}
}

// TestAttestationFailuresCached: a document that fails verification is
// refused again without being verified again.
func TestAttestationFailuresCached(t *testing.T) {
	ctx := context.Background()
	stranger := nitrotest.NewPKI(t) // a root the verifier does not trust
	pki := nitrotest.NewPKI(t)
	inner, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	verifier := &countingVerifier{Verifier: inner}
	kr := keyring.New()
	md, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	p, err := provider.New(kr, provider.WithAttestationVerifier(verifier))
	require.NoError(t, err)
	_, spki := nitrotest.RSA(t, 2048)
	bad := base64.StdEncoding.EncodeToString(stranger.Doc(t, stranger.Fields(spki)))
	req := &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "SM2",
		Recipient: &provider.Recipient{AttestationDocument: bad, KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256"}}
	for range 5 {
		_, err := p.CreateEcDatakeyPair(ctx, req)
		var e *provider.Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, provider.FailInvalidAttestation, e.Failure)
	}
	assert.Equal(t, int32(1), verifier.calls.Load(), "the failure was remembered")
}
