// Package errs holds the error classes of package wrap, so that wrap's
// internal packages (cms, kwp) return errors of the same classes without
// importing wrap. Package wrap re-exports each one under its Err name and
// documents it there (wrap/errors.go); nothing outside wrap's tree imports
// this package.
package errs

import "errors"

// The error classes of package wrap.
var (
	// InvalidWrappingKey is wrap.ErrInvalidWrappingKey.
	InvalidWrappingKey = errors.New("wrap: invalid wrapping key")
	// UnsupportedAlgorithm is wrap.ErrUnsupportedAlgorithm.
	UnsupportedAlgorithm = errors.New("wrap: unsupported algorithm")
	// MalformedEnvelope is wrap.ErrMalformedEnvelope.
	MalformedEnvelope = errors.New("wrap: malformed envelope")
	// Decrypt is wrap.ErrDecrypt.
	Decrypt = errors.New("wrap: decryption failed")
	// KeyUnavailable is wrap.ErrKeyUnavailable.
	KeyUnavailable = errors.New("wrap: key unavailable")
)
