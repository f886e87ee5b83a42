package wrap

import "errors"

// Error classes of this package. Every error returned by a Wrapper,
// Unwrapper or constructor here wraps exactly one of them (errors.Is), so
// the provider can map it to a KMS error code; the message around it says
// what was wrong and never holds key material.
var (
	// ErrInvalidWrappingKey: a caller's wrapping public key is malformed,
	// too small, or of a type or curve the algorithm does not take.
	ErrInvalidWrappingKey = errors.New("wrap: invalid wrapping key")
	// ErrUnsupportedAlgorithm: an algorithm name nobody implements.
	ErrUnsupportedAlgorithm = errors.New("wrap: unsupported algorithm")
	// ErrInvalidAttestation: an attestation document failed verification.
	ErrInvalidAttestation = errors.New("wrap: invalid attestation document")
	// ErrMalformedEnvelope: an envelope that cannot be parsed (truncated,
	// wrong magic, unknown version or algorithm).
	ErrMalformedEnvelope = errors.New("wrap: malformed envelope")
	// ErrDecrypt: authentication failed (tampered envelope, wrong key, or a
	// different AAD).
	ErrDecrypt = errors.New("wrap: decryption failed")
	// ErrKeyUnavailable: the key an envelope names is not available (unknown
	// version, or the key store failed).
	ErrKeyUnavailable = errors.New("wrap: key unavailable")
)
