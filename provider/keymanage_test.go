package provider_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

// TestKeyManagement: the key operations are held to the caller's project,
// follow AWS's state machine, never delete a key, and are authorized and
// audited.
func TestKeyManagement(t *testing.T) {
	var rec auditRecorder
	var asked []string
	p, err := provider.New(keyring.New(), provider.WithAuditor(&rec), provider.WithAuthorizer(provider.AuthorizerFunc(
		func(_ context.Context, r *provider.AuthzRequest) error {
			asked = append(asked, r.Action)
			return nil
		})))
	require.NoError(t, err)
	const projA, projB = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	inA := provider.WithCaller(context.Background(), provider.Caller{ProjectID: projA, Principal: "a"})
	inB := provider.WithCaller(context.Background(), provider.Caller{ProjectID: projB, Principal: "b"})

	md, err := p.CreateKey(inA, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	assert.Equal(t, projA, md.Project, "created in the caller's project")
	_, err = p.CreateKey(inA, keystore.KeyParams{Spec: keystore.AES256, Project: projB})
	assertFailure(t, err, provider.FailForbidden)
	_, err = p.CreateKey(inA, keystore.KeyParams{Spec: "RSA_2048"})
	assertFailure(t, err, provider.FailUnsupported)

	_, err = p.DescribeKey(inB, md.KeyID)
	assertFailure(t, err, provider.FailKeyNotFound)
	got, err := p.DescribeKey(inA, md.KeyID)
	require.NoError(t, err)
	assert.Equal(t, md.KeyID, got.KeyID)
	listA, err := p.ListKeys(inA)
	require.NoError(t, err)
	assert.Len(t, listA, 1)
	listB, err := p.ListKeys(inB)
	require.NoError(t, err)
	assert.Empty(t, listB, "another project's keys are not listed")

	step := func(op func(context.Context, string) (keystore.KeyMetadata, error), want keystore.KeyState, fail provider.Failure) {
		t.Helper()
		out, err := op(inA, md.KeyID)
		if fail != 0 {
			assertFailure(t, err, fail)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, out.KeyState)
	}
	step(p.DisableKey, keystore.KeyDisabled, 0)
	step(p.EnableKey, keystore.KeyEnabled, 0)
	step(p.CancelKeyDeletion, "", provider.FailInvalidState)
	step(p.ScheduleKeyDeletion, keystore.KeyPendingDeletion, 0)
	step(p.EnableKey, "", provider.FailInvalidState)
	step(p.DisableKey, "", provider.FailInvalidState)
	_, err = p.CreateEcDatakeyPair(inA, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "SM2"})
	assertFailure(t, err, provider.FailKeyPendingDeletion)
	step(p.CancelKeyDeletion, keystore.KeyDisabled, 0)
	step(p.EnableKey, keystore.KeyEnabled, 0)
	_, err = p.CreateEcDatakeyPair(inA, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "SM2"})
	require.NoError(t, err, "the key and its material survived the scheduled deletion")
	_, err = p.DisableKey(inB, md.KeyID)
	assertFailure(t, err, provider.FailKeyNotFound)

	assert.Contains(t, asked, provider.ActionCreateKey)
	assert.Contains(t, asked, provider.ActionScheduleDeletion)
	assert.Contains(t, asked, provider.ActionCancelDeletion)
	actions := map[string]bool{}
	for _, r := range rec.recs {
		actions[r.Action] = true
	}
	for _, a := range provider.Actions() {
		if a != provider.ActionDecrypt {
			assert.True(t, actions[a], "%s is audited", a)
		}
	}

	// A key store that manages nothing offers no management.
	plain, err := provider.New(storeOnly{keyring.New()})
	require.NoError(t, err)
	_, err = plain.ListKeys(context.Background())
	assertFailure(t, err, provider.FailUnsupported)
}

type storeOnly struct{ keystore.KeyStore }

type auditRecorder struct{ recs []provider.AuditRecord }

func (r *auditRecorder) Audit(_ context.Context, rec *provider.AuditRecord) {
	r.recs = append(r.recs, *rec)
}
