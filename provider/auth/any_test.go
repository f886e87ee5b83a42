package auth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAny(t *testing.T) {
	const token = "any-token-secret"
	body := []byte(`{"a":1}`)
	withToken := func(r *http.Request, v string) *http.Request {
		r.Header.Set(TokenHeader, v)
		return r
	}
	unsigned := func() *http.Request {
		r := signedServerRequest(t, http.MethodPost, createPath, body, testNow)
		r.Header.Del("Authorization")
		return r
	}
	badSig := func() *http.Request {
		r := signedServerRequest(t, http.MethodPost, createPath, body, testNow)
		r.Header.Set("X-Project-Id", "tampered")
		return r
	}
	tests := []struct {
		name    string
		req     func() *http.Request
		want    Principal
		wantErr string
		absent  bool
	}{
		{name: "token only", req: func() *http.Request { return withToken(unsigned(), token) },
			want: Principal{ID: "token", Method: MethodToken, Name: "token"}},
		{name: "signature only", req: func() *http.Request { return signedServerRequest(t, http.MethodPost, createPath, body, testNow) },
			want: Principal{ID: testAK, Method: MethodAKSK, Name: testAK}},
		{name: "both valid", req: func() *http.Request {
			return withToken(signedServerRequest(t, http.MethodPost, createPath, body, testNow), token)
		}, want: Principal{ID: "token", Method: MethodToken, Name: "token"}},
		{name: "neither", req: unsigned, absent: true,
			wantErr: "no credentials presented: missing X-Auth-Token header; missing Authorization header"},
		{name: "valid token, bad signature", req: func() *http.Request { return withToken(badSig(), token) },
			wantErr: "signature does not match"},
		{name: "bad token, valid signature", req: func() *http.Request {
			return withToken(signedServerRequest(t, http.MethodPost, createPath, body, testNow), "wrong")
		}, wantErr: "invalid X-Auth-Token"},
	}
	// Fresh authenticators per case: the cases sign identical requests,
	// which one replay cache would refuse after the first.
	orders := map[string]func() Authenticator{
		"token first": func() Authenticator { return Any(Token(token), nil, testAuthenticator()) },
		"aksk first":  func() Authenticator { return Any(testAuthenticator(), Token(token)) },
	}
	for order, newAuth := range orders {
		for _, tc := range tests {
			t.Run(order+"/"+tc.name, func(t *testing.T) {
				p, err := newAuth().Authenticate(tc.req(), body)
				if tc.wantErr == "" {
					require.NoError(t, err)
					if order == "aksk first" && tc.name == "both valid" {
						assert.Equal(t, Principal{ID: testAK, Method: MethodAKSK, Name: testAK}, p)
					} else {
						assert.Equal(t, tc.want, p)
					}
					return
				}
				require.ErrorIs(t, err, ErrUnauthenticated)
				assert.Equal(t, tc.absent, errors.Is(err, ErrNoCredentials))
				if tc.absent {
					assert.Contains(t, err.Error(), "missing X-Auth-Token header")
					assert.Contains(t, err.Error(), "missing Authorization header")
				} else {
					assert.Contains(t, err.Error(), tc.wantErr)
				}
				assert.NotContains(t, err.Error(), token)
				assert.NotContains(t, err.Error(), testSK)
			})
		}
	}
}

func TestAnyEmpty(t *testing.T) {
	r := signedServerRequest(t, http.MethodPost, createPath, nil, testNow)
	for _, a := range []Authenticator{Any(), Any(nil, nil)} {
		_, err := a.Authenticate(r, nil)
		require.ErrorIs(t, err, ErrUnauthenticated)
		assert.False(t, errors.Is(err, ErrNoCredentials))
		assert.Contains(t, err.Error(), "no authentication method configured")
	}
}

// TestAnyBothSignatureSchemes: on one listener, AKSK and SigV4 over one
// store each take their own Authorization scheme and pass on the other's.
func TestAnyBothSignatureSchemes(t *testing.T) {
	c, err := NewCredentials(Credential{Principal: "svc", AccessKey: testAK, SecretKey: testSK})
	require.NoError(t, err)
	now := func() time.Time { return testNow }
	rc := NewMemoryReplayCache(0)
	a := Any(Tokens(c), AKSK(c, WithClock(now), WithReplayCache(rc)), SigV4(c, WithClock(now), WithRegion(awsRegion), WithReplayCache(rc)))
	body := []byte(`{"a":1}`)

	p, err := a.Authenticate(signedServerRequest(t, http.MethodPost, createPath, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, Principal{ID: testAK, Method: MethodAKSK, Name: "svc"}, p)
	p, err = a.Authenticate(v4ServerRequest(t, awsTarget, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, Principal{ID: testAK, Method: MethodSigV4, Name: "svc"}, p)

	r := v4ServerRequest(t, awsTarget, body, testNow)
	r.Header.Set("Authorization", "Basic abc")
	_, err = a.Authenticate(r, body)
	require.ErrorIs(t, err, ErrNoCredentials)
	assert.Contains(t, err.Error(), "missing X-Auth-Token header; Authorization header is not SDK-HMAC-SHA256; "+
		"Authorization header is not AWS4-HMAC-SHA256")

	r = v4ServerRequest(t, awsTarget, body, testNow.Add(time.Second))
	r.Header.Set("X-Amz-Target", "TrentService.Decrypt")
	_, err = a.Authenticate(r, body)
	require.ErrorIs(t, err, ErrUnauthenticated)
	assert.False(t, errors.Is(err, ErrNoCredentials))
	assert.Contains(t, err.Error(), "sigv4: "+mismatch)
}
