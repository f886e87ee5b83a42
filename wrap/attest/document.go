package attest

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// ErrInvalid is the one error class of this package: every error a
// Verifier returns wraps it (errors.Is). It is also wrap.ErrInvalidAttestation.
var ErrInvalid = errors.New("attest: invalid attestation document")

// Document is the content of a verified attestation document: what a
// Verifier vouches for.
type Document struct {
	// ModuleID is the issuing Nitro hypervisor module's ID.
	ModuleID string
	// Timestamp is when the document was made (millisecond precision).
	Timestamp time.Time
	// Digest names the PCR hash, "SHA384".
	Digest string
	// PCRs maps each locked PCR index (0..31) to its value.
	PCRs map[int][]byte
	// PublicKey is the DER SubjectPublicKeyInfo the enclave wants data
	// encrypted to (an ephemeral RSA key for KMS recipients).
	PublicKey []byte
	// UserData and Nonce are the optional enclave-chosen fields; nil when
	// absent.
	UserData, Nonce []byte
	// Certificate is the leaf certificate that signed the document.
	Certificate *x509.Certificate
}

// Verifier checks an attestation document and returns its content. Every
// error it returns wraps ErrInvalid.
type Verifier interface {
	Verify(doc []byte) (*Document, error)
}

// AWS KMS condition keys derived from a Nitro Enclaves attestation document
// (AWS KMS Developer Guide, "Condition keys for Nitro Enclaves"). Values are
// lower-case hex; AWS policies compare them with StringEqualsIgnoreCase.
const (
	// ConditionKeyImageSha384 is the enclave image digest, PCR0.
	ConditionKeyImageSha384 = "kms:RecipientAttestation:ImageSha384"
	// ConditionKeyPCRPrefix followed by the decimal PCR index names one PCR:
	// "kms:RecipientAttestation:PCR0" .. "kms:RecipientAttestation:PCR31".
	ConditionKeyPCRPrefix = "kms:RecipientAttestation:PCR"
)

// ConditionKeys returns the values an Authorizer evaluates for this
// document, spelled as AWS KMS spells its condition keys:
// ConditionKeyPCRPrefix+"<n>" for each PCR n and ConditionKeyImageSha384 for
// PCR0, each the lower-case hex of the PCR value.
func (d *Document) ConditionKeys() map[string]string {
	keys := make(map[string]string, len(d.PCRs)+1)
	for i, v := range d.PCRs {
		keys[ConditionKeyPCRPrefix+strconv.Itoa(i)] = hex.EncodeToString(v)
	}
	if pcr0, ok := d.PCRs[0]; ok {
		keys[ConditionKeyImageSha384] = hex.EncodeToString(pcr0)
	}
	return keys
}
