package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// served is a serve command running in process.
type served struct {
	addr string
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveInProcess runs `ecdkp serve args...` in process until the test ends and
// returns its address once it logs "serving"; vars is its environment.
func serveInProcess(t *testing.T, vars map[string]string, args ...string) *served {
	t.Helper()
	pr, pw := io.Pipe()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	var code int
	done := make(chan struct{})
	e := &env{stdout: io.Discard, stderr: pw, getenv: func(k string) string { return vars[k] }}
	go func() {
		code = run(ctx, e, append([]string{"serve"}, args...))
		pw.Close()
		close(done)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" {
				addr <- l.Addr
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case a := <-addr:
		return &served{addr: a, logs: logs}
	case <-done:
		t.Fatalf("serve exited with %d: %s", code, logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start: %s", logs.String())
	}
	return nil
}

// newKeyringFile makes a keyring file with one key (an explicit --keyring
// path must exist).
func newKeyringFile(t *testing.T) string {
	t.Helper()
	kr := filepath.Join(t.TempDir(), "keyring.json")
	var so, se strings.Builder
	e := &env{stdout: &so, stderr: &se, getenv: func(string) string { return "" }}
	require.Equal(t, 0, run(context.Background(), e, []string{"keys", "create", "--keyring", kr}), se.String())
	return kr
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecdkp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// createOn posts a create-ec-datakey-pair for the default key and returns
// the status.
func createOn(t *testing.T, client *http.Client, base, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v1.0/00000000000000000000000000000000/kms/create-ec-datakey-pair",
		strings.NewReader(`{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"SM2"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestServeSecureByDefault: serve refuses to start without credentials, or
// unauthenticated off loopback, or plain HTTP off loopback; it serves TLS
// when given a certificate; a secret on argv is refused.
func TestServeSecureByDefault(t *testing.T) {
	kr := newKeyringFile(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("file-token\n"), 0o600))
	credsFile := filepath.Join(t.TempDir(), "creds.json")
	require.NoError(t, os.WriteFile(credsFile, []byte(`{"credentials": [{"principal": "ops", "projects": [], "token": "file-token"}]}`), 0o600))
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no credentials", nil, []string{"--addr", "127.0.0.1:0"}, "no credentials"},
		{"unauthenticated on every interface", nil, []string{"--addr", "0.0.0.0:0", "--allow-unauthenticated"}, "only on a loopback address"},
		{"unauthenticated with credentials", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--allow-unauthenticated"}, "one or the other"},
		{"plain HTTP on every interface", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "0.0.0.0:0"}, "refusing plain HTTP"},
		{"a secret twice", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--token-file", tokenFile}, "once"},
		{"tls cert without key", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--tls-cert", tokenFile}, "go together"},
		{"a token on argv", nil, []string{"--addr", "127.0.0.1:0", "--token", "argv-token"}, "--token: a secret on the command line is visible to every user"},
		{"a token on argv and in the environment", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--token", "argv-token"},
			"--token: a secret on the command line is visible to every user"},
		{"a secret key on argv and in a file", nil, []string{"--addr", "127.0.0.1:0", "--ak", "AK", "--sk", "argv-secret", "--sk-file", tokenFile},
			"--sk: a secret on the command line is visible to every user"},
		{"a secret twice names only the ways to give it", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--token-file", tokenFile},
			"give the secret of --token once: $ECDKP_TOKEN or --token-file, not both"},
		{"a secret key on argv", nil, []string{"--addr", "127.0.0.1:0", "--ak", "AK", "--sk", "argv-secret"}, "--sk: a secret on the command line is visible to every user"},
		{"an access key without its secret", nil, []string{"--addr", "127.0.0.1:0", "--ak", "AK"}, "--ak needs its secret"},
		{"credentials and a token from the environment", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--credentials", credsFile},
			"--credentials replaces the dev-loop credentials, and a token ($ECDKP_TOKEN or --token-file) is given too: unset it, or put it in the file"},
		{"credentials and an access key", map[string]string{"ECDKP_SK": "s"}, []string{"--addr", "127.0.0.1:0", "--credentials", credsFile, "--ak", "AK"},
			"and --ak is given too"},
		{"an empty AWS account", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--aws-account", ""},
			`--aws-account "" is not a project id`},
		{"an AWS account with a colon", map[string]string{"ECDKP_TOKEN": "t"}, []string{"--addr", "127.0.0.1:0", "--aws-account", "1111:2222"},
			`--aws-account "1111:2222" is not a project id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var so, se strings.Builder
			e := &env{stdout: &so, stderr: &se, getenv: func(k string) string { return tc.env[k] }}
			code := run(context.Background(), e, append([]string{"serve", "--keyring", kr}, tc.args...))
			assert.Equal(t, 1, code, se.String())
			assert.Contains(t, se.String(), tc.want)
			assert.NotContains(t, se.String(), "argv-", "a refused secret is not repeated")
		})
	}

	t.Run("token from a file over TLS", func(t *testing.T) {
		cert, key, pool := selfSigned(t)
		s := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--keyring", kr, "--token-file", tokenFile, "--tls-cert", cert, "--tls-key", key)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		assert.Equal(t, http.StatusNotFound, createOn(t, client, "https://"+s.addr, "file-token"), "authenticated, unknown key")
		assert.Equal(t, http.StatusUnauthorized, createOn(t, client, "https://"+s.addr, "wrong"))
		resp, err := http.Get("http://" + s.addr + "/")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP is not served on the TLS listener")
		assert.Empty(t, resp.Header.Get("X-Request-Id"), "the request never reached the handler")
		assert.Contains(t, s.logs.String(), `"scheme":"https"`)
		assert.NotContains(t, s.logs.String(), "file-token")
	})
	t.Run("unauthenticated on loopback says so", func(t *testing.T) {
		s := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--keyring", kr, "--allow-unauthenticated")
		assert.Equal(t, http.StatusNotFound, createOn(t, http.DefaultClient, "http://"+s.addr, ""))
		assert.Contains(t, s.logs.String(), "WITHOUT authentication")
	})
}

// TestLimitListener: at most n connections are open at once; the next is
// accepted when one closes.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := limitListener(inner, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for i := range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err, "dial %d", i)
		defer c.Close()
	}
	first, second := <-accepted, <-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, first.Close())
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting connection was not accepted after one closed")
	}
	second.Close()
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:1": true, "[::1]:80": true, "localhost:80": true,
		"0.0.0.0:80": false, ":8080": false, "[::]:80": false, "10.0.0.1:80": false, "example.com:80": false, "junk": false,
	} {
		assert.Equal(t, want, isLoopback(addr), addr)
	}
}

// TestServeAuditTrail: one audit record per request, refused ones
// included, with who, what and the outcome, written before the answer; no
// private key of the run is in the audit trail or the logs.
func TestServeAuditTrail(t *testing.T) {
	kr, audit := newKeyringFile(t), filepath.Join(t.TempDir(), "audit.jsonl")
	s := serveInProcess(t, map[string]string{"ECDKP_TOKEN": "audit-token"}, "--addr", "127.0.0.1:0", "--keyring", kr, "--audit-log", audit)
	var keyID string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		var m struct {
			Msg          string `json:"msg"`
			DefaultKeyID string `json:"default_key_id"`
		}
		if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "serving" {
			keyID = m.DefaultKeyID
		}
	}
	require.NotEmpty(t, keyID, s.logs.String())
	post := func(route, token, body string) (int, map[string]string) {
		req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1.0/00000000000000000000000000000000/kms/"+route, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	var secrets []string
	for _, spec := range []string{"ECC_NIST_P256", "SM2", "ECC_SECG_P256K1"} {
		status, out := post("create-ec-datakey-pair", "audit-token", fmt.Sprintf(`{"key_id":%q,"key_spec":%q,"sequence":"00000000-0000-0000-0000-00000000000%d"}`, keyID, spec, len(secrets)))
		require.Equal(t, http.StatusOK, status)
		secrets = append(secrets, out["private_key_plain_text"])
		status, dec := post("decrypt-datakey-pair", "audit-token", fmt.Sprintf(`{"cipher_text":%q}`, out["private_key_cipher_text"]))
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, out["private_key_plain_text"], dec["private_key_plain_text"])
	}
	status, _ := post("create-ec-datakey-pair", "wrong-token", fmt.Sprintf(`{"key_id":%q,"key_spec":"SM2"}`, keyID))
	require.Equal(t, http.StatusUnauthorized, status)

	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		records = append(records, r)
	}
	require.Len(t, records, 7, "one record per request")
	first := records[0]
	assert.Equal(t, "kms:cmk:createDataKeyPair", first["action"])
	assert.Equal(t, "token", first["principal"])
	assert.Equal(t, "00000000000000000000000000000000", first["project"])
	assert.Equal(t, keyID, first["key_id"])
	assert.Equal(t, "ECC_NIST_P256", first["key_spec"])
	assert.Equal(t, "plaintext", first["holder"])
	assert.Equal(t, true, first["with_plain_text"])
	assert.Equal(t, "00000000-0000-0000-0000-000000000000", first["sequence"])
	assert.Equal(t, "ok", first["outcome"])
	assert.Equal(t, "huawei", first["dialect"])
	assert.NotEmpty(t, first["request_id"])
	assert.Contains(t, first["remote_addr"], "127.0.0.1:")
	assert.Equal(t, "kms:cmk:decrypt", records[1]["action"])
	last := records[6]
	assert.Equal(t, "unauthenticated", last["outcome"])
	assert.Equal(t, "KMS.0301", last["error_code"])
	for _, sec := range secrets {
		require.NotEmpty(t, sec)
		der, err := base64.StdEncoding.DecodeString(sec)
		require.NoError(t, err)
		for _, text := range []string{string(b), s.logs.String()} {
			assert.NotContains(t, text, sec[:32], "a private key is in the audit trail or logs")
			assert.NotContains(t, text, hex.EncodeToString(der)[:32])
		}
	}
}

// TestServeBothDialects: one listener answers the Huawei dialect and the
// AWS dialect with the same access key, and the audit trail names each.
func TestServeBothDialects(t *testing.T) {
	kr, audit := newKeyringFile(t), filepath.Join(t.TempDir(), "audit.jsonl")
	s := serveInProcess(t, map[string]string{"ECDKP_SK": "both-secret"}, "--addr", "127.0.0.1:0", "--keyring", kr, "--ak", "AKBOTH", "--audit-log", audit)
	body := []byte(`{"KeyPairSpec":"ECC_NIST_P256","KeyId":"` + defaultKeyID(t, s) + `"}`)
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService.GenerateDataKeyPair")
	require.NoError(t, auth.SignV4(req, body, "AKBOTH", "both-secret", "us-east-1", "kms", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(out))
	assert.Contains(t, string(out), `"PrivateKeyPlaintext"`)

	hb := []byte(`{"key_id":"` + defaultKeyID(t, s) + `","key_spec":"SM2"}`)
	hreq, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1.0/00000000000000000000000000000000/kms/create-ec-datakey-pair", bytes.NewReader(hb))
	require.NoError(t, err)
	hreq.Header.Set("Content-Type", "application/json")
	auth.SetNonce(hreq.Header)
	require.NoError(t, auth.Sign(hreq, hb, "AKBOTH", "both-secret", time.Now()))
	resp, err = http.DefaultClient.Do(hreq)
	require.NoError(t, err)
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(out))

	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"dialect":"aws"`)
	assert.Contains(t, string(b), `"dialect":"huawei"`)
	assert.Contains(t, string(b), `"principal":"AKBOTH"`)
}

// defaultKeyID is the default key id a served server logged.
func defaultKeyID(t *testing.T, s *served) string {
	t.Helper()
	for _, l := range strings.Split(s.logs.String(), "\n") {
		var m struct {
			Msg          string `json:"msg"`
			DefaultKeyID string `json:"default_key_id"`
		}
		if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "serving" {
			return m.DefaultKeyID
		}
	}
	t.Fatal("no serving line")
	return ""
}
