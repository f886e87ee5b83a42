package wrap

import (
	"github.com/ecdkp/ecdkp/wrap/attest"
	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

// Error classes of this package. Every error returned by a Wrapper,
// Unwrapper or constructor here wraps exactly one of them (errors.Is), so
// the provider can map it to a KMS error code; the message around it says
// what was wrong and never holds key material.
//
// The values are defined once, in an internal package (and
// ErrInvalidAttestation in package attest), so that the encodings under
// wrap/internal and the attestation verifiers return the same classes.
var (
	// ErrInvalidWrappingKey: a caller's wrapping public key is malformed,
	// too small, or of a type or curve the algorithm does not take.
	ErrInvalidWrappingKey = errs.InvalidWrappingKey
	// ErrUnsupportedAlgorithm: an algorithm name nobody implements.
	ErrUnsupportedAlgorithm = errs.UnsupportedAlgorithm
	// ErrInvalidAttestation: an attestation document failed verification,
	// or a verified one carries no key to seal for. It is attest.ErrInvalid,
	// the class of every attest.Verifier's errors.
	ErrInvalidAttestation = attest.ErrInvalid
	// ErrMalformedEnvelope: an envelope that cannot be parsed (truncated,
	// wrong magic, unknown version or algorithm).
	ErrMalformedEnvelope = errs.MalformedEnvelope
	// ErrDecrypt: authentication failed (tampered envelope, wrong key, or a
	// different AAD).
	ErrDecrypt = errs.Decrypt
	// ErrKeyUnavailable: the key an envelope names is not available (unknown
	// version, or the key store failed).
	ErrKeyUnavailable = errs.KeyUnavailable
)
