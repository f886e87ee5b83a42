package conformance

import (
	"context"
	"errors"
	"fmt"
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

// cell is one point of the spec x with_plain_text x AAD matrix.
type cell struct {
	spec  curves.Spec
	plain plainMode
	aad   bool
}

func (c cell) name() string {
	aad := "unset"
	if c.aad {
		aad = "set"
	}
	return fmt.Sprintf("%s/with_plain_text=%s/aad=%s", c.spec, c.plain, aad)
}

// aadValue is the cell's additional_authenticated_data, distinct per cell.
func (c cell) aadValue() string {
	if !c.aad {
		return ""
	}
	return fmt.Sprintf("conformance;spec=%s;with_plain_text=%s", c.spec, c.plain)
}

func (c cell) request(keyID string) *provider.CreateEcDatakeyPairRequest {
	return &provider.CreateEcDatakeyPairRequest{
		KeyID: keyID, KeySpec: string(c.spec), WithPlainText: c.plain.field(), AdditionalAuthenticatedData: c.aadValue(),
	}
}

// specChecks are the checks of one key spec.
func (e *env) specChecks(spec curves.Spec) []check {
	var cs []check
	for _, plain := range []plainMode{plainAbsent, plainTrue, plainFalse} {
		for _, aad := range []bool{false, true} {
			c := cell{spec, plain, aad}
			cs = append(cs,
				check{c.name() + "/create", func(ctx context.Context, e *env) error { return e.checkCreate(ctx, c) }},
				check{c.name() + "/decrypt", func(ctx context.Context, e *env) error { return e.checkDecrypt(ctx, c) }},
				check{c.name() + "/aad_binding", func(ctx context.Context, e *env) error { return e.checkAADBinding(ctx, c) }},
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
	if resp.KeyID != req.KeyID {
		p.add("key_id is %q, want the request's %q", resp.KeyID, req.KeyID)
	}
	if resp.KeySpec != req.KeySpec {
		p.add("key_spec is %q, want the request's %q", resp.KeySpec, req.KeySpec)
	}
	pub, _, err := parsePublic("public_key", resp.PublicKey, c.spec)
	p.addErr(err)
	_, err = decodeField("private_key_cipher_text", resp.PrivateKeyCipherText)
	p.addErr(err)
	if resp.WrappedPrivateKey != "" {
		p.add("wrapped_private_key is set although no wrapping_public_key was given")
	}
	if resp.CiphertextRecipient != "" {
		p.add("ciphertext_recipient is set although no recipient was given")
	}
	switch {
	case c.plain != plainFalse && resp.PrivateKeyPlainText == "":
		p.add("private_key_plain_text is missing although with_plain_text is %s (default true)", c.plain)
	case c.plain == plainFalse && resp.PrivateKeyPlainText != "":
		p.add("private_key_plain_text is present although with_plain_text=false")
	case resp.PrivateKeyPlainText != "" && pub != nil:
		priv, _, err := parsePrivate("private_key_plain_text", resp.PrivateKeyPlainText, pub)
		if err == nil {
			priv.Destroy()
		}
		p.addErr(err)
	}
	return p.err()
}

// checkDecrypt decrypts a cell's private_key_cipher_text with the creation
// AAD, without and with the key_spec hint.
func (e *env) checkDecrypt(ctx context.Context, c cell) error {
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to decrypt: create-ec-datakey-pair was refused: %w", err)
	}
	pub, _, err := parsePublic("create's public_key", resp.PublicKey, c.spec)
	if err != nil {
		return fmt.Errorf("nothing to compare with: %w", err)
	}
	var p problems
	for _, hint := range []string{"", string(c.spec)} {
		what := "decrypt-datakey-pair with the creation AAD"
		if hint != "" {
			what += " and key_spec " + hint
		}
		dec, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
			CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: req.AdditionalAuthenticatedData, KeySpec: hint,
		})
		if err != nil {
			p.add("%s was refused: %v", what, err)
			continue
		}
		if dec == nil {
			p.add("%s returned neither a response nor an error", what)
			continue
		}
		if dec.KeyID != req.KeyID {
			p.add("%s: key_id is %q, want %q", what, dec.KeyID, req.KeyID)
		}
		if dec.KeySpec != req.KeySpec {
			p.add("%s: key_spec is %q, want %q", what, dec.KeySpec, req.KeySpec)
		}
		if dpub, _, err := parsePublic(what+": public_key", dec.PublicKey, c.spec); err != nil {
			p.addErr(err)
		} else if !dpub.Equal(pub) {
			p.add("%s: public_key differs from create's", what)
		}
		priv, _, err := parsePrivate(what+": private_key_plain_text", dec.PrivateKeyPlainText, pub)
		if err != nil {
			p.addErr(err)
			continue
		}
		priv.Destroy()
		if resp.PrivateKeyPlainText != "" && dec.PrivateKeyPlainText != resp.PrivateKeyPlainText {
			p.add("%s: private_key_plain_text differs from create's", what)
		}
	}
	return p.err()
}

// checkAADBinding decrypts with AADs other than the creation one.
func (e *env) checkAADBinding(ctx context.Context, c cell) error {
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to decrypt: create-ec-datakey-pair was refused: %w", err)
	}
	type attempt struct{ what, aad string }
	attempts := []attempt{{"decrypt-datakey-pair with an AAD the key pair was created without", "conformance-unexpected-aad"}}
	if c.aad {
		attempts = []attempt{
			{"decrypt-datakey-pair with another AAD", req.AdditionalAuthenticatedData + "-other"},
			{"decrypt-datakey-pair without the creation AAD", ""},
		}
	}
	var p problems
	for _, a := range attempts {
		_, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
			CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: a.aad,
		})
		p.addErr(expectRefused(a.what, err, refusalOf(provider.FailDecrypt)))
	}
	return p.err()
}

// checkTamper flips bits in a private_key_cipher_text and cuts a byte off.
// A ciphertext that is an ecdkp master-key envelope (wrap.ParseMasterHeader
// reads it) is tampered with where its header says: the first nonce byte,
// and for an envelope v2 the key_spec its header names, replaced by another
// registered spec of the same length (which must not decrypt) and by an
// unregistered one (an invalid ciphertext). Any other ciphertext is treated
// as opaque: its byte 30 is flipped, and either refusal is accepted.
func (e *env) checkTamper(ctx context.Context, spec curves.Spec) error {
	c := cell{spec, plainFalse, true}
	req, resp, err := e.create(ctx, c)
	if err != nil {
		return fmt.Errorf("nothing to tamper with: create-ec-datakey-pair was refused: %w", err)
	}
	ct, err := decodeField("private_key_cipher_text", resp.PrivateKeyCipherText)
	if err != nil {
		return err
	}
	if len(ct) < 32 {
		return fmt.Errorf("private_key_cipher_text is %d bytes, too short to hold a sealed private key", len(ct))
	}
	type attempt struct {
		what string
		ct   []byte
		want []refusal
	}
	clone := func() []byte { return append([]byte(nil), ct...) }
	flip := func(i int) []byte { b := clone(); b[i] ^= 0x01; return b }
	decryptFailed, invalid := refusalOf(provider.FailDecrypt), refusalOf(provider.FailInvalidCiphertext)
	attempts := []attempt{
		{"last byte (tag) flipped", flip(len(ct) - 1), []refusal{decryptFailed}},
		{"middle byte (ciphertext) flipped", flip(len(ct) / 2), []refusal{decryptFailed}},
		{"last byte cut off", ct[:len(ct)-1], []refusal{decryptFailed, invalid}},
	}
	h, herr := wrap.ParseMasterHeader(ct)
	switch {
	case herr != nil:
		attempts = append(attempts, attempt{"byte 30 flipped (an opaque ciphertext)", flip(30), []refusal{decryptFailed, invalid}})
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
		_, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
			CipherText: b64(a.ct), AdditionalAuthenticatedData: req.AdditionalAuthenticatedData,
		})
		p.addErr(expectRefused("decrypting private_key_cipher_text with its "+a.what, err, a.want...))
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
