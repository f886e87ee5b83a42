package conformance_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// perSpecChecks is the number of checks of one key spec: 3 with_plain_text
// x 2 AAD x (create, decrypt, aad_binding), tamper, fresh_keys and the two
// OpenSSL checks.
const perSpecChecks = 3*2*3 + 4

// TestRunInProcess runs the suite under go test against our provider.
func TestRunInProcess(t *testing.T) {
	f := newFixture(t)
	conformance.Run(t, f.p, conformance.WithKeyID(f.aes), conformance.WithDisabledKeyID(f.disabled))
}

// TestRunChecksInProcess checks the report of a clean run: every check
// passes, raw vectors are skipped (an in-process target cannot send raw
// bodies), and the counts add up.
func TestRunChecksInProcess(t *testing.T) {
	f := newFixture(t)
	var out bytes.Buffer
	passed, failed := conformance.RunChecks(context.Background(), f.p, &out,
		conformance.WithKeyID(f.sm4), conformance.WithDisabledKeyID(f.disabled))
	r := parseReport(t, out.String())
	assert.Empty(t, r.names("FAIL", nil), "failed checks:\n%s", out.String())

	vecs := requestVectors(t)
	raw := 0
	for _, v := range vecs {
		if v.Raw {
			raw++
		}
	}
	require.Positive(t, raw)
	skipped := raw
	if _, err := exec.LookPath("openssl"); err != nil {
		skipped += 2 * 5
	}
	total := 5*perSpecChecks + 1 /* wrapping_key */ + 1 /* disabled_key */ + len(vecs)
	assert.Equal(t, 0, failed)
	assert.Equal(t, total-skipped, passed)
	assert.Equal(t, skipped, r.count("SKIP"))
	assert.Equal(t, fmt.Sprintf("%d passed, 0 failed", passed), r.summary)
	assert.Len(t, r.order, total)
}

// TestRunHTTP runs the suite over HTTP against our handler, without
// authentication, with a token and with AK/SK signing. Every request vector
// is sent raw.
func TestRunHTTP(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		handler []huawei.Option
		client  []conformance.HTTPOption
	}{
		{"no_auth", nil, nil},
		{"token", []huawei.Option{huawei.WithAuthenticator(auth.Token("s3cret"))}, []conformance.HTTPOption{conformance.WithToken("s3cret")}},
		{"aksk", []huawei.Option{huawei.WithAuthenticator(auth.AKSK(auth.StaticCredentials(map[string]string{"AK1": "SK1"})))},
			[]conformance.HTTPOption{conformance.WithAKSK("AK1", "SK1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(huawei.NewHandler(f.p, tc.handler...))
			t.Cleanup(srv.Close)
			target, err := conformance.NewHTTPTarget(srv.URL, testProjectID, tc.client...)
			require.NoError(t, err)
			opts := []conformance.Option{conformance.WithKeyID(f.aes), conformance.WithDisabledKeyID(f.disabled)}
			if tc.name != "no_auth" {
				opts = append(opts, conformance.WithOpenSSL("off"))
			}
			conformance.Run(t, target, opts...)
		})
	}
}

// TestRunChecksHTTPCounts: over HTTP nothing is skipped but OpenSSL when
// it is absent.
func TestRunChecksHTTPCounts(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(huawei.NewHandler(f.p))
	t.Cleanup(srv.Close)
	target, err := conformance.NewHTTPTarget(srv.URL, testProjectID)
	require.NoError(t, err)
	var out bytes.Buffer
	passed, failed := conformance.RunChecks(context.Background(), target, &out,
		conformance.WithKeyID(f.aes), conformance.WithOpenSSL("off"), conformance.WithSpecs("SM2"))
	r := parseReport(t, out.String())
	assert.Equal(t, 0, failed, out.String())
	assert.Equal(t, perSpecChecks-2+len(requestVectors(t)), passed, "SM2 checks, no wrapping_key (needs P-256), no disabled key, every request vector")
	assert.Equal(t, []string{"SM2/openssl/pubcheck", "SM2/openssl/check"}, r.names("SKIP", nil))
	assert.Contains(t, r.why["SM2/openssl/check"], "off")
}

// TestRunChecksSetup: configuration errors are one failed "setup" check.
func TestRunChecksSetup(t *testing.T) {
	f := newFixture(t)
	for name, opts := range map[string][]conformance.Option{
		"no key id":    nil,
		"unknown spec": {conformance.WithKeyID(f.aes), conformance.WithSpecs("ECC_NIST_P224")},
		"no specs":     {conformance.WithKeyID(f.aes), conformance.WithSpecs()},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			passed, failed := conformance.RunChecks(context.Background(), f.p, &out, opts...)
			assert.Equal(t, 0, passed)
			assert.Equal(t, 1, failed)
			r := parseReport(t, out.String())
			assert.Equal(t, []string{"setup"}, r.names("FAIL", nil))
			assert.Equal(t, "0 passed, 1 failed", r.summary)
		})
	}
	var out bytes.Buffer
	_, failed := conformance.RunChecks(context.Background(), nil, &out, conformance.WithKeyID(f.aes))
	assert.Equal(t, 1, failed, "nil target")
}

// TestOpenSSLPath: a named openssl binary that does not exist fails the
// OpenSSL checks instead of skipping them.
func TestOpenSSLPath(t *testing.T) {
	f := newFixture(t)
	var out bytes.Buffer
	_, failed := conformance.RunChecks(context.Background(), f.p, &out, conformance.WithKeyID(f.aes),
		conformance.WithSpecs("ECC_NIST_P256"), conformance.WithOpenSSL("/nonexistent/openssl"))
	r := parseReport(t, out.String())
	assert.Equal(t, []string{"ECC_NIST_P256/openssl/pubcheck", "ECC_NIST_P256/openssl/check"}, r.names("FAIL", nil))
	assert.Equal(t, 2, failed)
}

// TestRunEd25519: the per-spec checks of Ed25519, an extension of
// Huawei's list and so not among the defaults, pass against our provider in
// process and over HTTP, the OpenSSL ones included when openssl is found.
func TestRunEd25519(t *testing.T) {
	f := newFixture(t)
	conformance.Run(t, f.p, conformance.WithKeyID(f.aes), conformance.WithSpecs(curves.Ed25519))

	srv := httptest.NewServer(huawei.NewHandler(f.p))
	t.Cleanup(srv.Close)
	target, err := conformance.NewHTTPTarget(srv.URL, testProjectID)
	require.NoError(t, err)
	var out bytes.Buffer
	passed, failed := conformance.RunChecks(context.Background(), target, &out,
		conformance.WithKeyID(f.sm4), conformance.WithSpecs(curves.Ed25519))
	r := parseReport(t, out.String())
	assert.Equal(t, 0, failed, out.String())
	specChecks := perSpecChecks
	if _, err := exec.LookPath("openssl"); err != nil {
		specChecks -= 2
		assert.Len(t, r.names("SKIP", prefix("ECC_NIST_EDWARDS25519/openssl/")), 2)
	}
	assert.Len(t, r.names("PASS", prefix("ECC_NIST_EDWARDS25519/")), specChecks)
	assert.Equal(t, specChecks+len(requestVectors(t)), passed, "Ed25519's checks, no wrapping_key (needs P-256), every request vector")
}
