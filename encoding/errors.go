package encoding

import "errors"

// Error classes. Every error returned by a parser or encoder in this package
// wraps exactly one of these (test with errors.Is); its message says what was
// wrong, e.g. "encoding: PKCS#8 has trailing data", and never contains key
// material. The classes are stable: callers and the conformance suite branch
// on them.
var (
	// ErrMalformed marks input that is not the expected structure in
	// canonical DER: truncated or non-minimal encodings, trailing data at
	// any level, a wrong version, unexpected or missing fields (PKCS#8
	// attributes, PKCS#8 v2 of an EC key, a SEC1 key without curve
	// parameters, NULL or absent curve parameters, parameters after an
	// EdDSA OID), a BIT STRING with unused bits, a scalar longer than the
	// curve's or an Ed25519 seed of another length than 32, and bad PEM
	// framing.
	ErrMalformed = errors.New("encoding: malformed key encoding")

	// ErrUnknownCurve marks a named-curve OID that no curve is registered
	// for (see curves.LookupOID).
	ErrUnknownCurve = errors.New("encoding: unknown curve")

	// ErrExplicitParameters marks keys that spell out their curve
	// (specifiedCurve / ECParameters) instead of naming it by OID; they are
	// refused whatever the parameters say.
	ErrExplicitParameters = errors.New("encoding: explicit curve parameters are not supported")

	// ErrUnsupportedAlgorithm marks an AlgorithmIdentifier other than
	// id-ecPublicKey (1.2.840.10045.2.1) or a registered EdDSA curve's OID
	// (Ed25519, 1.3.101.112), an EdDSA curve named where an EC curve must
	// be (namedCurve, ECPrivateKey [0]), and SEC1 for an EdDSA key, which
	// has no SEC 1 form.
	ErrUnsupportedAlgorithm = errors.New("encoding: unsupported key algorithm")

	// ErrKeyMismatch marks a private key whose embedded public key is not
	// the one its scalar (seed) yields, or a PKCS#8 key whose inner [0]
	// curve OID differs from the outer AlgorithmIdentifier's.
	ErrKeyMismatch = errors.New("encoding: key parts do not match")

	// ErrInvalidKey marks a scalar or point the curve rejects (zero, at or
	// above the order, off the curve, ...); the curves error is wrapped
	// too. Encoders return it for nil, zero-value or destroyed keys.
	ErrInvalidKey = errors.New("encoding: invalid key")
)

// formatError is a classified error with a precise message.
type formatError struct {
	class error  // one of the Err* classes above
	msg   string // what was wrong, without key material
	cause error  // optional underlying error (e.g. from package curves)
}

func (e *formatError) Error() string {
	if e.cause != nil {
		return "encoding: " + e.msg + ": " + e.cause.Error()
	}
	return "encoding: " + e.msg
}

// Unwrap exposes the class and the cause to errors.Is and errors.As.
func (e *formatError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.class, e.cause}
	}
	return []error{e.class}
}

func malformed(msg string) error { return &formatError{class: ErrMalformed, msg: msg} }

func classed(class error, msg string, cause error) error {
	return &formatError{class: class, msg: msg, cause: cause}
}
