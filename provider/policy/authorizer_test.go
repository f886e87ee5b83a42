package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/policy"
)

// TestAuthorizerWithProvider: policies decide real requests of the
// provider, on what the request says, on what the key says, and as the
// principal, project and resource the provider names.
func TestAuthorizerWithProvider(t *testing.T) {
	ctx := context.Background()
	kr := keyring.New()
	const projA, projB = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	keyA, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256, Project: projA})
	require.NoError(t, err)
	keyB, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4, Project: projB})
	require.NoError(t, err)
	f := false
	type call struct {
		name      string
		principal string
		project   string
		req       provider.CreateEcDatakeyPairRequest
		want      provider.Failure // 0: allowed
		by        string
	}
	for _, tc := range []struct {
		name   string
		policy string
		calls  []call
	}{
		{
			name: "no plaintext, SM2 or P-256 only, alice in project A",
			policy: `{"Version":"1.1","Statement":[
			  {"Sid":"DenyPlain","Effect":"Deny","Action":"kms:cmk:createDataKeyPair","Condition":{"Bool":{"kms:WithPlainText":true}}},
			  {"Sid":"AliceA","Effect":"Allow","Principal":{"ecdkp":"alice"},"Action":"kms:cmk:createDataKeyPair",
			   "Resource":"KMS:us-east-1:` + projA + `:KeyId:*","Condition":{"StringEquals":{"kms:KeySpec":["SM2","ECC_NIST_P256"]}}}]}`,
			calls: []call{
				{"allowed", "alice", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "SM2", WithPlainText: &f}, 0, "AliceA"},
				{"plaintext asked (absent means true)", "alice", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "SM2"}, provider.FailForbidden, "DenyPlain"},
				{"another spec", "alice", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "ECC_NIST_P384", WithPlainText: &f}, provider.FailForbidden, "no statement"},
				{"another principal", "bob", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "SM2", WithPlainText: &f}, provider.FailForbidden, "no statement"},
				{"another project's resource", "alice", projB, provider.CreateEcDatakeyPairRequest{KeyID: keyB.KeyID, KeySpec: "SM2", WithPlainText: &f}, provider.FailForbidden, "no statement"},
				{"a key that does not exist is refused by the policy, not found", "bob", projA, provider.CreateEcDatakeyPairRequest{KeyID: "00000000-0000-4000-8000-000000000000", KeySpec: "SM2", WithPlainText: &f}, provider.FailForbidden, "no statement"},
				{"allowed caller, missing key", "alice", projA, provider.CreateEcDatakeyPairRequest{KeyID: "00000000-0000-4000-8000-000000000000", KeySpec: "SM2", WithPlainText: &f}, provider.FailKeyNotFound, ""},
			},
		},
		{
			name: "on the key: only kms-origin keys; explicit deny of SM4 over allow",
			policy: `{"Version":"1.1","Statement":[
			  {"Sid":"All","Effect":"Allow","Action":"kms:cmk:*","Condition":{"StringEquals":{"kms:KeyOrigin":"kms"}}},
			  {"Sid":"NoOrigin","Effect":"Deny","Action":"kms:cmk:*","Condition":{"StringNotEquals":{"kms:KeyOrigin":"kms"}}}]}`,
			calls: []call{
				{"kms origin", "x", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "SM2"}, 0, "All"},
				{"other project, other key, kms origin", "x", projB, provider.CreateEcDatakeyPairRequest{KeyID: keyB.KeyID, KeySpec: "SM2"}, 0, "All"},
			},
		},
		{
			name: "project condition key",
			policy: `{"Version":"1.1","Statement":[
			  {"Sid":"OnlyB","Effect":"Allow","Action":"kms:cmk:createDataKeyPair","Condition":{"StringEquals":{"ecdkp:Project":"` + projB + `"}}}]}`,
			calls: []call{
				{"project B", "x", projB, provider.CreateEcDatakeyPairRequest{KeyID: keyB.KeyID, KeySpec: "SM2"}, 0, "OnlyB"},
				{"project A", "x", projA, provider.CreateEcDatakeyPairRequest{KeyID: keyA.KeyID, KeySpec: "SM2"}, provider.FailForbidden, "no statement"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			az, err := policy.Parse([]byte(tc.policy))
			require.NoError(t, err)
			var rec recorder
			p, err := provider.New(kr, provider.WithAuthorizer(az), provider.WithAuditor(&rec))
			require.NoError(t, err)
			for _, c := range tc.calls {
				req := c.req
				cctx := provider.WithCaller(ctx, provider.Caller{ProjectID: c.project, Principal: c.principal})
				_, err := p.CreateEcDatakeyPair(cctx, &req)
				last := rec.last()
				if c.want == 0 {
					require.NoError(t, err, c.name)
					require.NotNil(t, last.Decision, c.name)
					assert.True(t, last.Decision.Allowed, c.name)
					assert.Contains(t, last.Decision.By, c.by, c.name)
					continue
				}
				var e *provider.Error
				require.ErrorAs(t, err, &e, c.name)
				assert.Equal(t, c.want, e.Failure, "%s: %s", c.name, e.Message)
				if c.by != "" {
					assert.Contains(t, e.Message, c.by, c.name)
					require.NotNil(t, last.Decision, c.name)
					assert.False(t, last.Decision.Allowed, c.name)
					assert.Contains(t, last.Decision.By, c.by, "the audit record names what decided: %s", c.name)
				}
			}
		})
	}
}

type recorder struct{ recs []provider.AuditRecord }

func (r *recorder) Audit(_ context.Context, rec *provider.AuditRecord) { r.recs = append(r.recs, *rec) }
func (r *recorder) last() provider.AuditRecord                         { return r.recs[len(r.recs)-1] }

// TestKMSSchemaKnowsEveryKey: every condition key and action of the
// provider compiles in a policy.
func TestKMSSchemaKnowsEveryKey(t *testing.T) {
	for _, k := range provider.ConditionKeys() {
		name := k.Name
		if k.Prefix {
			name += "x"
			if len(k.Suffixes) > 0 {
				name = k.Name + k.Suffixes[0]
			}
		}
		op := "StringEquals"
		switch {
		case k.Type == "Bool":
			op = "Bool"
		case k.Multi:
			op = "ForAnyValue:StringEquals"
		}
		doc := fmt.Sprintf(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":"*","Condition":{%q:{%q:"true"}}}]}`, op, name)
		_, err := policy.Parse([]byte(doc))
		assert.NoError(t, err, name)
	}
	for _, a := range provider.Actions() {
		_, err := policy.Parse([]byte(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":"` + a + `"}]}`))
		assert.NoError(t, err, a)
	}
	_, err := policy.Parse([]byte(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":"kms:cmk:frobnicate"}]}`))
	assert.Error(t, err)
}

// TestAuthorizerReload: a good file replaces the policy, a bad one keeps
// it.
func TestAuthorizerReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	allow := `{"Version":"1.1","Statement":[{"Sid":"A","Effect":"Allow","Action":"*"}]}`
	require.NoError(t, os.WriteFile(path, []byte(allow), 0o600))
	az, err := policy.LoadAuthorizer(path)
	require.NoError(t, err)
	req := &provider.AuthzRequest{Phase: provider.PhaseFinal, Action: provider.ActionCreateDataKeyPair}
	d, err := az.Authorize(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	require.NoError(t, os.WriteFile(path, []byte(`{"Version":"1.1","Statement":[]}`), 0o600))
	require.Error(t, az.Reload(path))
	d, _ = az.Authorize(context.Background(), req)
	assert.True(t, d.Allowed, "the old policy stays")
	require.NoError(t, os.WriteFile(path, []byte(`{"Version":"1.1","Statement":[{"Sid":"D","Effect":"Deny","Action":"*"}]}`), 0o600))
	require.NoError(t, az.Reload(path))
	d, _ = az.Authorize(context.Background(), req)
	assert.False(t, d.Allowed)
	assert.Contains(t, d.By, "D")
}
