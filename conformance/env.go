package conformance

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
)

// env is the state the checks share: the target, the configuration and the
// responses later checks build on.
type env struct {
	target  Target
	raw     RawTarget // nil when the target cannot send raw bodies
	dialect Dialect
	cfg     *config
	openssl openSSL
	reqVecs []vectors.RequestNegative
	awsVecs []vectors.AWSRequestNegative

	mu    sync.Mutex
	cells map[cell]*created
	ct    *created // {{cipher_text}} of the request vectors
}

// created is a create-ec-datakey-pair call made once and shared.
type created struct {
	once sync.Once
	req  *provider.CreateEcDatakeyPairRequest
	resp *provider.CreateEcDatakeyPairResponse
	err  error
}

func newEnv(target Target, opts []Option) (*env, error) {
	if target == nil {
		return nil, errors.New("conformance: nil Target")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	d := cfg.dialect
	if dt, ok := target.(DialectTarget); ok {
		if d != "" && d != dt.Dialect() {
			return nil, fmt.Errorf("conformance: WithDialect(%s) for a target of the %s dialect", d, dt.Dialect())
		}
		d = dt.Dialect()
	}
	switch d {
	case "":
		d = Huawei
	case Huawei, AWS:
	default:
		return nil, fmt.Errorf("conformance: unknown dialect %q", d)
	}
	e := &env{target: target, dialect: d, cfg: cfg, openssl: cfg.resolveOpenSSL(), cells: map[cell]*created{}}
	if d == Huawei {
		if e.reqVecs, err = requestNegatives(); err != nil {
			return nil, err
		}
	} else if e.awsVecs, err = awsRequestNegatives(); err != nil {
		return nil, err
	}
	e.raw, _ = target.(RawTarget)
	return e, nil
}

// checks lists every check, in the order they run.
func (e *env) checks() []check {
	var cs []check
	for _, spec := range e.cfg.specs {
		cs = append(cs, e.specChecks(spec)...)
	}
	if e.dialect == Huawei && e.hasSpec(curves.P256) {
		cs = append(cs, check{string(curves.P256) + "/wrapping_key", checkWrappingKey})
	}
	if e.dialect == AWS {
		cs = append(cs, e.awsChecks()...)
	}
	if e.cfg.recipientDoc != "" {
		cs = append(cs, check{"recipient", checkRecipient})
	}
	if e.cfg.disabledKeyID != "" {
		cs = append(cs, check{"disabled_key", checkDisabledKey})
	}
	if e.dialect == AWS {
		return append(cs, e.awsRequestChecks()...)
	}
	return append(cs, e.requestChecks()...)
}

func (e *env) hasSpec(s curves.Spec) bool {
	for _, x := range e.cfg.specs {
		if x == s {
			return true
		}
	}
	return false
}

// do runs a shared create call the first time it is asked for.
func (e *env) do(ctx context.Context, c *created) (*provider.CreateEcDatakeyPairRequest, *provider.CreateEcDatakeyPairResponse, error) {
	c.once.Do(func() {
		c.resp, c.err = e.target.CreateEcDatakeyPair(ctx, c.req)
		if c.err == nil && c.resp == nil {
			c.err = errors.New("create-ec-datakey-pair returned neither a response nor an error")
		}
	})
	return c.req, c.resp, c.err
}

// create returns the request and response of a matrix cell, creating the
// key pair on first use.
func (e *env) create(ctx context.Context, cl cell) (*provider.CreateEcDatakeyPairRequest, *provider.CreateEcDatakeyPairResponse, error) {
	e.mu.Lock()
	c := e.cells[cl]
	if c == nil {
		c = &created{req: cl.request(e.dialect, e.cfg.keyID)}
		e.cells[cl] = c
	}
	e.mu.Unlock()
	return e.do(ctx, c)
}

// cipherText returns {{cipher_text}} of the request vectors: made with
// the AAD CipherTextAAD (Huawei) or the EncryptionContext
// {CipherTextContextKey: CipherTextContextValue} (AWS).
func (e *env) cipherText(ctx context.Context) (string, error) {
	e.mu.Lock()
	if e.ct == nil {
		req := &provider.CreateEcDatakeyPairRequest{KeyID: e.cfg.keyID, KeySpec: string(curves.P256), WithPlainText: ptr(false)}
		if e.dialect == AWS {
			req.EncryptionContext = map[string]string{vectors.CipherTextContextKey: vectors.CipherTextContextValue}
		} else {
			req.AdditionalAuthenticatedData = vectors.CipherTextAAD
		}
		e.ct = &created{req: req}
	}
	c := e.ct
	e.mu.Unlock()
	_, resp, err := e.do(ctx, c)
	if err != nil {
		return "", fmt.Errorf("creating {{cipher_text}} (ECC_NIST_P256, %s) failed: %w", e.bindingOf(c.req), err)
	}
	return resp.PrivateKeyCipherText, nil
}

// bindingOf describes the context a request binds, for messages.
func (e *env) bindingOf(req *provider.CreateEcDatakeyPairRequest) string {
	if e.dialect == AWS {
		return fmt.Sprintf("EncryptionContext %v", req.EncryptionContext)
	}
	return fmt.Sprintf("additional_authenticated_data %q", req.AdditionalAuthenticatedData)
}

func ptr[T any](v T) *T { return &v }

// decodeField decodes a base64 response field, standard alphabet, padded.
func decodeField(field, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%s is empty", field)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not standard padded base64: %v", field, err)
	}
	return b, nil
}

// parsePublic parses a public_key field: canonical DER SPKI of spec.
func parsePublic(field, s string, spec curves.Spec) (*curves.PublicKey, []byte, error) {
	der, err := decodeField(field, s)
	if err != nil {
		return nil, nil, err
	}
	pub, err := encoding.ParseSPKI(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a valid DER SubjectPublicKeyInfo: %v", field, err)
	}
	if pub.Curve().Spec() != spec {
		return nil, nil, fmt.Errorf("%s is a %s key, want %s", field, pub.Curve().Spec(), spec)
	}
	if canon, _ := encoding.MarshalSPKI(pub); string(canon) != string(der) {
		return nil, nil, fmt.Errorf("%s is not the canonical SPKI (%s)", field, canonicalSPKI[curves.TypeOf(pub.Curve())])
	}
	return pub, der, nil
}

// canonicalSPKI and canonicalPKCS8 say, per key type, what the canonical
// encodings hold.
var (
	canonicalSPKI = map[curves.KeyType]string{
		curves.EC:    "named curve, uncompressed point",
		curves.EdDSA: "RFC 8410: the algorithm OID alone, the 32-byte public key",
	}
	canonicalPKCS8 = map[curves.KeyType]string{
		curves.EC:    "ECPrivateKey with the [1] public key and no [0]",
		curves.EdDSA: "RFC 8410 as OpenSSL writes it: version 0, the seed, no public key",
	}
)

// parsePrivate parses a private_key_plain_text field: the canonical PKCS#8
// of the key whose public key is pub. The caller destroys the key.
func parsePrivate(field, s string, pub *curves.PublicKey) (*curves.PrivateKey, []byte, error) {
	der, err := decodeField(field, s)
	if err != nil {
		return nil, nil, err
	}
	return checkPKCS8(field, der, pub)
}

func checkPKCS8(field string, der []byte, pub *curves.PublicKey) (*curves.PrivateKey, []byte, error) {
	priv, err := encoding.ParsePKCS8(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a valid DER PKCS#8 private key: %v", field, err)
	}
	// For Ed25519 this is the public key crypto/ed25519 derives from the
	// seed.
	if !priv.PublicKey().Equal(pub) {
		priv.Destroy()
		return nil, nil, fmt.Errorf("%s does not match public_key: its public key is another point (or curve)", field)
	}
	canon, _ := encoding.MarshalPKCS8(priv)
	defer clear(canon)
	if string(canon) != string(der) {
		priv.Destroy()
		return nil, nil, fmt.Errorf("%s is not the canonical PKCS#8 (%s)", field, canonicalPKCS8[curves.TypeOf(priv.Curve())])
	}
	return priv, der, nil
}

// want is the refusal of failure f in the target's dialect.
func (e *env) want(f provider.Failure) refusal { return refusalIn(e.dialect, f) }

// expectRefused checks that err is the rejection want (one of them).
func (e *env) expectRefused(what string, err error, want ...refusal) error {
	if err == nil {
		return fmt.Errorf("%s was accepted; want it refused with %s", what, wantString(want))
	}
	pe, ok := asRefusalIn(e.dialect, err)
	if !ok {
		return fmt.Errorf("%s failed without a KMS error (want %s): %v", what, wantString(want), err)
	}
	for _, w := range want {
		if pe.Status == w.status && pe.Code == w.code {
			return nil
		}
	}
	return fmt.Errorf("%s was refused with HTTP %d %s (%q); want %s", what, pe.Status, pe.Code, pe.Message, wantString(want))
}

func wantString(rs []refusal) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " or "
		}
		s += r.String()
	}
	return s
}
