package huawei_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

const project = keystore.DefaultProject

func newKeyring(testing.TB) keystore.KeyManager { return keyring.New() }

func createURL(srv *httptest.Server) string {
	return srv.URL + "/v1.0/" + project + "/kms/create-ec-datakey-pair"
}

func decryptURL(srv *httptest.Server) string {
	return srv.URL + "/v1.0/" + project + "/kms/decrypt-datakey-pair"
}

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, method, url string, body io.Reader, hdr map[string]string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return httpResult{resp.StatusCode, resp.Header, b}
}

func jsonBody(t testing.TB, v any) io.Reader {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

// TestHandlerRoundTrip: create then decrypt over HTTP for every spec.
func TestHandlerRoundTrip(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	srv := httptest.NewServer(huawei.NewHandler(f.P))
	defer srv.Close()
	for _, spec := range curves.Specs() {
		r := do(t, http.MethodPost, createURL(srv), jsonBody(t, map[string]any{
			"key_id": f.AES, "key_spec": spec, "additional_authenticated_data": "x",
		}), nil)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		assert.Len(t, r.header.Get(huawei.RequestIDHeader), 32)
		assert.Contains(t, r.header.Get("Content-Type"), "application/json")
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"), "a response with a private key is not cached")
		var resp provider.CreateEcDatakeyPairResponse
		require.NoError(t, json.Unmarshal(r.body, &resp))
		assert.Equal(t, string(spec), resp.KeySpec)
		assert.NotEmpty(t, resp.PrivateKeyPlainText)

		d := do(t, http.MethodPost, decryptURL(srv), jsonBody(t, map[string]any{
			"cipher_text": resp.PrivateKeyCipherText, "additional_authenticated_data": "x",
		}), nil)
		require.Equal(t, http.StatusOK, d.status, string(d.body))
		var dec provider.DecryptDatakeyPairResponse
		require.NoError(t, json.Unmarshal(d.body, &dec))
		assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
		assert.Equal(t, resp.PublicKey, dec.PublicKey)
	}
}

// TestHandlerErrors: every HTTP-level failure answers with its status and a
// JSON error body {"error":{"error_code","error_msg"}}, never a 500.
func TestHandlerErrors(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	srv := httptest.NewServer(huawei.NewHandler(f.P))
	defer srv.Close()
	valid := fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2"}`, f.AES)
	for _, tc := range []struct {
		name, method, url, body string
		status                  int
		code, msg               string
	}{
		{"unknown path", "POST", srv.URL + "/v1.0/" + project + "/kms/create-datakey", valid, 404, "KMS.0201", "no API"},
		{"root", "GET", srv.URL + "/", "", 404, "KMS.0201", "no API"},
		{"wrong version", "POST", srv.URL + "/v2/" + project + "/kms/create-ec-datakey-pair", valid, 404, "KMS.0201", "no API"},
		{"GET", "GET", createURL(srv), "", 405, "KMS.0201", "POST"},
		{"PUT", "PUT", decryptURL(srv), valid, 405, "KMS.0201", "POST"},
		{"short project", "POST", srv.URL + "/v1.0/abc/kms/create-ec-datakey-pair", valid, 400, "KMS.0201", "project_id"},
		{"non-hex project", "POST", srv.URL + "/v1.0/" + strings.Repeat("z", 32) + "/kms/create-ec-datakey-pair", valid, 400, "KMS.0201", "project_id"},
		{"empty body", "POST", createURL(srv), "", 400, "KMS.0202", "empty"},
		{"not json", "POST", createURL(srv), "key_id=1", 400, "KMS.0202", "syntax"},
		{"truncated json", "POST", createURL(srv), `{"key_id":`, 400, "KMS.0202", "JSON"},
		{"json array", "POST", createURL(srv), `[]`, 400, "KMS.0202", "JSON"},
		{"unknown field", "POST", createURL(srv), `{"key_id":"x","key_spec":"SM2","colour":"red"}`, 400, "KMS.0202", "colour"},
		{"wrong type", "POST", createURL(srv), `{"key_id":1}`, 400, "KMS.0202", "key_id"},
		{"with_plain_text as number", "POST", createURL(srv), `{"key_id":"x","key_spec":"SM2","with_plain_text":1}`, 400, "KMS.0202", "with_plain_text"},
		{"trailing data", "POST", createURL(srv), valid + `{}`, 400, "KMS.0202", "after the JSON"},
		{"too large", "POST", createURL(srv), `{"key_id":"` + strings.Repeat("a", huawei.MaxBodySize) + `"}`, 413, "KMS.0203", "bytes"},
		{"missing key_id", "POST", createURL(srv), `{"key_spec":"SM2"}`, 400, "KMS.0204", "key_id"},
		{"bad key_id", "POST", createURL(srv), `{"key_id":"x","key_spec":"SM2"}`, 400, "KMS.0205", "key_id"},
		{"unknown key", "POST", createURL(srv), `{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"SM2"}`, 404, huawei.CodeOf(provider.FailKeyNotFound).Code, "does not exist"},
		{"decrypt garbage", "POST", decryptURL(srv), `{"cipher_text":"AAAA"}`, 400, huawei.CodeOf(provider.FailInvalidCiphertext).Code, "cipher_text"},
		// Strict bodies: a gateway checking a member sees the member the
		// operation acts on.
		{"duplicate member", "POST", createURL(srv), fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2","with_plain_text":false,"with_plain_text":true}`, f.AES), 400, "KMS.0202", `"with_plain_text" twice`},
		{"case-variant member", "POST", createURL(srv), fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2","with_plain_text":false,"WITH_PLAIN_TEXT":true}`, f.AES), 400, "KMS.0202", `case-sensitive`},
		{"case-variant only", "POST", createURL(srv), fmt.Sprintf(`{"KEY_ID":%q,"key_spec":"SM2"}`, f.AES), 400, "KMS.0202", `did you mean "key_id"`},
		{"duplicate in recipient", "POST", createURL(srv), fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2","recipient":{"attestation_document":"A","attestation_document":"B"}}`, f.AES), 400, "KMS.0202", `"recipient.attestation_document" twice`},
		{"unknown member in recipient", "POST", createURL(srv), fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2","recipient":{"nonce":"A"}}`, f.AES), 400, "KMS.0202", `"recipient.nonce"`},
		{"json string body", "POST", createURL(srv), `"x"`, 400, "KMS.0202", "a string; a JSON object is required"},
		{"json number body", "POST", decryptURL(srv), `7`, 400, "KMS.0202", "a number; a JSON object is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, tc.url, strings.NewReader(tc.body), nil)
			assert.Equal(t, tc.status, r.status, string(r.body))
			assert.NotEmpty(t, r.header.Get(huawei.RequestIDHeader))
			var eb huawei.ErrorBody
			require.NoError(t, json.Unmarshal(r.body, &eb), "error body is JSON: %s", r.body)
			assert.Equal(t, tc.code, eb.Error.ErrorCode)
			assert.Contains(t, eb.Error.ErrorMsg, tc.msg)
			for _, goType := range []string{"provider.", "map[", "[]", "struct", "*bool", "json: "} {
				assert.NotContains(t, eb.Error.ErrorMsg, goType, "messages name JSON, not Go")
			}
			if tc.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", r.header.Get("Allow"))
			}
		})
	}
}

// TestHandlerContentType: only application/json bodies, with any
// parameters, reach the operation.
func TestHandlerContentType(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	srv := httptest.NewServer(huawei.NewHandler(f.P))
	defer srv.Close()
	valid := fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2"}`, f.AES)
	for _, tc := range []struct {
		cts    []string
		status int
	}{
		{[]string{"application/json"}, 200},
		{[]string{"application/json;charset=UTF-8"}, 200},
		{[]string{"Application/JSON; charset=utf-8"}, 200},
		{nil, 400},
		{[]string{""}, 400},
		{[]string{"text/plain"}, 400},
		{[]string{"application/x-www-form-urlencoded"}, 400},
		{[]string{"application/jsonp"}, 400},
		{[]string{"multipart/form-data; boundary=x"}, 400},
		{[]string{"application/json; charset"}, 400},
		// A singleton field twice, whichever comes first.
		{[]string{"application/json", "text/plain"}, 400},
		{[]string{"text/plain", "application/json"}, 400},
		{[]string{"application/json", "application/json"}, 400},
	} {
		req, err := http.NewRequest(http.MethodPost, createURL(srv), strings.NewReader(valid))
		require.NoError(t, err)
		req.Header["Content-Type"] = tc.cts
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "Content-Type %q: %s", tc.cts, body)
		if tc.status != 200 {
			assert.Contains(t, string(body), "KMS.0202")
			assert.Contains(t, string(body), "Content-Type")
		}
	}
}

// TestHandlerRequestID echoes a caller's request id and replaces a bad one.
func TestHandlerRequestID(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	srv := httptest.NewServer(huawei.NewHandler(f.P))
	defer srv.Close()
	r := do(t, "POST", createURL(srv), strings.NewReader("{"), map[string]string{huawei.RequestIDHeader: "abc-123"})
	assert.Equal(t, "abc-123", r.header.Get(huawei.RequestIDHeader))
	r = do(t, "POST", createURL(srv), strings.NewReader("{"), map[string]string{huawei.RequestIDHeader: "bad id with spaces"})
	assert.Len(t, r.header.Get(huawei.RequestIDHeader), 32)
}

// TestHandlerAuth: with an authenticator, unauthenticated requests get 401
// before any work, and the principal and project reach the Authorizer.
func TestHandlerAuth(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []provider.Caller
	)
	f := providertest.NewFixture(t, newKeyring, providertest.WithProviderOptions(provider.WithAuthorizer(provider.AuthorizerFunc(
		func(_ context.Context, r *provider.AuthzRequest) error {
			mu.Lock()
			seen = append(seen, r.Caller)
			mu.Unlock()
			return nil
		}))))
	var logBuf bytes.Buffer
	var logMu sync.Mutex
	h := huawei.NewHandler(f.P,
		huawei.WithAuthenticator(auth.Any(auth.Token("s3cret-token"), auth.AKSK(auth.StaticCredentials(map[string]string{"AKID": "SKSECRET"})))),
		huawei.WithLogger(slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logBuf}, nil))))
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := fmt.Sprintf(`{"key_id":%q,"key_spec":"ECC_NIST_P256"}`, f.AES)

	r := do(t, "POST", createURL(srv), strings.NewReader(body), nil)
	assert.Equal(t, 401, r.status)
	assert.Contains(t, string(r.body), huawei.CodeOf(provider.FailUnauthenticated).Code)
	r = do(t, "POST", createURL(srv), strings.NewReader(body), map[string]string{"X-Auth-Token": "wrong"})
	assert.Equal(t, 401, r.status)
	// Unauthenticated requests are refused before the body is looked at.
	r = do(t, "POST", createURL(srv), strings.NewReader("not json"), nil)
	assert.Equal(t, 401, r.status)
	mu.Lock()
	assert.Empty(t, seen, "no request reached the authorizer")
	mu.Unlock()

	r = do(t, "POST", createURL(srv), strings.NewReader(body), map[string]string{"X-Auth-Token": "s3cret-token"})
	require.Equal(t, 200, r.status, string(r.body))

	// AK/SK signed as the SDK signs.
	req, err := http.NewRequest("POST", createURL(srv), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, auth.Sign(req, []byte(body), "AKID", "SKSECRET", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	// Wrong SK.
	req, _ = http.NewRequest("POST", createURL(srv), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, auth.Sign(req, []byte(body), "AKID", "WRONG", time.Now()))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)

	mu.Lock()
	require.Len(t, seen, 2)
	assert.Equal(t, project, seen[0].ProjectID)
	assert.NotEmpty(t, seen[0].RequestID)
	assert.Equal(t, "AKID", seen[1].Principal)
	mu.Unlock()

	logMu.Lock()
	logs := logBuf.String()
	logMu.Unlock()
	assert.Equal(t, 6, strings.Count(logs, `"msg":"request"`), "one log line per request")
	for _, secret := range []string{"s3cret-token", "SKSECRET", "key_spec", "private_key"} {
		assert.NotContains(t, logs, secret, "logs hold no secrets or bodies")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestHandlerConcurrent: parallel requests under -race.
func TestHandlerConcurrent(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	srv := httptest.NewServer(huawei.NewHandler(f.P))
	defer srv.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				spec := curves.Specs()[(g+i)%len(curves.Specs())]
				r := do(t, "POST", createURL(srv), strings.NewReader(fmt.Sprintf(`{"key_id":%q,"key_spec":%q}`, f.SM4, spec)), nil)
				if r.status != 200 {
					t.Errorf("status %d: %s", r.status, r.body)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestHandlerProjectBinding: a credential bound to projects is refused in
// any other (403 KMS.0306) before its key is looked up, so the answer is
// the same for a key that exists and one that does not; a credential of
// every project asking in another project than the key's gets not found.
func TestHandlerProjectBinding(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	other := "fedcba9876543210fedcba9876543210"
	creds, err := auth.NewCredentials(
		auth.Credential{Principal: "alice", Projects: []string{project}, Token: "alice-token"},
		auth.Credential{Principal: "dev", Token: "dev-token"}, // every project
	)
	require.NoError(t, err)
	srv := httptest.NewServer(huawei.NewHandler(f.P, huawei.WithAuthenticator(auth.Tokens(creds))))
	defer srv.Close()
	post := func(token, proj, keyID string) (int, string) {
		r := do(t, http.MethodPost, srv.URL+"/v1.0/"+proj+"/kms/create-ec-datakey-pair",
			strings.NewReader(fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2"}`, keyID)), map[string]string{auth.TokenHeader: token})
		var eb huawei.ErrorBody
		_ = json.Unmarshal(r.body, &eb)
		return r.status, eb.Error.ErrorCode
	}
	missing := "00000000-0000-4000-8000-000000000000"
	for _, keyID := range []string{f.AES, missing} {
		status, code := post("alice-token", other, keyID)
		assert.Equal(t, http.StatusForbidden, status, keyID)
		assert.Equal(t, "KMS.0306", code, keyID)
	}
	status, code := post("dev-token", other, missing)
	assert.Equal(t, http.StatusNotFound, status, "a credential for every project reaches the key lookup")
	// Tenancy: a key that exists, asked for in another project, is answered
	// exactly as a key that does not exist.
	status2, code2 := post("dev-token", other, f.AES)
	assert.Equal(t, status, status2, "another project's key is not found")
	assert.Equal(t, code, code2, "another project's key is not found")
	status, _ = post("dev-token", project, f.AES)
	assert.Equal(t, http.StatusOK, status, "the key in its own project")
}

// unreachableReplay is a fleet's shared replay record out of reach.
type unreachableReplay struct{}

func (unreachableReplay) Admit(context.Context, string, []byte, time.Time, time.Time) error {
	return fmt.Errorf("%w: etcd: context deadline exceeded", keystore.ErrUnavailable)
}

// TestReplayRecordUnreachable: a signature that verifies but cannot be
// recorded against replay, or an access key at its replay bound, is
// service unavailable (retry), not unauthenticated.
func TestReplayRecordUnreachable(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	creds := auth.StaticCredentials(map[string]string{"AKID": "SKSECRET"})
	full := auth.NewMemoryReplayCache(1)
	for name, rc := range map[string]auth.ReplayCache{"unreachable": unreachableReplay{}, "full": full} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(huawei.NewHandler(f.P, huawei.WithAuthenticator(auth.AKSK(creds, auth.WithReplayCache(rc)))))
			defer srv.Close()
			send := func(body string) httpResult {
				req, err := http.NewRequest("POST", createURL(srv), strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				require.NoError(t, auth.Sign(req, []byte(body), "AKID", "SKSECRET", time.Now()))
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return httpResult{status: resp.StatusCode, body: b}
			}
			body := fmt.Sprintf(`{"key_id":%q,"key_spec":"ECC_NIST_P256"}`, f.AES)
			if name == "full" {
				require.Equal(t, 200, send(body).status, "the bound's one entry")
				body = fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2"}`, f.AES)
			}
			r := send(body)
			assert.Equal(t, http.StatusServiceUnavailable, r.status, string(r.body))
			assert.Contains(t, string(r.body), huawei.CodeOf(provider.FailUnavailable).Code)
		})
	}
}
