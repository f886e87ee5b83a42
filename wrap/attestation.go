package wrap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/veraison/go-cose"
)

// Attestation is the content of a verified attestation document: what an
// AttestationVerifier vouches for.
type Attestation struct {
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

// AttestationVerifier checks an attestation document and returns its content.
// Every error it returns wraps ErrInvalidAttestation.
type AttestationVerifier interface {
	Verify(doc []byte) (*Attestation, error)
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
// attestation, spelled as AWS KMS spells its condition keys:
// ConditionKeyPCRPrefix+"<n>" for each PCR n and ConditionKeyImageSha384 for
// PCR0, each the lower-case hex of the PCR value.
func (a *Attestation) ConditionKeys() map[string]string {
	keys := make(map[string]string, len(a.PCRs)+1)
	for i, v := range a.PCRs {
		keys[ConditionKeyPCRPrefix+strconv.Itoa(i)] = hex.EncodeToString(v)
	}
	if pcr0, ok := a.PCRs[0]; ok {
		keys[ConditionKeyImageSha384] = hex.EncodeToString(pcr0)
	}
	return keys
}

// Limits on attestation documents. AWS specifies a payload of at most 16384
// bytes and certificates of at most 1024; real documents are about 4.5 KiB
// with a bundle of four certificates (root, regional, zonal, instance).
const (
	// MaxAttestationDocumentSize bounds a whole COSE_Sign1 document: the
	// 16 KiB payload plus room for the headers and the signature.
	MaxAttestationDocumentSize = 17 << 10
	// MaxAttestationCABundle bounds the cabundle's certificates.
	MaxAttestationCABundle = 8
	// DefaultNitroClockSkew is how far in the future a document's timestamp
	// may be, by default.
	DefaultNitroClockSkew = 5 * time.Minute
)

// NitroVerifier verifies AWS Nitro Enclaves attestation documents. It is
// safe for concurrent use. Certificate chains it has verified are
// remembered (by the exact bytes of leaf and bundle) until the first of
// their certificates expires, so a recipient that attests many requests
// with one instance certificate pays the chain's signature checks once;
// the document's own signature is checked every time.
type NitroVerifier struct {
	roots  *x509.CertPool
	maxAge time.Duration
	skew   time.Duration
	now    func() time.Time

	mu     sync.Mutex
	chains map[[32]byte]chainValidity
}

// chainValidity is when a verified chain stays valid: every certificate's
// validity period overlaps there.
type chainValidity struct{ from, until time.Time }

// maxCachedChains bounds the verified-chain cache; when full it is emptied.
const maxCachedChains = 256

// NitroOption configures a NitroVerifier.
type NitroOption func(*NitroVerifier)

// WithNitroMaxAge rejects documents whose timestamp is more than d before the
// verifier's clock. Zero, the default, sets no limit beyond the leaf
// certificate's validity (about three hours for Nitro).
func WithNitroMaxAge(d time.Duration) NitroOption {
	return func(v *NitroVerifier) { v.maxAge = d }
}

// WithNitroClockSkew sets how far a document's timestamp may lie ahead of the
// verifier's clock (DefaultNitroClockSkew by default).
func WithNitroClockSkew(d time.Duration) NitroOption {
	return func(v *NitroVerifier) { v.skew = d }
}

// WithNitroClock sets the verifier's clock (time.Now by default); tests use
// it to verify documents at a fixed time.
func WithNitroClock(now func() time.Time) NitroOption {
	return func(v *NitroVerifier) { v.now = now }
}

// NewNitroVerifier returns a verifier trusting roots, normally
// NitroEnclavesRoots() (the AWS Nitro Enclaves Root-G1 certificate).
func NewNitroVerifier(roots *x509.CertPool, opts ...NitroOption) (*NitroVerifier, error) {
	v := &NitroVerifier{roots: roots, skew: DefaultNitroClockSkew, now: time.Now, chains: map[[32]byte]chainValidity{}}
	for _, o := range opts {
		o(v)
	}
	switch {
	case roots == nil:
		return nil, errors.New("wrap: NewNitroVerifier: no root certificates")
	case v.now == nil:
		return nil, errors.New("wrap: NewNitroVerifier: nil clock")
	case v.maxAge < 0 || v.skew < 0:
		return nil, errors.New("wrap: NewNitroVerifier: negative max age or clock skew")
	}
	return v, nil
}

// nitroInvalid builds an ErrInvalidAttestation error.
func nitroInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidAttestation}, args...)...)
}

// Verify checks doc as the AWS Nitro Enclaves attestation process describes:
//
//   - a COSE_Sign1 (RFC 9052), tagged (18) or untagged as AWS sends it, of at
//     most MaxAttestationDocumentSize bytes, whose protected header names
//     ES384 (-35);
//   - a payload that is a CBOR map holding exactly the specified fields, with
//     their types and sizes: module_id (non-empty text), timestamp (uint ms,
//     > 0), digest ("SHA384"), pcrs (1 to 32 entries, index 0..31, 48-byte
//     values), certificate (1..1024 bytes), cabundle (1 to
//     MaxAttestationCABundle certificates of 1..1024 bytes, root first),
//     public_key (1..1024 bytes: required here, the key to encrypt to),
//     user_data and nonce (0..512 bytes, optional; null counts as absent, as
//     AWS's NSM writes absent optional fields);
//   - the signature, by the leaf certificate's ECDSA P-384 key;
//   - the chain leaf <- cabundle <- one of the configured roots, at the
//     verifier's current time (as the AWS SDKs verify, not at the document's
//     timestamp), with the leaf a non-CA certificate for digitalSignature;
//   - the timestamp: at most the clock skew ahead of now and, with
//     WithNitroMaxAge, at most the max age behind it.
//
// Every error wraps ErrInvalidAttestation and says which check failed.
func (v *NitroVerifier) Verify(doc []byte) (*Attestation, error) {
	if len(doc) == 0 {
		return nil, nitroInvalid("document is empty")
	}
	if len(doc) > MaxAttestationDocumentSize {
		return nil, nitroInvalid("document is %d bytes, more than the %d allowed", len(doc), MaxAttestationDocumentSize)
	}
	msg, err := nitroDecodeSign1(doc)
	if err != nil {
		return nil, err
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil {
		return nil, nitroInvalid("COSE protected header has no usable alg: %v", err)
	}
	if alg != cose.AlgorithmES384 {
		return nil, nitroInvalid("COSE signature algorithm is %v, want ES384", alg)
	}
	p, err := nitroParsePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(p.certificate)
	if err != nil {
		return nil, nitroInvalid("certificate is not a DER X.509 certificate: %v", err)
	}
	leafKey, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || leafKey.Curve != elliptic.P384() {
		return nil, nitroInvalid("leaf certificate key is not ECDSA P-384, as ES384 needs")
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmES384, leafKey)
	if err != nil {
		return nil, nitroInvalid("leaf certificate key: %v", err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return nil, nitroInvalid("COSE signature does not verify with the leaf certificate's key")
	}
	now := v.now()
	if err := v.verifyChain(leaf, p.cabundle, now); err != nil {
		return nil, err
	}
	if p.timestamp > math.MaxInt64 {
		return nil, nitroInvalid("timestamp %d is out of range", p.timestamp)
	}
	ts := time.UnixMilli(int64(p.timestamp)).UTC()
	if ts.After(now.Add(v.skew)) {
		return nil, nitroInvalid("timestamp %s is in the future (now %s)", ts.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if age := now.Sub(ts); v.maxAge > 0 && age > v.maxAge {
		return nil, nitroInvalid("document is %s old, more than the %s allowed", age.Round(time.Second), v.maxAge)
	}
	return &Attestation{
		ModuleID:    p.moduleID,
		Timestamp:   ts,
		Digest:      p.digest,
		PCRs:        p.pcrs,
		PublicKey:   p.publicKey,
		UserData:    p.userData,
		Nonce:       p.nonce,
		Certificate: leaf,
	}, nil
}

// nitroDecodeSign1 decodes a tagged or untagged COSE_Sign1.
func nitroDecodeSign1(doc []byte) (*cose.Sign1Message, error) {
	var msg cose.Sign1Message
	var err error
	if doc[0] == 0xd2 { // tag 18
		err = msg.UnmarshalCBOR(doc)
	} else {
		err = (*cose.UntaggedSign1Message)(&msg).UnmarshalCBOR(doc)
	}
	if err != nil {
		return nil, nitroInvalid("not a COSE_Sign1 structure: %v", err)
	}
	if len(msg.Payload) == 0 {
		return nil, nitroInvalid("COSE_Sign1 payload is empty or detached")
	}
	return &msg, nil
}

// verifyChain checks leaf <- cabundle <- roots at now, and the leaf's usage.
func (v *NitroVerifier) verifyChain(leaf *x509.Certificate, bundle [][]byte, now time.Time) error {
	if now.Before(leaf.NotBefore) {
		return nitroInvalid("leaf certificate is not yet valid (valid from %s, now %s)",
			leaf.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(leaf.NotAfter) {
		return nitroInvalid("leaf certificate expired at %s (now %s)",
			leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nitroInvalid("leaf certificate is a CA or lacks the digitalSignature key usage")
	}
	h := sha256.New()
	for _, der := range append([][]byte{leaf.Raw}, bundle...) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(der)))
		h.Write(n[:])
		h.Write(der)
	}
	var key [32]byte
	h.Sum(key[:0])
	v.mu.Lock()
	cached, ok := v.chains[key]
	v.mu.Unlock()
	if ok && !now.Before(cached.from) && !now.After(cached.until) {
		return nil
	}
	intermediates := x509.NewCertPool()
	for i, der := range bundle {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nitroInvalid("cabundle[%d] is not a DER X.509 certificate: %v", i, err)
		}
		intermediates.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var unknown x509.UnknownAuthorityError
	switch {
	case err == nil:
		validity := chainValidity{from: leaf.NotBefore, until: leaf.NotAfter}
		for _, c := range chains[0] {
			if c.NotBefore.After(validity.from) {
				validity.from = c.NotBefore
			}
			if c.NotAfter.Before(validity.until) {
				validity.until = c.NotAfter
			}
		}
		v.mu.Lock()
		if len(v.chains) >= maxCachedChains {
			clear(v.chains)
		}
		v.chains[key] = validity
		v.mu.Unlock()
		return nil
	case errors.As(err, &unknown):
		return nitroInvalid("certificate chain does not lead to a configured root: %v", err)
	default:
		return nitroInvalid("certificate chain: %v", err)
	}
}
