package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/encoding"
)

// TestVersion: --version and version print the build's module version,
// VCS revision and Go.
func TestVersion(t *testing.T) {
	bin := buildBinary(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runBin(t, bin, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "ecdkp ")
		assert.Contains(t, r.stdout, "\ngo1.")
		if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			assert.Contains(t, r.stdout, "revision "+strings.TrimSpace(string(head)), "the revision the binary was built from")
		}
	}
}

// TestServeMetricsAndHealth: the metrics listener serves Prometheus
// metrics of the requests served, /healthz and /readyz.
func TestServeMetricsAndHealth(t *testing.T) {
	kr := newKeyringFile(t)
	s := serveInProcess(t, map[string]string{"ECDKP_TOKEN": "m"}, "--addr", "127.0.0.1:0", "--keyring", kr, "--metrics-addr", "127.0.0.1:0")
	var maddr string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		var m struct{ Msg, Addr string }
		if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "metrics" {
			maddr = m.Addr
		}
	}
	require.NotEmpty(t, maddr, s.logs.String())
	keyID := defaultKeyID(t, s)
	for _, spec := range []string{"ECC_NIST_P256", "SM2", "BOGUS"} {
		req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1.0/00000000000000000000000000000000/kms/create-ec-datakey-pair",
			strings.NewReader(`{"key_id":"`+keyID+`","key_spec":"`+spec+`"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", "m")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + maddr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("/metrics")
	require.Equal(t, 200, status)
	for _, want := range []string{
		`ecdkp_requests_total{action="kms:cmk:createDataKeyPair",code="ok",dialect="huawei",key_spec="ECC_NIST_P256"} 1`,
		`ecdkp_requests_total{action="kms:cmk:createDataKeyPair",code="KMS.0308",dialect="huawei",key_spec="other"} 1`,
		`ecdkp_key_generation_seconds_count{key_spec="SM2"} 1`,
		`ecdkp_request_duration_seconds_count{dialect="huawei",operation="create-ec-datakey-pair"} 3`,
		`ecdkp_requests_in_flight 0`,
		`ecdkp_replay_window_entries`,
		`ecdkp_keystore_errors_total 0`,
		`go_goroutines`,
	} {
		assert.Contains(t, body, want)
	}
	status, _ = get("/healthz")
	assert.Equal(t, 200, status)
	status, body = get("/readyz")
	assert.Equal(t, 200, status, body)
}

// TestServeGracefulShutdown: SIGTERM during a 32-client load; every
// request that got an answer got a complete, valid one, and the process
// exits 0 within the bound.
func TestServeGracefulShutdown(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	r := runBin(t, bin, nil, "keys", "create", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	keyID := keyIDOf(t, r.stdout)
	audit := filepath.Join(dir, "audit.jsonl")
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--keyring", kr, "--shutdown-timeout", "5s", "--audit-log", audit)
	cmd.Env = append(os.Environ(), "ECDKP_TOKEN=g")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	sc := bufio.NewScanner(stderr)
	addr := ""
	for addr == "" && sc.Scan() {
		var l struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" {
			addr = l.Addr
		}
	}
	require.NotEmpty(t, addr)
	go func() { _, _ = io.Copy(io.Discard, stderr) }()

	var answered, valid, invalid atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 10 * time.Second}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1.0/00000000000000000000000000000000/kms/create-ec-datakey-pair",
					strings.NewReader(`{"key_id":"`+keyID+`","key_spec":"ECC_NIST_P256"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", "g")
				resp, err := client.Do(req)
				if err != nil {
					continue // refused after the listener closed: no answer
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				answered.Add(1)
				if err == nil && resp.StatusCode == 200 && validPair(body) {
					valid.Add(1)
				} else {
					invalid.Add(1)
					t.Errorf("an answer that is not a complete pair: %d %q (%v)", resp.StatusCode, body, err)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	sent := time.Now()
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		require.NoError(t, err, "serve exits 0")
	case <-time.After(6 * time.Second):
		t.Fatal("serve did not exit within the shutdown timeout")
	}
	t.Logf("exited %v after SIGTERM; %d answers, all valid", time.Since(sent).Round(time.Millisecond), answered.Load())
	close(stop)
	wg.Wait()
	assert.Positive(t, valid.Load())
	assert.Zero(t, invalid.Load())
	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	lines := strings.Count(string(b), "\n")
	assert.GreaterOrEqual(t, int64(lines), valid.Load(), "every answered request is in the synced audit trail")
}

// validPair reports whether body is a create response whose public key
// parses and whose private key is its private key.
func validPair(body []byte) bool {
	var out struct {
		PublicKey  string `json:"public_key"`
		PrivateKey string `json:"private_key_plain_text"`
		Cipher     string `json:"private_key_cipher_text"`
	}
	if json.Unmarshal(body, &out) != nil || out.Cipher == "" {
		return false
	}
	pub, err1 := base64.StdEncoding.DecodeString(out.PublicKey)
	priv, err2 := base64.StdEncoding.DecodeString(out.PrivateKey)
	if err1 != nil || err2 != nil {
		return false
	}
	pk, err1 := encoding.ParseSPKI(pub)
	sk, err2 := encoding.ParsePKCS8(priv)
	if err1 != nil || err2 != nil {
		return false
	}
	return sk.PublicKey().Equal(pk)
}
