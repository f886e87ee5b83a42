package provider

import (
	"errors"
	"fmt"
)

// Error is every rejection of the provider: the class of failure and a
// message that says what was wrong. It never holds key material. Each
// dialect maps the Failure to its own code and status (package
// provider/huawei: KMS.xxxx codes). Use errors.As to branch on it.
type Error struct {
	// Failure is the class of the rejection.
	Failure Failure
	// Message says what was wrong, for the caller.
	Message string
	err     error
}

// Error implements error: the failure's name and the message.
func (e *Error) Error() string { return e.Failure.String() + ": " + e.Message }

// Unwrap returns the cause, when there is one.
func (e *Error) Unwrap() error { return e.err }

// Failure is a class of rejection, neutral of any dialect.
type Failure int

// Failures. The operation raises most of them; the dialects raise those of
// the HTTP exchange itself (URL, method, body, authentication).
const (
	// FailInvalidURL: a malformed URL, such as a bad project id.
	FailInvalidURL Failure = iota + 1
	// FailMalformedJSON: a body that is not the JSON object of the API.
	FailMalformedJSON
	// FailRequestTooLarge: a body over the dialect's limit.
	FailRequestTooLarge
	// FailMissingParameter: a required field is absent.
	FailMissingParameter
	// FailInvalidKeyID: key_id is not of the API's form.
	FailInvalidKeyID
	// FailInvalidSequence: sequence is not 36 bytes of [0-9A-Za-z-].
	FailInvalidSequence
	// FailInvalidParameter: a field's value is out of range or a
	// combination of fields is not allowed.
	FailInvalidParameter
	// FailUnknownKeySpec: key_spec names no registered curve.
	FailUnknownKeySpec
	// FailInvalidCiphertext: a ciphertext that is not an envelope.
	FailInvalidCiphertext
	// FailDecrypt: an envelope that does not authenticate (tampered, or
	// another AAD or master key version).
	FailDecrypt
	// FailInvalidWrappingKey: the caller's wrapping key is unusable.
	FailInvalidWrappingKey
	// FailUnsupportedAlgorithm: a wrapping or key encryption algorithm
	// nobody implements.
	FailUnsupportedAlgorithm
	// FailInvalidAttestation: a recipient attestation document that does
	// not verify.
	FailInvalidAttestation
	// FailKeyNotFound: no master key has this id.
	FailKeyNotFound
	// FailKeyDisabled: the master key is disabled.
	FailKeyDisabled
	// FailKeyPendingDeletion: the master key is scheduled for deletion.
	FailKeyPendingDeletion
	// FailKeyPendingImport: the master key waits for its key material.
	FailKeyPendingImport
	// FailKeyUsage: the master key's usage or spec cannot seal data keys.
	FailKeyUsage
	// FailUnauthenticated: no valid credential.
	FailUnauthenticated
	// FailForbidden: the caller is not allowed to do this.
	FailForbidden
	// FailNotFound: no such route.
	FailNotFound
	// FailMethodNotAllowed: the route exists with another method.
	FailMethodNotAllowed
	// FailReplay: the sequence was already used within the window.
	FailReplay
	// FailCanceled: the caller gave up (its context is done).
	FailCanceled
	// FailUnavailable: the service cannot take the request now (too many
	// in flight, a key store it cannot reach); a retry later may succeed.
	FailUnavailable
	// FailInternal: anything else; the message does not leak the cause.
	FailInternal
	// FailIncorrectKey: a ciphertext sealed under another master key than
	// the one the request names.
	FailIncorrectKey
	// FailUnsupported: an operation or option this server does not offer.
	FailUnsupported
	// FailDryRun: a dry run's answer when the request would have succeeded.
	FailDryRun
	// FailInvalidState: the master key's state does not allow the key
	// management operation (enabling a key pending deletion, say).
	FailInvalidState
	// failEnd is one past the last failure.
	failEnd
)

// failureNames names each failure, in the order of the constants.
var failureNames = [failEnd]string{
	FailInvalidURL:           "invalid request URL",
	FailMalformedJSON:        "invalid JSON",
	FailRequestTooLarge:      "request too large",
	FailMissingParameter:     "missing parameter",
	FailInvalidKeyID:         "invalid key_id",
	FailInvalidSequence:      "invalid sequence",
	FailInvalidParameter:     "invalid parameter",
	FailUnknownKeySpec:       "unsupported key_spec",
	FailInvalidCiphertext:    "invalid cipher_text",
	FailDecrypt:              "decryption failed",
	FailInvalidWrappingKey:   "invalid wrapping_public_key",
	FailUnsupportedAlgorithm: "unsupported algorithm",
	FailInvalidAttestation:   "invalid attestation document",
	FailKeyNotFound:          "key not found",
	FailKeyDisabled:          "key disabled",
	FailKeyPendingDeletion:   "key pending deletion",
	FailKeyPendingImport:     "key pending import",
	FailKeyUsage:             "key usage",
	FailUnauthenticated:      "unauthenticated",
	FailForbidden:            "forbidden",
	FailNotFound:             "no such API",
	FailMethodNotAllowed:     "method not allowed",
	FailReplay:               "sequence replayed",
	FailCanceled:             "request canceled",
	FailUnavailable:          "service unavailable",
	FailInternal:             "internal error",
	FailIncorrectKey:         "incorrect key",
	FailUnsupported:          "unsupported operation",
	FailDryRun:               "dry run",
	FailInvalidState:         "invalid key state",
}

// Failures lists every failure, in the order of the constants.
func Failures() []Failure {
	out := make([]Failure, 0, failEnd-1)
	for f := Failure(1); f < failEnd; f++ {
		out = append(out, f)
	}
	return out
}

// Valid reports whether f is one of the failures.
func (f Failure) Valid() bool { return f > 0 && f < failEnd }

// String names the failure.
func (f Failure) String() string {
	if f.Valid() {
		return failureNames[f]
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// Errorf builds the *Error of a failure with a formatted message. Embedding
// services use it to refuse requests in the same format (e.g. from an
// Authorizer). An invalid failure becomes FailInternal.
func Errorf(f Failure, format string, args ...any) *Error {
	if !f.Valid() {
		f = FailInternal
	}
	return &Error{Failure: f, Message: fmt.Sprintf(format, args...)}
}

// Wrapf is Errorf keeping cause for errors.Is and errors.As; the message
// holds the cause's text only where the format puts it.
func Wrapf(f Failure, cause error, format string, args ...any) *Error {
	e := Errorf(f, format, args...)
	e.err = cause
	return e
}

// AsError returns err as an *Error, turning anything else into an internal
// error whose message does not leak the cause's text.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrapf(FailInternal, err, "internal error")
}
