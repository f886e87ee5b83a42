//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/wrap"
)

// TestKeyringProcesses drives the keyring through real ecdkp processes
// running at once, killed, tampered with, and watched by a running server.
// The binary is built once for all of them.
func TestKeyringProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a few hundred processes")
	}
	bin := buildBinary(t)
	t.Run("first use by 32 at once", func(t *testing.T) { testFirstUseRace(t, bin) })
	t.Run("32 keys create at once", func(t *testing.T) { testParallelKeysCreate(t, bin) })
	t.Run("kill -9 of a writer", func(t *testing.T) { testKillWriter(t, bin) })
	t.Run("explicit path", func(t *testing.T) { testExplicitPath(t, bin) })
	t.Run("seal and passphrase", func(t *testing.T) { testSealCommands(t, bin) })
	t.Run("tampered sealed file", func(t *testing.T) { testTamperBinary(t, bin) })
	for _, pass := range []string{"", "serve passphrase"} {
		name := "serve follows the keyring/unsealed"
		if pass != "" {
			name = "serve follows the keyring/sealed"
		}
		t.Run(name, func(t *testing.T) { testServeFollows(t, bin, pass) })
	}
}

// runAll runs n processes at once and waits for them all.
func runAll(t *testing.T, bin string, env []string, n int, args func(i int) []string) []result {
	t.Helper()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, 2*n)
	for i := range cmds {
		cmds[i] = exec.Command(bin, args(i)...)
		cmds[i].Env = append(os.Environ(), env...)
		outs[2*i], outs[2*i+1] = new(bytes.Buffer), new(bytes.Buffer)
		cmds[i].Stdout, cmds[i].Stderr = outs[2*i], outs[2*i+1]
	}
	for _, c := range cmds {
		require.NoError(t, c.Start())
	}
	rs := make([]result, n)
	for i, c := range cmds {
		err := c.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			require.NoError(t, err)
		}
		rs[i] = result{c.ProcessState.ExitCode(), outs[2*i].String(), outs[2*i+1].String()}
	}
	return rs
}

func countContaining(rs []result, s string) int {
	n := 0
	for _, r := range rs {
		if strings.Contains(r.stderr, s) {
			n++
		}
	}
	return n
}

func listKeys(t *testing.T, bin string, env []string, path string) []keystore.KeyMetadata {
	t.Helper()
	r := runBin(t, bin, env, "keys", "list", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	var keys []keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &keys))
	return keys
}

// testFirstUseRace: 32 `ecdkp create` on a machine with no keyring yet all
// use the one default key the first of them made, and every ciphertext
// decrypts.
func testFirstUseRace(t *testing.T, bin string) {
	xdg := t.TempDir()
	env := []string{"XDG_DATA_HOME=" + xdg, "ECDKP_PASSPHRASE="}
	const n = 32
	rs := runAll(t, bin, env, n, func(int) []string { return []string{"create", "--key-spec", "ECC_NIST_P256", "--aad", "first use"} })
	ids := map[string]bool{}
	created := make([]provider.CreateEcDatakeyPairResponse, n)
	for i, r := range rs {
		require.Equal(t, 0, r.code, r.stderr)
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &created[i]))
		ids[created[i].KeyID] = true
		assert.Equal(t, 1, strings.Count(r.stderr, "is not sealed"), "each command warns once: %s", r.stderr)
	}
	assert.Len(t, ids, 1, "one default key for all")
	assert.Equal(t, 1, countContaining(rs, "created keyring"), "one process created the keyring")
	path := filepath.Join(xdg, "ecdkp", "keyring.json")
	assert.Len(t, listKeys(t, bin, env, path), 1)

	rs = runAll(t, bin, env, n, func(i int) []string {
		return []string{"decrypt", "--cipher-text", created[i].PrivateKeyCipherText, "--aad", "first use"}
	})
	for i, r := range rs {
		require.Equal(t, 0, r.code, r.stderr)
		var dec provider.DecryptDatakeyPairResponse
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &dec))
		assert.Equal(t, created[i].PrivateKeyPlainText, dec.PrivateKeyPlainText, "ciphertext %d decrypts to its key", i)
	}
}

// testParallelKeysCreate: 32 `ecdkp keys create` at once on a keyring that
// does not exist yet leave 32 keys, one of them the default.
func testParallelKeysCreate(t *testing.T, bin string) {
	path := filepath.Join(t.TempDir(), "keys.json")
	env := []string{"ECDKP_PASSPHRASE="}
	const n = 32
	rs := runAll(t, bin, env, n, func(i int) []string {
		spec := "AES_256"
		if i%2 == 1 {
			spec = "SM4"
		}
		return []string{"keys", "create", "--keyring", path, "--spec", spec}
	})
	want := map[string]bool{}
	for _, r := range rs {
		require.Equal(t, 0, r.code, r.stderr)
		var md keystore.KeyMetadata
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
		want[md.KeyID] = true
	}
	assert.Equal(t, 1, countContaining(rs, "created keyring "+path))
	keys := listKeys(t, bin, env, path)
	require.Len(t, keys, n)
	defaults := 0
	for _, md := range keys {
		assert.True(t, want[md.KeyID], md.KeyID)
		if md.Default {
			defaults++
		}
	}
	assert.Equal(t, 1, defaults)
}

// testKillWriter: a shell loop of `ecdkp keys create` and `ecdkp keys
// rotate` is killed (SIGKILL, the whole process group) at random points,
// round after round. The file always opens and holds every key and every
// version printed before the kill.
func testKillWriter(t *testing.T, bin string) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	env := []string{"ECDKP_PASSPHRASE="}
	r := runBin(t, bin, env, "keys", "create", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	var def keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &def))
	const script = `while :; do "$0" keys create --keyring "$1" --spec SM4 || exit 1; "$0" keys rotate --keyring "$1" "$2" || exit 1; done`
	created := map[string]bool{}
	version := uint32(1)
	const rounds = 20
	for round := range rounds {
		cmd := exec.Command("sh", "-c", script, bin, path, def.KeyID)
		cmd.Env = append(os.Environ(), env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(30+rand.IntN(120)) * time.Millisecond)
		require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL))
		err := cmd.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, -1, ee.ExitCode(), "round %d: killed, not failed: %s", round, stderr.String())

		dec := json.NewDecoder(&stdout)
		for {
			var md keystore.KeyMetadata
			if dec.Decode(&md) != nil {
				break // the end, or the half-printed output of the killed one
			}
			if md.KeyID == def.KeyID {
				version = max(version, md.CurrentVersion)
			} else {
				created[md.KeyID] = true
			}
		}
		kr, err := keyring.Open(path, keyring.WithoutCreate(), keyring.WithReload(0))
		require.NoError(t, err, "round %d: the file opens", round)
		have := map[string]keystore.KeyMetadata{}
		list, err := kr.ListKeys(context.Background())
		require.NoError(t, err)
		for _, md := range list {
			have[md.KeyID] = md
		}
		for id := range created {
			_, ok := have[id]
			require.True(t, ok, "round %d: key %s was printed and is lost", round, id)
		}
		require.GreaterOrEqual(t, have[def.KeyID].CurrentVersion, version, "round %d: a printed rotation is lost", round)
	}
	t.Logf("%d rounds: %d keys created, %d versions of the default key", rounds, len(created), version)
	assert.NotEmpty(t, created)
}

// testExplicitPath: a --keyring that does not exist is an error naming it
// (the file is not created), except for keys create, which says it made it.
func testExplicitPath(t *testing.T, bin string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "typo.json")
	env := []string{"ECDKP_PASSPHRASE=", "XDG_DATA_HOME=" + filepath.Join(dir, "xdg")}
	for _, args := range [][]string{
		{"create", "--key-spec", "SM2", "--keyring", path},
		{"decrypt", "--cipher-text", "AAAA", "--keyring", path},
		{"keys", "list", "--keyring", path},
		{"keys", "disable", "--keyring", path, "00000000-0000-4000-8000-000000000000"},
		{"keys", "seal", "--keyring", path},
		{"serve", "--addr", "127.0.0.1:0", "--keyring", path},
	} {
		r := runBin(t, bin, append(env, "ECDKP_PASSPHRASE=x", "ECDKP_TOKEN=t"), args...)
		assert.Equal(t, 1, r.code, "%v", args)
		assert.Contains(t, r.stderr, path+": does not exist", "%v", args)
		_, err := os.Stat(path)
		assert.ErrorIs(t, err, os.ErrNotExist, "%v created the file", args)
	}
	r := runBin(t, bin, env, "keys", "create", "--keyring", path, "--project", "p-1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "created keyring "+path)
	var md keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	assert.Equal(t, "p-1", md.Project)
	keys := listKeys(t, bin, env, path)
	require.Len(t, keys, 1)
	assert.Equal(t, "p-1", keys[0].Project, "keys list shows the project")
	r = runBin(t, bin, env, "keys", "create", "--keyring", path, "--project", "not a project")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "project")

	r = runBin(t, bin, env, "decrypt", "--cipher-text", "RUtQMQ"+strings.Repeat("A", 80), "--keyring", path)
	assert.Equal(t, 1, r.code)
	_, err := os.Stat(filepath.Join(dir, "xdg"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the default keyring is not touched when --keyring is given")
}

// testSealCommands: keys seal and keys passphrase, with passphrases from the
// environment only (stdin is not a terminal here), never argv.
func testSealCommands(t *testing.T, bin string) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	none := []string{"ECDKP_PASSPHRASE=", "ECDKP_NEW_PASSPHRASE="}
	r := runBin(t, bin, none, "keys", "create", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is not sealed")
	r = runBin(t, bin, none, "create", "--key-spec", "SM2", "--keyring", path, "--aad", "a")
	require.Equal(t, 0, r.code, r.stderr)
	var pair provider.CreateEcDatakeyPairResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &pair))

	r = runBin(t, bin, none, "keys", "seal", "--keyring", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "set ECDKP_PASSPHRASE", "no terminal: the passphrase must come from the environment")
	r = runBin(t, bin, none, "keys", "seal", "--keyring", path, "--passphrase", "x")
	assert.Equal(t, 2, r.code, "no passphrase on the command line")
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one"}, "keys", "list", "--keyring", path)
	assert.Equal(t, 1, r.code, "a passphrase for an unsealed keyring is an error")
	assert.Contains(t, r.stderr, "not sealed")

	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one"}, "keys", "seal", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"sealed": true`)
	r = runBin(t, bin, none, "keys", "list", "--keyring", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "set ECDKP_PASSPHRASE")
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one"}, "keys", "seal", "--keyring", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "already sealed")
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one", "ECDKP_NEW_PASSPHRASE="}, "keys", "passphrase", "--keyring", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "set ECDKP_NEW_PASSPHRASE")
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one", "ECDKP_NEW_PASSPHRASE=two"}, "keys", "passphrase", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=one"}, "keys", "list", "--keyring", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "wrong passphrase")
	r = runBin(t, bin, []string{"ECDKP_PASSPHRASE=two"}, "decrypt", "--cipher-text", pair.PrivateKeyCipherText, "--aad", "a", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "not sealed")
	assert.NotContains(t, string(mustReadFile(t, path)), pair.PrivateKeyPlainText)
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// keyringDoc is the keyring file as an attacker edits it: the members of
// format v2, in its order, so its checksum can be recomputed.
type keyringDoc struct {
	Format string `json:"format"`
	KDF    *struct {
		Algorithm string `json:"algorithm"`
		Salt      string `json:"salt"`
		Time      uint32 `json:"time"`
		MemoryKiB uint32 `json:"memory_kib"`
		Threads   uint8  `json:"threads"`
		Check     string `json:"check,omitempty"`
	} `json:"kdf,omitempty"`
	DefaultKeyID string `json:"default_key_id,omitempty"`
	Keys         []struct {
		keystore.KeyMetadata
		Versions []string `json:"versions"`
	} `json:"keys"`
	MAC      string `json:"mac,omitempty"`
	Checksum string `json:"checksum,omitempty"`
}

func (d *keyringDoc) fixChecksum() {
	d.Checksum = ""
	b, _ := json.Marshal(d)
	s := sha256.Sum256(b)
	d.Checksum = hex.EncodeToString(s[:])
}

func readKeyringDoc(t *testing.T, path string) keyringDoc {
	t.Helper()
	var d keyringDoc
	require.NoError(t, json.Unmarshal(mustReadFile(t, path), &d))
	return d
}

func writeKeyringDoc(t *testing.T, path string, d keyringDoc) []byte {
	t.Helper()
	d.fixChecksum()
	b, err := json.MarshalIndent(d, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return b
}

// testTamperBinary: the attacks on a sealed keyring, by an attacker
// who can write the file and recompute its checksum: re-enabling a disabled
// key with an edit, swapping in known key material without the seal, and
// asking for a stalling Argon2id. Each is refused, naming the file, and
// nothing is written. (The package tests edit every member.)
func testTamperBinary(t *testing.T, bin string) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	env := []string{"ECDKP_PASSPHRASE=sealed"}
	r := runBin(t, bin, env, "keys", "create", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "not sealed")
	var md keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	r = runBin(t, bin, env, "keys", "disable", "--keyring", path, md.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	good := readKeyringDoc(t, path)
	check := good
	check.fixChecksum()
	require.Equal(t, good.Checksum, check.Checksum, "the test recomputes checksums as ecdkp does")

	known := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name, want string
		edit       func(d *keyringDoc)
	}{
		{"re-enable", "altered", func(d *keyringDoc) { d.Keys[0].KeyState = keystore.KeyEnabled }},
		{"downgrade", "not sealed", func(d *keyringDoc) {
			d.KDF, d.MAC = nil, ""
			d.Keys[0].KeyState, d.Keys[0].Versions = keystore.KeyEnabled, []string{known}
		}},
		{"stalling kdf", "over the limits", func(d *keyringDoc) { d.KDF.MemoryKiB, d.KDF.Time = 4<<20, 64 }},
		{"duplicate", "altered", func(d *keyringDoc) { d.Keys = append(d.Keys, d.Keys[0]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := readKeyringDoc(t, path)
			raw := mustReadFile(t, path)
			t.Cleanup(func() { require.NoError(t, os.WriteFile(path, raw, 0o600)) })
			tc.edit(&d)
			tampered := writeKeyringDoc(t, path, d)
			for _, args := range [][]string{
				{"create", "--key-spec", "ECC_NIST_P256", "--keyring", path},
				{"keys", "enable", "--keyring", path, md.KeyID},
				{"keys", "create", "--keyring", path},
			} {
				start := time.Now()
				r := runBin(t, bin, env, args...)
				assert.Equal(t, 1, r.code, "%v: %s", args, r.stdout)
				assert.Contains(t, r.stderr, path, "%v", args)
				assert.Contains(t, r.stderr, tc.want, "%v", args)
				assert.Less(t, time.Since(start), 10*time.Second, "no stall")
				assert.Equal(t, tampered, mustReadFile(t, path), "%v wrote the file", args)
			}
		})
	}
}

// logLines collects a server's JSON log lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// startServe starts `ecdkp serve` (with extra flags, and --keyring path
// unless path is empty) on a free loopback port and returns its URL once it
// logs that it serves; its process is *proc when proc is not nil.
func startServe(t *testing.T, bin string, env []string, path string, log *logLines, extra ...string) string {
	return startServeProc(t, bin, env, path, log, nil, extra...)
}

func startServeProc(t *testing.T, bin string, env []string, path string, log *logLines, proc **os.Process, extra ...string) string {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0"}
	if path != "" {
		args = append(args, "--keyring", path)
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(append(os.Environ(), "ECDKP_TOKEN=tok"), env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	if proc != nil {
		*proc = cmd.Process
	}
	lines := bufio.NewScanner(stderr)
	addr := ""
	for addr == "" && lines.Scan() {
		log.add(lines.Text())
		var l struct{ Msg, Addr string }
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "serving" {
			addr = l.Addr
		}
	}
	require.NotEmpty(t, addr, "the server did not say where it serves")
	go func() {
		for lines.Scan() {
			log.add(lines.Text())
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	return "http://" + addr
}

// createPair asks the server for a P-256 pair under keyID: the HTTP status,
// the error code, and the master key version of the envelope.
func createPair(t *testing.T, url, keyID string) (int, string, uint32) {
	t.Helper()
	body := `{"key_id":"` + keyID + `","key_spec":"ECC_NIST_P256","with_plain_text":false}`
	req, err := http.NewRequest(http.MethodPost, url+"/v1.0/"+keystore.DefaultProject+"/kms/create-ec-datakey-pair", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		PrivateKeyCipherText string `json:"private_key_cipher_text"`
		Error                struct {
			Code string `json:"error_code"`
		} `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, out.Error.Code, 0
	}
	env, err := base64.StdEncoding.DecodeString(out.PrivateKeyCipherText)
	require.NoError(t, err)
	h, err := wrap.ParseMasterHeader(env)
	require.NoError(t, err)
	return resp.StatusCode, "", h.KeyVersion
}

// seenWithin polls the server until cond holds, at most a second after the
// change was made.
func seenWithin(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Second {
			t.Fatalf("%s: the server did not see it within 1 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s: seen after %v", what, time.Since(start).Round(time.Millisecond))
}

// testServeFollows: a running `ecdkp serve` sees what other processes do to
// its keyring within a second: a disabled key is refused, a new key and a
// rotation are used; a damaged file is logged and the last good keys stay.
func testServeFollows(t *testing.T, bin, pass string) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	env := []string{"ECDKP_PASSPHRASE=" + pass}
	r := runBin(t, bin, env, "keys", "create", "--keyring", path)
	require.Equal(t, 0, r.code, r.stderr)
	var def keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &def))
	var log logLines
	url := startServe(t, bin, env, path, &log)
	if pass == "" {
		assert.Equal(t, 1, log.count("is not sealed"), "serve logs the unsealed keyring at start")
	} else {
		assert.Zero(t, log.count("is not sealed"))
	}
	code, _, _ := createPair(t, url, def.KeyID)
	require.Equal(t, http.StatusOK, code)

	r = runBin(t, bin, env, "keys", "disable", "--keyring", path, def.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	disabled := huawei.CodeOf(provider.FailKeyDisabled).Code
	seenWithin(t, "disable", func() bool { _, c, _ := createPair(t, url, def.KeyID); return c == disabled })

	r = runBin(t, bin, env, "keys", "create", "--keyring", path, "--spec", "SM4")
	require.Equal(t, 0, r.code, r.stderr)
	var nk keystore.KeyMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &nk))
	seenWithin(t, "new key", func() bool { c, _, _ := createPair(t, url, nk.KeyID); return c == http.StatusOK })

	r = runBin(t, bin, env, "keys", "rotate", "--keyring", path, nk.KeyID)
	require.Equal(t, 0, r.code, r.stderr)
	seenWithin(t, "rotation", func() bool { _, _, v := createPair(t, url, nk.KeyID); return v == 2 })

	good := mustReadFile(t, path)
	bad := bytes.Replace(good, []byte(`"SM4"`), []byte(`"AES_256"`), 1)
	require.NoError(t, os.WriteFile(path+".new", bad, 0o600))
	require.NoError(t, os.Rename(path+".new", path))
	seenWithin(t, "damage logged", func() bool { return log.count("reload failed") > 0 })
	code, _, v := createPair(t, url, nk.KeyID)
	assert.Equal(t, http.StatusOK, code, "the last good keys still serve")
	assert.Equal(t, uint32(2), v)
	assert.Equal(t, 1, log.count("reload failed"), "logged once")
	assert.Equal(t, 1, log.count(path+": damaged"))
}
