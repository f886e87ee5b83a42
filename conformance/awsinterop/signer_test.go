package awsinterop

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sdkCreds = aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}

// request is one request to sign.
type request struct {
	name, method, path string // path and query, as given to http.NewRequest
	body               string
	headers            [][2]string
}

// requests covers methods, paths, queries, bodies and headers; the JSON
// 1.1 POSTs are what the AWS dialect serves.
var requests = []request{
	{name: "GenerateDataKeyPair", method: http.MethodPost, path: "/",
		body:    `{"KeyId":"alias/k","KeyPairSpec":"ECC_NIST_P256","EncryptionContext":{"a":"b"}}`,
		headers: [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "TrentService.GenerateDataKeyPair"}}},
	{name: "Decrypt empty body", method: http.MethodPost, path: "/",
		headers: [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "TrentService.Decrypt"}}},
	{name: "GET query", method: http.MethodGet, path: "/v1/keys?limit=10&marker=a%20b&tag=z&tag=a&flag"},
	{name: "query sorted after encoding", method: http.MethodGet, path: "/q?k=a-b&k=a%2Fb&a=1&%C3%A9=2&plus=a%2Bb&sp=a+b"},
	{name: "reserved characters in query", method: http.MethodGet, path: "/q?k%3D=v%26w&star=*&tilde=~&br=%5B%5D&at=%40"},
	{name: "escaped path", method: http.MethodPut, path: "/v1/a%20b/c%25d/%C3%A9/x+y", body: "raw body"},
	{name: "encoded slash in a segment", method: http.MethodDelete, path: "/alias/a%2Fb"},
	{name: "trailing slash", method: http.MethodGet, path: "/v1/keys/"},
	{name: "repeated and spaced headers", method: http.MethodPost, path: "/", body: "{}",
		headers: [][2]string{{"X-Custom", "  a   b  "}, {"X-Custom", "c"}, {"X-Amz-Meta-Note", "n  n"}}},
	{name: "headers the SDK leaves unsigned", method: http.MethodPost, path: "/", body: "{}",
		headers: [][2]string{{"User-Agent", "ua/1"}, {"X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000"}}},
	{name: "content hash header", method: http.MethodPost, path: "/", body: `{"a":1}`,
		headers: [][2]string{{"X-Amz-Content-Sha256", payloadHash([]byte(`{"a":1}`))}}},
	{name: "large body", method: http.MethodPost, path: "/", body: strings.Repeat("b", 1<<17)},
}

// newRequest builds r against base (a URL without a path).
func (r request) newRequest(t *testing.T, base string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	require.NoError(t, err)
	for _, h := range r.headers {
		req.Header.Add(h[0], h[1])
	}
	return req
}

func sdkSign(t *testing.T, req *http.Request, body, region string, at time.Time) {
	t.Helper()
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), sdkCreds, req, payloadHash([]byte(body)), "kms", region, at))
}

func send(t *testing.T, s *verifyServer, req *http.Request) (int, string) {
	t.Helper()
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		require.NoError(t, json.Unmarshal(b, &e), "%s", b)
		return resp.StatusCode, e.Message
	}
	return resp.StatusCode, string(b)
}

// TestSDKSignerVerifies: what the SDK's signer signs, SigV4 accepts, over
// a real connection.
func TestSDKSignerVerifies(t *testing.T) {
	s := newVerifyServer(t, auth.SigV4(testCredentials(t), auth.WithRegion(testRegion)), nil)
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			req := rq.newRequest(t, s.URL)
			sdkSign(t, req, rq.body, testRegion, time.Now())
			code, got := send(t, s, req)
			assert.Equal(t, http.StatusOK, code, got)
			assert.Equal(t, "svc", got)
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.accepted, len(requests))
	for _, p := range s.accepted {
		assert.Equal(t, auth.Principal{ID: testAK, Method: auth.MethodSigV4, Name: "svc", Projects: []string{testAcct}}, p)
	}
}

// TestSDKSignerTampering: changing anything the SDK signed, or signing for
// another scope, is refused.
func TestSDKSignerTampering(t *testing.T) {
	s := newVerifyServer(t, auth.SigV4(testCredentials(t), auth.WithRegion(testRegion)), nil)
	const body = `{"KeyId":"alias/k","KeyPairSpec":"ECC_NIST_P256"}`
	base := requests[0]
	setScopeRegion := func(req *http.Request, from, to string) {
		h := req.Header.Get("Authorization")
		req.Header.Set("Authorization", strings.Replace(h, "/"+from+"/", "/"+to+"/", 1))
	}
	tests := []struct {
		name   string
		region string // signing region; testRegion when empty
		at     time.Duration
		after  func(req *http.Request) // after signing
		body   string                  // sent instead of the signed body, when set
		want   string
	}{
		{name: "body", body: `{"KeyId":"alias/other","KeyPairSpec":"ECC_NIST_P256"}`, want: "signature does not match or access key unknown"},
		{name: "target header", after: func(r *http.Request) { r.Header.Set("X-Amz-Target", "TrentService.Decrypt") },
			want: "signature does not match or access key unknown"},
		{name: "content type", after: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
			want: "signature does not match or access key unknown"},
		{name: "date", after: func(r *http.Request) {
			d, err := time.Parse(auth.DateFormat, r.Header.Get("X-Amz-Date"))
			require.NoError(t, err)
			r.Header.Set("X-Amz-Date", d.Add(time.Second).Format(auth.DateFormat))
		}, want: "signature does not match or access key unknown"},
		{name: "path", after: func(r *http.Request) { r.URL.Path = "/x" }, want: "signature does not match or access key unknown"},
		{name: "query", after: func(r *http.Request) { r.URL.RawQuery = "a=1" }, want: "signature does not match or access key unknown"},
		{name: "added X-Amz header", after: func(r *http.Request) { r.Header.Set("X-Amz-Extra", "1") },
			want: "header X-Amz-Extra is not signed"},
		{name: "signed for another region", region: "us-east-1", want: `Credential region "us-east-1" is not "eu-central-1"`},
		{name: "scope region edited", region: "us-east-1", after: func(r *http.Request) { setScopeRegion(r, "us-east-1", testRegion) },
			want: "signature does not match or access key unknown"},
		{name: "stale", at: -6 * time.Minute, want: "is outside ±5m0s of the server time"},
		{name: "future", at: 6 * time.Minute, want: "is outside ±5m0s of the server time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent := body
			if tc.body != "" {
				sent = tc.body
			}
			req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(sent))
			require.NoError(t, err)
			for _, h := range base.headers {
				req.Header.Set(h[0], h[1])
			}
			region := testRegion
			if tc.region != "" {
				region = tc.region
			}
			sdkSign(t, req, body, region, time.Now().Add(tc.at))
			if tc.after != nil {
				tc.after(req)
			}
			code, got := send(t, s, req)
			assert.Equal(t, http.StatusUnauthorized, code)
			assert.Contains(t, got, tc.want)
			assert.NotContains(t, got, testSK)
		})
	}
}

// TestSDKSignedReplay: the SDK-signed request sent twice is accepted once.
func TestSDKSignedReplay(t *testing.T) {
	s := newVerifyServer(t, auth.SigV4(testCredentials(t), auth.WithRegion(testRegion)), nil)
	rq := requests[0]
	req := rq.newRequest(t, s.URL)
	sdkSign(t, req, rq.body, testRegion, time.Now())
	code, got := send(t, s, req)
	require.Equal(t, http.StatusOK, code, got)

	again := rq.newRequest(t, s.URL)
	again.Header = req.Header.Clone()
	code, got = send(t, s, again)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, got, "replayed request")
}

// TestSignV4MatchesSDKSigner: for the same request and time, auth.SignV4
// sets exactly the headers, Host and query the SDK's signer sets.
func TestSignV4MatchesSDKSigner(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	bases := []string{"https://kms.eu-central-1.amazonaws.com", "https://kms.test:443", "http://127.0.0.1:8080", "http://h:80"}
	for _, base := range bases {
		for _, rq := range requests {
			t.Run(base+"/"+rq.name, func(t *testing.T) {
				sdkReq := rq.newRequest(t, base)
				sdkSign(t, sdkReq, rq.body, testRegion, at)
				ours := rq.newRequest(t, base)
				require.NoError(t, auth.SignV4(ours, []byte(rq.body), testAK, testSK, testRegion, "kms", at))
				assert.Equal(t, sdkReq.Header.Get("Authorization"), ours.Header.Get("Authorization"))
				assert.Equal(t, sdkReq.Header, ours.Header)
				assert.Equal(t, sdkReq.Host, ours.Host)
				assert.Equal(t, sdkReq.URL.String(), ours.URL.String())
			})
		}
	}
}
