package main

import (
	"bytes"
	"context"
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
		m := summaryLine.FindStringSubmatch(lastLine(r.stdout))
		require.NotNil(t, m, "summary line: %q", lastLine(r.stdout))
		assert.Equal(t, "0", m[1], "nothing passes unauthenticated")
		assert.Contains(t, r.stdout, "KMS.0301")
		assert.Contains(t, r.stderr, "checks failed")
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
