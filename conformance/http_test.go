package conformance_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// TestHTTPTargetErrorBodies: error responses become *conformance.Refusal with
// the status and the code of a nested or flat error body.
func TestHTTPTargetErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantMsg  string
	}{
		{"nested (Huawei KMS)", 400, `{"error":{"error_code":"KMS.0205","error_msg":"bad key_id"}}`, "KMS.0205", "bad key_id"},
		{"flat", 404, `{"error_code":"KMS.0207","error_msg":"no such key"}`, "KMS.0207", "no such key"},
		{"flat with a string error field", 400, `{"error":"x","error_code":"KMS.0308","error_msg":"m"}`, "KMS.0308", "m"},
		{"not JSON", 502, `<html>bad gateway</html>`, "", "HTTP 502 without a KMS error body"},
		{"empty", 500, ``, "", "HTTP 500 without a KMS error body"},
		{"JSON without a code", 400, `{"message":"nope"}`, "", "without a KMS error body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			target, err := conformance.NewHTTPTarget(srv.URL, testProjectID)
			require.NoError(t, err)
			_, err = target.DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{CipherText: "AAAA"})
			var e *conformance.Refusal
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, tc.status, e.Status)
			assert.Equal(t, tc.wantCode, e.Code)
			assert.Contains(t, e.Message, tc.wantMsg)

			status, body, err := target.Post(context.Background(), conformance.RouteCreate, []byte(`{}`))
			require.NoError(t, err)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.body, string(body))
		})
	}
}

// TestHTTPTargetRequests: the target posts JSON to Huawei's paths with the
// credentials it was given.
func TestHTTPTargetRequests(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, `{"key_id":"k","key_spec":"SM2","public_key":"cA==","private_key_cipher_text":"cQ==","extra":1}`)
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()

	target, err := conformance.NewHTTPTarget(srv.URL+"/", testProjectID, conformance.WithToken("tok"), conformance.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	resp, err := target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: "k", KeySpec: "SM2"})
	require.NoError(t, err)
	assert.Equal(t, "cA==", resp.PublicKey, "unknown response fields are ignored")
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/v1.0/"+testProjectID+"/kms/create-ec-datakey-pair", got.URL.Path)
	assert.Equal(t, "tok", got.Header.Get(auth.TokenHeader))
	assert.Contains(t, got.Header.Get("Content-Type"), "application/json")
	assert.JSONEq(t, `{"key_id":"k","key_spec":"SM2"}`, string(gotBody))

	signed, err := conformance.NewHTTPTarget(srv.URL, testProjectID, conformance.WithAKSK("AK", "SK"))
	require.NoError(t, err)
	_, _, err = signed.Post(ctx, "decrypt-datakey-pair", []byte(`{"cipher_text":"AAAA"}`))
	require.NoError(t, err)
	assert.Equal(t, "/v1.0/"+testProjectID+"/kms/decrypt-datakey-pair", got.URL.Path)
	assert.Contains(t, got.Header.Get("Authorization"), "Access=AK")
	assert.NotEmpty(t, got.Header.Get("X-Sdk-Date"))
	assert.Empty(t, got.Header.Get(auth.TokenHeader))

	_, _, err = signed.Post(ctx, "delete-key", nil)
	assert.ErrorContains(t, err, "unknown route")
}

// TestHTTPTargetBadResponses: a 200 that is not the response JSON, and a
// failed exchange, are errors but not KMS rejections.
func TestHTTPTargetBadResponses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `not json`)
	}))
	target, err := conformance.NewHTTPTarget(srv.URL, testProjectID)
	require.NoError(t, err)
	_, err = target.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{})
	require.Error(t, err)
	var e *conformance.Refusal
	assert.False(t, errors.As(err, &e), "a bad 200 is not a KMS rejection")
	srv.Close()
	_, err = target.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{})
	require.Error(t, err)
	assert.False(t, errors.As(err, &e), "a closed server is not a KMS rejection")
}

// TestHTTPTargetUnauthenticated: against our handler, a wrong token is the
// handler's 401 KMS.0301.
func TestHTTPTargetUnauthenticated(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(huawei.NewHandler(f.p, huawei.WithAuthenticator(auth.Token("right"))))
	t.Cleanup(srv.Close)
	for _, opts := range [][]conformance.HTTPOption{{conformance.WithToken("wrong")}, nil, {conformance.WithAKSK("AK", "SK")}} {
		target, err := conformance.NewHTTPTarget(srv.URL, testProjectID, opts...)
		require.NoError(t, err)
		_, err = target.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{KeyID: f.aes, KeySpec: "SM2"})
		var e *conformance.Refusal
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, huawei.CodeOf(provider.FailUnauthenticated).Status, e.Status)
		assert.Equal(t, huawei.CodeOf(provider.FailUnauthenticated).Code, e.Code)
	}
}

// TestNewHTTPTargetValidation: bad endpoints and options are refused.
func TestNewHTTPTargetValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		endpoint, project string
		opts              []conformance.HTTPOption
		want              string
	}{
		"no scheme":       {"127.0.0.1:8080", testProjectID, nil, "http"},
		"ftp":             {"ftp://host", testProjectID, nil, "http"},
		"no host":         {"http://", testProjectID, nil, "host"},
		"query":           {"http://host/?a=b", testProjectID, nil, "query"},
		"user info":       {"http://u:p@host", testProjectID, nil, "user info"},
		"empty project":   {"http://host", "", nil, "project id"},
		"project slash":   {"http://host", "a/../b", nil, "project id"},
		"ak without sk":   {"http://host", testProjectID, []conformance.HTTPOption{conformance.WithAKSK("AK", "")}, "both"},
		"unparsable URL":  {"http://[::1", testProjectID, nil, "not an http"},
		"sk without ak":   {"http://host", testProjectID, []conformance.HTTPOption{conformance.WithAKSK("", "SK")}, "both"},
		"fragment":        {"http://host#x", testProjectID, nil, "fragment"},
		"https with path": {"https://host/prefix", testProjectID, nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := conformance.NewHTTPTarget(tc.endpoint, tc.project, tc.opts...)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
