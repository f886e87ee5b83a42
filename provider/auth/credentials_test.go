package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every secret in these tests contains "SeCrEt", so one assertion can check
// that no error or printout shows any of them.
const (
	secretMark   = "SeCrEt"
	projA        = "0123456789abcdef0123456789abcdef"
	projB        = "fedcba9876543210fedcba9876543210"
	awsAccount   = "123456789012"
	aliceToken   = "alice-token-SeCrEt-0001"
	svcSecretKey = "svc-SeCrEt-key/0123456789+abcdefghijklm"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bob.token", "bob-token-SeCrEt-0002\n")
	writeFile(t, dir, "svc2.sk", "svc2-SeCrEt-key\r\n")
	abs := writeFile(t, t.TempDir(), "dev.sk", "dev-SeCrEt-key") // no trailing newline
	doc := fmt.Sprintf(`{"credentials": [
		{"principal": "alice", "projects": [%q, %q], "token": %q},
		{"principal": "bob", "projects": [%q], "token_file": "bob.token"},
		{"principal": "svc", "projects": [%q, %q], "access_key": "AKSVC0000000000001", "secret_key": %q},
		{"principal": "svc", "projects": [%q, %q], "access_key": "AKSVC0000000000002", "secret_key_file": "svc2.sk"},
		{"principal": "dev", "projects": [], "access_key": "AKDEV", "secret_key_file": %q}
	]}`, projB, projA, aliceToken, projA, awsAccount, projA, svcSecretKey, projA, awsAccount, abs)
	path := writeFile(t, dir, "credentials.json", doc)

	c, err := LoadCredentials(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "bob", "dev", "svc"}, c.Principals())
	tokens, keys := c.Counts()
	assert.Equal(t, 2, tokens)
	assert.Equal(t, 3, keys)

	p, ok := c.LookupToken(aliceToken)
	require.True(t, ok)
	assert.Equal(t, Principal{Name: "alice", Projects: []string{projA, projB}}, p)
	p, ok = c.LookupToken("bob-token-SeCrEt-0002")
	require.True(t, ok, "the trailing newline of the token file is removed")
	assert.Equal(t, "bob", p.Name)
	for _, bad := range []string{"", "bob-token-SeCrEt-0002\n", aliceToken + "x", aliceToken[:5]} {
		_, ok := c.LookupToken(bad)
		assert.False(t, ok, "%q", bad)
	}

	sk, p, ok := c.LookupAccessKey("AKSVC0000000000001")
	require.True(t, ok)
	assert.Equal(t, svcSecretKey, sk)
	assert.Equal(t, Principal{Name: "svc", Projects: []string{projA, awsAccount}}, p, "sorted")
	sk, _, ok = c.LookupAccessKey("AKSVC0000000000002")
	require.True(t, ok)
	assert.Equal(t, "svc2-SeCrEt-key", sk, `"\r\n" is removed`)
	sk, p, ok = c.LookupAccessKey("AKDEV")
	require.True(t, ok)
	assert.Equal(t, "dev-SeCrEt-key", sk)
	assert.Empty(t, p.Projects)
	assert.True(t, p.AllowsProject(projB), "[] allows every project")
	_, _, ok = c.LookupAccessKey("AKNOBODY")
	assert.False(t, ok)

	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", *c), fmt.Sprintf("%s", c)} {
		assert.NotContains(t, out, secretMark)
		assert.Contains(t, out, "alice, bob, dev, svc")
	}
}

// TestCredentialsAuthenticate: the three verifiers over one store report
// the principal and projects of the credential used.
func TestCredentialsAuthenticate(t *testing.T) {
	c, err := NewCredentials(
		Credential{Principal: "alice", Projects: []string{projA}, Token: aliceToken},
		Credential{Principal: "alice", Projects: []string{projA}, AccessKey: testAK, SecretKey: testSK},
	)
	require.NoError(t, err)
	now := func() time.Time { return testNow }
	want := func(id, method string) Principal {
		return Principal{ID: id, Method: method, Name: "alice", Projects: []string{projA}}
	}

	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(TokenHeader, aliceToken)
	p, err := Tokens(c).Authenticate(r, nil)
	require.NoError(t, err)
	assert.Equal(t, want("token", MethodToken), p)
	r.Header.Set(TokenHeader, "alice-token-SeCrEt-0002")
	_, err = Tokens(c).Authenticate(r, nil)
	require.ErrorIs(t, err, ErrUnauthenticated)
	assert.NotContains(t, err.Error(), secretMark)
	_, err = Tokens(nil).Authenticate(r, nil)
	assert.ErrorContains(t, err, "token authentication is not configured")

	body := []byte("{}")
	p, err = AKSK(c, WithClock(now)).Authenticate(signedServerRequest(t, http.MethodPost, createPath, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, want(testAK, MethodAKSK), p)

	p, err = SigV4(c, WithClock(now), WithRegion(awsRegion)).Authenticate(v4ServerRequest(t, awsTarget, body, testNow), body)
	require.NoError(t, err)
	assert.Equal(t, want(testAK, MethodSigV4), p)
	assert.True(t, p.AllowsProject(projA))
	assert.False(t, p.AllowsProject(projB))

	var nilCreds *Credentials
	_, err = AKSK(nilCreds, WithClock(now)).Authenticate(signedServerRequest(t, http.MethodPost, createPath, body, testNow), body)
	assert.ErrorContains(t, err, mismatch, "a nil store knows no key")
	_, ok := nilCreds.LookupToken(aliceToken)
	assert.False(t, ok)
	assert.Nil(t, nilCreds.Principals())
}

func TestAllowsProject(t *testing.T) {
	tests := []struct {
		projects []string
		id       string
		want     bool
	}{
		{nil, projA, true},
		{[]string{}, "anything", true},
		{[]string{projA}, projA, true},
		{[]string{projA}, projB, false},
		{[]string{awsAccount, projA}, awsAccount, true},
		{[]string{awsAccount, projA}, "", false},
		{[]string{awsAccount, projA}, strings.ToUpper(projA), false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Principal{Projects: tc.projects}.AllowsProject(tc.id), "%v %q", tc.projects, tc.id)
	}
}

func TestParseCredentialsRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty.token", "\n")
	writeFile(t, dir, "two-lines.token", "line1-SeCrEt\nline2-SeCrEt\n")
	writeFile(t, dir, "ok.token", "file-token-SeCrEt\n")
	writeFile(t, dir, "big.token", strings.Repeat("x", maxSecretFile+1))
	entry := func(fields string) string { return `{"credentials":[` + fields + `]}` }
	const tok = `"token":"tok-SeCrEt-1"`
	tests := []struct {
		name, doc, want string
		noDir           bool
	}{
		{name: "not JSON", doc: `{"credentials":[`, want: "not valid JSON"},
		{name: "trailing data", doc: entry(`{"principal":"a","projects":[],`+tok+`}`) + `{}`, want: "data after the JSON document"},
		{name: "array document", doc: `[]`, want: "the document is not a JSON object"},
		{name: "null document", doc: `null`, want: "the document is not a JSON object"},
		{name: "unknown top-level field", doc: `{"credentials":[],"version":1}`, want: `unknown top-level field "version"`},
		{name: "no credentials", doc: `{}`, want: `no "credentials" list`},
		{name: "credentials not a list", doc: `{"credentials":{}}`, want: `"credentials" is not a list`},
		{name: "credentials null", doc: `{"credentials":null}`, want: `"credentials" is not a list`},
		{name: "empty list", doc: `{"credentials":[]}`, want: `"credentials" is empty`},
		{name: "duplicate top-level field", doc: `{"credentials":[],"credentials":[]}`, want: `field "credentials" given twice in the document`},
		{name: "entry not an object", doc: entry(`"x"`), want: "entry 0: is not a JSON object"},
		{name: "unknown field", doc: entry(`{"principal":"a","projects":[],` + tok + `,"role":"x"}`),
			want: `entry 0 (principal "a"): unknown field "role"`},
		{name: "field in another case", doc: entry(`{"Principal":"a","projects":[],` + tok + `}`),
			want: "entry 0: unknown field (a name that is not shaped like a field name)"},
		{name: "secret-shaped unknown field", doc: entry(`{"principal":"a","projects":[],` + tok + `,"wJal-SeCrEt/K7":"x"}`),
			want: "unknown field (a name that is not shaped like a field name)"},
		{name: "duplicate field", doc: entry(`{"principal":"a","projects":[],` + tok + `,"token":"tok-SeCrEt-2"}`),
			want: `field "token" given twice in entry 0`},
		{name: "missing principal", doc: entry(`{"projects":[],` + tok + `}`), want: `entry 0: "principal" is required`},
		{name: "principal not a string", doc: entry(`{"principal":1,"projects":[],` + tok + `}`), want: `"principal" is not a string`},
		{name: "invalid principal", doc: entry(`{"principal":"a b","projects":[],` + tok + `}`),
			want: "entry 0: principal must be 1 to 64 of"},
		{name: "long principal", doc: entry(`{"principal":"` + strings.Repeat("a", 65) + `","projects":[],` + tok + `}`),
			want: "entry 0: principal must be 1 to 64 of"},
		{name: "missing projects", doc: entry(`{"principal":"a",` + tok + `}`), want: `"projects" is required (use [] for every project)`},
		{name: "null projects", doc: entry(`{"principal":"a","projects":null,` + tok + `}`), want: `"projects" is not a list of strings`},
		{name: "projects not strings", doc: entry(`{"principal":"a","projects":[1],` + tok + `}`), want: `"projects" is not a list of strings`},
		{name: "invalid project", doc: entry(`{"principal":"a","projects":["ok","no/slash"],` + tok + `}`),
			want: `entry 0 (principal "a"): project 1 is not 1 to 64 of`},
		{name: "empty project", doc: entry(`{"principal":"a","projects":[""],` + tok + `}`), want: "project 0 is not 1 to 64 of"},
		{name: "duplicate project", doc: entry(`{"principal":"a","projects":["p","q","p"],` + tok + `}`), want: "project p is listed twice"},
		{name: "token and token_file", doc: entry(`{"principal":"a","projects":[],` + tok + `,"token_file":"ok.token"}`),
			want: `both "token" and "token_file" are set; give one`},
		{name: "secret_key and secret_key_file", doc: entry(`{"principal":"a","projects":[],"access_key":"AK","secret_key":"sk-SeCrEt","secret_key_file":"ok.token"}`),
			want: `both "secret_key" and "secret_key_file" are set; give one`},
		{name: "empty token", doc: entry(`{"principal":"a","projects":[],"token":""}`), want: `"token" is empty`},
		{name: "null token", doc: entry(`{"principal":"a","projects":[],"token":null}`), want: `"token" is not a string`},
		{name: "number secret", doc: entry(`{"principal":"a","projects":[],"access_key":"AK","secret_key":12345}`),
			want: `"secret_key" is not a string`},
		{name: "empty secret_key", doc: entry(`{"principal":"a","projects":[],"access_key":"AK","secret_key":""}`), want: `"secret_key" is empty`},
		{name: "token with a space", doc: entry(`{"principal":"a","projects":[],"token":"tok SeCrEt"}`),
			want: "token contains a space, a control character or a non-ASCII byte"},
		{name: "token with a newline", doc: entry(`{"principal":"a","projects":[],"token":"tok\nSeCrEt"}`),
			want: "token contains a space, a control character or a non-ASCII byte"},
		{name: "secret key not ASCII", doc: entry(`{"principal":"a","projects":[],"access_key":"AK","secret_key":"SeCrEt-é"}`),
			want: "secret key contains a space, a control character or a non-ASCII byte"},
		{name: "token and access key", doc: entry(`{"principal":"a","projects":[],` + tok + `,"access_key":"AK","secret_key":"sk-SeCrEt"}`),
			want: "holds both a token and an access key pair"},
		{name: "no credential", doc: entry(`{"principal":"a","projects":[]}`), want: "holds no credential"},
		{name: "access key without secret", doc: entry(`{"principal":"a","projects":[],"access_key":"AK"}`), want: "access key AK has no secret key"},
		{name: "secret without access key", doc: entry(`{"principal":"a","projects":[],"secret_key":"sk-SeCrEt"}`),
			want: "secret key without an access key"},
		{name: "empty access key", doc: entry(`{"principal":"a","projects":[],"access_key":"","secret_key":"sk-SeCrEt"}`),
			want: `"access_key" is empty`},
		{name: "invalid access key", doc: entry(`{"principal":"a","projects":[],"access_key":"A/K","secret_key":"sk-SeCrEt"}`),
			want: "access key must be 1 to 128 of"},
		{name: "duplicate access key", doc: entry(`{"principal":"a","projects":[],"access_key":"AK","secret_key":"sk-SeCrEt-1"},` +
			`{"principal":"b","projects":[],"access_key":"AK","secret_key":"sk-SeCrEt-2"}`),
			want: `entry 1 (principal "b"): access key AK is also in entry 0`},
		{name: "duplicate token", doc: entry(`{"principal":"a","projects":[],` + tok + `},{"principal":"b","projects":[],"token_file":"dup.token"}`),
			want: `entry 1 (principal "b"): same token as entry 0`},
		{name: "principal with conflicting projects", doc: entry(`{"principal":"a","projects":["p"],` + tok + `},` +
			`{"principal":"a","projects":["p","q"],"access_key":"AK","secret_key":"sk-SeCrEt"}`),
			want: `entry 1 (principal "a"): principal also in entry 0 with other projects`},
		{name: "principal for every project and for one", doc: entry(`{"principal":"a","projects":[],` + tok + `},` +
			`{"principal":"a","projects":["p"],"access_key":"AK","secret_key":"sk-SeCrEt"}`),
			want: "principal also in entry 0 with other projects"},
		{name: "missing token file", doc: entry(`{"principal":"a","projects":[],"token_file":"nope.token"}`),
			want: "token_file: open " + filepath.Join(dir, "nope.token")},
		{name: "empty token file", doc: entry(`{"principal":"a","projects":[],"token_file":"empty.token"}`),
			want: "token_file " + filepath.Join(dir, "empty.token") + " is empty"},
		{name: "token file of two lines", doc: entry(`{"principal":"a","projects":[],"token_file":"two-lines.token"}`),
			want: "token contains a space, a control character or a non-ASCII byte"},
		{name: "oversized token file", doc: entry(`{"principal":"a","projects":[],"token_file":"big.token"}`),
			want: "is larger than 65536 bytes"},
		{name: "empty file name", doc: entry(`{"principal":"a","projects":[],"token_file":""}`), want: `"token_file" is empty`},
		{name: "relative file without a folder", noDir: true, doc: entry(`{"principal":"a","projects":[],"token_file":"ok.token"}`),
			want: `"token_file" is a relative path and the document has no folder`},
	}
	writeFile(t, dir, "dup.token", "tok-SeCrEt-1\n")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := dir
			if tc.noDir {
				d = ""
			}
			c, err := ParseCredentials([]byte(tc.doc), d)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "auth: credentials: "), err.Error())
			assert.NotContains(t, err.Error(), secretMark, "no secret in the error")
			assert.NotContains(t, err.Error(), "wJal")
		})
	}

	t.Run("the same documents are valid once fixed", func(t *testing.T) {
		c, err := ParseCredentials([]byte(entry(`{"principal":"a","projects":["p","q"],`+tok+`},`+
			`{"principal":"a","projects":["q","p"],"access_key":"AK","secret_key":"sk-SeCrEt"},`+
			`{"principal":"b","projects":[],"token_file":"ok.token"}`)), dir)
		require.NoError(t, err, "one principal may hold several credentials, projects in any order")
		_, ok := c.LookupToken("file-token-SeCrEt")
		assert.True(t, ok)
	})
}

func TestLoadCredentialsErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCredentials(filepath.Join(dir, "missing.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth: credentials file: open "+filepath.Join(dir, "missing.json"))

	p := writeFile(t, dir, "bad.json", `{"credentials":[{"principal":"a","projects":[],"token":"SeCrEt x"}]}`)
	_, err = LoadCredentials(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(in "+p+")")
	assert.NotContains(t, err.Error(), secretMark)

	big := writeFile(t, dir, "big.json", strings.Repeat(" ", maxCredentialsFile+1))
	_, err = LoadCredentials(big)
	assert.ErrorContains(t, err, "is larger than")
}

func TestNewCredentialsRefuses(t *testing.T) {
	tests := []struct {
		name    string
		entries []Credential
		want    string
	}{
		{"empty principal", []Credential{{Token: "tok-SeCrEt"}}, "entry 0: principal must be"},
		{"long token", []Credential{{Principal: "a", Token: strings.Repeat("SeCrEt", maxTokenLen/6+1)}}, "token is longer than 16384 bytes"},
		{"long secret key", []Credential{{Principal: "a", AccessKey: "AK", SecretKey: strings.Repeat("SeCrEt", 200)}},
			"secret key is longer than 1024 bytes"},
		{"long access key", []Credential{{Principal: "a", AccessKey: strings.Repeat("A", 129), SecretKey: "SeCrEt"}},
			"access key must be 1 to 128 of"},
		{"long project", []Credential{{Principal: "a", Projects: []string{strings.Repeat("p", 65)}, Token: "SeCrEt"}},
			"project 0 is not 1 to 64 of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCredentials(tc.entries...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secretMark)
		})
	}
	c, err := NewCredentials()
	require.NoError(t, err, "an empty store is valid (it accepts nothing)")
	_, ok := c.LookupToken("x")
	assert.False(t, ok)
}

func TestCredentialFormatRedacts(t *testing.T) {
	c := Credential{Principal: "svc", Projects: []string{projA}, Token: aliceToken, AccessKey: "AK1", SecretKey: svcSecretKey}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, c)
		assert.NotContains(t, out, secretMark, verb)
		assert.Contains(t, out, "[redacted]", verb)
		assert.Contains(t, out, "AK1", verb)
	}
	out := fmt.Sprintf("%v", []Credential{c, {Principal: "x"}})
	assert.NotContains(t, out, secretMark)
	assert.Contains(t, out, `Token:""`)
}
