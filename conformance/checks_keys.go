package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

// plainMode is the with_plain_text of a matrix cell.
type plainMode int

const (
	plainAbsent plainMode = iota // with_plain_text left out: the default, true
	plainTrue
	plainFalse
)

func (p plainMode) String() string { return [...]string{"absent", "true", "false"}[p] }

func (p plainMode) field() *bool {
	switch p {
	case plainTrue:
		return ptr(true)
	case plainFalse:
		return ptr(false)
	}
	return nil
}

// cell is one point of the spec x plaintext x context matrix: in the
// Huawei dialect with_plain_text (absent, true, false) x
// additional_authenticated_data (unset, set); in the AWS dialect the
// operation (GenerateDataKeyPair for plainAbsent,
// GenerateDataKeyPairWithoutPlaintext for plainFalse) x EncryptionContext
// (none, set).
type cell struct {
	dialect Dialect
	spec    curves.Spec
	plain   plainMode
	aad     bool
}

// plainModes are the plaintext modes of a dialect's cells.
func plainModes(d Dialect) []plainMode {
	if d == AWS {
		return []plainMode{plainAbsent, plainFalse}
	}
	return []plainMode{plainAbsent, plainTrue, plainFalse}
}

// operation is the AWS operation of the cell.
func (c cell) operation() string {
	if c.plain == plainFalse {
		return "GenerateDataKeyPairWithoutPlaintext"
	}
	return "GenerateDataKeyPair"
}

func (c cell) name() string {
	if c.dialect == AWS {
		ctx := "none"
		if c.aad {
			ctx = "set"
		}
		return fmt.Sprintf("%s/%s/context=%s", c.spec, c.operation(), ctx)
	}
	aad := "unset"
	if c.aad {
		aad = "set"
	}
	return fmt.Sprintf("%s/with_plain_text=%s/aad=%s", c.spec, c.plain, aad)
}

// bindingName is the name of the cell's binding check.
func (c cell) bindingName() string {
	if c.dialect == AWS {
		return "context_binding"
	}
	return "aad_binding"
}

// aadValue is the cell's additional_authenticated_data, distinct per cell.
func (c cell) aadValue() string {
	if !c.aad {
		return ""
	}
	return fmt.Sprintf("conformance;spec=%s;with_plain_text=%s", c.spec, c.plain)
}

// contextValue is the cell's EncryptionContext, distinct per cell.
func (c cell) contextValue() map[string]string {
	if !c.aad {
		return nil
	}
	return map[string]string{"purpose": "conformance", "key_pair_spec": string(c.spec), "operation": c.operation()}
}

func (c cell) request(d Dialect, keyID string) *provider.CreateEcDatakeyPairRequest {
	if d == AWS {
		return &provider.CreateEcDatakeyPairRequest{
			KeyID: keyID, KeySpec: string(c.spec), WithPlainText: c.plain.field(), EncryptionContext: c.contextValue(),
		}
	}
	return &provider.CreateEcDatakeyPairRequest{
		KeyID: keyID, KeySpec: string(c.spec), WithPlainText: c.plain.field(), AdditionalAuthenticatedData: c.aadValue(),
	}
}

// decryptOf is the decrypt request of a created ciphertext, with the
// creation's context.
func decryptOf(req *provider.CreateEcDatakeyPairRequest, cipherText string) *provider.DecryptDatakeyPairRequest {
	return &provider.DecryptDatakeyPairRequest{
		CipherText: cipherText, AdditionalAuthenticatedData: req.AdditionalAuthenticatedData, EncryptionContext: req.EncryptionContext,
	}
}

// specChecks are the checks of one key spec.
func (e *env) specChecks(spec curves.Spec) []check {
	var cs []check
	for _, plain := range plainModes(e.dialect) {
		for _, aad := range []bool{false, true} {
			c := cell{e.dialect, spec, plain, aad}
			cs = append(cs,
				check{c.name() + "/create", func(ctx context.Context, e *env) error { return e.checkCreate(ctx, c) }},
				check{c.name() + "/decrypt", func(ctx context.Context, e *env) error { return e.checkDecrypt(ctx, c) }},
				check{c.name() + "/" + c.bindingName(), func(ctx context.Context, e *env) error { return e.checkBinding(ctx, c) }},
			)
		}
	}
	s := string(spec)
	return append(cs,
		check{s + "/tamper", func(ctx context.Context, e *env) error { return e.checkTamper(ctx, spec) }},
		check{s + "/fresh_keys", func(ctx context.Context, e *env) error { return e.checkFresh(ctx, spec) }},
		check{s + "/openssl/pubcheck", func(ctx context.Context, e *env) error { return e.checkOpenSSLPublic(ctx, spec) }},
		check{s + "/openssl/check", func(ctx context.Context, e *env) error { return e.checkOpenSSLPrivate(ctx, spec) }},
	)
}

// awsFields are the AWS names of the response fields.
var awsFields = map[string]string{
	"key_id": "KeyId", "key_spec": "KeyPairSpec", "public_key": "PublicKey", "private_key_cipher_text": "PrivateKeyCiphertextBlob",
	"private_key_plain_text": "PrivateKeyPlaintext", "ciphertext_recipient": "CiphertextForRecipient",
	"wrapped_private_key": "wrapped_private_key",
}

// f is a response field's name in the target's dialect.
func (e *env) f(name string) string {
	if e.dialect == AWS {
		if n, ok := awsFields[name]; ok {
			return n
		}
	}
	return name
}

// keyIDMatches reports whether a response's key id names the request's
// key: the same string, or (AWS) the key's ARN, arn:PARTITION:kms:REGION:
// ACCOUNT:key/ID, for a request that gave the id.
func (e *env) keyIDMatches(got, req string) bool {
	if got == req {
		return true
	}
	if e.dialect != AWS || strings.HasPrefix(req, "arn:") {
		return false
	}
	parts := strings.SplitN(got, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" && parts[5] == "key/"+req
}

// problems collects what is wrong with a response.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) addErr(err error) {
	if err != nil {
		*p = append(*p, err.Error())
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "; "))
}

// checkCreate checks a create-ec-datakey-pair response's fields.
func (e *env) checkCreate(ctx context.Context, c cell) error {
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("create-ec-datakey-pair was refused: %w", err)
	}
	var p problems
	if !e.keyIDMatches(resp.KeyID, req.KeyID) {
		p.add("%s is %q, want the request's %q", e.f("key_id"), resp.KeyID, req.KeyID)
	}
	if resp.KeySpec != req.KeySpec {
		p.add("%s is %q, want the request's %q", e.f("key_spec"), resp.KeySpec, req.KeySpec)
	}
	pub, _, err := parsePublic(e.f("public_key"), resp.PublicKey, c.spec)
	p.addErr(err)
	_, err = decodeField(e.f("private_key_cipher_text"), resp.PrivateKeyCipherText)
	p.addErr(err)
	if resp.WrappedPrivateKey != "" {
		p.add("wrapped_private_key is set although no wrapping_public_key was given")
	}
	if resp.CiphertextRecipient != "" {
		p.add("%s is set although no recipient was given", e.f("ciphertext_recipient"))
	}
	plainField := e.f("private_key_plain_text")
	switch {
	case c.plain != plainFalse && resp.PrivateKeyPlainText == "" && e.dialect == AWS:
		p.add("%s is missing from GenerateDataKeyPair's answer", plainField)
	case c.plain != plainFalse && resp.PrivateKeyPlainText == "":
		p.add("private_key_plain_text is missing although with_plain_text is %s (default true)", c.plain)
	case c.plain == plainFalse && resp.PrivateKeyPlainText != "" && e.dialect == AWS:
		p.add("%s is present in GenerateDataKeyPairWithoutPlaintext's answer", plainField)
	case c.plain == plainFalse && resp.PrivateKeyPlainText != "":
		p.add("private_key_plain_text is present although with_plain_text=false")
	case resp.PrivateKeyPlainText != "" && pub != nil:
		priv, _, err := parsePrivate(plainField, resp.PrivateKeyPlainText, pub)
		if err == nil {
			priv.Destroy()
		}
		p.addErr(err)
	}
	return p.err()
}

// checkDecrypt decrypts a cell's ciphertext with the creation context:
// in the Huawei dialect without and with the key_spec hint, in the AWS
// dialect without and with the KeyId (Decrypt answers no key spec or
// public key there, so the PKCS#8 is held to create's public key).
func (e *env) checkDecrypt(ctx context.Context, c cell) error {
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to decrypt: create-ec-datakey-pair was refused: %w", err)
	}
	pub, _, err := parsePublic("create's "+e.f("public_key"), resp.PublicKey, c.spec)
	if err != nil {
		return fmt.Errorf("nothing to compare with: %w", err)
	}
	type variant struct{ what, hint, keyID string }
	variants := []variant{{what: "decrypt-datakey-pair with the creation AAD"}, {what: "decrypt-datakey-pair with the creation AAD and key_spec " + string(c.spec), hint: string(c.spec)}}
	if e.dialect == AWS {
		variants = []variant{{what: "Decrypt with the creation EncryptionContext"}, {what: "Decrypt with the creation EncryptionContext and KeyId", keyID: req.KeyID}}
	}
	plainField := e.f("private_key_plain_text")
	if e.dialect == AWS {
		plainField = "Plaintext"
	}
	var p problems
	for _, v := range variants {
		what := v.what
		dreq := decryptOf(req, resp.PrivateKeyCipherText)
		dreq.KeySpec, dreq.KeyID = v.hint, v.keyID
		dec, err := e.target.DecryptDatakeyPair(ctx, dreq)
		if err != nil {
			p.add("%s was refused: %v", what, err)
			continue
		}
		if dec == nil {
			p.add("%s returned neither a response nor an error", what)
			continue
		}
		if !e.keyIDMatches(dec.KeyID, req.KeyID) {
			p.add("%s: %s is %q, want %q", what, e.f("key_id"), dec.KeyID, req.KeyID)
		}
		if e.dialect == Huawei {
			if dec.KeySpec != req.KeySpec {
				p.add("%s: key_spec is %q, want %q", what, dec.KeySpec, req.KeySpec)
			}
			if dpub, _, err := parsePublic(what+": public_key", dec.PublicKey, c.spec); err != nil {
				p.addErr(err)
			} else if !dpub.Equal(pub) {
				p.add("%s: public_key differs from create's", what)
			}
		}
		priv, _, err := parsePrivate(what+": "+plainField, dec.PrivateKeyPlainText, pub)
		if err != nil {
			p.addErr(err)
			continue
		}
		priv.Destroy()
		if resp.PrivateKeyPlainText != "" && dec.PrivateKeyPlainText != resp.PrivateKeyPlainText {
			p.add("%s: %s differs from create's %s", what, plainField, e.f("private_key_plain_text"))
		}
	}
	return p.err()
}

// checkBinding decrypts with contexts other than the creation one.
func (e *env) checkBinding(ctx context.Context, c cell) error {
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to decrypt: create-ec-datakey-pair was refused: %w", err)
	}
	type attempt struct {
		what string
		aad  string
		ec   map[string]string
	}
	var attempts []attempt
	switch {
	case e.dialect == AWS && c.aad:
		ec := req.EncryptionContext
		attempts = []attempt{
			{"Decrypt without the creation EncryptionContext", "", nil},
			{"Decrypt with another value in the EncryptionContext", "", with(ec, "purpose", "conformance-other")},
			{"Decrypt with a pair added to the EncryptionContext", "", with(ec, "extra", "pair")},
			{"Decrypt with a pair of the EncryptionContext left out", "", without(ec, "operation")},
		}
		if alt := resplit(ec); alt != nil {
			attempts = append(attempts, attempt{"Decrypt with the EncryptionContext split elsewhere (the same bytes when keys and values are joined)", "", alt})
		}
	case e.dialect == AWS:
		attempts = []attempt{{"Decrypt with an EncryptionContext the key pair was created without", "", map[string]string{"purpose": "conformance-unexpected"}}}
	case c.aad:
		attempts = []attempt{
			{"decrypt-datakey-pair with another AAD", req.AdditionalAuthenticatedData + "-other", nil},
			{"decrypt-datakey-pair without the creation AAD", "", nil},
		}
	default:
		attempts = []attempt{{"decrypt-datakey-pair with an AAD the key pair was created without", "conformance-unexpected-aad", nil}}
	}
	var p problems
	for _, a := range attempts {
		_, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
			CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: a.aad, EncryptionContext: a.ec,
		})
		p.addErr(e.expectRefused(a.what, err, e.want(provider.FailDecrypt)))
	}
	return p.err()
}

// with returns a copy of m with k set to v.
func with(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	maps.Copy(out, m)
	out[k] = v
	return out
}

// without returns a copy of m without k.
func without(m map[string]string, k string) map[string]string {
	out := maps.Clone(m)
	delete(out, k)
	return out
}

// joined is the bytes of a context whose keys, sorted, are each followed by
// their value with no separator: the binding of KMSs that cannot tell
// {"ab":"c"} from {"a":"bc"}.
func joined(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k)
		b.WriteString(m[k])
	}
	return b.String()
}

// resplit returns another context with the same joined bytes as m: the
// first character of the first key's value moved to the end of that key
// (nil when there is none to move, or the result joins differently).
func resplit(m map[string]string) map[string]string {
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) == 0 || m[keys[0]] == "" {
		return nil
	}
	k, v := keys[0], m[keys[0]]
	out := without(m, k)
	out[k+v[:1]] = v[1:]
	if joined(out) != joined(m) {
		return nil
	}
	return out
}

// checkTamper flips bits in a private_key_cipher_text and cuts a byte off.
// A ciphertext that is an ecdkp master-key envelope (wrap.ParseMasterHeader
// reads it) is tampered with where its header says: the first nonce byte,
// and for an envelope v2 the key_spec its header names, replaced by another
// registered spec of the same length (which must not decrypt) and by an
// unregistered one (an invalid ciphertext). Any other ciphertext is treated
// as opaque: its byte 30 is flipped, and any of the decryption failure, an
// invalid ciphertext, a key not found or access denied is accepted.
func (e *env) checkTamper(ctx context.Context, spec curves.Spec) error {
	c := cell{e.dialect, spec, plainFalse, true}
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to tamper with: create-ec-datakey-pair was refused: %w", err)
	}
	ct, err := decodeField(e.f("private_key_cipher_text"), resp.PrivateKeyCipherText)
	if err != nil {
		return err
	}
	if len(ct) < 32 {
		return fmt.Errorf("%s is %d bytes, too short to hold a sealed private key", e.f("private_key_cipher_text"), len(ct))
	}
	type attempt struct {
		what string
		ct   []byte
		want []refusal
	}
	clone := func() []byte { return append([]byte(nil), ct...) }
	flip := func(i int) []byte { b := clone(); b[i] ^= 0x01; return b }
	decryptFailed, invalid := e.want(provider.FailDecrypt), e.want(provider.FailInvalidCiphertext)
	attempts := []attempt{
		{"last byte (tag) flipped", flip(len(ct) - 1), []refusal{decryptFailed}},
		{"middle byte (ciphertext) flipped", flip(len(ct) / 2), []refusal{decryptFailed}},
		{"last byte cut off", ct[:len(ct)-1], []refusal{decryptFailed, invalid}},
	}
	h, herr := wrap.ParseMasterHeader(ct)
	switch {
	case herr != nil:
		// Byte 30 of another KMS's format may be in its reference to the
		// master key: a key not found, or access denied to it, is a
		// refusal too.
		attempts = append(attempts, attempt{"byte 30 flipped (an opaque ciphertext)", flip(30),
			[]refusal{decryptFailed, invalid, e.want(provider.FailKeyNotFound), e.want(provider.FailForbidden)}})
	default:
		attempts = append(attempts, attempt{fmt.Sprintf("byte %d (first nonce byte of an envelope v%d) flipped", h.Size, h.Version), flip(h.Size), []refusal{decryptFailed}})
	}
	if herr == nil && h.Version == 2 {
		withSpec := func(s string) []byte {
			b := clone()
			copy(b[wrap.MasterV2FixedSize:h.Size], s)
			return b
		}
		for _, other := range curves.Specs() {
			if other != h.KeySpec && len(other) == len(h.KeySpec) {
				attempts = append(attempts, attempt{"key_spec " + string(h.KeySpec) + " in the header replaced by " + string(other), withSpec(string(other)), []refusal{decryptFailed}})
				break
			}
		}
		attempts = append(attempts, attempt{"key_spec in the header replaced by an unregistered one", withSpec(strings.Repeat("X", len(h.KeySpec))), []refusal{invalid}})
	}
	var p problems
	for _, a := range attempts {
		_, err := e.target.DecryptDatakeyPair(ctx, decryptOf(req, b64(a.ct)))
		p.addErr(e.expectRefused("decrypting private_key_cipher_text with its "+a.what, err, a.want...))
	}
	return p.err()
}

// freshCalls is how many key pairs checkFresh creates.
const freshCalls = 4

// checkFresh creates key pairs in a row and checks none repeats.
func (e *env) checkFresh(ctx context.Context, spec curves.Spec) error {
	seenPub := map[string]int{}
	seenPriv := map[string]int{}
	seenCT := map[string]int{}
	var p problems
	for i := 1; i <= freshCalls; i++ {
		resp, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: e.cfg.keyID, KeySpec: string(spec)})
		if err != nil {
			return fmt.Errorf("call %d of create-ec-datakey-pair was refused: %w", i, err)
		}
		if resp == nil {
			return fmt.Errorf("call %d of create-ec-datakey-pair returned neither a response nor an error", i)
		}
		for _, f := range []struct {
			field, value string
			seen         map[string]int
		}{
			{"public_key", resp.PublicKey, seenPub},
			{"private_key_plain_text", resp.PrivateKeyPlainText, seenPriv},
			{"private_key_cipher_text", resp.PrivateKeyCipherText, seenCT},
		} {
			if f.value == "" {
				continue
			}
			if j, ok := f.seen[f.value]; ok {
				p.add("call %d returned the %s of call %d", i, f.field, j)
			}
			f.seen[f.value] = i
		}
	}
	return p.err()
}
