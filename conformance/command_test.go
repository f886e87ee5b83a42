package conformance_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
)

// buildCommand compiles cmd/ecdkp and skips the test when its command table
// does not have the conformance command yet.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cmd/ecdkp; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "ecdkp")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/ecdkp").CombinedOutput()
	require.NoError(t, err, "go build ../cmd/ecdkp: %s", out)
	r := runCommand(t, bin, nil, "conformance", "--help")
	if strings.Contains(r.stderr, `unknown command "conformance"`) {
		t.Skip("cmd/ecdkp does not register the conformance command yet")
	}
	require.Equal(t, 0, r.code, r.stderr)
	return bin
}

type cmdResult struct {
	code           int
	stdout, stderr string
}

func runCommand(t *testing.T, bin string, env []string, args ...string) cmdResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return cmdResult{code, so.String(), se.String()}
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
	bin := buildCommand(t)
	f := newFixture(t)
	good := httptest.NewServer(provider.NewHandler(f.p, provider.WithAuthenticator(auth.Token("tok"))))
	t.Cleanup(good.Close)

	t.Run("pass", func(t *testing.T) {
		r := runCommand(t, bin, []string{"ECDKP_TOKEN=tok"}, "conformance", "--endpoint", good.URL, "--key-id", f.aes,
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
		r := runCommand(t, bin, nil, "conformance", "--endpoint", good.URL, "--key-id", f.aes, "--token", "nope", "--openssl", "off")
		assert.Equal(t, 1, r.code)
		m := summaryLine.FindStringSubmatch(lastLine(r.stdout))
		require.NotNil(t, m, "summary line: %q", lastLine(r.stdout))
		assert.Equal(t, "0", m[1], "nothing passes unauthenticated")
		assert.Contains(t, r.stdout, "KMS.0301")
		assert.Contains(t, r.stderr, "checks failed")
	})

	t.Run("broken endpoint", func(t *testing.T) {
		h := provider.NewHandler(f.p)
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			w.WriteHeader(rec.Code)
			_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"KMS.2203"`), []byte(`"KMS.0000"`)))
		}))
		t.Cleanup(broken.Close)
		r := runCommand(t, bin, nil, "conformance", "--endpoint", broken.URL, "--key-id", f.aes, "--openssl", "off")
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
			r := runCommand(t, bin, nil, append([]string{"conformance"}, args...)...)
			assert.Equal(t, 1, r.code, "%v: %s", args, r.stderr)
			assert.Empty(t, r.stdout, "%v: no checks run", args)
		}
		r := runCommand(t, bin, nil, "conformance", "--no-such-flag")
		assert.Equal(t, 2, r.code)
		r = runCommand(t, bin, nil, "conformance", "--help")
		assert.Equal(t, 0, r.code)
		assert.Contains(t, r.stderr, "0c0f0e0c0d0b0a0e0c0f0e0c0d0b0a0e", "--help shows the default project id")
	})
}
