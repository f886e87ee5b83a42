package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/etcd/etcdtest"
)

// The fleet: `ecdkp serve` processes sharing one etcd store, driven over
// HTTP as a load balancer's clients would, while etcd members are killed
// and the whole cluster stopped. Every ciphertext any replica made is
// decrypted at the end by a replica started last.

const (
	fleetAK = "AKFLEET"
	fleetSK = "fleet-secret"
)

// fleet is a cluster, the flags that reach its store, and the ciphertexts
// made so far with their plaintexts.
type fleet struct {
	t       *testing.T
	bin     string
	c       *etcdtest.Cluster
	env     []string
	flags   []string
	mu      sync.Mutex
	ledger  map[string]string // private_key_cipher_text -> private_key_plain_text
	servers []string
}

func newFleet(t *testing.T, bin string, c *etcdtest.Cluster, prefix string) *fleet {
	return &fleet{
		t: t, bin: bin, c: c,
		env: []string{"ECDKP_PASSPHRASE=fleet passphrase", "ECDKP_SK=" + fleetSK},
		flags: []string{"--keystore", "etcd", "--etcd-endpoints", strings.Join(c.Endpoints(), ","),
			"--etcd-prefix", prefix, "--etcd-staleness", "2s"},
		ledger: map[string]string{},
	}
}

// keys runs `ecdkp keys SUB [ARG]` on the fleet's store.
func (f *fleet) keys(sub string, arg ...string) result {
	f.t.Helper()
	return runBin(f.t, f.bin, f.env, append(append([]string{"keys", sub}, f.flags...), arg...)...)
}

// serve starts a replica; its process is *proc when proc is not nil.
func (f *fleet) serve(log *logLines, proc **os.Process) string {
	f.t.Helper()
	url := startServeProc(f.t, f.bin, f.env, "", log, proc, append([]string{"--ak", fleetAK}, f.flags...)...)
	f.servers = append(f.servers, url)
	return url
}

// huawei posts a Huawei request with the token: the status, the error code
// and the body.
func huaweiPost(t *testing.T, url, api, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1.0/"+keystore.DefaultProject+"/kms/"+api, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	code := ""
	if e, ok := out["error"].(map[string]any); ok {
		code, _ = e["error_code"].(string)
	}
	return resp.StatusCode, code, out
}

// create asks url for a pair under keyID (with a sequence unless empty)
// and records a success in the ledger: the status and error code.
func (f *fleet) create(url, keyID, sequence string) (int, string) {
	f.t.Helper()
	body := fmt.Sprintf(`{"key_id":%q,"key_spec":"ECC_NIST_P256"}`, keyID)
	if sequence != "" {
		body = fmt.Sprintf(`{"key_id":%q,"key_spec":"ECC_NIST_P256","sequence":%q}`, keyID, sequence)
	}
	status, code, out := huaweiPost(f.t, url, "create-ec-datakey-pair", body)
	if status == http.StatusOK {
		ct, _ := out["private_key_cipher_text"].(string)
		pt, _ := out["private_key_plain_text"].(string)
		require.NotEmpty(f.t, ct)
		require.NotEmpty(f.t, pt)
		f.mu.Lock()
		f.ledger[ct] = pt
		f.mu.Unlock()
	}
	return status, code
}

// decryptAll decrypts every ciphertext of the ledger through url.
func (f *fleet) decryptAll(url string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(f.t, f.ledger)
	for ct, pt := range f.ledger {
		status, code, out := huaweiPost(f.t, url, "decrypt-datakey-pair", fmt.Sprintf(`{"cipher_text":%q}`, ct))
		require.Equal(f.t, http.StatusOK, status, code)
		require.Equal(f.t, pt, out["private_key_plain_text"], "the same private key")
	}
	f.t.Logf("%d ciphertexts decrypt through %s", len(f.ledger), url)
}

// newSeq is a fresh sequence: 36 characters of [0-9a-f].
func newSeq() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// awsRequest is a SigV4-signed AWS request to url, not yet sent.
func awsRequest(t *testing.T, url, op, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	auth.SetNonce(req.Header)
	require.NoError(t, auth.SignV4(req, []byte(body), fleetAK, fleetSK, provider.DefaultRegion, "kms", time.Now()))
	return req
}

// send sends req with body to url (any replica, reached under req's host
// name as through a load balancer): the status and __type.
func send(t *testing.T, url string, req *http.Request, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(req.Method, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	r.Header = req.Header.Clone()
	r.Host = req.URL.Host // the name the client signed, as behind a load balancer
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Type string `json:"__type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Type
}

// TestFleet: three `ecdkp serve` replicas on a 3-member etcd cluster.
// A store is only made on purpose; a key disabled through one replica is
// refused by the others within a second; a sequence, and a signature, used
// on one replica are refused on the others; losing the etcd leader under
// load fails no request; with all of etcd down a replica refuses (503)
// within its staleness bound, never serving stale states, and serves again
// when etcd is back; every ciphertext made decrypts on a replica started
// at the end.
func TestFleet(t *testing.T) {
	c := etcdtest.Start(t, 3)
	bin := buildBinary(t)
	f := newFleet(t, bin, c, "/fleet/")

	// No store yet: serve does not make one (a mistyped prefix would
	// otherwise serve from an empty store).
	r := runBin(t, bin, append(f.env, "ECDKP_TOKEN=tok"), append([]string{"serve", "--addr", "127.0.0.1:0"}, f.flags...)...)
	require.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "keys create --keystore etcd", "says how to make the store")
	r = f.keys("create")
	require.Equal(t, 0, r.code, r.stderr)
	keyID := keyIDOf(t, r.stdout)

	var logs [3]logLines
	var procs [3]*os.Process
	a, b, cc := f.serve(&logs[0], &procs[0]), f.serve(&logs[1], &procs[1]), f.serve(&logs[2], &procs[2])
	replicas := []string{a, b, cc}
	for _, u := range replicas {
		status, code := f.create(u, keyID, "")
		require.Equal(t, http.StatusOK, status, code)
	}
	f.decryptAll(b)

	t.Run("state change seen by every replica within a second", func(t *testing.T) {
		body := fmt.Sprintf(`{"KeyId":%q}`, keyID)
		status, typ := send(t, a, awsRequest(t, a, "DisableKey", body), body)
		require.Equal(t, http.StatusOK, status, typ)
		for _, u := range []string{b, cc} {
			seenWithin(t, "disabled through A, on "+u, func() bool { s, _ := f.create(u, keyID, ""); return s == http.StatusBadRequest })
			_, code := f.create(u, keyID, "")
			assert.Equal(t, "KMS.0209", code, "refused as disabled")
		}
		r := f.keys("enable", keyID) // another process: the command
		require.Equal(t, 0, r.code, r.stderr)
		for _, u := range replicas {
			seenWithin(t, "enabled by keys enable, on "+u, func() bool { s, _ := f.create(u, keyID, ""); return s == http.StatusOK })
		}
	})

	t.Run("a sequence is used once across replicas", func(t *testing.T) {
		seq := newSeq()
		status, code := f.create(a, keyID, seq)
		require.Equal(t, http.StatusOK, status, code)
		for _, u := range []string{b, cc, a} {
			status, code := f.create(u, keyID, seq)
			assert.Equal(t, http.StatusConflict, status, u)
			assert.Equal(t, "KMS.0206", code, u)
		}
	})

	t.Run("a signature is accepted once across replicas", func(t *testing.T) {
		body := fmt.Sprintf(`{"KeyId":%q,"KeyPairSpec":"ECC_NIST_P256"}`, keyID)
		req := awsRequest(t, a, "GenerateDataKeyPairWithoutPlaintext", body)
		status, typ := send(t, a, req, body)
		require.Equal(t, http.StatusOK, status, typ)
		for _, u := range []string{b, cc} {
			status, typ := send(t, u, req, body)
			assert.Equal(t, http.StatusBadRequest, status, u)
			assert.Equal(t, "ThrottlingException", typ, "a replay on %s", u)
		}
		status, typ = send(t, b, awsRequest(t, b, "GenerateDataKeyPairWithoutPlaintext", body), body)
		assert.Equal(t, http.StatusOK, status, "signed anew: %s", typ)
	})

	t.Run("the etcd leader killed under load", func(t *testing.T) {
		var ok, failed atomic.Int64
		var failures sync.Map
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					seq := ""
					if n%2 == 0 {
						seq = newSeq()
					}
					status, code := f.create(replicas[i%3], keyID, seq)
					if status == http.StatusOK {
						ok.Add(1)
					} else {
						failed.Add(1)
						failures.Store(fmt.Sprintf("%d %s", status, code), true)
					}
				}
			})
		}
		time.Sleep(time.Second)
		leader := c.Leader(t)
		require.GreaterOrEqual(t, leader, 0)
		c.Kill(leader)
		killed := ok.Load()
		time.Sleep(2 * time.Second)
		close(stop)
		wg.Wait()
		var kinds []string
		failures.Range(func(k, _ any) bool { kinds = append(kinds, k.(string)); return true })
		t.Logf("%d requests, %d failed %v; %d after the leader was killed", ok.Load()+failed.Load(), failed.Load(), kinds, ok.Load()-killed)
		assert.Zero(t, failed.Load(), "no request fails when one member of three is lost")
		assert.Greater(t, ok.Load()-killed, int64(10), "requests succeeded after the kill")
		c.Restart(t, leader)
		c.Wait(t)
	})

	t.Run("a replica killed -9 costs the others nothing", func(t *testing.T) {
		require.NoError(t, procs[2].Kill())
		_, _ = procs[2].Wait()
		for _, u := range []string{a, b} {
			status, code := f.create(u, keyID, newSeq())
			assert.Equal(t, http.StatusOK, status, code)
		}
	})

	t.Run("etcd stopped: unavailable within the staleness bound, back when etcd is", func(t *testing.T) {
		for i := range c.Len() {
			c.Kill(i)
		}
		cut := time.Now()
		var late []string
		for time.Since(cut) < 4*time.Second {
			status, code := f.create(a, keyID, "")
			if status == http.StatusOK && time.Since(cut) > 2*time.Second+500*time.Millisecond {
				late = append(late, time.Since(cut).String())
			}
			if status != http.StatusOK {
				assert.Equal(t, http.StatusServiceUnavailable, status, code)
			}
			time.Sleep(50 * time.Millisecond)
		}
		assert.Empty(t, late, "no success past the staleness bound (2 s) and a heartbeat")
		status, code := f.create(b, keyID, "")
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, "KMS.0101", code)
		status, _ = f.create(a, keyID, newSeq())
		assert.Equal(t, http.StatusServiceUnavailable, status, "a sequence needs etcd")
		body := fmt.Sprintf(`{"KeyId":%q,"KeyPairSpec":"ECC_NIST_P256"}`, keyID)
		status, typ := send(t, a, awsRequest(t, a, "GenerateDataKeyPair", body), body)
		assert.Equal(t, http.StatusServiceUnavailable, status, "a signature cannot be recorded: %s", typ)

		for i := range c.Len() {
			c.Restart(t, i)
		}
		c.Wait(t)
		back := time.Now()
		for _, u := range []string{a, b} {
			for {
				if status, _ := f.create(u, keyID, newSeq()); status == http.StatusOK {
					break
				}
				require.Less(t, time.Since(back), 15*time.Second, "%s serves again once etcd is back", u)
				time.Sleep(100 * time.Millisecond)
			}
		}
		t.Logf("serving again %v after etcd came back", time.Since(back).Round(time.Millisecond))
	})

	// SIGTERM to a replica: it drains and exits 0.
	require.NoError(t, procs[1].Signal(syscall.SIGTERM))
	st, err := procs[1].Wait()
	require.NoError(t, err)
	assert.True(t, st.Success(), "a replica stops cleanly on SIGTERM")
	assert.Positive(t, logs[1].count(`"msg":"stopped"`))

	// Every ciphertext made in this test decrypts on a replica started now,
	// and through the command.
	var lastLog logLines
	last := f.serve(&lastLog, nil)
	f.decryptAll(last)
	f.mu.Lock()
	var one string
	for ct := range f.ledger {
		one = ct
		break
	}
	f.mu.Unlock()
	r = runBin(t, bin, f.env, append([]string{"decrypt", "--cipher-text", one}, f.flags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, bytes.Contains([]byte(r.stdout), []byte(f.ledger[one])), "the command decrypts it too")
}

// TestFleetKEK: an etcd store sealed by a PKCS#11 master key (SoftHSM2)
// opens after that key is rotated, is refused under another HSM key, and
// `keys passphrase` moves it to a passphrase and back; every ciphertext
// still decrypts.
func TestFleetKEK(t *testing.T) {
	hsmEnv := softHSMEnv(t)
	c := etcdtest.Start(t, 1)
	bin := buildBinary(t)
	run := func(env []string, args ...string) result {
		t.Helper()
		return runBin(t, bin, append(hsmEnv, env...), args...)
	}
	r := run(nil, "keys", "create", "--keystore", "pkcs11")
	require.Equal(t, 0, r.code, r.stderr)
	kek := keyIDOf(t, r.stdout)
	r = run(nil, "keys", "create", "--keystore", "pkcs11")
	require.Equal(t, 0, r.code, r.stderr)
	otherKEK := keyIDOf(t, r.stdout)

	base := []string{"--keystore", "etcd", "--etcd-endpoints", strings.Join(c.Endpoints(), ","), "--etcd-prefix", "/kek/"}
	withKEK := func(k string) []string { return append(append([]string{}, base...), "--etcd-kek", k) }
	r = run(nil, append([]string{"keys", "create"}, withKEK("pkcs11:"+kek)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	keyID := keyIDOf(t, r.stdout)
	r = run(nil, append([]string{"create", "--key-id", keyID, "--key-spec", "SM2"}, withKEK("pkcs11:"+kek)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	var created provider.CreateEcDatakeyPairResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	decrypts := func(env []string, kekFlag string) {
		t.Helper()
		r := run(env, append([]string{"decrypt", "--cipher-text", created.PrivateKeyCipherText}, withKEK(kekFlag)...)...)
		require.Equal(t, 0, r.code, r.stderr)
		var dec provider.DecryptDatakeyPairResponse
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &dec))
		assert.Equal(t, created.PrivateKeyPlainText, dec.PrivateKeyPlainText)
	}
	refused := func(env []string, kekFlag, want string) {
		t.Helper()
		r := run(env, append([]string{"keys", "list"}, withKEK(kekFlag)...)...)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, want)
	}

	r = run(nil, "keys", "rotate", "--keystore", "pkcs11", kek)
	require.Equal(t, 0, r.code, r.stderr)
	decrypts(nil, "pkcs11:"+kek) // sealed under version 1, the key now at 2
	refused(nil, "pkcs11:"+otherKEK, "does not open the store key")
	refused([]string{"ECDKP_PASSPHRASE=guess"}, "passphrase", "does not open the store key")

	r = run([]string{"ECDKP_NEW_PASSPHRASE=the new passphrase"}, append([]string{"keys", "passphrase", "--etcd-new-kek", "passphrase"}, withKEK("pkcs11:"+kek)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, keyID)
	decrypts([]string{"ECDKP_PASSPHRASE=the new passphrase"}, "passphrase")
	refused(nil, "pkcs11:"+kek, "does not open the store key")

	r = run([]string{"ECDKP_PASSPHRASE=the new passphrase"}, append([]string{"keys", "passphrase", "--etcd-new-kek", "pkcs11:" + otherKEK}, withKEK("passphrase")...)...)
	require.Equal(t, 0, r.code, r.stderr)
	decrypts(nil, "pkcs11:"+otherKEK)
	refused([]string{"ECDKP_PASSPHRASE=the new passphrase"}, "passphrase", "does not open the store key")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{append([]string{"keys", "seal"}, withKEK("pkcs11:"+otherKEK)...), "always sealed"},
		{[]string{"keys", "list", "--keystore", "pkcs11", "--etcd-prefix", "/kek/"}, "--etcd-* flags are for --keystore etcd"},
		{append([]string{"keys", "list", "--keyring", "x.json"}, withKEK("pkcs11:"+otherKEK)...), "--keyring is for --keystore keyring"},
		{append([]string{"keys", "list"}, withKEK("pkcs11:")...), "must be passphrase or pkcs11:KEYID"},
		{[]string{"keys", "list", "--keystore", "etcd"}, "needs --etcd-endpoints"},
		{append([]string{"keys", "list"}, append(withKEK("passphrase"), "--etcd-prefix", "/none/")...), "keys create --keystore etcd"},
	} {
		r := run([]string{"ECDKP_PASSPHRASE=p"}, tc.args...)
		assert.Equal(t, 1, r.code, "%v", tc.args)
		assert.Contains(t, r.stderr, tc.want, "%v", tc.args)
	}
}
