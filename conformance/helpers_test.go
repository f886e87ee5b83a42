package conformance_test

import (
	"bufio"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

// testProjectID is the project_id of the HTTP tests.
const testProjectID = keystore.DefaultProject

// fixture is a provider over a memory keyring with an AES_256 key, an SM4
// key and a disabled AES_256 key.
type fixture struct {
	kr                 *keyring.Keyring
	p                  *provider.Provider
	aes, sm4, disabled string
	opts               []provider.Option // the provider's
}

// newFixture makes the fixture; opts are the provider's.
func newFixture(t testing.TB, opts ...provider.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	kr := keyring.New()
	aes, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	sm4, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	dis, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, err = kr.SetKeyState(ctx, dis.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	p, err := provider.New(kr, opts...)
	require.NoError(t, err)
	return &fixture{kr: kr, p: p, aes: aes.KeyID, sm4: sm4.KeyID, disabled: dis.KeyID, opts: opts}
}

// report is RunChecks' output, parsed.
type report struct {
	status  map[string]string // check name -> PASS, FAIL or SKIP
	why     map[string]string // check name -> reason of FAIL or SKIP
	order   []string
	summary string
}

func parseReport(t testing.TB, out string) report {
	t.Helper()
	r := report{status: map[string]string{}, why: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, lines)
	r.summary = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		st, rest, ok := strings.Cut(l, " ")
		require.True(t, ok, "line %q", l)
		require.Contains(t, []string{"PASS", "FAIL", "SKIP"}, st, "line %q", l)
		name, why, _ := strings.Cut(rest, ": ")
		if st == "PASS" {
			name = rest
		}
		_, dup := r.status[name]
		require.False(t, dup, "check %q reported twice", name)
		r.status[name] = st
		r.why[name] = why
		r.order = append(r.order, name)
	}
	return r
}

// names lists the checks with a status, optionally filtered by a name
// predicate.
func (r report) names(status string, match func(string) bool) []string {
	var out []string
	for _, n := range r.order {
		if r.status[n] == status && (match == nil || match(n)) {
			out = append(out, n)
		}
	}
	return out
}

func (r report) count(status string) int { return len(r.names(status, nil)) }

// awsRequestVectors returns the AWS request vectors of the checked-in file.
func awsRequestVectors(t testing.TB) []vectors.AWSRequestNegative {
	t.Helper()
	f, err := vectors.Parse[vectors.AWSRequestNegative](vectors.AWSRequestNegativesFile, readTestdata(t, vectors.AWSRequestNegativesFile))
	require.NoError(t, err)
	return f.Vectors
}

// requestVectors returns the request vectors of the checked-in file.
func requestVectors(t testing.TB) []vectors.RequestNegative {
	t.Helper()
	f, err := vectors.Parse[vectors.RequestNegative](vectors.RequestNegativesFile, readTestdata(t, vectors.RequestNegativesFile))
	require.NoError(t, err)
	return f.Vectors
}
