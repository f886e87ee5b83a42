package provider

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is every rejection of the provider and its HTTP handler: an HTTP
// status, a Huawei-style KMS error code and a message that says what was
// wrong. It never holds key material. Use errors.As to branch on it.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
	// Failure is the failure class the code was taken from.
	Failure Failure `json:"-"`
	err     error
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause, when there is one.
func (e *Error) Unwrap() error { return e.err }

// Failure is a class of rejection; the table in the package doc maps each
// to its HTTP status and KMS code.
type Failure int

// Failures, in the order of the table.
const (
	FailInvalidURL Failure = iota + 1
	FailMalformedJSON
	FailRequestTooLarge
	FailMissingParameter
	FailInvalidKeyID
	FailInvalidSequence
	FailInvalidParameter
	FailUnknownKeySpec
	FailInvalidCiphertext
	FailDecrypt
	FailInvalidWrappingKey
	FailUnsupportedAlgorithm
	FailInvalidAttestation
	FailKeyNotFound
	FailKeyDisabled
	FailKeyPendingDeletion
	FailKeyPendingImport
	FailKeyUsage
	FailUnauthenticated
	FailForbidden
	FailNotFound
	FailMethodNotAllowed
	FailReplay
	FailCanceled
	FailInternal
)

type failureInfo struct {
	status int
	code   string
	name   string
}

// failures is the one table of codes; keep doc.go in step with it.
var failures = map[Failure]failureInfo{
	FailInvalidURL:           {http.StatusBadRequest, "KMS.0201", "invalid request URL"},
	FailMalformedJSON:        {http.StatusBadRequest, "KMS.0202", "invalid JSON"},
	FailRequestTooLarge:      {http.StatusRequestEntityTooLarge, "KMS.0203", "request too large"},
	FailMissingParameter:     {http.StatusBadRequest, "KMS.0204", "missing parameter"},
	FailInvalidKeyID:         {http.StatusBadRequest, "KMS.0205", "invalid key_id"},
	FailInvalidSequence:      {http.StatusBadRequest, "KMS.0206", "invalid sequence"},
	FailInvalidParameter:     {http.StatusBadRequest, "KMS.0308", "invalid parameter"},
	FailUnknownKeySpec:       {http.StatusBadRequest, "KMS.0308", "unsupported key_spec"},
	FailInvalidCiphertext:    {http.StatusBadRequest, "KMS.2201", "invalid cipher_text"},
	FailDecrypt:              {http.StatusBadRequest, "KMS.2203", "decryption failed"},
	FailInvalidWrappingKey:   {http.StatusBadRequest, "KMS.0308", "invalid wrapping_public_key"},
	FailUnsupportedAlgorithm: {http.StatusBadRequest, "KMS.0308", "unsupported algorithm"},
	FailInvalidAttestation:   {http.StatusBadRequest, "KMS.0308", "invalid attestation document"},
	FailKeyNotFound:          {http.StatusNotFound, "KMS.0207", "key not found"},
	FailKeyDisabled:          {http.StatusBadRequest, "KMS.0209", "key disabled"},
	FailKeyPendingDeletion:   {http.StatusBadRequest, "KMS.0210", "key pending deletion"},
	FailKeyPendingImport:     {http.StatusBadRequest, "KMS.0310", "key pending import"},
	FailKeyUsage:             {http.StatusBadRequest, "KMS.0308", "key usage"},
	FailUnauthenticated:      {http.StatusUnauthorized, "KMS.0301", "unauthenticated"},
	FailForbidden:            {http.StatusForbidden, "KMS.0306", "forbidden"},
	FailNotFound:             {http.StatusNotFound, "KMS.0201", "no such API"},
	FailMethodNotAllowed:     {http.StatusMethodNotAllowed, "KMS.0201", "method not allowed"},
	FailReplay:               {http.StatusConflict, "KMS.0206", "sequence replayed"},
	FailCanceled:             {499, "KMS.0101", "request canceled"},
	FailInternal:             {http.StatusInternalServerError, "KMS.0101", "internal error"},
}

// Status is the failure's HTTP status.
func (f Failure) Status() int { return failures[f].status }

// Code is the failure's KMS error code.
func (f Failure) Code() string { return failures[f].code }

// String names the failure.
func (f Failure) String() string {
	if i, ok := failures[f]; ok {
		return i.name
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// Errorf builds the *Error of a failure with a formatted message. Embedding
// services use it to refuse requests in the same format (e.g. from an
// Authorizer).
func Errorf(f Failure, format string, args ...any) *Error {
	i, ok := failures[f]
	if !ok {
		i = failures[FailInternal]
		f = FailInternal
	}
	return &Error{Status: i.status, Code: i.code, Message: fmt.Sprintf(format, args...), Failure: f}
}

// wrapErr is Errorf keeping cause for errors.Is.
func wrapErr(f Failure, cause error, format string, args ...any) *Error {
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
	return wrapErr(FailInternal, err, "internal error")
}
