package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServePolicy: serve decides with --policy FILE; a file that does not
// parse stops serve at start with the statement named; on SIGHUP a good new
// file replaces the policy and a bad one keeps the old, saying why.
func TestServePolicy(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	r := runBin(t, bin, nil, "keys", "create", "--keyring", kr)
	require.Equal(t, 0, r.code, r.stderr)
	keyID := keyIDOf(t, r.stdout)
	pol := filepath.Join(dir, "policy.json")
	write := func(doc string) { require.NoError(t, os.WriteFile(pol, []byte(doc), 0o600)) }

	write(`{"Version":"1.1","Statement":[{"Sid":"Typo","Effect":"Allow","Action":"kms:cmk:createDataKeyPair","Condition":{"StringEqual":{"kms:KeySpec":"SM2"}}}]}`)
	r = runBin(t, bin, []string{"ECDKP_TOKEN=tok"}, "serve", "--addr", "127.0.0.1:0", "--keyring", kr, "--policy", pol)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `statement 0 (Sid "Typo")`)
	assert.Contains(t, r.stderr, `StringEqual`)

	// Allow creating without plaintext only.
	write(`{"Version":"1.1","Statement":[
	  {"Sid":"NoPlain","Effect":"Deny","Action":"kms:cmk:*","Condition":{"Bool":{"kms:WithPlainText":"true"}}},
	  {"Sid":"Create","Effect":"Allow","Action":"kms:cmk:createDataKeyPair"}]}`)
	var log logLines
	var proc *os.Process
	url := startServeProc(t, bin, nil, kr, &log, &proc, "--policy", pol)
	status, code, _ := createPair(t, url, keyID) // with_plain_text false
	assert.Equal(t, 200, status)
	assert.Equal(t, "", code)

	// Now deny everything for this key; a reload is seen at once.
	write(`{"Version":"1.1","Statement":[{"Sid":"Nothing","Effect":"Deny","Action":"*","Resource":"KMS:*:*:KeyId:` + keyID + `"}]}`)
	require.NoError(t, proc.Signal(syscall.SIGHUP))
	seenWithin(t, "reloaded policy", func() bool { s, _, _ := createPair(t, url, keyID); return s == 403 })
	_, code, _ = createPair(t, url, keyID)
	assert.Equal(t, "KMS.0306", code)

	// A broken file keeps the policy in force, and the log says so.
	write(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":"kms:cmk:nope"}]}`)
	require.NoError(t, proc.Signal(syscall.SIGHUP))
	deadline := time.Now().Add(5 * time.Second)
	for log.count("policy not reloaded") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.Equal(t, 1, log.count("policy not reloaded"))
	status, _, _ = createPair(t, url, keyID)
	assert.Equal(t, 403, status, "the previous policy stays")
	assert.Positive(t, log.count("kms:cmk:nope"), "the log names what is wrong")
}

// keyIDOf reads the key_id of a command's JSON output.
func keyIDOf(t *testing.T, out string) string {
	t.Helper()
	var md struct {
		KeyID string `json:"key_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &md), out)
	require.NotEmpty(t, md.KeyID)
	return md.KeyID
}
