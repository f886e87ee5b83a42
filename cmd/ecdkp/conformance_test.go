package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// runInProcess runs the command's dispatcher with env as its environment.
func runInProcess(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var so, se bytes.Buffer
	code := run(context.Background(), &env{stdout: &so, stderr: &se, getenv: func(k string) string { return vars[k] }}, args)
	return result{code, so.String(), se.String()}
}

type cmdFixture struct {
	p             *provider.Provider
	aes, disabled string
}

// conformanceFixture is a provider with an enabled and a disabled key.
func conformanceFixture(t *testing.T) cmdFixture {
	f := providertest.NewFixture(t, func(testing.TB) keystore.KeyManager { return keyring.New() })
	md, err := f.Store.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = f.Store.SetKeyState(context.Background(), md.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	return cmdFixture{p: f.P, aes: f.AES, disabled: md.KeyID}
}

var summaryLine = regexp.MustCompile(`^(\d+) passed, (\d+) failed$`)

// lastLine returns the summary line of the command's stdout.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestConformanceCommand runs `ecdkp conformance` against our handler over
// HTTP: it passes against the real handler, and fails with a non-zero exit
// against a handler that answers with wrong error codes.
func TestConformanceCommand(t *testing.T) {
	f := conformanceFixture(t)
	good := httptest.NewServer(huawei.NewHandler(f.p, huawei.WithAuthenticator(auth.Token("tok"))))
	t.Cleanup(good.Close)

	t.Run("pass", func(t *testing.T) {
		r := runInProcess(t, map[string]string{"ECDKP_TOKEN": "tok"}, "conformance", "--endpoint", good.URL, "--key-id", f.aes,
			"--disabled-key-id", f.disabled)
		assert.Equal(t, 0, r.code, "stderr: %s\nstdout: %s", r.stderr, r.stdout)
		m := summaryLine.FindStringSubmatch(lastLine(r.stdout))
		require.NotNil(t, m, "summary line: %q", lastLine(r.stdout))
		assert.Equal(t, "0", m[2])
		assert.NotEqual(t, "0", m[1])
		assert.Contains(t, r.stdout, "PASS request_negatives/create/001_truncated_json\n", "raw vectors run over HTTP")
		assert.Contains(t, r.stdout, "PASS disabled_key\n")
		assert.NotContains(t, r.stdout, "FAIL ")
	})

	t.Run("wrong token", func(t *testing.T) {
		r := runInProcess(t, nil, "conformance", "--endpoint", good.URL, "--key-id", f.aes, "--token", "nope", "--openssl", "off")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout, "no check is run")
		assert.Contains(t, r.stderr, "the endpoint refuses the credentials: HTTP 401 KMS.0301")
		assert.Contains(t, r.stderr, "no check was run")
		assert.NotContains(t, r.stderr, "nope")
		assert.NotContains(t, r.stderr, "no credentials were given", "credentials were given")
	})

	t.Run("no credentials", func(t *testing.T) {
		for _, tc := range []struct {
			dialect, want string
		}{
			{"huawei", "HTTP 401 KMS.0301: no credentials presented: missing X-Auth-Token header; no check was run " +
				"(no credentials were given: --token or $ECDKP_TOKEN, or --ak with --sk or $ECDKP_SK)\n"},
			{"aws", "; no check was run (no credentials were given: --ak, with --sk or $ECDKP_SK)\n"},
		} {
			target := good.URL
			if tc.dialect == "aws" {
				s := serveInProcess(t, map[string]string{"ECDKP_SK": "s"}, "--addr", "127.0.0.1:0", "--keyring", newKeyringFile(t), "--ak", "AK")
				target = "http://" + s.addr
			}
			r := runInProcess(t, nil, "conformance", "--dialect", tc.dialect, "--endpoint", target, "--key-id", f.aes, "--openssl", "off")
			assert.Equal(t, 1, r.code, tc.dialect)
			assert.Empty(t, r.stdout, tc.dialect)
			assert.Contains(t, r.stderr, "the endpoint refuses the credentials", tc.dialect)
			assert.True(t, strings.HasSuffix(r.stderr, tc.want), "%s: %s", tc.dialect, r.stderr)
		}
	})

	t.Run("private CA", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(huawei.NewHandler(f.p, huawei.WithAuthenticator(auth.Token("tok"))))
		t.Cleanup(tlsSrv.Close)
		r := runInProcess(t, map[string]string{"ECDKP_TOKEN": "tok"}, "conformance", "--endpoint", tlsSrv.URL, "--key-id", f.aes, "--openssl", "off")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "the endpoint cannot be reached")
		assert.Contains(t, r.stderr, "certificate signed by unknown authority")
		assert.Contains(t, r.stderr, "no check was run (a certificate from a private CA: name its PEM file in $SSL_CERT_FILE)\n")
	})

	t.Run("unreachable", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		for _, d := range []string{"huawei", "aws"} {
			r := runInProcess(t, map[string]string{"ECDKP_SK": "s"}, "conformance", "--dialect", d, "--endpoint", closed.URL, "--key-id", f.aes, "--ak", "AK")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "the endpoint cannot be reached", d)
		}
	})

	t.Run("missing key", func(t *testing.T) {
		r := runInProcess(t, map[string]string{"ECDKP_TOKEN": "tok"}, "conformance", "--endpoint", good.URL, "--key-id", "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "is not an enabled key of the endpoint")
	})

	t.Run("broken endpoint", func(t *testing.T) {
		h := huawei.NewHandler(f.p)
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			w.WriteHeader(rec.Code)
			_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"KMS.2203"`), []byte(`"KMS.0000"`)))
		}))
		t.Cleanup(broken.Close)
		r := runInProcess(t, nil, "conformance", "--endpoint", broken.URL, "--key-id", f.aes, "--openssl", "off")
		assert.Equal(t, 1, r.code)
		m := summaryLine.FindStringSubmatch(lastLine(r.stdout))
		require.NotNil(t, m, "summary line: %q", lastLine(r.stdout))
		assert.NotEqual(t, "0", m[1])
		assert.NotEqual(t, "0", m[2])
		assert.Contains(t, r.stdout, "FAIL ECC_NIST_P256/with_plain_text=absent/aad=set/aad_binding: ")
		assert.Contains(t, r.stderr, "checks failed")
	})

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--key-id", f.aes},
			{"--endpoint", good.URL},
			{"--endpoint", good.URL, "--key-id", f.aes, "--ak", "AK"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--token", "t", "--ak", "AK", "--sk", "SK"},
			{"--endpoint", "ftp://x", "--key-id", f.aes},
			{"--endpoint", good.URL, "--key-id", f.aes, "extra"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--dialect", "gcp"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--dialect", "aws", "--token", "t"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--dialect", "aws", "--project-id", "p"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--region", "eu-west-1"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--specs", "ECC_NIST_P224"},
			{"--endpoint", good.URL, "--key-id", f.aes, "--fuzz", "-1s"},
		} {
			r := runInProcess(t, nil, append([]string{"conformance"}, args...)...)
			assert.Equal(t, 1, r.code, "%v: %s", args, r.stderr)
			assert.Empty(t, r.stdout, "%v: no checks run", args)
		}
		r := runInProcess(t, nil, "conformance", "--no-such-flag")
		assert.Equal(t, 2, r.code)
		r = runInProcess(t, nil, "conformance", "--help")
		assert.Equal(t, 0, r.code)
		assert.Contains(t, r.stderr, keystore.DefaultProject, "--help shows the default project id")
	})
}

// keysCreate makes a key in a keyring file and returns its id.
func keysCreate(t *testing.T, kr string, args ...string) string {
	t.Helper()
	r := runInProcess(t, nil, append([]string{"keys", "create", "--keyring", kr}, args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	var md keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	return md.KeyID
}

// TestConformanceAgainstServe: `ecdkp conformance` against `ecdkp serve`
// (in process, one listener, one access key): 0 failed in both dialects,
// Ed25519 included, and the fuzzer finds nothing in either.
func TestConformanceAgainstServe(t *testing.T) {
	kr := newKeyringFile(t)
	other := keysCreate(t, kr, "--spec", "SM4")
	disabled := keysCreate(t, kr)
	require.Equal(t, 0, runInProcess(t, nil, "keys", "disable", "--keyring", kr, disabled).code)
	vars := map[string]string{"ECDKP_SK": "serve-conformance-secret"}
	s := serveInProcess(t, vars, "--addr", "127.0.0.1:0", "--keyring", kr, "--ak", "AKCONF")
	keyID := defaultKeyID(t, s)
	endpoint := "http://" + s.addr
	common := []string{"--endpoint", endpoint, "--key-id", keyID, "--ak", "AKCONF", "--disabled-key-id", disabled, "--specs", "default,ECC_NIST_EDWARDS25519"}
	for _, tc := range []struct {
		dialect string
		extra   []string
		want    []string
	}{
		{"huawei", nil, []string{"PASS ECC_NIST_EDWARDS25519/with_plain_text=false/aad=set/aad_binding\n", "PASS ECC_NIST_P256/wrapping_key\n",
			"PASS disabled_key\n", "PASS request_negatives/create/001_truncated_json\n"}},
		{"aws", []string{"--other-key-id", other, "--account", keystore.DefaultProject, "--region", "us-east-1"},
			[]string{"PASS ECC_NIST_EDWARDS25519/GenerateDataKeyPairWithoutPlaintext/context=set/context_binding\n", "PASS encryption_context/concatenation\n",
				"PASS dry_run\n", "PASS key_id_arn\n", "PASS decrypt_key_id/other_key\n", "PASS disabled_key\n", "PASS aws_request_negatives/GenerateDataKeyPair/001_truncated_json\n"}},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			r := runInProcess(t, vars, append(append([]string{"conformance", "--dialect", tc.dialect}, common...), tc.extra...)...)
			assert.Equal(t, 0, r.code, "stderr: %s\nstdout: %s", r.stderr, r.stdout)
			m := summaryLine.FindStringSubmatch(lastLine(r.stdout))
			require.NotNil(t, m, "summary line: %q", lastLine(r.stdout))
			assert.Equal(t, "0", m[2])
			assert.NotContains(t, r.stdout, "FAIL ")
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.NotContains(t, r.stdout+r.stderr, vars["ECDKP_SK"])

			r = runInProcess(t, vars, "conformance", "--dialect", tc.dialect, "--endpoint", endpoint, "--key-id", keyID, "--ak", "AKCONF",
				"--fuzz", "20s", "--fuzz-requests", "300", "--fuzz-seed", "5")
			assert.Equal(t, 0, r.code, "stderr: %s\nstdout: %s", r.stderr, r.stdout)
			assert.Equal(t, "300 requests, 0 findings", lastLine(r.stdout))
			assert.Contains(t, r.stdout, "seed 5")
		})
	}
	t.Run("aws wrong secret", func(t *testing.T) {
		r := runInProcess(t, map[string]string{"ECDKP_SK": "wrong"}, "conformance", "--dialect", "aws", "--endpoint", endpoint, "--key-id", keyID, "--ak", "AKCONF")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "refuses the credentials")
		assert.Contains(t, r.stderr, "InvalidSignatureException")
	})
}
