package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	awsTarget = "https://kms.test/"
	awsRegion = "eu-central-1"
)

func testV4Authenticator(opts ...Option) *SigV4Authenticator {
	opts = append([]Option{WithClock(func() time.Time { return testNow }), WithRegion(awsRegion)}, opts...)
	return SigV4(StaticCredentials(map[string]string{testAK: testSK}), opts...)
}

// v4ServerRequest returns a JSON 1.1 request as a server sees it, signed
// with testAK/testSK at signedAt for the kms service in awsRegion.
func v4ServerRequest(t *testing.T, target string, body []byte, signedAt time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.GenerateDataKeyPair")
	r.Header.Set("User-Agent", "ecdkp-test")
	require.NoError(t, SignV4(r, body, testAK, testSK, awsRegion, "kms", signedAt))
	return r
}

// setCredentialField replaces one "/"-separated field of the Credential.
func setCredentialField(r *http.Request, i int, v string) {
	h := r.Header.Get("Authorization")
	start := strings.Index(h, "Credential=") + len("Credential=")
	end := start + strings.Index(h[start:], ",")
	f := strings.Split(h[start:end], "/")
	f[i] = v
	r.Header.Set("Authorization", h[:start]+strings.Join(f, "/")+h[end:])
}

func TestSigV4Rejections(t *testing.T) {
	body := []byte(`{"KeyId":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","KeyPairSpec":"ECC_NIST_P256"}`)
	setAuth := func(v string) func(*http.Request, *[]byte) {
		return func(r *http.Request, _ *[]byte) { r.Header.Set("Authorization", v) }
	}
	const (
		cred    = "Credential=" + testAK + "/20260304/" + awsRegion + "/kms/aws4_request"
		signed  = "SignedHeaders=host;x-amz-date"
		goodSig = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	resign := func(ak, sk, region, service string, at time.Time) func(*http.Request, *[]byte) {
		return func(r *http.Request, b *[]byte) {
			require.NoError(t, SignV4(r, *b, ak, sk, region, service, at))
		}
	}
	tests := []struct {
		name     string
		opts     []Option
		nilStore bool
		mutate   func(r *http.Request, body *[]byte)
		want     string
		absent   bool // wraps ErrNoCredentials
	}{
		{name: "missing Authorization", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("Authorization") },
			want: "missing Authorization header", absent: true},
		{name: "presigned URL", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Del("Authorization")
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"
		}, want: "presigned URLs (query-string authentication) are not supported"},
		{name: "two Authorization headers", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
		}, want: "2 Authorization headers"},
		{name: "other scheme", mutate: setAuth("Bearer abc"), want: "is not AWS4-HMAC-SHA256", absent: true},
		{name: "AK/SK header", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, " + goodSig),
			want: "is not AWS4-HMAC-SHA256", absent: true},
		{name: "scheme in lower case", mutate: setAuth("aws4-hmac-sha256 " + cred + ", " + signed + ", " + goodSig),
			want: "is not AWS4-HMAC-SHA256", absent: true},
		{name: "parameter without =", mutate: setAuth("AWS4-HMAC-SHA256 Credential"), want: `parameter without "="`},
		{name: "lacks Credential", mutate: setAuth("AWS4-HMAC-SHA256 " + signed + ", " + goodSig), want: "lacks Credential"},
		{name: "lacks SignedHeaders", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + goodSig), want: "lacks SignedHeaders"},
		{name: "lacks Signature", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + signed), want: "lacks Signature"},
		{name: "Credential given twice", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + cred + ", " + signed + ", " + goodSig),
			want: "Credential given twice"},
		{name: "Signature given twice", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + signed + ", " + goodSig + ", " + goodSig),
			want: "Signature given twice"},
		{name: "unknown parameter", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", Region=x, " + signed + ", " + goodSig),
			want: `unknown Authorization parameter "Region"`},
		{name: "credential of four parts", mutate: setAuth("AWS4-HMAC-SHA256 Credential=AK/20260304/r/kms, " + signed + ", " + goodSig),
			want: "Credential is not access-key/date/region/service/aws4_request"},
		{name: "credential of six parts", mutate: setAuth("AWS4-HMAC-SHA256 Credential=A/K/20260304/r/kms/aws4_request, " + signed + ", " + goodSig),
			want: "Credential is not access-key/date/region/service/aws4_request"},
		{name: "empty access key", mutate: func(r *http.Request, _ *[]byte) { setCredentialField(r, 0, "") },
			want: "empty or malformed access key"},
		{name: "credential date not yyyymmdd", mutate: func(r *http.Request, _ *[]byte) { setCredentialField(r, 1, "2026-03-04") },
			want: `Credential date "2026-03-04" is not yyyymmdd`},
		{name: "empty region", mutate: func(r *http.Request, _ *[]byte) { setCredentialField(r, 2, "") },
			want: "empty region or service"},
		{name: "wrong terminator", mutate: func(r *http.Request, _ *[]byte) { setCredentialField(r, 4, "aws4_reques") },
			want: `does not end in "aws4_request"`},
		{name: "short signature", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + signed + ", Signature=abcd"),
			want: "not 64 lower-case hex digits"},
		{name: "upper-case signature", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", " + signed + ", Signature=" + strings.Repeat("AB", 32)),
			want: "not 64 lower-case hex digits"},
		{name: "unsorted signed headers", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date;host, " + goodSig),
			want: "not sorted and unique"},
		{name: "upper-case signed header", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;x-amz-date, " + goodSig),
			want: "is not a lower-case header name"},
		{name: "host not signed", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date;x-amz-target, " + goodSig),
			want: `SignedHeaders must include "host"`},
		{name: "x-amz-date not signed", mutate: setAuth("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-target, " + goodSig),
			want: `SignedHeaders must include "x-amz-date"`},
		{name: "required header not signed", opts: []Option{WithRequiredSignedHeaders("X-Custom")},
			want: `SignedHeaders must include "x-custom"`},
		{name: "X-Amz header added after signing", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Extra", "1") },
			want: "header X-Amz-Extra is not signed"},
		{name: "X-Amz-Target not signed", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Del("X-Amz-Target")
			require.NoError(t, SignV4(r, *b, testAK, testSK, awsRegion, "kms", testNow))
			r.Header.Set("X-Amz-Target", "TrentService.Decrypt")
		}, want: "header X-Amz-Target is not signed"},
		{name: "session token", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Set(AmzSecurityTokenHeader, "session")
			require.NoError(t, SignV4(r, *b, testAK, testSK, awsRegion, "kms", testNow))
		}, want: "X-Amz-Security-Token is set: temporary credentials are not supported"},
		{name: "missing X-Amz-Date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del(AmzDateHeader) },
			want: "missing X-Amz-Date header"},
		{name: "two X-Amz-Date headers", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add(AmzDateHeader, r.Header.Get(AmzDateHeader)) },
			want: "2 X-Amz-Date headers"},
		{name: "ISO 8601 X-Amz-Date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(AmzDateHeader, "2026-03-04T05:06:07Z") },
			want: "is not in the form 20060102T150405Z"},
		{name: "scope date is not the X-Amz-Date date", mutate: func(r *http.Request, _ *[]byte) { setCredentialField(r, 1, "20260303") },
			want: "Credential date 20260303 is not the date of X-Amz-Date 20260304T050607Z"},
		{name: "other region", mutate: resign(testAK, testSK, "us-east-1", "kms", testNow),
			want: `Credential region "us-east-1" is not "eu-central-1"`},
		{name: "other service", mutate: resign(testAK, testSK, awsRegion, "s3", testNow),
			want: `Credential service "s3" is not "kms"`},
		{name: "stale X-Amz-Date", mutate: resign(testAK, testSK, awsRegion, "kms", testNow.Add(-time.Hour)),
			want: "is outside ±5m0s of the server time"},
		{name: "future X-Amz-Date", mutate: resign(testAK, testSK, awsRegion, "kms", testNow.Add(6*time.Minute)),
			want: "is outside ±5m0s of the server time"},
		{name: "SigV4 not configured", nilStore: true, want: "SigV4 authentication is not configured"},
		{name: "unsigned payload", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Set(AmzContentSHA256Header, "UNSIGNED-PAYLOAD")
			require.NoError(t, SignV4(r, *b, testAK, testSK, awsRegion, "kms", testNow))
		}, want: "X-Amz-Content-Sha256 is UNSIGNED-PAYLOAD: the signature must cover the body"},
		{name: "streaming payload", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Set(AmzContentSHA256Header, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
			require.NoError(t, SignV4(r, *b, testAK, testSK, awsRegion, "kms", testNow))
		}, want: "is STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the signature must cover the body"},
		{name: "content hash of another body", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Set(AmzContentSHA256Header, hexSHA256([]byte("other")))
			require.NoError(t, SignV4(r, *b, testAK, testSK, awsRegion, "kms", testNow))
		}, want: "X-Amz-Content-Sha256 does not match the body"},
		{name: "body changed", mutate: func(_ *http.Request, b *[]byte) { *b = append(*b, ' ') }, want: mismatch},
		{name: "body dropped", mutate: func(_ *http.Request, b *[]byte) { *b = nil }, want: mismatch},
		{name: "method changed", mutate: func(r *http.Request, _ *[]byte) { r.Method = http.MethodPut }, want: mismatch},
		{name: "path changed", mutate: func(r *http.Request, _ *[]byte) { r.URL.Path = "/x" }, want: mismatch},
		{name: "query added", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "a=1" }, want: mismatch},
		{name: "malformed query", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "a=%zz" }, want: "malformed query string"},
		{name: "dot-dot path", mutate: func(r *http.Request, _ *[]byte) { r.URL.Path = "/a/../" }, want: `has a "." or ".." segment`},
		{name: "encoded dot path", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawPath, r.URL.Path = "/%2E/", "/./" },
			want: `has a "." or ".." segment`},
		{name: "double slash path", mutate: func(r *http.Request, _ *[]byte) { r.URL.Path = "//" }, want: "has an empty segment"},
		{name: "host changed", mutate: func(r *http.Request, _ *[]byte) { r.Host = "evil.test" }, want: mismatch},
		{name: "no host", mutate: func(r *http.Request, _ *[]byte) { r.Host = "" }, want: `signed header "host" is not in the request`},
		{name: "signed header changed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Target", "TrentService.Decrypt") },
			want: mismatch},
		{name: "signed header value added", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add("Content-Type", "text/plain") },
			want: mismatch},
		{name: "signed header removed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("Content-Type") },
			want: `signed header "content-type" is not in the request`},
		{name: "content length changed", mutate: func(r *http.Request, _ *[]byte) { r.ContentLength++ }, want: mismatch},
		{name: "date changed", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set(AmzDateHeader, testNow.Add(time.Second).Format(DateFormat))
		}, want: mismatch},
		{name: "signed with another secret key", mutate: resign(testAK, "another-secret", awsRegion, "kms", testNow), want: mismatch},
		{name: "unknown access key", mutate: resign("AKNOBODY", testSK, awsRegion, "kms", testNow), want: mismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), body...)
			r := v4ServerRequest(t, awsTarget, b, testNow)
			validSig := r.Header.Get("Authorization")
			validSig = validSig[strings.LastIndex(validSig, "=")+1:]
			if tc.mutate != nil {
				tc.mutate(r, &b)
			}
			a := testV4Authenticator(tc.opts...)
			if tc.nilStore {
				a = SigV4(nil, WithClock(func() time.Time { return testNow }), WithRegion(awsRegion))
			}
			p, err := a.Authenticate(r, b)
			require.Error(t, err)
			assert.Equal(t, Principal{}, p)
			assert.ErrorIs(t, err, ErrUnauthenticated)
			assert.Equal(t, tc.absent, errors.Is(err, ErrNoCredentials), "ErrNoCredentials")
			assert.False(t, errors.Is(err, ErrReplayed), "ErrReplayed")
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testSK)
			assert.NotContains(t, err.Error(), validSig)
		})
	}
}

func TestSigV4Accepts(t *testing.T) {
	body := []byte(`{"KeyId":"k"}`)
	creds, err := NewCredentials(Credential{Principal: "svc", Projects: []string{"123456789012", "000000000001"},
		AccessKey: testAK, SecretKey: testSK})
	require.NoError(t, err)
	a := SigV4(creds, WithClock(func() time.Time { return testNow }), WithRegion(awsRegion),
		WithRequiredSignedHeaders("x-amz-target", "content-type"))
	p, err := a.Authenticate(v4ServerRequest(t, awsTarget, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, Principal{ID: testAK, Method: MethodSigV4, Name: "svc", Projects: []string{"000000000001", "123456789012"}}, p)
	assert.True(t, p.AllowsProject("123456789012"))
	assert.False(t, p.AllowsProject("123456789013"))

	// A matching X-Amz-Content-Sha256, signed, is accepted.
	r := httptest.NewRequest(http.MethodPost, awsTarget, bytes.NewReader(body))
	r.Header.Set(AmzContentSHA256Header, hexSHA256(body))
	r.Header.Set("X-Amz-Target", "TrentService.Decrypt")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	require.NoError(t, SignV4(r, body, testAK, testSK, awsRegion, "kms", testNow))
	assert.Contains(t, r.Header.Get("Authorization"), "x-amz-content-sha256")
	_, err = a.Authenticate(r, body)
	assert.NoError(t, err)
}

func TestSigV4SkewBoundaries(t *testing.T) {
	tests := []struct {
		offset time.Duration
		maxSkw time.Duration
		ok     bool
	}{
		{0, 0, true},
		{5 * time.Minute, 0, true},
		{-5 * time.Minute, 0, true},
		{5*time.Minute + time.Second, 0, false},
		{-(5*time.Minute + time.Second), 0, false},
		{time.Minute, 30 * time.Second, false},
		{-30 * time.Second, 30 * time.Second, true},
		{14 * time.Minute, 15 * time.Minute, true},
		{-16 * time.Minute, 15 * time.Minute, false},
		{6 * time.Minute, -time.Minute, false}, // non-positive WithMaxSkew keeps the default
	}
	body := []byte("{}")
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v/max%v", tc.offset, tc.maxSkw), func(t *testing.T) {
			r := v4ServerRequest(t, awsTarget, body, testNow.Add(tc.offset))
			var opts []Option
			if tc.maxSkw != 0 {
				opts = append(opts, WithMaxSkew(tc.maxSkw))
			}
			_, err := testV4Authenticator(opts...).Authenticate(r, body)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.Contains(t, err.Error(), "outside ±")
		})
	}
}

// TestSigV4OverHTTP signs requests with SignV4 and verifies them in a real
// server, so what net/http puts on the wire is what is checked.
func TestSigV4OverHTTP(t *testing.T) {
	a := SigV4(StaticCredentials(map[string]string{testAK: testSK}), WithRegion(awsRegion))
	var sawContentLength bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.Header.Get("Content-Length") != "" {
			sawContentLength = true
		}
		p, err := a.Authenticate(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, p.ID)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path string
		body               string
		headers            [][2]string
	}{
		{"GenerateDataKeyPair", http.MethodPost, "/", `{"KeyId":"k","KeyPairSpec":"ECC_NIST_P256"}`,
			[][2]string{{"X-Amz-Target", "TrentService.GenerateDataKeyPair"}, {"Content-Type", "application/x-amz-json-1.1"}}},
		{"empty body", http.MethodPost, "/", ``, [][2]string{{"X-Amz-Target", "TrentService.ListKeys"}}},
		{"query string", http.MethodGet, "/v1/keys?limit=10&marker=a%20b&tag=z&tag=a&flag&plus=a+b", "", nil},
		{"reserved characters", http.MethodGet, "/q?k%3D=v%26w&star=*&tilde=~&utf8=%C3%A9&slash=a/b&dash=a-b", "", nil},
		{"escaped path segments", http.MethodDelete, "/v1/a%20b/c%25d/%C3%A9/", "", nil},
		{"encoded slash in a segment", http.MethodPost, "/alias/a%2Fb", `{}`, nil},
		{"repeated and spaced header", http.MethodPost, "/", `x`,
			[][2]string{{"X-Custom", "  a   b "}, {"X-Custom", "c"}, {"X-Amz-Meta", "m"}}},
		{"user agent and trace id unsigned", http.MethodPost, "/", `x`,
			[][2]string{{"User-Agent", "agent"}, {"X-Amzn-Trace-Id", "Root=1"}}},
		{"large body", http.MethodPost, "/", strings.Repeat("b", 1<<16), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			for _, h := range tc.headers {
				req.Header.Add(h[0], h[1])
			}
			require.NoError(t, SignV4(req, []byte(tc.body), testAK, testSK, awsRegion, "kms", time.Now()))
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
			assert.Equal(t, testAK, string(got))
		})
	}
	assert.True(t, sawContentLength, "the server keeps Content-Length in the header map")

	t.Run("body swapped after signing", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(`{"a":2}`))
		require.NoError(t, err)
		require.NoError(t, SignV4(req, []byte(`{"a":1}`), testAK, testSK, awsRegion, "kms", time.Now()))
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, string(got), mismatch)
	})
}

func TestSignV4RejectsBadInput(t *testing.T) {
	ok := func() *http.Request { return httptest.NewRequest(http.MethodPost, awsTarget, nil) }
	noHost := func() *http.Request { return &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/"}} }
	withPath := func(p string) *http.Request {
		r := ok()
		r.URL.Path = p
		return r
	}
	tests := []struct {
		name                    string
		r                       *http.Request
		ak, sk, region, service string
		want                    string
	}{
		{"nil request", nil, testAK, testSK, "r", "kms", "request has no URL"},
		{"nil URL", &http.Request{}, testAK, testSK, "r", "kms", "request has no URL"},
		{"opaque URL", &http.Request{URL: &url.URL{Scheme: "http", Opaque: "x"}}, testAK, testSK, "r", "kms", "opaque URLs"},
		{"empty access key", ok(), "", testSK, "r", "kms", "empty access key"},
		{"access key with slash", ok(), "a/b", testSK, "r", "kms", `access key, or one with a "/"`},
		{"access key with space", ok(), "a b", testSK, "r", "kms", `access key, or one with a "/"`},
		{"empty secret key", ok(), testAK, "", "r", "kms", "empty secret key"},
		{"empty region", ok(), testAK, testSK, "", "kms", "empty region or service"},
		{"service with slash", ok(), testAK, testSK, "r", "a/b", "empty region or service"},
		{"no host", noHost(), testAK, testSK, "r", "kms", "request has no host"},
		{"dot segment", withPath("/a/./b"), testAK, testSK, "r", "kms", `"." or ".." segment`},
		{"malformed query", func() *http.Request { r := ok(); r.URL.RawQuery = "a=%z"; return r }(), testAK, testSK, "r", "kms",
			"malformed query string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := SignV4(tc.r, nil, tc.ak, tc.sk, tc.region, tc.service, testNow)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "auth: signv4: "), err.Error())
			assert.False(t, errors.Is(err, ErrUnauthenticated))
			if tc.r != nil && tc.r.Header != nil {
				assert.Empty(t, tc.r.Header.Get("Authorization"))
			}
		})
	}
}

func TestSignV4HeaderSelection(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "https://kms.test:443/?b=2&a=1", strings.NewReader("abc"))
	r.Header = http.Header{
		"Content-Type":      {"application/x-amz-json-1.1"},
		"User-Agent":        {"skipped"},
		"X-Amzn-Trace-Id":   {"skipped"},
		"Expect":            {"100-continue"},
		"Transfer-Encoding": {"chunked"},
		"Authorization":     {"stale"},
		"X-Amz-Date":        {"20000101T000000Z"},
		"x-amz-date":        {"20000101T000000Z"},
		"Content-Length":    {"999"}, // ignored: r.ContentLength is what is sent
		"X-Lower":           {"b"},
	}
	require.NoError(t, SignV4(r, []byte("abc"), testAK, testSK, awsRegion, "kms", testNow))
	assert.Equal(t, "kms.test", r.Host, "the default port is removed")
	assert.Equal(t, "a=1&b=2", r.URL.RawQuery, "the query is rewritten in canonical form")
	assert.Equal(t, []string{testNow.Format(DateFormat)}, r.Header.Values(AmzDateHeader))
	assert.NotContains(t, r.Header, "x-amz-date")
	auth := r.Header.Values("Authorization")
	require.Len(t, auth, 1)
	assert.True(t, strings.HasPrefix(auth[0], "AWS4-HMAC-SHA256 Credential="+testAK+"/20260304/"+awsRegion+"/kms/aws4_request, "+
		"SignedHeaders=content-length;content-type;host;x-amz-date;x-lower, Signature="), auth[0])

	r.Header.Del("Content-Length")
	r.Header.Del("Expect")
	r.Header.Del("Transfer-Encoding")
	_, err := testV4Authenticator().Authenticate(r, []byte("abc"))
	require.NoError(t, err)
}

func TestSignV4DeterministicAndEmptyMethod(t *testing.T) {
	sign := func(method string) string {
		u, err := url.Parse(awsTarget)
		require.NoError(t, err)
		r := &http.Request{Method: method, URL: u}
		require.NoError(t, SignV4(r, []byte("b"), testAK, testSK, awsRegion, "kms", testNow))
		return r.Header.Get("Authorization")
	}
	assert.Equal(t, sign(http.MethodGet), sign(http.MethodGet))
	assert.Equal(t, sign(http.MethodGet), sign(""), "net/http sends an empty Method as GET")
	assert.NotEqual(t, sign(http.MethodGet), sign(http.MethodPost))
}

func TestCanonicalURIV4(t *testing.T) {
	tests := []struct{ raw, want, err string }{
		{raw: "http://h", want: "/"},
		{raw: "http://h/", want: "/"},
		{raw: "http://h/a", want: "/a"},
		{raw: "http://h/a/", want: "/a/"},
		{raw: "http://h/a%20b/c%25d", want: "/a%2520b/c%2525d"}, // encoded twice
		{raw: "http://h/a+b/*", want: "/a%2Bb/%2A"},
		{raw: "http://h/a%2Fb", want: "/a%252Fb"},
		{raw: "http://h/%C3%A9", want: "/%25C3%25A9"},
		{raw: "http://h/-._~", want: "/-._~"},
		{raw: "http://h/a//b", err: "empty segment"},
		{raw: "http://h//", err: "empty segment"},
		{raw: "http://h/a/./b", err: `"." or ".."`},
		{raw: "http://h/a/..", err: `"." or ".."`},
		{raw: "http://h/%2e%2E/", err: `"." or ".."`},
		{raw: "http://h/...", want: "/..."},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.raw)
		require.NoError(t, err)
		got, err := canonicalURIV4(u)
		if tc.err != "" {
			require.Error(t, err, tc.raw)
			assert.Contains(t, err.Error(), tc.err, tc.raw)
			continue
		}
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
}

func TestCanonicalQueryV4(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1&a=0", "a=0&a=1&b=2"},
		{"k", "k="},
		{"a+b=c%20d", "a%20b=c%20d"},
		{"Z=1&a=1", "Z=1&a=1"},
		{"k=a%2Bb", "k=a%2Bb"},
		// Sorted after encoding (cases of aws-sdk-go-v2's
		// TestSign_canonicalQueryOrder): "%" sorts before "-" and "a".
		{"k=a-b&k=a/b", "k=a%2Fb&k=a-b"},
		{"a=1&%C3%A9=2", "%C3%A9=2&a=1"},
	}
	for _, tc := range tests {
		got, err := canonicalQueryV4(tc.raw)
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
	for _, bad := range []string{"a=%zz", "a;b=1", "%"} {
		_, err := canonicalQueryV4(bad)
		assert.Error(t, err, bad)
	}
}

func TestCollapseSpacesAndDefaultPort(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "a": "a", "  a  ": "a", "a   b  c": "a b c", "\ta \t  b\t": "a \t b", `"a   b   c"`: `"a b c"`,
	} {
		assert.Equal(t, want, collapseSpaces(in), "%q", in)
	}
	tests := []struct{ scheme, host, want string }{
		{"https", "h:443", "h"}, {"http", "h:80", "h"}, {"HTTPS", "h:443", "h"},
		{"https", "h:80", "h:80"}, {"http", "h:8080", "h:8080"}, {"https", "h", "h"},
		{"https", "[::1]:443", "[::1]"}, {"https", "[::1]", "[::1]"}, {"http", "h:", "h"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, withoutDefaultPort(tc.scheme, tc.host), "%s %s", tc.scheme, tc.host)
	}
}
