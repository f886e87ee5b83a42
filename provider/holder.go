package provider

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// holder is the optional second holder of a new private key: the caller's
// own key (wrapped_private_key) or an attested enclave (ciphertext_recipient).
type holder struct {
	w     wrap.Wrapper
	field func(*CreateEcDatakeyPairResponse) *string
	// recipient is the enclave, its attestation not verified yet: admit
	// verifies it once the caller is authorized as far as the key, and
	// sets w.
	recipient *recipientHolder
}

// holderFor validates the holder fields of a request; the zero holder means
// none was asked for. It does no costly work: a recipient's attestation is
// only decoded here, and verified later by admit.
func (p *Provider) holderFor(req *CreateEcDatakeyPairRequest, spec curves.Spec) (holder, error) {
	custom := req.WrappingPublicKey != "" || req.WrappingAlgorithm != ""
	if custom && req.Recipient != nil {
		return holder{}, Errorf(FailInvalidParameter, "wrapping_public_key and recipient are mutually exclusive")
	}
	if (custom || req.Recipient != nil) && req.WithPlainText != nil && *req.WithPlainText {
		return holder{}, Errorf(FailInvalidParameter, "with_plain_text=true cannot be combined with wrapping_public_key or recipient: at most one form of the private key is returned")
	}
	switch {
	case custom:
		return p.customHolder(req, spec)
	case req.Recipient != nil:
		r, err := newRecipientHolder(req.Recipient)
		if err != nil {
			return holder{}, err
		}
		return holder{recipient: r, field: func(r *CreateEcDatakeyPairResponse) *string { return &r.CiphertextRecipient }}, nil
	}
	return holder{}, nil
}

// holderError maps a holder envelope's failure to the table.
func holderError(err error) error {
	switch {
	case errors.Is(err, wrap.ErrInvalidWrappingKey):
		return Wrapf(FailInvalidWrappingKey, err, "%v", err)
	case errors.Is(err, wrap.ErrUnsupportedAlgorithm):
		return Wrapf(FailUnsupportedAlgorithm, err, "%v", err)
	case errors.Is(err, wrap.ErrInvalidAttestation):
		return Wrapf(FailInvalidAttestation, err, "%v", err)
	}
	return Wrapf(FailInternal, err, "wrapping the private key for its holder failed")
}

// customHolder builds the wrapped_private_key envelope for the caller's key.
func (p *Provider) customHolder(req *CreateEcDatakeyPairRequest, spec curves.Spec) (holder, error) {
	if req.WrappingAlgorithm == "" {
		return holder{}, Errorf(FailMissingParameter, "wrapping_algorithm is required with wrapping_public_key; use one of %v", wrap.CustomKeyAlgorithms())
	}
	if req.WrappingPublicKey == "" {
		return holder{}, Errorf(FailMissingParameter, "wrapping_public_key is required with wrapping_algorithm")
	}
	if err := wrap.CheckCustomKeySpec(req.WrappingAlgorithm, spec); err != nil {
		return holder{}, holderError(err)
	}
	spki, err := decodeB64("wrapping_public_key", req.WrappingPublicKey, FailInvalidWrappingKey)
	if err != nil {
		return holder{}, err
	}
	w, err := wrap.NewCustomKeyWrapper(req.WrappingAlgorithm, spki)
	if err != nil {
		return holder{}, holderError(err)
	}
	return holder{w: w, field: func(r *CreateEcDatakeyPairResponse) *string { return &r.WrappedPrivateKey }}, nil
}

// recipientHolder is an attested enclave a request names: its attestation
// document decoded, then (verifyRecipient) verified and turned into the
// ciphertext_recipient envelope's Wrapper.
type recipientHolder struct {
	doc []byte
	alg string
	w   wrap.Wrapper
}

// newRecipientHolder checks a recipient's fields, without verifying it.
func newRecipientHolder(r *Recipient) (*recipientHolder, error) {
	if r.KeyEncryptionAlgorithm == "" {
		return nil, Errorf(FailMissingParameter, "recipient.key_encryption_algorithm is required; use %s", wrap.KeyEncryptionRSAESOAEPSHA256)
	}
	if r.KeyEncryptionAlgorithm != wrap.KeyEncryptionRSAESOAEPSHA256 {
		return nil, Errorf(FailUnsupportedAlgorithm, "recipient.key_encryption_algorithm %q is not supported; use %s", quote.Clip(r.KeyEncryptionAlgorithm, clipLen), wrap.KeyEncryptionRSAESOAEPSHA256)
	}
	if r.AttestationDocument == "" {
		return nil, Errorf(FailMissingParameter, "recipient.attestation_document is required")
	}
	if n := len(r.AttestationDocument); n > base64MaxLen(attest.MaxDocumentSize) {
		return nil, Errorf(FailInvalidAttestation, "recipient.attestation_document is %d characters, more than a %d-byte document takes", n, attest.MaxDocumentSize)
	}
	doc, err := decodeB64("recipient.attestation_document", r.AttestationDocument, FailInvalidAttestation)
	if err != nil {
		return nil, err
	}
	return &recipientHolder{doc: doc, alg: r.KeyEncryptionAlgorithm}, nil
}

func base64MaxLen(n int) int { return (n + 2) / 3 * 4 }

// verifyRecipient verifies the attestation document and builds the
// ciphertext_recipient envelope for the enclave key it names. The verified
// PCRs become condition keys (kms:RecipientAttestation:PCR<n>,
// kms:RecipientAttestation:ImageSha384), so a policy can pin an image. A
// document that failed is remembered for a while and refused again without
// the work.
func (p *Provider) verifyRecipient(r *recipientHolder) (map[string]string, error) {
	key := sha256.Sum256(r.doc)
	if err := p.attestFailures.lookup(key); err != nil {
		return nil, holderError(err)
	}
	att, err := p.attestation().Verify(r.doc)
	if err != nil {
		p.attestFailures.add(key, err)
		return nil, holderError(err)
	}
	w, err := wrap.NewRecipientWrapper(att, r.alg)
	if err != nil {
		return nil, holderError(err)
	}
	r.w = w
	return att.ConditionKeys(), nil
}

// attestation returns the configured verifier, or one for the built-in
// roots (attest.DefaultRoots: AWS Nitro Enclaves' published root) made on
// first use.
func (p *Provider) attestation() attest.Verifier {
	p.attestOnce.Do(func() {
		if p.attest != nil {
			return
		}
		v, err := attest.NewNSMVerifier(attest.DefaultRoots())
		if err != nil {
			p.attest = failingVerifier{err}
			return
		}
		p.attest = v
	})
	return p.attest
}

type failingVerifier struct{ err error }

func (f failingVerifier) Verify([]byte) (*attest.Document, error) {
	return nil, fmt.Errorf("%w: no attestation verifier: %v", attest.ErrInvalid, f.err)
}

// WithAttestationVerifier sets how recipient attestation documents are
// verified; the default is an attest.NSMVerifier for the built-in roots
// (attest.DefaultRoots: AWS Nitro Enclaves' published root).
func WithAttestationVerifier(v attest.Verifier) Option {
	return func(p *Provider) {
		if v == nil {
			p.optErr = errors.Join(p.optErr, errors.New("provider: WithAttestationVerifier(nil)"))
			return
		}
		p.attest = v
	}
}
