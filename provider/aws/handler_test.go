package aws_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

const (
	testAK, testSK = "AKIDECDKPTEST", "secret-key-of-the-test"
	boundAK        = "AKIDBOUND"
	acctA          = "111122223333"
	acctB          = "444455556666"
)

// server is an AWS dialect handler over a keyring, with one credential for
// every account and one bound to account A.
type server struct {
	*httptest.Server
	kr *keyring.Keyring
	p  *provider.Provider
}

func newServer(t *testing.T, opts ...aws.Option) *server {
	t.Helper()
	return newServerOf(t, nil, opts...)
}

// newServerOf is newServer over a provider with popts.
func newServerOf(t *testing.T, popts []provider.Option, opts ...aws.Option) *server {
	t.Helper()
	creds, err := auth.NewCredentials(
		auth.Credential{Principal: "dev", AccessKey: testAK, SecretKey: testSK},
		auth.Credential{Principal: "alice", Projects: []string{acctA}, AccessKey: boundAK, SecretKey: testSK},
	)
	require.NoError(t, err)
	kr := keyring.New()
	p, err := provider.New(kr, popts...)
	require.NoError(t, err)
	h := aws.NewHandler(p, append([]aws.Option{
		aws.WithAuthenticator(auth.SigV4(creds, auth.WithReplayCache(auth.NewMemoryReplayCache(0)))),
		aws.WithKeyManagement(), aws.WithDefaultAccount(acctA),
	}, opts...)...)
	s := &server{Server: httptest.NewServer(h), kr: kr, p: p}
	t.Cleanup(s.Close)
	return s
}

// call sends one signed operation and returns the status and the decoded
// body.
func (s *server) call(t *testing.T, ak, op string, in any) (int, map[string]any) {
	t.Helper()
	body, err := json.Marshal(in)
	require.NoError(t, err)
	return s.callRaw(t, ak, op, body)
}

// callRaw is call with the body as is.
func (s *server) callRaw(t *testing.T, ak, op string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	auth.SetNonce(req.Header)
	require.NoError(t, auth.SignV4(req, body, ak, testSK, "us-east-1", "kms", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	if resp.StatusCode != 200 {
		assert.Equal(t, out["__type"], resp.Header.Get("X-Amzn-ErrorType"))
	}
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	return resp.StatusCode, out
}

func (s *server) createKey(t *testing.T, ak string) string {
	t.Helper()
	status, out := s.call(t, ak, "CreateKey", map[string]any{})
	require.Equal(t, 200, status, out)
	return out["KeyMetadata"].(map[string]any)["KeyId"].(string)
}

// TestGenerateAndDecrypt: every spec, with and without plaintext and an
// EncryptionContext; the ARN names region and account; Decrypt gives the
// private key of the public key back.
func TestGenerateAndDecrypt(t *testing.T) {
	s := newServer(t)
	keyID := s.createKey(t, testAK)
	arn := "arn:aws:kms:us-east-1:" + acctA + ":key/" + keyID
	for _, spec := range curves.Specs() {
		for _, op := range []string{"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"} {
			ec := map[string]string{"purpose": string(spec)}
			status, out := s.call(t, testAK, op, map[string]any{"KeyId": keyID, "KeyPairSpec": spec, "EncryptionContext": ec})
			require.Equal(t, 200, status, out)
			assert.Equal(t, arn, out["KeyId"])
			assert.Equal(t, string(spec), out["KeyPairSpec"])
			assert.Len(t, out["KeyMaterialId"], 64)
			pub, err := base64.StdEncoding.DecodeString(out["PublicKey"].(string))
			require.NoError(t, err)
			pk, err := encoding.ParseSPKI(pub)
			require.NoError(t, err)
			_, hasPlain := out["PrivateKeyPlaintext"]
			assert.Equal(t, op == "GenerateDataKeyPair", hasPlain)

			status, dec := s.call(t, testAK, "Decrypt", map[string]any{"CiphertextBlob": out["PrivateKeyCiphertextBlob"], "EncryptionContext": ec, "KeyId": arn})
			require.Equal(t, 200, status, dec)
			assert.Equal(t, arn, dec["KeyId"])
			assert.Equal(t, "SYMMETRIC_DEFAULT", dec["EncryptionAlgorithm"])
			assert.Equal(t, out["KeyMaterialId"], dec["KeyMaterialId"])
			der, err := base64.StdEncoding.DecodeString(dec["Plaintext"].(string))
			require.NoError(t, err)
			priv, err := encoding.ParsePKCS8(der)
			require.NoError(t, err)
			assert.True(t, priv.PublicKey().Equal(pk), "the private key of the public key")
			if hasPlain {
				assert.Equal(t, out["PrivateKeyPlaintext"], dec["Plaintext"])
			}
			status, bad := s.call(t, testAK, "Decrypt", map[string]any{"CiphertextBlob": out["PrivateKeyCiphertextBlob"], "EncryptionContext": map[string]string{"purpose": "other"}})
			assert.Equal(t, 400, status)
			assert.Equal(t, "InvalidCiphertextException", bad["__type"])
		}
	}
}

// TestErrors: refusals carry AWS's types, statuses and messages.
func TestErrors(t *testing.T) {
	s := newServer(t)
	keyID := s.createKey(t, testAK)
	missing := "00000000-0000-4000-8000-000000000000"
	_, disabled := s.call(t, testAK, "CreateKey", map[string]any{})
	disabledID := disabled["KeyMetadata"].(map[string]any)["KeyId"].(string)
	status, _ := s.call(t, testAK, "DisableKey", map[string]any{"KeyId": disabledID})
	require.Equal(t, 200, status)
	for _, tc := range []struct {
		name   string
		op     string
		in     any
		status int
		typ    string
	}{
		{"unknown operation", "Frobnicate", map[string]any{}, 400, "UnknownOperationException"},
		{"missing key", "GenerateDataKeyPair", map[string]any{"KeyId": missing, "KeyPairSpec": "ECC_NIST_P256"}, 400, "NotFoundException"},
		{"alias", "GenerateDataKeyPair", map[string]any{"KeyId": "alias/x", "KeyPairSpec": "ECC_NIST_P256"}, 400, "NotFoundException"},
		{"KeyId of 2048 characters, no key", "GenerateDataKeyPair", map[string]any{"KeyId": strings.Repeat("a", 2048), "KeyPairSpec": "ECC_NIST_P256"}, 400, "NotFoundException"},
		{"KeyId of 2049 characters", "GenerateDataKeyPair", map[string]any{"KeyId": strings.Repeat("a", 2049), "KeyPairSpec": "ECC_NIST_P256"}, 400, "ValidationException"},
		{"KeyId of 2049 characters, Decrypt", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "KeyId": strings.Repeat("a", 2049)}, 400, "ValidationException"},
		{"KeyId of 2049 characters, DescribeKey", "DescribeKey", map[string]any{"KeyId": strings.Repeat("a", 2049)}, 400, "ValidationException"},
		{"ARN of another region", "GenerateDataKeyPair", map[string]any{"KeyId": "arn:aws:kms:eu-west-1:" + acctA + ":key/" + keyID, "KeyPairSpec": "SM2"}, 400, "NotFoundException"},
		{"ARN of another account", "GenerateDataKeyPair", map[string]any{"KeyId": "arn:aws:kms:us-east-1:" + acctB + ":key/" + keyID, "KeyPairSpec": "SM2"}, 400, "NotFoundException"},
		{"disabled", "GenerateDataKeyPair", map[string]any{"KeyId": disabledID, "KeyPairSpec": "SM2"}, 400, "DisabledException"},
		{"RSA", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "RSA_2048"}, 400, "ValidationException"},
		{"no spec", "GenerateDataKeyPair", map[string]any{"KeyId": keyID}, 400, "ValidationException"},
		{"dry run", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2", "DryRun": true}, 412, "DryRunOperationException"},
		{"unknown member", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2", "Colour": "red"}, 400, "SerializationException"},
		{"case-variant member", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "keypairspec": "SM2"}, 400, "SerializationException"},
		{"recipient without plaintext op", "GenerateDataKeyPairWithoutPlaintext", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2", "Recipient": map[string]any{}}, 400, "SerializationException"},
		{"bad attestation", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2", "Recipient": map[string]any{"AttestationDocument": "AAAA", "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}, 400, "ValidationException"},
		{"too many grant tokens", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2", "GrantTokens": strings.Split("a b c d e f g h i j k", " ")}, 400, "ValidationException"},
		{"garbage ciphertext", "Decrypt", map[string]any{"CiphertextBlob": "AAAA"}, 400, "InvalidCiphertextException"},
		{"Decrypt with an empty KeyId", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "KeyId": ""}, 400, "ValidationException"},
		{"Decrypt with an empty EncryptionAlgorithm", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": ""}, 400, "ValidationException"},
		{"GenerateDataKeyPair with an empty KeyId", "GenerateDataKeyPair", map[string]any{"KeyId": "", "KeyPairSpec": "ECC_NIST_P256"}, 400, "ValidationException"},
		{"KeyId not a key id", "GenerateDataKeyPair", map[string]any{"KeyId": "not-a-key-id", "KeyPairSpec": "ECC_NIST_P256"}, 400, "NotFoundException"},
		{"KeyPairSpec no curve", "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "ECC_NIST_P999"}, 400, "ValidationException"},
		{"empty ciphertext", "Decrypt", map[string]any{"CiphertextBlob": ""}, 400, "ValidationException"},
		{"ciphertext of 6144 bytes", "Decrypt", map[string]any{"CiphertextBlob": strings.Repeat("AAAA", 2048)}, 400, "InvalidCiphertextException"},
		{"ciphertext over 6144 bytes", "Decrypt", map[string]any{"CiphertextBlob": strings.Repeat("AAAA", 2049)}, 400, "ValidationException"},
		{"asymmetric algorithm RSAES_OAEP_SHA_1", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}, 400, "InvalidKeyUsageException"},
		{"asymmetric algorithm RSAES_OAEP_SHA_256", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}, 400, "InvalidKeyUsageException"},
		{"asymmetric algorithm SM2PKE", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": "SM2PKE"}, 400, "InvalidKeyUsageException"},
		{"algorithm not in the enum", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": "AES_256_GCM"}, 400, "ValidationException"},
		{"algorithm in lower case", "Decrypt", map[string]any{"CiphertextBlob": "AAAA", "EncryptionAlgorithm": "symmetric_default"}, 400, "ValidationException"},
		{"cancel the deletion of a key not pending it", "CancelKeyDeletion", map[string]any{"KeyId": keyID}, 400, "KMSInvalidStateException"},
		{"tags", "CreateKey", map[string]any{"Tags": []any{map[string]string{"TagKey": "a", "TagValue": "b"}}}, 400, "UnsupportedOperationException"},
		{"key policy", "CreateKey", map[string]any{"Policy": "{}"}, 400, "UnsupportedOperationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.call(t, testAK, tc.op, tc.in)
			assert.Equal(t, tc.status, status, out)
			assert.Equal(t, tc.typ, out["__type"], out)
			assert.NotEmpty(t, out["message"])
			for _, goName := range []string{"map[", "provider.", "*bool", "json: "} {
				assert.NotContains(t, out["message"], goName)
			}
			// The message names this dialect's members, not the
			// Huawei fields of the provider's request.
			for _, huaweiName := range []string{"key_id", "key_spec", "cipher_text", "additional_authenticated_data", "recipient.", "attestation_document"} {
				assert.NotContains(t, out["message"], huaweiName)
			}
		})
	}
}

// TestAccounts: a credential bound to account A cannot act in B, by ARN or
// by its own keys; keys of another account are not found.
func TestAccounts(t *testing.T) {
	s := newServer(t, aws.WithDefaultAccount(acctB))
	mine := s.createKey(t, boundAK) // alice's one account: A
	status, out := s.call(t, boundAK, "DescribeKey", map[string]any{"KeyId": mine})
	require.Equal(t, 200, status, out)
	assert.Equal(t, acctA, out["KeyMetadata"].(map[string]any)["AWSAccountId"])
	status, out = s.call(t, boundAK, "DescribeKey", map[string]any{"KeyId": "arn:aws:kms:us-east-1:" + acctB + ":key/" + mine})
	assert.Equal(t, 400, status)
	assert.Equal(t, "AccessDeniedException", out["__type"])
	// dev's default account is B: alice's key is not there.
	status, out = s.call(t, testAK, "DescribeKey", map[string]any{"KeyId": mine})
	assert.Equal(t, "NotFoundException", out["__type"], status)
	status, out = s.call(t, testAK, "DescribeKey", map[string]any{"KeyId": "arn:aws:kms:us-east-1:" + acctA + ":key/" + mine})
	assert.Equal(t, 200, status, out)
	status, out = s.call(t, testAK, "ListKeys", map[string]any{})
	require.Equal(t, 200, status)
	assert.Empty(t, out["Keys"], "account B has no keys")
}

// TestKeyLifecycle: list, disable, enable, schedule and cancel deletion.
func TestKeyLifecycle(t *testing.T) {
	s := newServer(t)
	var ids []string
	for range 3 {
		ids = append(ids, s.createKey(t, testAK))
	}
	status, out := s.call(t, testAK, "ListKeys", map[string]any{"Limit": 2})
	require.Equal(t, 200, status, out)
	assert.Len(t, out["Keys"], 2)
	assert.Equal(t, true, out["Truncated"])
	status, out = s.call(t, testAK, "ListKeys", map[string]any{"Limit": 2, "Marker": out["NextMarker"]})
	require.Equal(t, 200, status, out)
	assert.Len(t, out["Keys"], 1)
	assert.Equal(t, false, out["Truncated"])

	id := ids[0]
	state := func() string {
		_, out := s.call(t, testAK, "DescribeKey", map[string]any{"KeyId": id})
		return out["KeyMetadata"].(map[string]any)["KeyState"].(string)
	}
	for _, step := range []struct{ op, want string }{
		{"DisableKey", "Disabled"}, {"EnableKey", "Enabled"}, {"ScheduleKeyDeletion", "PendingDeletion"}, {"CancelKeyDeletion", "Disabled"}, {"EnableKey", "Enabled"},
	} {
		status, out := s.call(t, testAK, step.op, map[string]any{"KeyId": id})
		require.Equal(t, 200, status, "%s: %v", step.op, out)
		assert.Equal(t, step.want, state(), step.op)
	}
	status, out = s.call(t, testAK, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 3})
	assert.Equal(t, "ValidationException", out["__type"], status)
	md, err := s.kr.Key(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, keystore.KeyEnabled, md.Metadata().KeyState)
}

// TestAuthentication: no credential, a bad one and a replay are refused;
// the replay as retryable, a second later.
func TestAuthentication(t *testing.T) {
	s := newServer(t)
	body := []byte(`{}`)
	var last http.Header
	send := func(sign func(*http.Request)) (int, string) {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		sign(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		last = resp.Header
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		typ, _ := out["__type"].(string)
		return resp.StatusCode, typ
	}
	status, typ := send(func(*http.Request) {})
	assert.Equal(t, 400, status)
	assert.Equal(t, "MissingAuthenticationTokenException", typ)
	_, typ = send(func(r *http.Request) {
		require.NoError(t, auth.SignV4(r, body, testAK, "wrong", "us-east-1", "kms", time.Now()))
	})
	assert.Equal(t, "InvalidSignatureException", typ)
	assert.Empty(t, last.Get("Retry-After"), "a bad signature is not worth a retry")
	var signed http.Header
	status, typ = send(func(r *http.Request) {
		require.NoError(t, auth.SignV4(r, body, testAK, testSK, "us-east-1", "kms", time.Now()))
		signed = r.Header.Clone()
	})
	assert.Equal(t, 200, status, typ)
	status, typ = send(func(r *http.Request) { r.Header = signed })
	assert.Equal(t, 400, status)
	assert.Equal(t, "ThrottlingException", typ, "a replay is refused as retryable: an SDK signs its retry anew")
	assert.Equal(t, "1", last.Get("Retry-After"))
	assert.Equal(t, "1000", last.Get("X-Amz-Retry-After"))
}

// unreachableReplay is a fleet's shared replay record out of reach.
type unreachableReplay struct{}

func (unreachableReplay) Admit(context.Context, string, []byte, time.Time, time.Time) error {
	return fmt.Errorf("%w: etcd: context deadline exceeded", keystore.ErrUnavailable)
}

// TestReplayRecordUnreachable: a signature that verifies but cannot be
// recorded against replay is refused as a dependency failure the SDKs
// retry, not as a bad credential.
func TestReplayRecordUnreachable(t *testing.T) {
	s := newServer(t, aws.WithAuthenticator(auth.SigV4(auth.StaticCredentials(map[string]string{testAK: testSK}),
		auth.WithReplayCache(unreachableReplay{}))))
	status, out := s.call(t, testAK, "ListKeys", map[string]any{})
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "DependencyTimeoutException", out["__type"])
}

// TestEmptyBody: a request with no body is an input with no members, as
// the AWS JSON protocols require of servers: ListKeys lists, an operation
// with required members says which is missing; a body of white space only
// is still not JSON.
func TestEmptyBody(t *testing.T) {
	s := newServer(t)
	keyID := s.createKey(t, testAK)
	for _, tc := range []struct {
		name, op, body string
		status         int
		typ, message   string
	}{
		{"ListKeys", "ListKeys", "", 200, "", ""},
		{"GenerateDataKeyPair", "GenerateDataKeyPair", "", 400, "ValidationException", "KeyPairSpec is required"},
		{"Decrypt", "Decrypt", "", 400, "ValidationException", "CiphertextBlob is required"},
		{"DescribeKey", "DescribeKey", "", 400, "ValidationException", "KeyId is required"},
		{"white space", "ListKeys", " ", 400, "SerializationException", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.callRaw(t, testAK, tc.op, []byte(tc.body))
			assert.Equal(t, tc.status, status, out)
			if tc.status == 200 {
				require.IsType(t, []any{}, out["Keys"], out)
				keys := out["Keys"].([]any)
				require.Len(t, keys, 1)
				assert.Equal(t, keyID, keys[0].(map[string]any)["KeyId"])
				return
			}
			assert.Equal(t, tc.typ, out["__type"], out)
			assert.Contains(t, out["message"], tc.message)
		})
	}
}

// TestRecipient: GenerateDataKeyPair with a Recipient answers
// CiphertextForRecipient, which the enclave's key opens to the private
// key of PublicKey, and no PrivateKeyPlaintext; KeyEncryptionAlgorithm is
// optional in AWS's RecipientInfo (its one value, RSAES_OAEP_SHA_256, when
// left out); the document is not.
func TestRecipient(t *testing.T) {
	pki := nitrotest.NewPKI(t)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	s := newServerOf(t, []provider.Option{provider.WithAttestationVerifier(v)})
	keyID := s.createKey(t, testAK)
	enclave, spki := nitrotest.RSA(t, 2048)
	doc := base64.StdEncoding.EncodeToString(pki.Doc(t, pki.Fields(spki)))
	u, err := wrap.NewRecipientUnwrapper(enclave)
	require.NoError(t, err)
	for _, tc := range []struct {
		name      string
		recipient map[string]any
		typ, msg  string
	}{
		{"with the algorithm", map[string]any{"AttestationDocument": doc, "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}, "", ""},
		{"without the algorithm", map[string]any{"AttestationDocument": doc}, "", ""},
		{"another algorithm", map[string]any{"AttestationDocument": doc, "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_1"}, "ValidationException", "RSAES_OAEP_SHA_256"},
		{"no document", map[string]any{"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}, "ValidationException", "Recipient.AttestationDocument is required"},
		{"empty", map[string]any{}, "ValidationException", "Recipient.AttestationDocument is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.call(t, testAK, "GenerateDataKeyPair", map[string]any{"KeyId": keyID, "KeyPairSpec": "ECC_NIST_P256", "Recipient": tc.recipient})
			if tc.typ != "" {
				assert.Equal(t, 400, status, out)
				assert.Equal(t, tc.typ, out["__type"], out)
				assert.Contains(t, out["message"], tc.msg)
				return
			}
			require.Equal(t, 200, status, out)
			assert.NotContains(t, out, "PrivateKeyPlaintext")
			require.IsType(t, "", out["CiphertextForRecipient"], out)
			env, err := base64.StdEncoding.DecodeString(out["CiphertextForRecipient"].(string))
			require.NoError(t, err)
			pkcs8, err := u.Unwrap(t.Context(), env, nil)
			require.NoError(t, err)
			priv, err := encoding.ParsePKCS8(pkcs8)
			require.NoError(t, err)
			pub, err := base64.StdEncoding.DecodeString(out["PublicKey"].(string))
			require.NoError(t, err)
			pk, err := encoding.ParseSPKI(pub)
			require.NoError(t, err)
			assert.True(t, priv.PublicKey().Equal(pk), "the private key of the public key")
		})
	}
}

// TestContentType: the body's media type is application/x-amz-json-1.1
// (any case, with parameters), sent once: a second Content-Type, which a
// gateway in front may have read instead, is refused whichever comes
// first.
func TestContentType(t *testing.T) {
	s := newServer(t)
	body := []byte(`{}`)
	for _, tc := range []struct {
		cts    []string
		status int
		typ    string
	}{
		{[]string{"application/x-amz-json-1.1"}, 200, ""},
		{[]string{"application/x-amz-json-1.1; charset=utf-8"}, 200, ""},
		{[]string{"Application/X-Amz-Json-1.1"}, 200, ""},
		{nil, 400, "SerializationException"},
		{[]string{"application/json"}, 400, "SerializationException"},
		{[]string{"application/x-amz-json-1.0"}, 400, "SerializationException"},
		{[]string{"application/x-amz-json-1.1", "text/plain"}, 400, "SerializationException"},
		{[]string{"text/plain", "application/x-amz-json-1.1"}, 400, "SerializationException"},
		{[]string{"application/x-amz-json-1.1", "application/x-amz-json-1.1"}, 400, "SerializationException"},
	} {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if len(tc.cts) == 1 {
			req.Header["Content-Type"] = tc.cts
		}
		req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		auth.SetNonce(req.Header)
		require.NoError(t, auth.SignV4(req, body, testAK, testSK, "us-east-1", "kms", time.Now()))
		// Refused before authentication: the signature of the headers
		// sent does not matter.
		req.Header["Content-Type"] = tc.cts
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "Content-Type %q: %v", tc.cts, out)
		if tc.status != 200 {
			assert.Equal(t, tc.typ, out["__type"], "Content-Type %q", tc.cts)
			assert.Contains(t, out["message"], "Content-Type", "Content-Type %q", tc.cts)
		}
	}
}

// TestPartition: a key's ARN carries the partition of the server's region
// (aws-cn in the China regions, where AWS serves SM2), that ARN works as a
// KeyId, and an ARN of the region under another partition is not found.
func TestPartition(t *testing.T) {
	for region, partition := range map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b",
		"us-isof-south-1": "aws-iso-f", "eu-isoe-west-1": "aws-iso-e", "eusc-de-east-1": "aws-eusc",
	} {
		assert.Equal(t, partition, aws.Partition(region), region)
	}

	s := newServerOf(t, []provider.Option{provider.WithRegion("cn-north-1")})
	keyID := s.createKey(t, testAK)
	arn := "arn:aws-cn:kms:cn-north-1:" + acctA + ":key/" + keyID
	status, out := s.call(t, testAK, "GenerateDataKeyPairWithoutPlaintext", map[string]any{"KeyId": keyID, "KeyPairSpec": "SM2"})
	require.Equal(t, 200, status, out)
	assert.Equal(t, arn, out["KeyId"])

	status, out = s.call(t, testAK, "GenerateDataKeyPairWithoutPlaintext", map[string]any{"KeyId": arn, "KeyPairSpec": "SM2"})
	assert.Equal(t, 200, status, out)
	for _, wrong := range []string{"arn:aws:kms:cn-north-1:", "arn:aws-us-gov:kms:cn-north-1:", "arn::kms:cn-north-1:"} {
		status, out = s.call(t, testAK, "GenerateDataKeyPairWithoutPlaintext", map[string]any{"KeyId": wrong + acctA + ":key/" + keyID, "KeyPairSpec": "SM2"})
		assert.Equal(t, 400, status, wrong)
		assert.Equal(t, "NotFoundException", out["__type"], wrong)
		assert.Contains(t, out["message"], "partition", wrong)
	}
}

// TestTargetOnce: X-Amz-Target names the operation once. Sent twice (and
// signed so), the canonical request joins the values while a gateway in
// front may act on one and the handler on another, so it is refused,
// whichever comes first, before any key is touched.
func TestTargetOnce(t *testing.T) {
	s := newServer(t)
	keyID := s.createKey(t, testAK)
	body := []byte(`{"KeyId":"` + keyID + `","KeyPairSpec":"ECC_NIST_P256"}`)
	for _, targets := range [][]string{
		{"TrentService.GenerateDataKeyPair", "TrentService.GenerateDataKeyPairWithoutPlaintext"},
		{"TrentService.GenerateDataKeyPairWithoutPlaintext", "TrentService.GenerateDataKeyPair"},
		{"TrentService.GenerateDataKeyPair", "TrentService.GenerateDataKeyPair"},
	} {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header["X-Amz-Target"] = targets
		auth.SetNonce(req.Header)
		require.NoError(t, auth.SignV4(req, body, testAK, testSK, "us-east-1", "kms", time.Now()))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		resp.Body.Close()
		assert.Equal(t, 400, resp.StatusCode, "%q: %v", targets, out)
		assert.Equal(t, "UnknownOperationException", out["__type"], "%q", targets)
		assert.NotContains(t, out, "PrivateKeyPlaintext", "%q", targets)
		assert.Contains(t, out["message"], "X-Amz-Target", "%q", targets)
	}
}

// TestInvalidDefaultAccount: a default account that is no valid project
// (WithDefaultAccount("") by mistake) is refused for every request that
// would act in it, never taken as "no project": the key of another
// account was reached without its ARN, and a policy on that account's
// resources did not apply.
func TestInvalidDefaultAccount(t *testing.T) {
	for _, account := range []string{"", "a:b", "*"} {
		t.Run(account, func(t *testing.T) {
			s := newServer(t, aws.WithDefaultAccount(account))
			md, err := s.kr.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256, Project: acctB})
			require.NoError(t, err)
			for _, tc := range []struct {
				op string
				in map[string]any
			}{
				{"GenerateDataKeyPair", map[string]any{"KeyId": md.KeyID, "KeyPairSpec": "ECC_NIST_P256"}},
				{"DescribeKey", map[string]any{"KeyId": md.KeyID}},
				{"ListKeys", map[string]any{}},
				{"CreateKey", map[string]any{}},
			} {
				status, out := s.call(t, testAK, tc.op, tc.in)
				assert.Equal(t, 500, status, "%s: %v", tc.op, out)
				assert.Equal(t, "KMSInternalException", out["__type"], tc.op)
				assert.NotContains(t, out, "PrivateKeyPlaintext", tc.op)
			}
			// An ARN names the account; a caller of one account acts in it.
			status, out := s.call(t, testAK, "DescribeKey", map[string]any{"KeyId": "arn:aws:kms:us-east-1:" + acctB + ":key/" + md.KeyID})
			assert.Equal(t, 200, status, out)
			status, out = s.call(t, boundAK, "ListKeys", map[string]any{})
			assert.Equal(t, 200, status, out)
		})
	}
}
