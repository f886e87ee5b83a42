package keyring

import (
	"errors"
	"strings"
)

// Errors a keyring file can be refused with. Each reaches the caller inside
// a *FileError naming the file, so errors.Is and errors.As both work.
var (
	// ErrWrongPassphrase: the passphrase does not open the sealed keyring.
	// The kdf section decides what a passphrase derives, so an edit of it
	// shows the same way.
	ErrWrongPassphrase = errors.New("keyring: wrong passphrase (or the file's kdf section was changed)")
	// ErrPassphraseRequired: the keyring is sealed and no passphrase was
	// given.
	ErrPassphraseRequired = errors.New("keyring: sealed with a passphrase, and none was given")
	// ErrNotSealed: a passphrase was given but the keyring is not sealed.
	// A sealed keyring stripped of its seal (a downgrade) looks the same,
	// so it is refused rather than used or silently sealed.
	ErrNotSealed = errors.New("keyring: not sealed, but a passphrase was given (a sealed keyring stripped of its seal looks the same)")
	// ErrSealed: Seal was asked to seal a keyring that already is.
	ErrSealed = errors.New("keyring: already sealed (ChangePassphrase changes its passphrase)")
	// ErrAltered: the seal over the whole document does not verify under
	// the passphrase that opened it: someone changed the file.
	ErrAltered = errors.New("keyring: altered: the seal over the document does not verify")
	// ErrDamaged: the file is not a valid keyring, or its checksum does not
	// match its content.
	ErrDamaged = errors.New("keyring: damaged")
	// ErrLegacySealed: the file was sealed by an older ecdkp (format v1),
	// whose seal covered the key material only, not states, versions,
	// projects or the default key. Open refuses it; Seal or
	// ChangePassphrase rewrites it in the current format.
	ErrLegacySealed = errors.New("keyring: sealed in format v1, whose seal covers key material only, not states, projects or the default key; check its keys and upgrade it with Seal")
	// ErrKDFLimits: the file asks for Argon2id costs above the limits
	// (DefaultArgon2Limits, or those given with WithArgon2Limits).
	ErrKDFLimits = errors.New("keyring: Argon2id parameters over the limits")
)

// A FileError is the failure to use one keyring file: the file and the
// cause, which wraps one of the errors above, fs.ErrNotExist or a system
// error.
type FileError struct {
	// Path is the keyring file.
	Path string
	// Err is the cause.
	Err error
}

// Error is "keyring: PATH: cause".
func (e *FileError) Error() string {
	return "keyring: " + e.Path + ": " + strings.TrimPrefix(e.Err.Error(), "keyring: ")
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }
