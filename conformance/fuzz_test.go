package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// fuzzTargets are our handlers in both dialects, AWS's with SigV4.
func fuzzTargets(t *testing.T, f *fixture, wrap func(http.Handler) http.Handler) map[string]conformance.Target {
	t.Helper()
	if wrap == nil {
		wrap = func(h http.Handler) http.Handler { return h }
	}
	hw := httptest.NewServer(wrap(huawei.NewHandler(f.p)))
	t.Cleanup(hw.Close)
	ht, err := conformance.NewHTTPTarget(hw.URL, testProjectID)
	require.NoError(t, err)
	as := awsServer(t, f)
	aw := httptest.NewServer(wrap(as.Config.Handler))
	t.Cleanup(aw.Close)
	return map[string]conformance.Target{"huawei": ht, "aws": newAWSTarget(t, aw.URL)}
}

// TestFuzzOurHandlers: our handlers keep every invariant, in both
// dialects, under every kind of mutation; the bounds hold.
func TestFuzzOurHandlers(t *testing.T) {
	f := newFixture(t)
	for name, target := range fuzzTargets(t, f, nil) {
		t.Run(name, func(t *testing.T) {
			r, err := conformance.Fuzz(context.Background(), target, conformance.FuzzOptions{
				KeyID: f.aes, MaxRequests: 600, Duration: time.Minute, Seed: 7,
				Specs: []curves.Spec{curves.P256, curves.SM2, curves.Ed25519},
			})
			require.NoError(t, err)
			var out bytes.Buffer
			_, _ = r.WriteTo(&out)
			assert.Empty(t, r.Findings, out.String())
			assert.Equal(t, 600, r.Requests)
			assert.Positive(t, r.Statuses[200], "some requests succeed")
			assert.Positive(t, r.Statuses[400], "some are refused")
			assert.Contains(t, out.String(), "600 requests, 0 findings")
			assert.Equal(t, uint64(7), r.Seed)
		})
	}
	t.Run("duration bound", func(t *testing.T) {
		start := time.Now()
		r, err := conformance.Fuzz(context.Background(), fuzzTargets(t, f, nil)["huawei"], conformance.FuzzOptions{KeyID: f.aes, Duration: 300 * time.Millisecond, MaxRequests: 1 << 30})
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Positive(t, r.Requests)
		assert.NotZero(t, r.Seed, "a random seed is reported")
	})
}

// brokenHandler wraps our handler with one defect: "500" answers a body
// that is not JSON with a plain-text 500, "unknown_code" renames the code
// of a missing key, "plaintext" answers GenerateDataKeyPairWithoutPlaintext
// (or with_plain_text=false) with the plaintext, "accepts_tampered"
// answers a refused decrypt with the last good decrypt's answer.
func brokenHandler(kind string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		var mu sync.Mutex
		var last []byte
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if kind == "500" && !json.Valid(body) {
				http.Error(w, "panic: unexpected end of JSON input", http.StatusInternalServerError)
				return
			}
			target := r.Header.Get("X-Amz-Target")
			if kind == "plaintext" {
				if target == "TrentService.GenerateDataKeyPairWithoutPlaintext" {
					r.Header.Set("X-Amz-Target", "TrentService.GenerateDataKeyPair")
				}
				body = bytes.ReplaceAll(body, []byte(`"with_plain_text":false`), []byte(`"with_plain_text":true`))
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			if target != "" && r.Header.Get("X-Amz-Target") != target { // signed anew, as a broken server would not check
				r.Header.Del("Authorization")
				_ = auth.SignV4(r, body, awsAK, awsSK, awsRegion, "kms", time.Now())
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			out := rec.Body.Bytes()
			decrypt := strings.Contains(target+r.URL.Path, "ecrypt")
			mu.Lock()
			defer mu.Unlock()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			switch {
			case kind == "accepts_tampered" && decrypt && rec.Code == 200:
				last = append([]byte(nil), out...)
			case kind == "accepts_tampered" && decrypt && last != nil:
				w.WriteHeader(200)
				_, _ = w.Write(last)
				return
			case kind == "unknown_code":
				out = bytes.ReplaceAll(out, []byte(`"KMS.0207"`), []byte(`"KMS.9999"`))
				out = bytes.ReplaceAll(out, []byte(`NotFoundException`), []byte(`NoSuchThingException`))
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(out)
		})
	}
}

// TestFuzzBrokenHandler: the fuzzer reports each broken invariant with the
// request that showed it, in both dialects, and never a private key.
func TestFuzzBrokenHandler(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ kind, huawei, aws string }{
		{"500", `HTTP 500: the error answer is not the huawei dialect's error body: "panic`, `HTTP 500: the error answer is not the aws dialect's error body: "panic`},
		{"unknown_code", `error code "KMS.9999" is not one the huawei dialect knows`, `error code "NoSuchThingException" is not one the aws dialect knows`},
		{"plaintext", "private_key_plain_text is present: true, want false", "PrivateKeyPlaintext is present: true, want false"},
		{"accepts_tampered", "accepted although cipher_text was tampered with", "accepted although CiphertextBlob was tampered with"},
	} {
		for dialect, target := range fuzzTargets(t, f, brokenHandler(tc.kind)) {
			t.Run(tc.kind+"/"+dialect, func(t *testing.T) {
				r, err := conformance.Fuzz(context.Background(), target, conformance.FuzzOptions{KeyID: f.aes, MaxRequests: 300, Duration: time.Minute, Seed: 11})
				require.NoError(t, err)
				var out bytes.Buffer
				_, _ = r.WriteTo(&out)
				want := tc.huawei
				if dialect == "aws" {
					want = tc.aws
				}
				require.NotEmpty(t, r.Findings)
				assert.Contains(t, out.String(), want)
				for _, fd := range r.Findings {
					assert.NotEmpty(t, fd.Mutation)
					assert.NotEmpty(t, fd.Operation)
					assert.LessOrEqual(t, len(fd.Body), 600)
					assert.NotContains(t, fd.Body, "PrivateKeyPlaintext")
					assert.NotContains(t, fd.Body, "private_key_plain_text")
					assert.NotContains(t, fd.Problem, "MII", "no key material in a problem")
				}
				assert.Regexp(t, `\n300 requests, \d+ findings\n$`, out.String())
			})
		}
	}
}

// TestFuzzErrors: Fuzz refuses what it cannot run.
func TestFuzzErrors(t *testing.T) {
	f := newFixture(t)
	_, err := conformance.Fuzz(context.Background(), f.p, conformance.FuzzOptions{KeyID: f.aes})
	assert.ErrorContains(t, err, "RawTarget")
	target := fuzzTargets(t, f, nil)["aws"]
	_, err = conformance.Fuzz(context.Background(), target, conformance.FuzzOptions{})
	assert.ErrorContains(t, err, "KeyID is required")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = conformance.Fuzz(context.Background(), newAWSTarget(t, closed.URL), conformance.FuzzOptions{KeyID: f.aes})
	assert.ErrorContains(t, err, "the first request failed")
}
