package huawei_test

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

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// fzSeeds are the request bodies the handler's fuzz target starts from.
// Placeholders stand for values that exist only at run time (the master key
// id, a private_key_cipher_text sealed under it, wrapping keys and an
// attestation document): the target substitutes them in every input, so the
// checked-in corpus under testdata/fuzz/FuzzHandler/ reaches the same code.
var fzSeeds = []struct {
	name    string
	decrypt bool
	body    string
}{
	{"valid create P256", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256"}`},
	{"valid create P384 aad", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P384","additional_authenticated_data":"fuzz-aad"}`},
	{"valid create P521 no plaintext", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P521","with_plain_text":false}`},
	{"valid create secp256k1 sequence", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_SECG_P256K1","with_plain_text":true,"sequence":"919c82d4-8046-4722-9094-35c3c6524cff"}`},
	{"valid create SM2", false, `{"key_id":"@KEY_ID@","key_spec":"SM2"}`},
	{"valid create RSA wrapped", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256","wrapping_public_key":"@RSA_SPKI@","wrapping_algorithm":"RSAES_OAEP_SHA_256_AES_256_KEY_WRAP"}`},
	{"valid create HPKE wrapped", false, `{"key_id":"@KEY_ID@","key_spec":"SM2","additional_authenticated_data":"a","wrapping_public_key":"@P256_SPKI@","wrapping_algorithm":"HPKE_P256_SHA256_AES_256_GCM"}`},
	{"valid create SM2 wrapped", false, `{"key_id":"@KEY_ID@","key_spec":"SM2","wrapping_public_key":"@SM2_SPKI@","wrapping_algorithm":"SM2_ENVELOPED_KEY"}`},
	{"valid create recipient", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256","recipient":{"attestation_document":"@ATTESTATION_DOC@","key_encryption_algorithm":"RSAES_OAEP_SHA_256"}}`},
	{"SM2 envelope of P256", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256","wrapping_public_key":"@SM2_SPKI@","wrapping_algorithm":"SM2_ENVELOPED_KEY"}`},
	{"wrapping key without algorithm", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256","wrapping_public_key":"@P256_SPKI@"}`},
	{"recipient and wrapping", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P256","wrapping_public_key":"@RSA_SPKI@","wrapping_algorithm":"RSAES_OAEP_SHA_256_AES_256_KEY_WRAP","recipient":{"attestation_document":"@ATTESTATION_DOC@","key_encryption_algorithm":"RSAES_OAEP_SHA_256"}}`},
	{"pin", false, `{"key_id":"@KEY_ID@","key_spec":"SM2","pin":"1234","pin_type":"x"}`},
	{"unknown spec", false, `{"key_id":"@KEY_ID@","key_spec":"ECC_NIST_P999"}`},
	{"unknown key", false, `{"key_id":"00000000-0000-4000-8000-000000000000","key_spec":"SM2"}`},
	{"bad key_id", false, `{"key_id":"x","key_spec":"SM2"}`},
	{"missing key_id", false, `{"key_spec":"SM2"}`},
	{"short sequence", false, `{"key_id":"@KEY_ID@","key_spec":"SM2","sequence":"1"}`},
	{"empty body", false, ``},
	{"not json", false, `key_id=1`},
	{"truncated json", false, `{"key_id":`},
	{"json array", false, `[]`},
	{"unknown field", false, `{"key_id":"x","key_spec":"SM2","colour":"red"}`},
	{"wrong type", false, `{"key_id":1}`},
	{"with_plain_text as number", false, `{"key_id":"x","key_spec":"SM2","with_plain_text":1}`},
	{"trailing data", false, `{"key_id":"@KEY_ID@","key_spec":"SM2"}{}`},
	{"valid decrypt", true, `{"cipher_text":"@CIPHER_TEXT@","additional_authenticated_data":"fuzz-aad"}`},
	{"valid decrypt with spec", true, `{"cipher_text":"@CIPHER_TEXT@","additional_authenticated_data":"fuzz-aad","key_spec":"ECC_NIST_P256"}`},
	{"decrypt wrong aad", true, `{"cipher_text":"@CIPHER_TEXT@","additional_authenticated_data":"other"}`},
	{"decrypt wrong spec", true, `{"cipher_text":"@CIPHER_TEXT@","additional_authenticated_data":"fuzz-aad","key_spec":"SM2"}`},
	{"decrypt garbage", true, `{"cipher_text":"AAAA"}`},
	{"decrypt not base64", true, `{"cipher_text":"@@@@"}`},
	{"decrypt missing cipher_text", true, `{}`},
	{"decrypt create body", true, `{"key_id":"@KEY_ID@","key_spec":"SM2"}`},
}

// fzHandler is what FuzzHandler serves and checks against.
type fzHandler struct {
	h     http.Handler
	p     *provider.Provider
	keyID string
	subst *strings.Replacer
	// The data key pair sealed for the @CIPHER_TEXT@ placeholder.
	created *provider.CreateEcDatakeyPairResponse
	// The (status, code) pairs of the error table below 500.
	allowed map[string]bool
}

func fzNewHandler(tb testing.TB) *fzHandler {
	tb.Helper()
	ctx := context.Background()
	kr := keyring.New()
	md, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	if err != nil {
		tb.Fatal(err)
	}
	pki := nitrotest.NewPKI(tb)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := provider.New(kr, provider.WithAttestationVerifier(v))
	if err != nil {
		tb.Fatal(err)
	}
	created, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: md.KeyID, KeySpec: string(curves.P256), AdditionalAuthenticatedData: "fuzz-aad"})
	if err != nil {
		tb.Fatal(err)
	}
	_, rsaSPKI := nitrotest.RSA(tb, 2048)
	spki := func(spec curves.Spec) string {
		c, err := curves.Lookup(spec)
		if err != nil {
			tb.Fatal(err)
		}
		k, err := c.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		der, err := encoding.MarshalSPKI(k.PublicKey())
		if err != nil {
			tb.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(der)
	}
	b64 := base64.StdEncoding.EncodeToString
	allowed := map[string]bool{}
	for _, f := range provider.Failures() {
		if c := huawei.CodeOf(f); c.Status < 500 {
			allowed[fmt.Sprintf("%d %s", c.Status, c.Code)] = true
		}
	}
	if len(allowed) < 10 {
		tb.Fatalf("only %d client errors in the table", len(allowed))
	}
	return &fzHandler{
		h:     huawei.NewHandler(p),
		p:     p,
		keyID: md.KeyID,
		subst: strings.NewReplacer(
			"@KEY_ID@", md.KeyID,
			"@CIPHER_TEXT@", created.PrivateKeyCipherText,
			"@RSA_SPKI@", b64(rsaSPKI),
			"@P256_SPKI@", spki(curves.P256),
			"@SM2_SPKI@", spki(curves.SM2),
			"@ATTESTATION_DOC@", b64(pki.Doc(tb, pki.Fields(rsaSPKI))),
		),
		created: created,
		allowed: allowed,
	}
}

// FuzzHandler posts arbitrary bodies (placeholders substituted) to
// create-ec-datakey-pair or decrypt-datakey-pair of a handler over a memory
// keyring with one AES master key. The handler never answers 5xx; every
// answer carries an X-Request-Id and a JSON body: on 200 exactly the
// response type of the route, consistent with the request (at most one of
// the plaintext, wrapped and recipient fields, the public key parses and
// matches the plaintext and the decrypted private key), otherwise
// {"error":{"error_code","error_msg"}} with a status and code of the
// provider's table.
func FuzzHandler(f *testing.F) {
	for _, s := range fzSeeds {
		f.Add(s.decrypt, []byte(s.body))
	}
	fh := fzNewHandler(f)
	f.Fuzz(func(t *testing.T, decrypt bool, body []byte) {
		body = []byte(fh.subst.Replace(string(body)))
		route := "create-ec-datakey-pair"
		if decrypt {
			route = "decrypt-datakey-pair"
		}
		req := httptest.NewRequest(http.MethodPost, "/v1.0/"+project+"/kms/"+route, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		fh.h.ServeHTTP(rec, req)

		if rid := rec.Header().Get(huawei.RequestIDHeader); len(rid) != 32 {
			t.Fatalf("X-Request-Id is %q, want 32 hex characters", rid)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("status %d with Content-Type %q", rec.Code, ct)
		}
		if rec.Code != http.StatusOK {
			var eb huawei.ErrorBody
			if err := fzStrictJSON(rec.Body.Bytes(), &eb); err != nil {
				t.Fatalf("status %d: error body is not {\"error\":{...}}: %v: %s", rec.Code, err, rec.Body)
			}
			if !fh.allowed[fmt.Sprintf("%d %s", rec.Code, eb.Error.ErrorCode)] {
				t.Fatalf("status %d with code %q is not a client error of the table: %s", rec.Code, eb.Error.ErrorCode, eb.Error.ErrorMsg)
			}
			if eb.Error.ErrorMsg == "" {
				t.Fatalf("status %d %s without an error_msg", rec.Code, eb.Error.ErrorCode)
			}
			return
		}
		if decrypt {
			fh.checkDecrypt(t, rec.Body.Bytes())
		} else {
			fh.checkCreate(t, body, rec.Body.Bytes())
		}
	})
}

// checkCreate checks a 200 answer of create-ec-datakey-pair to body.
func (fh *fzHandler) checkCreate(t *testing.T, body, out []byte) {
	t.Helper()
	var req provider.CreateEcDatakeyPairRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("200 for a body encoding/json cannot read: %v", err)
	}
	var resp provider.CreateEcDatakeyPairResponse
	if err := fzStrictJSON(out, &resp); err != nil {
		t.Fatalf("200 body is not a CreateEcDatakeyPairResponse: %v", err)
	}
	if resp.KeyID != fh.keyID || resp.KeySpec != req.KeySpec {
		t.Fatalf("response names key %q spec %q, the request %q %q", resp.KeyID, resp.KeySpec, req.KeyID, req.KeySpec)
	}
	set := 0
	for _, s := range []string{resp.PrivateKeyPlainText, resp.WrappedPrivateKey, resp.CiphertextRecipient} {
		if s != "" {
			set++
		}
	}
	wantPlain := req.WithPlainText == nil || *req.WithPlainText
	switch {
	case set > 1:
		t.Fatalf("response sets %d of private_key_plain_text, wrapped_private_key and ciphertext_recipient", set)
	case req.WrappingPublicKey != "" && resp.WrappedPrivateKey == "":
		t.Fatalf("a request with a wrapping key got no wrapped_private_key")
	case req.Recipient != nil && resp.CiphertextRecipient == "":
		t.Fatalf("a request with a recipient got no ciphertext_recipient")
	case req.WrappingPublicKey == "" && req.Recipient == nil && wantPlain != (resp.PrivateKeyPlainText != ""):
		t.Fatalf("with_plain_text %v but private_key_plain_text set: %v", wantPlain, resp.PrivateKeyPlainText != "")
	}
	pub := fzPublicKey(t, resp.PublicKey)
	if string(pub.Curve().Spec()) != req.KeySpec {
		t.Fatalf("public key is on %s, the request asked for %s", pub.Curve().Spec(), req.KeySpec)
	}
	if resp.PrivateKeyPlainText != "" {
		fzRequirePair(t, resp.PrivateKeyPlainText, pub)
	}
	env := fzB64(t, "private_key_cipher_text", resp.PrivateKeyCipherText)
	h, err := wrap.ParseMasterHeader(env)
	if err != nil || keystore.FormatKeyID(h.KeyID) != fh.keyID {
		t.Fatalf("private_key_cipher_text is not an envelope under the master key (err %v)", err)
	}
	dec, err := fh.p.DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{
		CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: req.AdditionalAuthenticatedData})
	if err != nil {
		t.Fatalf("private_key_cipher_text does not decrypt with the request's AAD: %v", err)
	}
	if dec.PublicKey != resp.PublicKey || dec.KeySpec != resp.KeySpec {
		t.Fatalf("private_key_cipher_text decrypts to another key pair")
	}
	fzRequirePair(t, dec.PrivateKeyPlainText, pub)
	if resp.PrivateKeyPlainText != "" && dec.PrivateKeyPlainText != resp.PrivateKeyPlainText {
		t.Fatalf("private_key_cipher_text decrypts to another PKCS#8 than private_key_plain_text")
	}
}

// checkDecrypt checks a 200 answer of decrypt-datakey-pair: the only
// envelope that can open is the one sealed for @CIPHER_TEXT@.
func (fh *fzHandler) checkDecrypt(t *testing.T, out []byte) {
	t.Helper()
	var resp provider.DecryptDatakeyPairResponse
	if err := fzStrictJSON(out, &resp); err != nil {
		t.Fatalf("200 body is not a DecryptDatakeyPairResponse: %v", err)
	}
	if resp.KeyID != fh.keyID || resp.KeySpec != fh.created.KeySpec || resp.PublicKey != fh.created.PublicKey ||
		resp.PrivateKeyPlainText != fh.created.PrivateKeyPlainText {
		t.Fatalf("decrypt answered with another key pair than the one sealed")
	}
	fzRequirePair(t, resp.PrivateKeyPlainText, fzPublicKey(t, resp.PublicKey))
}

// fzStrictJSON decodes exactly one JSON value of v's type, no unknown
// fields, nothing after it.
func fzStrictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

func fzB64(t *testing.T, field, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("%s is not base64: %v", field, err)
	}
	return b
}

// fzPublicKey parses public_key, which must be canonical SPKI.
func fzPublicKey(t *testing.T, s string) *curves.PublicKey {
	t.Helper()
	der := fzB64(t, "public_key", s)
	pub, err := encoding.ParseSPKI(der)
	if err != nil {
		t.Fatalf("public_key does not parse: %v", err)
	}
	if again, err := encoding.MarshalSPKI(pub); err != nil || !bytes.Equal(again, der) {
		t.Fatalf("public_key is not the canonical SPKI (err %v)", err)
	}
	return pub
}

// fzRequirePair checks a private_key_plain_text is the PKCS#8 of pub's
// private key.
func fzRequirePair(t *testing.T, plain string, pub *curves.PublicKey) {
	t.Helper()
	k, err := encoding.ParsePKCS8(fzB64(t, "private_key_plain_text", plain))
	if err != nil {
		t.Fatalf("private_key_plain_text does not parse: %v", err)
	}
	if !k.PublicKey().Equal(pub) {
		t.Fatalf("private_key_plain_text is not the private key of public_key")
	}
}

// TestFuzzHandlerSeeds: the seeds named valid are answered 200 and the
// others are refused, so FuzzHandler starts from both sides of every check.
func TestFuzzHandlerSeeds(t *testing.T) {
	fh := fzNewHandler(t)
	for _, s := range fzSeeds {
		route := "create-ec-datakey-pair"
		if s.decrypt {
			route = "decrypt-datakey-pair"
		}
		req := httptest.NewRequest(http.MethodPost, "/v1.0/"+project+"/kms/"+route, strings.NewReader(fh.subst.Replace(s.body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		fh.h.ServeHTTP(rec, req)
		if strings.HasPrefix(s.name, "valid") {
			assert.Equal(t, http.StatusOK, rec.Code, "%s: %s", s.name, rec.Body)
		} else {
			assert.True(t, rec.Code >= 400 && rec.Code < 500, "%s: status %d, want a client error", s.name, rec.Code)
		}
	}
}
