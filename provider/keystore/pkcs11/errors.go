package pkcs11

import (
	"errors"
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Errors callers branch on. Failures of PKCS#11 calls are *Error values,
// which match the sentinel of their return code with errors.Is.
var (
	// ErrNeedsCgo is returned by Open in a build without cgo.
	ErrNeedsCgo = errors.New("pkcs11: the PKCS#11 key store needs cgo; rebuild with CGO_ENABLED=1")
	// ErrModuleNotFound means the PKCS#11 library could not be loaded.
	ErrModuleNotFound = errors.New("pkcs11: PKCS#11 module not found")
	// ErrTokenNotFound means no slot holds a token with the configured
	// label (or the token was removed: CKR_TOKEN_NOT_PRESENT).
	ErrTokenNotFound = errors.New("pkcs11: token not found")
	// ErrPINIncorrect is CKR_PIN_INCORRECT: the user PIN is wrong.
	ErrPINIncorrect = errors.New("pkcs11: PIN incorrect (CKR_PIN_INCORRECT)")
	// ErrMechanismInvalid is CKR_MECHANISM_INVALID (or
	// CKR_MECHANISM_PARAM_INVALID): the token lacks a mechanism the store
	// needs (CKM_AES_KEY_GEN, CKM_AES_GCM).
	ErrMechanismInvalid = errors.New("pkcs11: mechanism not supported by the token (CKR_MECHANISM_INVALID)")
	// ErrUnsupportedSpec is returned by CreateKey for a master key spec the
	// store cannot hold (SM4).
	ErrUnsupportedSpec = errors.New("pkcs11: master key spec not supported")
	// ErrCorruptObject means an object on the token does not have the
	// layout this package writes.
	ErrCorruptObject = errors.New("pkcs11: unexpected object on token")
	// ErrClosed is returned by a Store, and by the master keys it handed
	// out, after Close.
	ErrClosed = errors.New("pkcs11: key store is closed")
)

// PKCS#11 return codes (CK_RV) this package gives meaning to; the values
// are those of the PKCS#11 standard.
const (
	ckrMechanismInvalid      = 0x70
	ckrMechanismParamInvalid = 0x71
	ckrPINIncorrect          = 0xA0
	ckrTokenNotPresent       = 0xE0

	ckrDeviceError            = 0x30
	ckrDeviceMemory           = 0x31
	ckrDeviceRemoved          = 0x32
	ckrSessionClosed          = 0xB0
	ckrSessionCount           = 0xB1
	ckrSessionHandleInvalid   = 0xB3
	ckrTokenNotRecognized     = 0xE1
	ckrUserNotLoggedIn        = 0x101
	ckrCryptokiNotInitialized = 0x190
)

// Error is a PKCS#11 call that failed.
type Error struct {
	// Op says what the store was doing, such as `logging in to token "x"`.
	Op string
	// Code is the CK_RV the module returned.
	Code uint
}

// Error names the return code, such as CKR_PIN_INCORRECT (0xA0).
func (e *Error) Error() string {
	return fmt.Sprintf("pkcs11: %s: %s (0x%X)", e.Op, ReturnCodeName(e.Code), e.Code)
}

// Is matches the sentinel of the return code: ErrPINIncorrect,
// ErrMechanismInvalid or ErrTokenNotFound; and, for a token that cannot be
// used now (removed, failing, out of sessions, logged out: see
// unavailableCode), keystore.ErrUnavailable and wrap.ErrKeyUnavailable, so
// the provider answers unavailable, not an internal error or a ciphertext
// that does not decrypt.
func (e *Error) Is(target error) bool {
	if (target == keystore.ErrUnavailable || target == wrap.ErrKeyUnavailable) && unavailableCode(e.Code) {
		return true
	}
	switch e.Code {
	case ckrPINIncorrect:
		return target == ErrPINIncorrect
	case ckrMechanismInvalid, ckrMechanismParamInvalid:
		return target == ErrMechanismInvalid
	case ckrTokenNotPresent:
		return target == ErrTokenNotFound
	}
	return false
}

// unavailableCode lists the return codes of a token that cannot be used
// now, whatever the request: a retry, once it is back, may succeed.
func unavailableCode(code uint) bool {
	switch code {
	case ckrDeviceError, ckrDeviceMemory, ckrDeviceRemoved,
		ckrSessionClosed, ckrSessionCount, ckrSessionHandleInvalid,
		ckrTokenNotPresent, ckrTokenNotRecognized, ckrUserNotLoggedIn,
		ckrCryptokiNotInitialized:
		return true
	}
	return false
}
