package sdkinterop_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kms/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// keySpecFromWire builds an SDK key_spec the SDK's enum does not offer,
// through the enum type's UnmarshalJSON (its value field is unexported).
func keySpecFromWire(t *testing.T, v string) model.CreateEcDatakeyPairRequestBodyKeySpec {
	t.Helper()
	var ks model.CreateEcDatakeyPairRequestBodyKeySpec
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ks))
	require.Equal(t, v, ks.Value())
	return ks
}

// TestErrorsSurfaceInSDK checks that each of our rejections reaches the
// SDK's *sdkerr.ServiceResponseError with our HTTP status, KMS error code,
// message and X-Request-Id.
func TestErrorsSurfaceInSDK(t *testing.T) {
	p256 := sdkSpecs()[0].sdk
	cases := []struct {
		name    string
		ak, sk  string
		body    func(t *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody
		want    provider.Failure
		msgPart string
	}{
		{
			name: "wrong secret key", ak: testAK, sk: testSK + "-wrong",
			want: provider.FailUnauthenticated, msgPart: "signature does not match",
		},
		{
			name: "unknown access key", ak: "ECDKPSDKINTEROPAK999", sk: testSK,
			want: provider.FailUnauthenticated, msgPart: "signature does not match or access key unknown",
		},
		{
			name: "unknown key_id",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: unknownKeyID, KeySpec: p256}
			},
			want: provider.FailKeyNotFound, msgPart: unknownKeyID,
		},
		{
			name: "malformed key_id",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: "not-a-key-id", KeySpec: p256}
			},
			want: provider.FailInvalidKeyID, msgPart: "key_id",
		},
		{
			name: "unsupported key_spec",
			body: func(t *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: keySpecFromWire(t, "RSA_2048")}
			},
			want: provider.FailUnknownKeySpec, msgPart: "RSA_2048",
		},
		{
			name: "lower-case key_spec",
			body: func(t *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: keySpecFromWire(t, "ecc_nist_p256")}
			},
			want: provider.FailUnknownKeySpec, msgPart: "ecc_nist_p256",
		},
		{
			// The zero enum value marshals as "key_spec":"".
			name: "empty key_spec",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID}
			},
			want: provider.FailMissingParameter, msgPart: "key_spec",
		},
		{
			name: "short sequence",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: p256, Sequence: ptr("919c82d4")}
			},
			want: provider.FailInvalidSequence, msgPart: "sequence",
		},
		{
			name: "aad too long",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: p256,
					AdditionalAuthenticatedData: ptr(strings.Repeat("a", 1024))}
			},
			want: provider.FailInvalidParameter, msgPart: "additional_authenticated_data",
		},
		{
			name: "disabled master key",
			body: func(t *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				md, err := s.kr.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256, Project: projectID})
				require.NoError(t, err)
				_, err = s.kr.SetKeyState(t.Context(), md.KeyID, keystore.KeyDisabled)
				require.NoError(t, err)
				return &model.CreateEcDatakeyPairRequestBody{KeyId: md.KeyID, KeySpec: p256}
			},
			want: provider.FailKeyDisabled, msgPart: "disabled",
		},
		{
			// PIN-protected private keys are not offered: the provider
			// refuses pin rather than ignore it.
			name: "pin not supported",
			body: func(_ *testing.T, s *server) *model.CreateEcDatakeyPairRequestBody {
				return &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: p256, Pin: ptr("123456")}
			},
			want: provider.FailInvalidParameter, msgPart: "pin",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			ak, sk := tc.ak, tc.sk
			if ak == "" {
				ak, sk = testAK, testSK
			}
			body := &model.CreateEcDatakeyPairRequestBody{KeyId: s.keyID, KeySpec: p256}
			if tc.body != nil {
				body = tc.body(t, s)
			}
			resp, err := s.client(t, ak, sk).CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: body})
			assert.Nil(t, resp)
			sent := requireOneError(t, s)
			t.Logf("sent %d %s %q (X-Request-Id %s)", sent.status, sent.code, sent.msg, sent.requestID)
			checkServiceError(t, err, tc.want, sent)
			assert.Contains(t, sent.msg, tc.msgPart, "our message")
		})
	}
}

// TestCallerRequestIDEchoed checks that an X-Request-Id the caller sends
// (as an SDK extra header, hence signed) comes back in RequestId.
func TestCallerRequestIDEchoed(t *testing.T) {
	s := newServer(t)
	c := s.client(t, testAK, testSK)
	c.HcClient.WithExtraHeaders(map[string]string{huawei.RequestIDHeader: "sdkinterop-rid-0001"})
	_, err := c.CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: &model.CreateEcDatakeyPairRequestBody{
		KeyId: unknownKeyID, KeySpec: sdkSpecs()[0].sdk,
	}})
	sent := requireOneError(t, s)
	assert.Equal(t, "sdkinterop-rid-0001", sent.requestID)
	checkServiceError(t, err, provider.FailKeyNotFound, sent)
}

// sentError is an error response as our server wrote it.
type sentError struct {
	status    int
	requestID string
	code, msg string
}

// requireOneError returns the single response s sent, which must be an
// error body of exactly {"error":{"error_code","error_msg"}}.
func requireOneError(t *testing.T, s *server) sentError {
	t.Helper()
	ex := s.recorded()
	require.Len(t, ex, 1, "requests the server answered")
	var raw map[string]map[string]string
	require.NoError(t, json.Unmarshal(ex[0].body, &raw), "error body %s", ex[0].body)
	require.Len(t, raw, 1, "error body has one top-level member")
	require.Len(t, raw["error"], 2, "error object has error_code and error_msg only")
	return sentError{
		status:    ex[0].status,
		requestID: ex[0].requestID,
		code:      raw["error"]["error_code"],
		msg:       raw["error"]["error_msg"],
	}
}

// checkServiceError checks that err is the SDK's ServiceResponseError
// carrying the failure's status and code and exactly what the server sent.
func checkServiceError(t *testing.T, err error, want provider.Failure, sent sentError) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	require.True(t, errors.As(err, &se), "SDK error %T %v is not a *sdkerr.ServiceResponseError", err, err)
	assert.Equal(t, huawei.CodeOf(want).Status, se.StatusCode, "StatusCode")
	assert.Equal(t, huawei.CodeOf(want).Status, sent.status, "status sent")
	assert.Equal(t, huawei.CodeOf(want).Code, se.ErrorCode, "ErrorCode")
	assert.Equal(t, sent.code, se.ErrorCode, "ErrorCode vs body sent")
	assert.NotEmpty(t, sent.msg, "error_msg sent")
	assert.Equal(t, sent.msg, se.ErrorMessage, "ErrorMessage vs body sent")
	assert.NotEmpty(t, sent.requestID, "X-Request-Id sent")
	assert.Equal(t, sent.requestID, se.RequestId, "RequestId")
}
