package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const createPath = "https://kms.test/v1.0/p1/kms/create-ec-datakey-pair"

func TestAKSKRejections(t *testing.T) {
	body := []byte(`{"key_id":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","key_spec":"ECC_NIST_P256"}`)
	setAuth := func(v string) func(*http.Request, *[]byte) {
		return func(r *http.Request, _ *[]byte) { r.Header.Set("Authorization", v) }
	}
	const goodSig = "Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name     string
		opts     []AKSKOption
		nilStore bool
		mutate   func(r *http.Request, body *[]byte)
		want     string
		absent   bool // wraps ErrNoCredentials
	}{
		{name: "missing Authorization", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("Authorization") },
			want: "missing Authorization header", absent: true},
		{name: "two Authorization headers", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
		}, want: "2 Authorization headers"},
		// Another scheme's Authorization header is no AK/SK credential, so
		// that Any can combine AKSK with SigV4.
		{name: "other scheme", mutate: setAuth("Bearer abc"), want: "is not SDK-HMAC-SHA256", absent: true},
		{name: "scheme in lower case", mutate: setAuth("sdk-hmac-sha256 Access=a, SignedHeaders=x-sdk-date, " + goodSig),
			want: "is not SDK-HMAC-SHA256", absent: true},
		{name: "scheme only", mutate: setAuth("SDK-HMAC-SHA256"), want: "is not SDK-HMAC-SHA256", absent: true},
		{name: "SigV4 header", mutate: setAuth("AWS4-HMAC-SHA256 Credential=AK/20260304/us-east-1/kms/aws4_request, " +
			"SignedHeaders=host;x-amz-date, " + goodSig), want: "is not SDK-HMAC-SHA256", absent: true},
		{name: "parameter without =", mutate: setAuth("SDK-HMAC-SHA256 Access"), want: `parameter without "="`},
		{name: "lacks Access", mutate: setAuth("SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, " + goodSig), want: "lacks Access"},
		{name: "lacks SignedHeaders", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", " + goodSig), want: "lacks SignedHeaders"},
		{name: "lacks Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date"), want: "lacks Signature"},
		{name: "empty Access", mutate: setAuth("SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, " + goodSig),
			want: "empty or malformed Access"},
		{name: "duplicate Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, " + goodSig + ", " + goodSig),
			want: "Signature given twice"},
		{name: "duplicate Access", mutate: setAuth("SDK-HMAC-SHA256 Access=a, Access=b, SignedHeaders=x-sdk-date, " + goodSig),
			want: "Access given twice"},
		{name: "unknown parameter", mutate: setAuth("SDK-HMAC-SHA256 Access=a, Region=x, SignedHeaders=x-sdk-date, " + goodSig),
			want: `unknown Authorization parameter "Region"`},
		{name: "short signature", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=abcd"),
			want: "not 64 lower-case hex digits"},
		{name: "upper-case signature", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=" +
			strings.Repeat("AB", 32)), want: "not 64 lower-case hex digits"},
		{name: "non-hex signature", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=" +
			strings.Repeat("zz", 32)), want: "not 64 lower-case hex digits"},
		{name: "unsorted signed headers", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date;user-agent, " + goodSig),
			want: "not sorted and unique"},
		{name: "repeated signed header", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date;x-sdk-date, " + goodSig),
			want: "not sorted and unique"},
		{name: "upper-case signed header", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=X-Sdk-Date, " + goodSig),
			want: "is not a lower-case header name"},
		{name: "empty signed header", mutate: setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders=user-agent;;x-sdk-date, " + goodSig),
			want: "is not a lower-case header name"},
		{name: "x-sdk-date not signed", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=user-agent, " + goodSig),
			want: `SignedHeaders must include "x-sdk-date"`},
		{name: "required host not signed", opts: []AKSKOption{WithRequiredSignedHeaders("Host")},
			want: `SignedHeaders must include "host"`},
		{name: "unknown access key", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAK, "AKNOBODY", 1))
		}, want: "signature does not match or access key unknown"},
		{name: "AK/SK not configured", nilStore: true, want: "AK/SK authentication is not configured"},
		{name: "missing X-Sdk-Date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del(DateHeader) },
			want: "missing X-Sdk-Date header"},
		{name: "two X-Sdk-Date headers", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add(DateHeader, r.Header.Get(DateHeader)) },
			want: "2 X-Sdk-Date headers"},
		{name: "ISO 8601 X-Sdk-Date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(DateHeader, "2026-03-04T05:06:07Z") },
			want: "is not in the form 20060102T150405Z"},
		{name: "X-Sdk-Date without Z", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(DateHeader, "20260304T050607") },
			want: "is not in the form 20060102T150405Z"},
		{name: "stale X-Sdk-Date", mutate: func(r *http.Request, b *[]byte) {
			require.NoError(t, Sign(r, *b, testAK, testSK, testNow.Add(-time.Hour)))
		}, want: "is outside ±5m0s of the server time"},
		{name: "body changed", mutate: func(_ *http.Request, b *[]byte) { *b = append(*b, ' ') }, want: "signature does not match"},
		{name: "body dropped", mutate: func(_ *http.Request, b *[]byte) { *b = nil }, want: "signature does not match"},
		{name: "method changed", mutate: func(r *http.Request, _ *[]byte) { r.Method = http.MethodPut }, want: "signature does not match"},
		{name: "path changed", mutate: func(r *http.Request, _ *[]byte) { r.URL.Path = "/v1.0/p2/kms/create-ec-datakey-pair" },
			want: "signature does not match"},
		{name: "query added", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "a=1" }, want: "signature does not match"},
		{name: "malformed query", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "a=%zz" }, want: "malformed query string"},
		{name: "signed header changed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Project-Id", "p2") },
			want: "signature does not match"},
		{name: "signed header value added", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add("X-Project-Id", "p2") },
			want: "signature does not match"},
		{name: "signed header removed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("User-Agent") },
			want: `signed header "user-agent" is not in the request`},
		{name: "signed with another secret key", mutate: func(r *http.Request, b *[]byte) {
			require.NoError(t, Sign(r, *b, testAK, "another-secret", testNow))
		}, want: "signature does not match"},
		{name: "unsigned payload", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(ContentSHA256Header, "UNSIGNED-PAYLOAD") },
			want: "the signature must cover the body"},
		{name: "content hash of another body", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set(ContentSHA256Header, hexSHA256([]byte("other")))
		}, want: "X-Sdk-Content-Sha256 does not match the body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), body...)
			r := signedServerRequest(t, http.MethodPost, createPath, b, testNow)
			validSig := r.Header.Get("Authorization")
			validSig = validSig[strings.LastIndex(validSig, "=")+1:]
			if tc.mutate != nil {
				tc.mutate(r, &b)
			}
			a := testAuthenticator(tc.opts...)
			if tc.nilStore {
				a = AKSK(nil, WithClock(func() time.Time { return testNow }))
			}
			p, err := a.Authenticate(r, b)
			require.Error(t, err)
			assert.Equal(t, Principal{}, p)
			assert.ErrorIs(t, err, ErrUnauthenticated)
			assert.Equal(t, tc.absent, errors.Is(err, ErrNoCredentials), "ErrNoCredentials")
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testSK)
			assert.NotContains(t, err.Error(), validSig)
		})
	}
}

func TestAKSKAccepts(t *testing.T) {
	body := []byte(`{"key_id":"k"}`)
	p, err := testAuthenticator().Authenticate(signedServerRequest(t, http.MethodPost, createPath, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, Principal{ID: testAK, Method: MethodAKSK, Name: testAK}, p)

	// A matching X-Sdk-Content-Sha256 is what the SDK would have hashed.
	r := signedServerRequest(t, http.MethodPost, createPath, body, testNow)
	r.Header.Set(ContentSHA256Header, hexSHA256(body))
	_, err = testAuthenticator().Authenticate(r, body)
	assert.NoError(t, err)
}

func TestAKSKSkewBoundaries(t *testing.T) {
	tests := []struct {
		offset time.Duration
		maxSkw time.Duration
		ok     bool
	}{
		{0, 0, true},
		{4*time.Minute + 59*time.Second, 0, true},
		{-(4*time.Minute + 59*time.Second), 0, true},
		{5 * time.Minute, 0, true},
		{-5 * time.Minute, 0, true},
		{5*time.Minute + 1*time.Second, 0, false},
		{-(5*time.Minute + 1*time.Second), 0, false},
		{15 * time.Minute, 0, false}, // the former default no longer passes
		{24 * time.Hour, 0, false},
		{59 * time.Second, time.Minute, true},
		{61 * time.Second, time.Minute, false},
		{-61 * time.Second, time.Minute, false},
		{15 * time.Minute, 15 * time.Minute, true},
		{-15 * time.Minute, 15 * time.Minute, true},
		{15*time.Minute + time.Second, 15 * time.Minute, false},
		{6 * time.Minute, -time.Minute, false}, // non-positive WithMaxSkew keeps the default
	}
	body := []byte("{}")
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v/max%v", tc.offset, tc.maxSkw), func(t *testing.T) {
			r := signedServerRequest(t, http.MethodPost, createPath, body, testNow.Add(tc.offset))
			var opts []AKSKOption
			if tc.maxSkw != 0 {
				opts = append(opts, WithMaxSkew(tc.maxSkw))
			}
			_, err := testAuthenticator(opts...).Authenticate(r, body)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.Contains(t, err.Error(), "outside ±")
		})
	}
}

func TestAKSKSignedHost(t *testing.T) {
	body := []byte("{}")
	r := httptest.NewRequest(http.MethodPost, createPath, bytes.NewReader(body))
	date := testNow.Format(DateFormat)
	r.Header.Set(DateHeader, date)
	signed := []string{"host", "x-sdk-date"}
	canonical, err := canonicalRequest(r.Method, r.URL, r.Host, r.Header, signed, hexSHA256(body))
	require.NoError(t, err)
	assert.Contains(t, canonical, "\nhost:kms.test\n")
	r.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=host;x-sdk-date, Signature=%x",
		Algorithm, testAK, signature(testSK, date, canonical)))

	a := testAuthenticator(WithRequiredSignedHeaders("host"))
	_, err = a.Authenticate(r, body)
	require.NoError(t, err)

	r.Host = "evil.test"
	_, err = a.Authenticate(r, body)
	require.ErrorIs(t, err, ErrUnauthenticated)
	assert.Contains(t, err.Error(), "signature does not match")
}

// TestAKSKTrailingSlashQuirk pins a property of the SDK's canonical URI: a
// "/" is appended unless present, so "/x" and "/x/" share a signature.
func TestAKSKTrailingSlashQuirk(t *testing.T) {
	body := []byte("{}")
	signedFor := signedServerRequest(t, http.MethodPost, "https://kms.test/v1.0/p1/kms/list-keys", body, testNow)
	r := httptest.NewRequest(http.MethodPost, "https://kms.test/v1.0/p1/kms/list-keys/", bytes.NewReader(body))
	r.Header = signedFor.Header.Clone()
	_, err := testAuthenticator().Authenticate(r, body)
	assert.NoError(t, err)

	r = httptest.NewRequest(http.MethodPost, "https://kms.test/v1.0/p1/kms/list-keys//", bytes.NewReader(body))
	r.Header = signedFor.Header.Clone()
	_, err = testAuthenticator().Authenticate(r, body)
	require.ErrorIs(t, err, ErrUnauthenticated, "a doubled slash is a different path")
}

// TestAKSKOverHTTP signs requests with our client side and verifies them in
// a real server, so what net/http puts on the wire is what is checked.
func TestAKSKOverHTTP(t *testing.T) {
	a := AKSK(StaticCredentials(map[string]string{testAK: testSK}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
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
	}{
		{"create", http.MethodPost, "/v1.0/p1/kms/create-ec-datakey-pair", `{"key_id":"k","with_plain_text":false}`},
		{"query string", http.MethodGet, "/v1.0/p1/kms/list-keys?limit=10&marker=a%20b&tag=z&tag=a&flag", ""},
		{"trailing slash", http.MethodGet, "/v1.0/p1/kms/list-keys/?offset=0", ""},
		{"reserved characters in query", http.MethodGet, "/q?k%3D=v%26w&plus=%2B&star=*&tilde=~&utf8=%C3%A9", ""},
		{"escaped path segments", http.MethodDelete, "/v1.0/p1/a%20b/c%25d/%C3%A9", ""},
		{"encoded slash in a segment", http.MethodPost, "/v1.0/p1/alias/a%2Fb", `{}`},
		{"root", http.MethodPost, "/", `x`},
		{"large body", http.MethodPost, "/v1.0/p1/kms/decrypt-datakey-pair", strings.Repeat("b", 1<<16)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json;charset=UTF-8")
			req.Header.Set("User-Agent", "ecdkp-test")
			req.Header.Set("X-Project-Id", "p1")
			require.NoError(t, Sign(req, []byte(tc.body), testAK, testSK, time.Now()))
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
			assert.Equal(t, testAK, string(got))
		})
	}

	t.Run("body swapped after signing", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1.0/p1/kms/create-ec-datakey-pair", strings.NewReader(`{"a":2}`))
		require.NoError(t, err)
		require.NoError(t, Sign(req, []byte(`{"a":1}`), testAK, testSK, time.Now()))
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, string(got), "signature does not match")
	})
}

// TestAKSKConcurrent sends one signed request from 8 goroutines at once:
// the replay cache must accept exactly one of them.
func TestAKSKConcurrent(t *testing.T) {
	a := testAuthenticator()
	body := []byte(`{"k":1}`)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			r := httptest.NewRequest(http.MethodPost, createPath, bytes.NewReader(body))
			if err := Sign(r, body, testAK, testSK, testNow); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = a.Authenticate(r, body)
		})
	}
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		if err == nil {
			accepted++
			continue
		}
		assert.ErrorIs(t, err, ErrReplayed)
	}
	assert.Equal(t, 1, accepted)
}

func TestStaticCredentialsCopiesAndFilters(t *testing.T) {
	m := map[string]string{"a": "sa", "": "x", "b": ""}
	lookup := StaticCredentials(m)
	m["a"] = "changed"
	m["c"] = "sc"
	sk, ok := lookup("a")
	assert.True(t, ok)
	assert.Equal(t, "sa", sk)
	for _, ak := range []string{"", "b", "c"} {
		_, ok := lookup(ak)
		assert.False(t, ok, ak)
	}
}
