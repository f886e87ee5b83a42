package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignRejectsBadInput(t *testing.T) {
	ok := func() *http.Request { return httptest.NewRequest(http.MethodPost, createPath, nil) }
	tests := []struct {
		name   string
		r      *http.Request
		ak, sk string
		want   string
	}{
		{"nil request", nil, testAK, testSK, "request has no URL"},
		{"nil URL", &http.Request{Method: http.MethodGet}, testAK, testSK, "request has no URL"},
		{"opaque URL", &http.Request{URL: &url.URL{Scheme: "http", Opaque: "x"}}, testAK, testSK, "opaque URLs"},
		{"empty access key", ok(), "", testSK, "empty access key"},
		{"access key with comma", ok(), "a,b", testSK, "access key contains a space or a comma"},
		{"access key with space", ok(), "a b", testSK, "access key contains a space or a comma"},
		{"empty secret key", ok(), testAK, "", "empty secret key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Sign(tc.r, nil, tc.ak, tc.sk, testNow)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.False(t, errors.Is(err, ErrUnauthenticated))
			if tc.r != nil && tc.r.Header != nil {
				assert.Empty(t, tc.r.Header.Get("Authorization"))
			}
		})
	}
}

func TestSignHeaderSelection(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, createPath, nil)
	r.Header = http.Header{
		"Content-Type":         {"application/json"},
		"Content-Type-Extra":   {"skipped by prefix"},
		"X_under":              {"skipped"},
		"Host":                 {"kms.test"},
		"Authorization":        {"stale"},
		"X-Sdk-Date":           {"20000101T000000Z"},
		"X-Sdk-Content-Sha256": {"UNSIGNED-PAYLOAD"},
		"x-lower":              {"b", "a"},
		"X-Lower":              {"c"},
		"Content-Length":       {"0"},
	}
	require.NoError(t, Sign(r, nil, testAK, testSK, testNow))
	assert.Equal(t, testNow.Format(DateFormat), r.Header.Get(DateHeader))
	assert.Empty(t, r.Header.Values(ContentSHA256Header))
	auth := r.Header.Values("Authorization")
	require.Len(t, auth, 1)
	assert.True(t, strings.HasPrefix(auth[0], "SDK-HMAC-SHA256 Access="+testAK+
		", SignedHeaders=content-length;x-lower;x-sdk-date, Signature="), auth[0])

	p, err := testAuthenticator().Authenticate(r, nil)
	require.NoError(t, err)
	assert.Equal(t, testAK, p.ID)
}

func TestSignDeterministicAndEmptyMethod(t *testing.T) {
	sign := func(method string) string {
		u, err := url.Parse(createPath)
		require.NoError(t, err)
		r := &http.Request{Method: method, URL: u}
		require.NoError(t, Sign(r, []byte("b"), testAK, testSK, testNow))
		return r.Header.Get("Authorization")
	}
	assert.Equal(t, sign(http.MethodGet), sign(http.MethodGet))
	assert.Equal(t, sign(http.MethodGet), sign(""), "net/http sends an empty Method as GET")
	assert.NotEqual(t, sign(http.MethodGet), sign(http.MethodPost))
}
