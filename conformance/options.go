package conformance

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os/exec"

	"github.com/ecdkp/ecdkp/curves"
)

// Option configures Run and RunChecks.
type Option func(*config)

type config struct {
	keyID         string
	disabledKeyID string
	otherKeyID    string
	specs         []curves.Spec
	openssl       string
	dialect       Dialect
	recipientDoc  string
	recipientKey  *rsa.PrivateKey
}

// WithKeyID names the master key the suite creates data key pairs under:
// an enabled AES_256 or SM4 key of the target. It is required.
func WithKeyID(id string) Option {
	return func(c *config) { c.keyID = id }
}

// WithDisabledKeyID names a disabled master key of the target, so the suite
// also checks that creating under it is refused (KMS.0209,
// DisabledException).
func WithDisabledKeyID(id string) Option {
	return func(c *config) { c.disabledKeyID = id }
}

// WithOtherKeyID names a second enabled master key of the target, so the
// AWS dialect's checks also decrypt with the KeyId of a key that is not
// the ciphertext's (IncorrectKeyException).
func WithOtherKeyID(id string) Option {
	return func(c *config) { c.otherKeyID = id }
}

// WithDialect checks the target in dialect d. A DialectTarget (HTTPTarget,
// AWSTarget) has its own, which d must match; another target, such as a
// *provider.Provider in process, is checked in Huawei's unless d says
// otherwise (its rejections are then compared as d answers them).
func WithDialect(d Dialect) Option {
	return func(c *config) { c.dialect = d }
}

// WithRecipient adds the recipient check: a create with a Recipient of
// attestation document doc (base64, COSE_Sign1, naming key's public key)
// and RSAES_OAEP_SHA_256 must answer ciphertext_recipient
// (CiphertextForRecipient), which key opens to the PKCS#8 of the public
// key, and no plaintext. doc must be one the target accepts (its roots,
// its clock).
func WithRecipient(doc string, key *rsa.PrivateKey) Option {
	return func(c *config) { c.recipientDoc, c.recipientKey = doc, key }
}

// WithSpecs limits the per-spec checks to these key specs (default: the
// five of Huawei's list, which AWS's KeyPairSpec holds too;
// ECC_NIST_EDWARDS25519, built in too, runs only when named here, since a
// Huawei-compatible KMS need not offer it). Each
// must be registered in package curves, whose parsers the suite checks the
// target's keys with.
func WithSpecs(specs ...curves.Spec) Option {
	return func(c *config) { c.specs = append(make([]curves.Spec, 0, len(specs)), specs...) }
}

// WithOpenSSL chooses the openssl binary of the OpenSSL checks: "auto" (the
// default) finds it on PATH and skips the checks when there is none,
// "off" skips them, anything else is the binary's path.
func WithOpenSSL(path string) Option {
	return func(c *config) { c.openssl = path }
}

// defaultSpecs are the key specs of Huawei's list.
var defaultSpecs = []curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2}

// openSSL is the resolved OpenSSL setting: a binary, or why there is none.
type openSSL struct {
	bin  string
	skip string // reason to skip, when bin is ""
	err  error  // a binary was named but cannot be used
}

func newConfig(opts []Option) (*config, error) {
	c := &config{openssl: "auto"}
	for _, o := range opts {
		o(c)
	}
	if c.keyID == "" {
		return nil, errors.New("conformance: WithKeyID is required: an enabled AES_256 or SM4 master key of the target")
	}
	if c.specs == nil {
		c.specs = defaultSpecs
	}
	if (c.recipientDoc == "") != (c.recipientKey == nil) {
		return nil, errors.New("conformance: WithRecipient needs the attestation document and its RSA private key")
	}
	if len(c.specs) == 0 {
		return nil, errors.New("conformance: WithSpecs needs at least one key spec")
	}
	for _, s := range c.specs {
		if _, err := curves.Lookup(s); err != nil {
			return nil, fmt.Errorf("conformance: WithSpecs: %w", err)
		}
	}
	return c, nil
}

func (c *config) resolveOpenSSL() openSSL {
	switch c.openssl {
	case "off":
		return openSSL{skip: "OpenSSL checks are off (WithOpenSSL(\"off\"))"}
	case "auto", "":
		bin, err := exec.LookPath("openssl")
		if err != nil {
			return openSSL{skip: "openssl not found on PATH"}
		}
		return openSSL{bin: bin}
	}
	bin, err := exec.LookPath(c.openssl)
	if err != nil {
		return openSSL{err: fmt.Errorf("openssl binary %q: %w", c.openssl, err)}
	}
	return openSSL{bin: bin}
}
