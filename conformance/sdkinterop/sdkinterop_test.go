package sdkinterop_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kms/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// TestSDKKeySpecEnum checks that the SDK's key_spec enum sends exactly our
// spec strings, and that our registry serves the SDK's specs and one more:
// ECC_NIST_EDWARDS25519, our extension of Huawei's list, which the SDK's
// enum does not offer (TestCreateEd25519 sends it).
func TestSDKKeySpecEnum(t *testing.T) {
	var got []curves.Spec
	for _, c := range sdkSpecs() {
		assert.Equal(t, string(c.spec), c.sdk.Value(), "SDK enum value for %s", c.spec)
		b, err := json.Marshal(c.sdk)
		require.NoError(t, err)
		assert.JSONEq(t, `"`+string(c.spec)+`"`, string(b), "SDK wire form of %s", c.spec)
		got = append(got, c.spec)
	}
	assert.ElementsMatch(t, curves.Specs(), append(got, curves.Ed25519), "our registry is not the SDK enum plus Ed25519")
}

// TestCreateEd25519 sends ECC_NIST_EDWARDS25519, which the SDK's enum lacks,
// through the SDK's key_spec type, and checks the key pair the SDK parses
// from our answer.
func TestCreateEd25519(t *testing.T) {
	s := newServer(t)
	c := s.client(t, testAK, testSK)
	spec := keySpecFromWire(t, string(curves.Ed25519))
	for _, v := range []struct {
		name      string
		plain     *bool
		aad       *string
		wantPlain bool
	}{
		{name: "defaults", wantPlain: true},
		{name: "no plain aad", plain: ptr(false), aad: ptr("tenant=42")},
		{name: "plain aad", plain: ptr(true), aad: ptr("tenant=42"), wantPlain: true},
	} {
		t.Run(v.name, func(t *testing.T) {
			resp, err := c.CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: &model.CreateEcDatakeyPairRequestBody{
				KeyId: s.keyID, KeySpec: spec, WithPlainText: v.plain, AdditionalAuthenticatedData: v.aad,
			}})
			require.NoError(t, err)
			checkPair(t, t.Context(), s, curves.Ed25519, deref(v.aad), v.wantPlain, resp)
		})
	}
}

// TestCreateEcDatakeyPair calls create-ec-datakey-pair through the official
// SDK for every key spec with each combination of with_plain_text,
// additional_authenticated_data and sequence, and checks every key returned.
func TestCreateEcDatakeyPair(t *testing.T) {
	s := newServer(t)
	c := s.client(t, testAK, testSK)

	variants := []struct {
		name      string
		plain     *bool // with_plain_text; nil leaves it out
		aad       *string
		seq       bool
		wantPlain bool
	}{
		{name: "defaults", wantPlain: true},
		{name: "plain", plain: ptr(true), wantPlain: true},
		{name: "no plain", plain: ptr(false)},
		{name: "plain aad", plain: ptr(true), aad: ptr("tenant=42"), wantPlain: true},
		{name: "no plain aad", plain: ptr(false), aad: ptr("tenant=42")},
		{name: "sequence", seq: true, wantPlain: true},
		{name: "no plain aad sequence", plain: ptr(false), aad: ptr("order-7"), seq: true},
		// The SDK encodes without HTML escaping and sends UTF-8 as is; the
		// AAD is bound as the exact bytes of the JSON string.
		{name: "aad json unicode html", plain: ptr(true), aad: ptr(`{"tenant":"租户-Ω","q":"a<b>&c\"d\\e"}`), seq: true, wantPlain: true},
		{name: "aad max length", plain: ptr(false), aad: ptr(strings.Repeat("a", 1023))},
		{name: "aad empty string", plain: ptr(true), aad: ptr(""), wantPlain: true},
	}
	calls := 0
	for _, sp := range sdkSpecs() {
		for _, v := range variants {
			t.Run(string(sp.spec)+"/"+v.name, func(t *testing.T) {
				body := &model.CreateEcDatakeyPairRequestBody{
					KeyId:                       s.keyID,
					KeySpec:                     sp.sdk,
					WithPlainText:               v.plain,
					AdditionalAuthenticatedData: v.aad,
				}
				if v.seq {
					body.Sequence = ptr(newSequence())
				}
				resp, err := c.CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: body})
				require.NoError(t, err)
				calls++
				checkPair(t, t.Context(), s, sp.spec, deref(v.aad), v.wantPlain, resp)
			})
		}
	}
	assert.Equal(t, len(sdkSpecs())*len(variants), calls, "calls made")

	ex := s.recorded()
	assert.Len(t, ex, calls, "requests the server answered")
	for _, e := range ex {
		assert.Equal(t, 200, e.status)
		assert.Equal(t, "/v1.0/"+projectID+"/kms/create-ec-datakey-pair", e.path)
		assert.NotEmpty(t, e.requestID, "every response carries X-Request-Id")
	}
}
