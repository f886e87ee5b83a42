package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/veraison/go-cose"
)

// Limits on attestation documents. AWS specifies a payload of at most 16384
// bytes and certificates of at most 1024; real documents are about 4.5 KiB
// with a bundle of four certificates (root, regional, zonal, instance).
const (
	// MaxDocumentSize bounds a whole COSE_Sign1 document: the 16 KiB
	// payload plus room for the headers and the signature.
	MaxDocumentSize = 17 << 10
	// MaxCABundle bounds the cabundle's certificates.
	MaxCABundle = 8
	// DefaultClockSkew is how far in the future a document's timestamp may
	// be, by default.
	DefaultClockSkew = 5 * time.Minute
	// DefaultMaxAge is how old a document may be, by default: an enclave
	// asks for a fresh one for each request.
	DefaultMaxAge = 5 * time.Minute
)

// NSMVerifier verifies attestation documents in the format of the Nitro
// Secure Module (NSM), as AWS Nitro Enclaves issue them. It is safe for
// concurrent use. Certificate chains it has verified are
// remembered (by the exact bytes of leaf and bundle) until the first of
// their certificates expires, so a recipient that attests many requests
// with one instance certificate pays the chain's signature checks once;
// the document's own signature is checked every time.
type NSMVerifier struct {
	roots  []*x509.Certificate
	maxAge time.Duration
	skew   time.Duration
	now    func() time.Time
	debug  bool

	mu     sync.Mutex
	chains map[[32]byte]chainValidity
}

// chainValidity is when a verified chain stays valid: every certificate's
// validity period overlaps there.
type chainValidity struct{ from, until time.Time }

// maxCachedChains bounds the verified-chain cache; when full it is emptied.
const maxCachedChains = 256

// Option configures an NSMVerifier.
type Option func(*NSMVerifier)

// WithMaxAge rejects documents whose timestamp is more than d before the
// verifier's clock (DefaultMaxAge by default). Zero sets no limit beyond
// the leaf certificate's validity (about three hours for Nitro).
func WithMaxAge(d time.Duration) Option {
	return func(v *NSMVerifier) { v.maxAge = d }
}

// WithClockSkew sets how far a document's timestamp may lie ahead of the
// verifier's clock (DefaultClockSkew by default).
func WithClockSkew(d time.Duration) Option {
	return func(v *NSMVerifier) { v.skew = d }
}

// WithDebugEnclaves accepts documents of enclaves in debug mode, whose
// PCR0, PCR1 and PCR2 are all zeros: their memory can be read by the
// parent instance, so by default they are refused.
func WithDebugEnclaves() Option {
	return func(v *NSMVerifier) { v.debug = true }
}

// WithClock sets the verifier's clock (time.Now by default); tests use it to
// verify documents at a fixed time.
func WithClock(now func() time.Time) Option {
	return func(v *NSMVerifier) { v.now = now }
}

// NewNSMVerifier returns a verifier trusting roots, normally DefaultRoots()
// (the AWS Nitro Enclaves Root-G1 certificate) or the Certificates of
// given roots.
func NewNSMVerifier(roots []*x509.Certificate, opts ...Option) (*NSMVerifier, error) {
	v := &NSMVerifier{roots: slices.Clone(roots), skew: DefaultClockSkew, maxAge: DefaultMaxAge, now: time.Now, chains: map[[32]byte]chainValidity{}}
	for _, o := range opts {
		o(v)
	}
	switch {
	case len(roots) == 0 || slices.Contains(roots, nil):
		return nil, errors.New("attest: NewNSMVerifier: no root certificates")
	case v.now == nil:
		return nil, errors.New("attest: NewNSMVerifier: nil clock")
	case v.maxAge < 0 || v.skew < 0:
		return nil, errors.New("attest: NewNSMVerifier: negative max age or clock skew")
	}
	return v, nil
}

// invalid builds an ErrInvalid error.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Verify checks doc as the AWS Nitro Enclaves attestation process describes:
//
//   - a COSE_Sign1 (RFC 9052), tagged (18) or untagged as AWS sends it, of at
//     most MaxDocumentSize bytes, whose protected header names ES384 (-35);
//   - a payload that is a CBOR map holding exactly the specified fields, with
//     their types and sizes: module_id (non-empty text), timestamp (uint ms,
//     > 0), digest ("SHA384"), pcrs (1 to 32 entries, index 0..31, 48-byte
//     values), certificate (1..1024 bytes), cabundle (1 to MaxCABundle
//     certificates of 1..1024 bytes, root first), public_key (1..1024
//     bytes: required here, the key to encrypt to),
//     user_data and nonce (0..512 bytes, optional; null counts as absent, as
//     AWS's NSM writes absent optional fields);
//   - the timestamp: at most the clock skew ahead of now and at most the
//     max age (DefaultMaxAge unless WithMaxAge) behind it;
//   - unless WithDebugEnclaves, no all-zero PCR0, PCR1 or PCR2 (a debug-mode
//     enclave);
//   - the chain, checked as one path from the pinned roots down, never
//     searched for: cabundle[0] is one of the configured roots (or issued
//     by one), each next certificate is a CA issued by the one before it,
//     and the leaf is issued by the last; every certificate valid at the
//     verifier's current time (as the AWS SDKs verify, not at the
//     document's timestamp), path lengths respected, the leaf a non-CA
//     certificate for digitalSignature. A bundle can therefore hold
//     nothing but its path, and costs at most one signature check per
//     certificate;
//   - the document's signature, by the leaf certificate's ECDSA P-384 key.
//
// The cheap checks come first. Every error wraps ErrInvalid and says which
// check failed.
func (v *NSMVerifier) Verify(doc []byte) (*Document, error) {
	if len(doc) == 0 {
		return nil, invalid("document is empty")
	}
	if len(doc) > MaxDocumentSize {
		return nil, invalid("document is %d bytes, more than the %d allowed", len(doc), MaxDocumentSize)
	}
	msg, err := decodeSign1(doc)
	if err != nil {
		return nil, err
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil {
		return nil, invalid("COSE protected header has no usable alg: %v", err)
	}
	if alg != cose.AlgorithmES384 {
		return nil, invalid("COSE signature algorithm is %v, want ES384", alg)
	}
	p, err := parsePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(p.certificate)
	if err != nil {
		return nil, invalid("certificate is not a DER X.509 certificate: %v", err)
	}
	leafKey, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || leafKey.Curve != elliptic.P384() {
		return nil, invalid("leaf certificate key is not ECDSA P-384, as ES384 needs")
	}
	now := v.now()
	if p.timestamp > math.MaxInt64 {
		return nil, invalid("timestamp %d is out of range", p.timestamp)
	}
	ts := time.UnixMilli(int64(p.timestamp)).UTC()
	if ts.After(now.Add(v.skew)) {
		return nil, invalid("timestamp %s is in the future (now %s)", ts.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if age := now.Sub(ts); v.maxAge > 0 && age > v.maxAge {
		return nil, invalid("document is %s old, more than the %s allowed", age.Round(time.Second), v.maxAge)
	}
	if !v.debug {
		for _, i := range []int{0, 1, 2} {
			if pcr, ok := p.pcrs[i]; ok && allZero(pcr) {
				return nil, invalid("PCR%d is all zeros: the enclave runs in debug mode, which is refused", i)
			}
		}
	}
	if err := v.verifyChain(leaf, p.cabundle, now); err != nil {
		return nil, err
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmES384, leafKey)
	if err != nil {
		return nil, invalid("leaf certificate key: %v", err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return nil, invalid("COSE signature does not verify with the leaf certificate's key")
	}
	return &Document{
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

// decodeSign1 decodes a tagged or untagged COSE_Sign1.
func decodeSign1(doc []byte) (*cose.Sign1Message, error) {
	var msg cose.Sign1Message
	var err error
	if doc[0] == 0xd2 { // tag 18
		err = msg.UnmarshalCBOR(doc)
	} else {
		err = (*cose.UntaggedSign1Message)(&msg).UnmarshalCBOR(doc)
	}
	if err != nil {
		return nil, invalid("not a COSE_Sign1 structure: %v", err)
	}
	if len(msg.Payload) == 0 {
		return nil, invalid("COSE_Sign1 payload is empty or detached")
	}
	return &msg, nil
}

// verifyChain checks leaf <- cabundle <- roots at now, and the leaf's usage.
func (v *NSMVerifier) verifyChain(leaf *x509.Certificate, bundle [][]byte, now time.Time) error {
	if now.Before(leaf.NotBefore) {
		return invalid("leaf certificate is not yet valid (valid from %s, now %s)",
			leaf.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(leaf.NotAfter) {
		return invalid("leaf certificate expired at %s (now %s)",
			leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return invalid("leaf certificate is a CA or lacks the digitalSignature key usage")
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
	certs := make([]*x509.Certificate, len(bundle))
	for i, der := range bundle {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return invalid("cabundle[%d] is not a DER X.509 certificate: %v", i, err)
		}
		certs[i] = c
	}
	if !v.pinned(certs[0]) {
		return invalid("cabundle[0] is not a configured root (nor issued by one)")
	}
	validity := chainValidity{from: leaf.NotBefore, until: leaf.NotAfter}
	for i, c := range certs {
		if !c.BasicConstraintsValid || !c.IsCA {
			return invalid("cabundle[%d] is not a CA certificate", i)
		}
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return invalid("cabundle[%d] is not valid now (valid %s to %s)", i, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		}
		// CAs below c in the path: the rest of the bundle.
		if below := len(certs) - 1 - i; c.MaxPathLen >= 0 && (c.MaxPathLen > 0 || c.MaxPathLenZero) && below > c.MaxPathLen {
			return invalid("cabundle[%d] allows %d CAs below it, the bundle has %d", i, c.MaxPathLen, below)
		}
		if i > 0 {
			for j := range i {
				if bytes.Equal(certs[j].Raw, c.Raw) {
					return invalid("cabundle[%d] repeats cabundle[%d]", i, j)
				}
			}
			if err := c.CheckSignatureFrom(certs[i-1]); err != nil {
				return invalid("cabundle[%d] is not issued by cabundle[%d]: %v", i, i-1, err)
			}
		}
		if c.NotBefore.After(validity.from) {
			validity.from = c.NotBefore
		}
		if c.NotAfter.Before(validity.until) {
			validity.until = c.NotAfter
		}
	}
	if err := leaf.CheckSignatureFrom(certs[len(certs)-1]); err != nil {
		return invalid("leaf certificate is not issued by the last certificate of cabundle: %v", err)
	}
	v.mu.Lock()
	if len(v.chains) >= maxCachedChains {
		clear(v.chains)
	}
	v.chains[key] = validity
	v.mu.Unlock()
	return nil
}

// pinned reports whether c is one of the configured roots (the same name
// and key, as a re-issued copy of a root has) or was issued by one.
func (v *NSMVerifier) pinned(c *x509.Certificate) bool {
	for _, r := range v.roots {
		if bytes.Equal(r.RawSubject, c.RawSubject) && bytes.Equal(r.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo) {
			return true
		}
	}
	for _, r := range v.roots {
		if bytes.Equal(r.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(r) == nil {
			return true
		}
	}
	return false
}

// allZero reports whether b is all zeros.
func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
