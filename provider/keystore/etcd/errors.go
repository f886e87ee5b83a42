package etcd

import (
	"errors"
	"strings"
)

// Errors the store fails with. Records refused come inside a
// *RecordError naming the etcd key, so errors.Is and errors.As both work.
var (
	// ErrWrongKEK: the KEK given to Open does not open the store key: a
	// wrong passphrase or KEK cipher, or the store record's kek section or
	// sealed store key was changed.
	ErrWrongKEK = errors.New("etcd: the KEK does not open the store key (wrong passphrase or KEK, or the store record's kek section was changed)")
	// ErrAltered: a record does not verify under the store key, or does not
	// sit where it was written (another key's name, an older generation, a
	// re-created key): someone other than this store wrote it. The record
	// is not used.
	ErrAltered = errors.New("etcd: altered: the record does not verify under the store key")
	// ErrNotInitialized: no store exists under the prefix and Open was
	// told not to create one (WithoutCreate).
	ErrNotInitialized = errors.New("etcd: no store under this prefix")
	// ErrKDFLimits: the store record asks for Argon2id costs above the
	// limits (DefaultArgon2Limits, or those of WithArgon2Limits).
	ErrKDFLimits = errors.New("etcd: Argon2id parameters over the limits")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("etcd: store closed")
)

// A RecordError is a record of the store that was refused: its etcd key
// and the cause, which wraps ErrAltered (or ErrWrongKEK for the store
// record).
type RecordError struct {
	// Key is the record's etcd key.
	Key string
	// Err is the cause.
	Err error
}

// Error is "etcd: record KEY: cause".
func (e *RecordError) Error() string {
	return "etcd: record " + e.Key + ": " + strings.TrimPrefix(e.Err.Error(), "etcd: ")
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }
